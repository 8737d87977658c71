"""The engine's serving methods behind the web page: sources, examples, answer modes, uploads and re-indexing."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

from policy_qa import PolicyQA, PolicyQAError
from policy_qa.errors import IndexBuildError
from policy_qa.index.store import load_or_build, read_manifest
from policy_qa.models.llm_client import LLMSettings
from policy_qa.settings import EngineSettings

from .conftest import DOCUMENT, SECOND_BULLETIN

QUESTION = "临汾标准化厂房建了多少？"
SECOND_QUESTION = "云岭县企业开办时间压缩到了多少？"


def _engine_over(qa, corpus: Path, index_dir: Path) -> PolicyQA:
    """An engine over ``corpus`` that shares the session engine's embedding model (no second model load)."""
    loaded = load_or_build(corpus, index_dir, qa.embed_model, qa.info().model)
    return PolicyQA(EngineSettings.resolve(corpus, index_dir), loaded, qa.embed_model, "extractive")


@pytest.fixture(scope="module")
def built(qa, tmp_path_factory) -> Path:
    """The corpus and its index, built once for this module's tests to copy."""
    from .conftest import CORPUS

    folder = tmp_path_factory.mktemp("built")
    shutil.copytree(CORPUS, folder / "corpus")
    _engine_over(qa, folder / "corpus", folder / "index")
    return folder


@pytest.fixture
def writable(qa, built, corpus_copy, tmp_path) -> PolicyQA:
    """An engine over a writable copy of the corpus, with its own copy of the index (loaded, not rebuilt)."""
    shutil.copytree(built / "index", tmp_path / "index")
    return _engine_over(qa, corpus_copy, tmp_path / "index")


@pytest.fixture
def corpus_copy(built, tmp_path) -> Path:
    shutil.copytree(built / "corpus", tmp_path / "corpus")
    return tmp_path / "corpus"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_source_view_highlights_the_quote_inside_its_section(qa):
    answer = qa.ask(QUESTION)
    citation = answer.citations[0]
    view = qa.source_view(citation)
    before, quote, after = view.parts
    assert quote == citation.quote and "37.9万平方米" in quote
    assert before + quote + after == view.text
    assert view.section == citation.section and view.document == citation.document
    assert view.text.startswith("五是要素保障扎实有力")
    assert view.line_start <= citation.line <= view.line_end


def test_source_view_of_an_uncited_passage_shows_its_section_unhighlighted(qa):
    answer = qa.ask(QUESTION)
    passage = answer.passages[-1]
    view = qa.source_view(passage)
    assert view.parts == (view.text, "", "")
    assert passage.text.split("\n")[-1][:20] in view.text


def test_example_questions_come_from_the_corpus_and_are_answered(qa):
    examples = qa.example_questions(limit=4)
    assert len(examples) == 4
    assert {e[:3] for e in examples} == {"临汾市", "晋城市"}, "reports take turns"
    for example in examples:
        assert not qa.ask(example).refused


def test_switching_answer_modes_reuses_the_index_and_reports_a_down_llm(qa):
    engine = qa.with_answerer("extractive")
    assert engine.answer_mode == "extractive"
    down = LLMSettings(base_url=f"http://127.0.0.1:{_closed_port()}/v1", model="m", timeout_s=2, max_retries=0)
    engine.set_answerer("llm", down)
    assert engine.answer_mode == "remote"
    answer = engine.ask(QUESTION)
    assert answer.answerer == "extractive" and "37.9" in answer.text
    assert answer.note and "原文摘录" in answer.note
    engine.set_answerer("extractive")
    assert engine.answer_mode == "extractive"
    assert engine.ask(QUESTION).note is None
    engine.set_answerer("llm", LLMSettings())
    assert engine.answer_mode == "local"
    with pytest.raises(ValueError):
        engine.set_answerer("oracle")


