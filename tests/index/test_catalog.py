"""The catalog: the corpus as typed documents, chunks and sentences, found by id, the same at build and load."""

import pytest

from policy_qa.index.catalog import Catalog, node_id
from policy_qa.text.ingest import read_corpus

from ..conftest import CORPUS


@pytest.fixture(scope="module")
def catalog():
    return Catalog(read_corpus(CORPUS)[0])


def test_documents_of_a_compiled_bulletin(catalog):
    assert [d.name for d in catalog.documents] == ["临汾市", "晋城市"]
    assert catalog.names == ["临汾市", "晋城市"]
    for document in catalog.documents:
        assert all(document.start <= s.start and s.end <= document.end for s in document.sections)


def test_every_chunk_is_found_by_its_id_and_belongs_to_one_document(catalog):
    assert len(catalog.by_id) == len(catalog.chunks)
    for chunk in catalog.chunks:
        assert catalog.by_id[node_id(chunk)] is chunk
        document = catalog.document_of(chunk)
        assert document.start <= chunk.start < document.end and chunk.section.heading_path[0] == document.name


def test_sentences_are_exact_slices_counted_once(catalog):
    text = catalog.sources[catalog.chunks[0].section.document].text
    assert [s.number for s in catalog.sentences] == list(range(len(catalog.sentences)))
    assert len({(s.file, s.start) for s in catalog.sentences}) == len(catalog.sentences)
    for chunk in catalog.chunks:
        sentences = catalog.sentences_of(chunk)
        assert sentences and all(text[s.start : s.end] == s.text for s in sentences)
        assert all(chunk.start <= s.start and s.end <= chunk.end for s in sentences)


def test_node_ids_change_with_the_heading_path(catalog):
    from dataclasses import replace

    chunk = catalog.chunks[3]
    renamed = replace(chunk, section=replace(chunk.section, heading_path=("别的名字", *chunk.section.heading_path[1:])))
    assert node_id(renamed) != node_id(chunk)


def test_catalogs_of_single_files_join_into_the_catalog_of_all():
    from ..conftest import SECOND_BULLETIN

    sources = read_corpus(CORPUS)[0] + read_corpus(SECOND_BULLETIN)[0]
    whole = Catalog(sources)
    joined = Catalog.joined([Catalog([source]) for source in sources])
    spans = [(s.file, s.start, s.end, s.text, s.section) for s in joined.sentences]
    assert spans == [(s.file, s.start, s.end, s.text, s.section) for s in whole.sentences]
    # each sentence's vector row is its place in the whole corpus, though numbered within its file
    rows = list(range(len(whole.sentences)))
    assert [joined.sentence_row(s) for s in joined.sentences] == [whole.sentence_row(s) for s in whole.sentences] == rows
    second = [s.number for s in joined.sentences if s.file == sources[1].name]
    assert second == list(range(len(second)))
    assert joined.chunks == whole.chunks and list(joined.by_id) == list(whole.by_id)
    assert joined.names == whole.names
    for chunk in whole.chunks:
        assert [joined.sentence_row(s) for s in joined.sentences_of(chunk)] == [whole.sentence_row(s) for s in whole.sentences_of(chunk)]
        assert joined.document_of(chunk) == whole.document_of(chunk)


def test_a_line_that_repeats_a_title_is_a_heading(tmp_path):
    (tmp_path / "条例.md").write_text(
        "# 某省条例\n\n## 第一章 总则\n\n第一条 为了规范开发区建设，制定本条例。\n", encoding="utf-8"
    )
    sentences = Catalog(read_corpus(tmp_path)[0]).sentences
    headings = [s.text for s in sentences if s.is_heading]
    assert headings and all(text.lstrip("#").strip() in ("某省条例", "第一章 总则") for text in headings)
    assert any(s.text.startswith("第一条") and not s.is_heading for s in sentences)
