"""Answers are withheld when a cited file no longer holds the bytes it was indexed from."""

import os

import pytest

from policy_qa import PolicyQA
from tests.conftest import DOCUMENT

QUESTION = "临汾标准化厂房建了多少？"


@pytest.fixture
def engine_and_file(corpus_copy, tmp_path):
    engine = PolicyQA.from_corpus(corpus_copy, index_dir=tmp_path / "index")
    return engine, corpus_copy / DOCUMENT


def test_an_unchanged_file_is_cited_even_when_touched(engine_and_file):
    engine, path = engine_and_file
    first = engine.ask(QUESTION)
    assert not first.refused and first.citations
    os.utime(path, ns=(1, 1))  # new modification time, same bytes: hashed again, still the same
    again = engine.ask(QUESTION)
    assert again.text == first.text and again.citations == first.citations


def test_an_edited_file_withholds_the_answer(engine_and_file):
    engine, path = engine_and_file
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("37.9", "99.9"), encoding="utf-8")
    answer = engine.ask(QUESTION)
    assert answer.refused and not answer.citations
    assert DOCUMENT in answer.text and "重新建立索引" in answer.text
    assert "99.9" not in answer.text and "37.9" not in answer.text


def test_a_deleted_file_withholds_the_answer(engine_and_file):
    engine, path = engine_and_file
    path.unlink()
    answer = engine.ask(QUESTION)
    assert answer.refused and "被改动或删除" in answer.text
