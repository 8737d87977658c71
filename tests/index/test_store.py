"""The FAISS index on disk: manifest, reuse, rebuild on change, recovery from corruption, atomic writes."""

import json

import numpy as np
import pytest

from policy_qa.errors import EmptyCorpusError, IndexBuildError
from policy_qa.index.store import MANIFEST_NAME, load_or_build, read_manifest


def _build(corpus, index_dir, embedding, **kwargs):
    choice, model = embedding
    return load_or_build(corpus, index_dir, model, choice.model_id, **kwargs)


def test_index_is_persisted_with_a_manifest_and_reused(corpus_copy, tmp_path, embedding):
    index_dir = tmp_path / "index"
    first = _build(corpus_copy, index_dir, embedding)
    assert first.rebuilt_because == "还没有索引"
    manifest = read_manifest(index_dir)
    assert manifest.dimension == 384 and manifest.chunks == len(first.catalog.chunks)
    assert manifest.sentences == len(first.catalog.sentences) == first.sentence_vectors.shape[0]
    assert manifest.model == embedding[0].model_id
    again = _build(corpus_copy, index_dir, embedding)
    assert again.rebuilt_because is None
    assert list(again.catalog.by_id) == list(first.catalog.by_id)
    assert again.manifest.built_at == manifest.built_at
    assert (again.sentence_vectors == first.sentence_vectors).all()


def test_sentence_vectors_are_normalised_and_match_their_sentence(corpus_copy, tmp_path, embedding):
    loaded = _build(corpus_copy, tmp_path / "index", embedding)
    norms = (loaded.sentence_vectors**2).sum(axis=1)
    assert abs(norms - 1).max() < 1e-3
    sentence = loaded.catalog.sentences[7]
    again = embedding[1].get_text_embedding(f"{sentence.section.heading}\n{sentence.text}")
    assert float(loaded.sentence_vectors[7] @ again) > 0.999


def test_changed_corpus_triggers_a_rebuild(corpus_copy, tmp_path, embedding):
    index_dir = tmp_path / "index"
    _build(corpus_copy, index_dir, embedding)
    (corpus_copy / "新增公报.md").write_text("# 某县\n\n2023年，某县新建公园3个。\n", encoding="utf-8")
    rebuilt = _build(corpus_copy, index_dir, embedding)
    assert rebuilt.rebuilt_because == "语料已改动"
    assert any(chunk.section.document == "新增公报.md" for chunk in rebuilt.catalog.chunks)


def test_an_update_reads_and_embeds_only_the_files_added_or_changed(corpus_copy, tmp_path, embedding):
    index_dir = tmp_path / "index"
    (corpus_copy / "乙县.md").write_text("# 乙县\n\n2023年，乙县新建公园3个。\n", encoding="utf-8")
    first = _build(corpus_copy, index_dir, embedding)
    bulletin = next(p.name for p in corpus_copy.iterdir() if p.suffix == ".txt")
    parts = {d["name"]: index_dir / "files" / d["part"] for d in read_manifest(index_dir).documents}
    inode = parts[bulletin].stat().st_ino
    (corpus_copy / "丙县.md").write_text("# 丙县\n\n2023年，丙县新建学校2所。\n", encoding="utf-8")
    (corpus_copy / "乙县.md").write_text("# 乙县\n\n2023年，乙县新建公园4个。\n", encoding="utf-8")
    messages = []
    updated = _build(corpus_copy, index_dir, embedding, progress=lambda fraction, message: messages.append(message))
    assert (updated.changes.added, updated.changes.changed, updated.changes.removed) == (["丙县.md"], ["乙县.md"], [])
    assert updated.changes.unchanged == [bulletin]
    assert [m for m in messages if m.startswith("读取文件")][-1].startswith("读取文件 2/2")
    assert any(m.startswith("2 个文件待嵌入") for m in messages)
    new_parts = {d["name"]: index_dir / "files" / d["part"] for d in read_manifest(index_dir).documents}
    assert new_parts[bulletin].stat().st_ino == inode, "the unchanged file's part is taken over, not rewritten"
    assert sorted(p.name for p in (index_dir / "files").iterdir()) == sorted(p.name for p in new_parts.values())
    texts = {s.text for s in updated.catalog.sentences}
    assert "2023年，乙县新建公园4个。" in texts and "2023年，丙县新建学校2所。" in texts
    assert "2023年，乙县新建公园3个。" not in texts
    unchanged = [k for k, s in enumerate(first.catalog.sentences) if s.file == bulletin]
    again = [k for k, s in enumerate(updated.catalog.sentences) if s.file == bulletin]
    assert (updated.sentence_vectors[again] == first.sentence_vectors[unchanged]).all()
    (corpus_copy / "丙县.md").unlink()
    removed = _build(corpus_copy, index_dir, embedding)
    assert removed.changes.removed == ["丙县.md"] and "丙县.md" not in removed.catalog.sources
    assert removed.catalog.sentence_row(removed.catalog.sentences[-1]) == len(removed.sentence_vectors) - 1
    kept = [k for k, s in enumerate(removed.catalog.sentences) if s.file == bulletin]
    assert (removed.sentence_vectors[kept] == first.sentence_vectors[unchanged]).all()
    every = np.ones(len(removed.catalog.chunks), dtype=bool)
    assert (removed.search.dense_ranks(first.sentence_vectors[0], every) > 0).all(), "one FAISS row per chunk"


