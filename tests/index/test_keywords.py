"""Keyword search: BM25 from term counts scores as bm25s does, and joined or sliced counts equal counts made anew."""

from __future__ import annotations

import numpy as np
import pytest

from policy_qa.index.catalog import Catalog, chunk_passage
from policy_qa.index.keywords import KeywordIndex, TermCounts
from policy_qa.text.ingest import read_corpus
from policy_qa.text.tokens import segment

from ..conftest import CORPUS, SECOND_BULLETIN

QUESTIONS = ["临汾标准化厂房建了多少？", "营商环境评价排名第几", "2024年计划引进多少项目", "税收", "的的的", "厂房 厂房 面积"]


@pytest.fixture(scope="module")
def texts() -> list[str]:
    sources = read_corpus(CORPUS)[0] + read_corpus(SECOND_BULLETIN)[0]
    return [chunk_passage(chunk) for chunk in Catalog(sources).chunks] + ["", "。，"]


def test_scores_equal_bm25s_over_the_same_tokens(texts):
    import bm25s

    reference = bm25s.BM25()
    reference.index([segment(text) or ["∅"] for text in texts], show_progress=False)
    ours = KeywordIndex(TermCounts.of_texts(texts))
    for question in QUESTIONS:
        tokens = segment(question) or ["∅"]
        expected = reference.get_scores(tokens) if any(t in reference.vocab_dict for t in tokens) else np.zeros(len(texts))
        found = ours.scores(tokens)
        np.testing.assert_allclose(found, expected, rtol=1e-6, atol=1e-7)
        assert list(np.argsort(-found, kind="stable")) == list(np.argsort(-np.asarray(expected), kind="stable"))
    assert ours.scores(["语料里没有的词"]).max() == 0


def test_joined_and_sliced_counts_equal_counts_made_anew(texts, tmp_path):
    first, second = texts[:20], texts[20:]
    whole = TermCounts.of_texts(texts)
    joined = TermCounts.joined([TermCounts.of_texts(first), TermCounts.of_texts(second)])
    assert _bags(joined) == _bags(whole)
    # an update: drop rows 5-9, keep the rest in order, append new rows over new words
    kept = np.r_[0:5, 10:len(texts)]
    updated = TermCounts.joined([whole.rows(kept), TermCounts.of_texts(["新增的文件讲海洋经济。"])])
    assert _bags(updated) == _bags(TermCounts.of_texts([texts[k] for k in kept] + ["新增的文件讲海洋经济。"]))
    whole.save(tmp_path / "keywords.npz")
    assert _bags(TermCounts.load(tmp_path / "keywords.npz")) == _bags(whole)
    question = segment("海洋经济")
    assert KeywordIndex(updated).scores(question).argmax() == len(kept)


def _bags(counts: TermCounts) -> list[dict[str, int]]:
    """Each row's words and counts (column order is free)."""
    matrix = counts.counts.tocsr()
    return [
        {counts.terms[c]: int(v) for c, v in zip(matrix.indices[a:b], matrix.data[a:b]) if v}
        for a, b in zip(matrix.indptr[:-1], matrix.indptr[1:])
    ]