def test_uploaded_bulletin_is_searchable_at_once(writable, corpus_copy, monkeypatch):
    import policy_qa.index.store as store

    assert writable.ask(SECOND_QUESTION).refused or "0.5个工作日" not in writable.ask(SECOND_QUESTION).text
    source = next(SECOND_BULLETIN.iterdir())
    steps = []

    def not_from_disk(path, source_path):
        raise AssertionError(f"the running engine's part of {source_path.name} was read again from disk")

    monkeypatch.setattr(store, "load_part", not_from_disk)  # the files already indexed come from memory
    info = writable.add_documents([source], progress=lambda fraction, message: steps.append(fraction))
    monkeypatch.undo()
    assert (corpus_copy / source.name).read_bytes() == source.read_bytes()
    assert source.name in [d["name"] for d in info.documents] and any(r.startswith("云岭县") for r in info.reports)
    assert steps == sorted(steps) and steps[-1] == 1.0
    answer = writable.ask(SECOND_QUESTION)
    assert "0.5个工作日" in answer.text and answer.citations[0].document == source.name
    assert writable.source_view(answer.citations[0]).parts[1] == answer.citations[0].quote
    assert any(q.startswith("云岭县") for q in writable.example_questions(limit=6))


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("report.xls", b"\xd0\xcf\x11\xe0 binary", "格式不支持"),
        ("report.pdf", b"%PDF-1.4 binary", "无法读取"),
        ("binary.txt", b"\x00\x01\x02" * 100, "无法读取"),
        ("empty.md", b"   \n\n", "无法读取"),
        ("临汾晋城开发区2023年工作情况.txt", "新内容。".encode(), "已有同名文件"),
    ],
)
def test_a_bad_upload_changes_nothing(writable, corpus_copy, tmp_path, name, data, message):
    before_files = sorted(p.name for p in corpus_copy.iterdir())
    before_manifest = read_manifest(writable.settings.index_dir)
    bad = tmp_path / "upload" / name
    bad.parent.mkdir()
    bad.write_bytes(data)
    good = next(SECOND_BULLETIN.iterdir())
    with pytest.raises(PolicyQAError, match=message) as raised:
        writable.add_documents([good, bad])
    assert "未改动" in str(raised.value)
    assert sorted(p.name for p in corpus_copy.iterdir()) == before_files
    assert read_manifest(writable.settings.index_dir) == before_manifest
    assert "37.9" in writable.ask(QUESTION).text


def test_a_copy_of_a_corpus_file_under_another_name_is_refused(writable, corpus_copy, tmp_path):
    twin = tmp_path / "copy.txt"
    twin.write_bytes(next(corpus_copy.iterdir()).read_bytes())
    with pytest.raises(PolicyQAError, match="内容相同"):
        writable.add_documents([twin])


def test_a_failed_build_removes_the_uploaded_files(writable, corpus_copy, monkeypatch):
    import policy_qa.engine as engine_module

    def broken(*args, **kwargs):
        raise PolicyQAError("disk full")

    monkeypatch.setattr(engine_module, "load_or_build", broken)
    with pytest.raises(PolicyQAError, match="disk full"):
        writable.add_documents([next(SECOND_BULLETIN.iterdir())])
    assert [p.name for p in corpus_copy.iterdir()] == ["临汾晋城开发区2023年工作情况.txt"]
    assert "37.9" in writable.ask(QUESTION).text


def test_questions_asked_during_a_reindex_are_answered_from_the_old_index(writable):
    built_before = writable.info().built_at
    done = threading.Event()
    result = {}

    def rebuild():
        result["info"] = writable.reindex()
        done.set()

    thread = threading.Thread(target=rebuild)
    thread.start()
    answered = 0
    while not done.is_set():
        assert "37.9" in writable.ask(QUESTION).text
        answered += 1
        time.sleep(0.01)
    thread.join()
    assert answered >= 1
    assert result["info"].built_at > built_before and result["info"].rebuilt_because == "要求重建"
    assert "37.9" in writable.ask(QUESTION).text


def test_a_removed_document_is_no_longer_answered_and_a_failed_removal_puts_it_back(writable, corpus_copy, monkeypatch):
    source = next(SECOND_BULLETIN.iterdir())
    writable.add_documents([source])
    assert "0.5个工作日" in writable.ask(SECOND_QUESTION).text
    with pytest.raises(PolicyQAError, match="没有文件「不存在.txt」"):
        writable.remove_documents([source.name, "不存在.txt"])
    assert (corpus_copy / source.name).exists()

    def failing(*args, **kwargs):
        raise IndexBuildError("磁盘已满")

    monkeypatch.setattr("policy_qa.engine.load_or_build", failing)
    with pytest.raises(IndexBuildError):
        writable.remove_documents([source.name])
    assert (corpus_copy / source.name).read_bytes() == source.read_bytes(), "a failed removal loses nothing"
    assert "0.5个工作日" in writable.ask(SECOND_QUESTION).text
    monkeypatch.undo()

    info = writable.remove_documents([source.name])
    assert not (corpus_copy / source.name).exists() and [p.name for p in corpus_copy.iterdir()] == [DOCUMENT]
    assert [d["name"] for d in info.documents] == [DOCUMENT] and info.changes.removed == [source.name]
    assert "0.5个工作日" not in writable.ask(SECOND_QUESTION).text


def test_a_second_knowledge_base_shares_the_embedding_model(qa, tmp_path):
    second = PolicyQA.from_corpus(SECOND_BULLETIN, index_dir=tmp_path / "index", share_model_of=qa)
    assert second.embed_model is qa.embed_model and second.embedding_id == qa.embedding_id
    answer = second.ask(SECOND_QUESTION)
    assert "0.5个工作日" in answer.text and answer.citations[0].document.startswith("某某县")