def test_an_unreadable_file_is_reported_at_every_load_and_read_again_only_when_changed(corpus_copy, tmp_path, embedding):
    index_dir = tmp_path / "index"
    (corpus_copy / "坏.txt").write_bytes(bytes(range(0x80, 0x100)) * 3)
    built = _build(corpus_copy, index_dir, embedding)
    assert any(w.startswith("跳过「坏.txt」") for w in built.warnings)
    loaded = _build(corpus_copy, index_dir, embedding)
    assert loaded.rebuilt_because is None and any(w.startswith("跳过「坏.txt」") for w in loaded.warnings)
    (corpus_copy / "坏.txt").write_text("2023年，丁县新建桥梁1座。", encoding="utf-8")
    fixed = _build(corpus_copy, index_dir, embedding)
    assert fixed.changes.changed == ["坏.txt"] and not any("坏.txt" in w for w in fixed.warnings)


def test_a_damaged_file_part_is_detected_and_rebuilt(corpus_copy, tmp_path, embedding):
    index_dir = tmp_path / "index"
    built = _build(corpus_copy, index_dir, embedding)
    (part,) = (index_dir / "files").iterdir()
    part.write_bytes(b"\x80\x05garbage")
    recovered = _build(corpus_copy, index_dir, embedding)
    assert "索引已损坏" in recovered.rebuilt_because and len(recovered.catalog.chunks) == len(built.catalog.chunks)


def test_changed_model_triggers_a_rebuild(corpus_copy, tmp_path, embedding):
    index_dir = tmp_path / "index"
    _build(corpus_copy, index_dir, embedding)
    choice, model = embedding
    rebuilt = load_or_build(corpus_copy, index_dir, model, choice.model_id + "-other")
    assert rebuilt.rebuilt_because.startswith("嵌入模型已更换")


@pytest.mark.parametrize("victim", ["chunks.npy", "sentences.npy", "keywords.npz", MANIFEST_NAME])
def test_corrupt_index_is_detected_and_rebuilt(corpus_copy, tmp_path, embedding, victim, caplog):
    index_dir = tmp_path / "index"
    built = _build(corpus_copy, index_dir, embedding)
    (index_dir / victim).write_bytes(b"\x00garbage")
    recovered = _build(corpus_copy, index_dir, embedding)
    assert "索引已损坏" in recovered.rebuilt_because
    assert "索引已损坏" in caplog.text
    assert len(recovered.catalog.chunks) == len(built.catalog.chunks)
    assert read_manifest(index_dir).chunks == len(built.catalog.chunks)


def test_unwritable_index_folder_fails_clearly(corpus_copy, tmp_path, embedding):
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the index's parent folder should be")
    with pytest.raises(IndexBuildError, match="无法写入索引文件夹"):
        _build(corpus_copy, blocked / "index", embedding)
    assert blocked.read_text() == "a file where the index's parent folder should be"


def test_failed_build_leaves_no_staging_folder_and_old_index_intact(corpus_copy, tmp_path, embedding, monkeypatch):
    index_dir = tmp_path / "index"
    _build(corpus_copy, index_dir, embedding)
    manifest_before = (index_dir / MANIFEST_NAME).read_text(encoding="utf-8")
    (corpus_copy / "extra.txt").write_text("2023年，新增项目5个。", encoding="utf-8")

    def crash(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("numpy.save", crash)
    with pytest.raises(IndexBuildError, match="No space left"):
        _build(corpus_copy, index_dir, embedding)
    assert (index_dir / MANIFEST_NAME).read_text(encoding="utf-8") == manifest_before
    assert sorted(p.name for p in tmp_path.iterdir()) == [".index.lock", "corpus", "index"]


def test_empty_corpus_is_an_error(tmp_path, embedding):
    (tmp_path / "empty").mkdir()
    with pytest.raises(EmptyCorpusError):
        _build(tmp_path / "empty", tmp_path / "index", embedding)


def test_manifest_lists_documents_with_encoding_and_sections(corpus_copy, tmp_path, embedding):
    index_dir = tmp_path / "index"
    _build(corpus_copy, index_dir, embedding)
    (document,) = json.loads((index_dir / MANIFEST_NAME).read_text(encoding="utf-8"))["documents"]
    assert document["encoding"] == "utf-8" and document["sections"] > 20 and len(document["sha256"]) == 64
