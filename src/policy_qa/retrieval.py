"""Hybrid retrieval: FAISS dense search and jieba-BM25, fused by reciprocal rank with heading-path matches."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

from .tokens import PLAN_WORDS, RESULT_WORDS, content_terms, segment, years

if TYPE_CHECKING:
    from llama_index.core import VectorStoreIndex
    from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

from llama_index.core.retrievers import BaseRetriever

RRF_K = 60
# Heading evidence added to the fused score: all question words in the headings is worth about as much as a
# first place in one ranking (1/61); agreeing on plan-vs-result about as much as climbing a few places.
HEADING_WEIGHT = 0.01
INTENT_WEIGHT = 0.003
_ADMIN_SUFFIX = re.compile(r"(?<=..)[省市县区州旗盟]$")


def build_bm25(texts: list[str]):
    """A bm25s index over the jieba tokens of ``texts`` (a text with no token gets a placeholder)."""
    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)
    index = bm25s.BM25()
    index.index([segment(text) or ["∅"] for text in texts], show_progress=False)
    return index


def report_of(node: TextNode) -> str:
    """The report (first heading) a node belongs to."""
    path = node.metadata.get("heading_path") or [""]
    return path[0]


def short_name(report: str) -> str:
    """A report's name without its 市/县/区… suffix (「长河」 for 「长河市」), when two characters remain."""
    return _ADMIN_SUFFIX.sub("", report)


def reports_named_in(question: str, reports: list[str]) -> list[str]:
    """Reports whose name the question uses, in full or without its suffix."""
    return [r for r in reports if r and (r in question or (len(short_name(r)) >= 2 and short_name(r) in question))]


def intent_of(text: str) -> str | None:
    """「plan」 or 「result」 when ``text`` speaks of plans/targets or of achievements, else None."""
    plan = sum(word in text for word in PLAN_WORDS)
    result = sum(word in text for word in RESULT_WORDS) + ("了" in text)
    if plan == result:
        return None
    return "plan" if plan > result else "result"


def _rank(scores: dict[str, float]) -> dict[str, int]:
    """Ranks from 1 of the positive scores; ties keep the (document) order of ``scores``, so runs are repeatable."""
    ordered = sorted((node_id for node_id, score in scores.items() if score > 0), key=lambda i: -scores[i])
    return {node_id: rank for rank, node_id in enumerate(ordered, start=1)}


class HybridRetriever(BaseRetriever):
    """Dense + BM25 fused by reciprocal rank, plus heading-path evidence; scoped to the reports a question names."""

    def __init__(self, index: VectorStoreIndex, nodes: list[TextNode], top_k: int) -> None:
        super().__init__()
        self._index = index
        self._nodes = {node.node_id: node for node in nodes}
        self._order = [node.node_id for node in nodes]
        self._reports = list(dict.fromkeys(report_of(node) for node in nodes))
        self.top_k = top_k
        self._bm25 = build_bm25([f"{n.metadata['section']}\n{n.text}" for n in nodes])

    @property
    def reports(self) -> list[str]:
        return list(self._reports)

    def retrieve_in(self, question: str, reports: list[str] | None, top_k: int | None = None) -> list[NodeWithScore]:
        """The best ``top_k`` nodes for ``question``, restricted to ``reports`` when given."""
        from llama_index.core.schema import NodeWithScore

        allowed = [i for i in self._order if not reports or report_of(self._nodes[i]) in reports]
        ranks = [self._dense_ranks(question, allowed), self._bm25_ranks(question, allowed)]
        bonus = self._heading_bonus(question, allowed)
        fused = {i: sum(1.0 / (RRF_K + r[i]) for r in ranks if i in r) + bonus[i] for i in allowed}
        best = sorted((i for i in allowed if fused[i] > 0), key=lambda i: -fused[i])[: top_k or self.top_k]
        return [NodeWithScore(node=self._nodes[i], score=fused[i]) for i in best]

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        question = query_bundle.query_str
        return self.retrieve_in(question, reports_named_in(question, self._reports) or None)

    def _dense_ranks(self, question: str, allowed: list[str]) -> dict[str, int]:
        hits = self._index.as_retriever(similarity_top_k=len(self._order)).retrieve(question)
        scores = {hit.node.node_id: 1.0 + (hit.score or 0.0) for hit in hits}
        return _rank({i: scores[i] for i in allowed if i in scores})

    def _bm25_ranks(self, question: str, allowed: list[str]) -> dict[str, int]:
        terms = segment(question)
        if not terms:
            return {}
        scores = self._bm25.get_scores(terms)
        return _rank({i: float(scores[n]) for n, i in enumerate(self._order) if i in allowed})

    def _is_distinctive(self, term: str) -> bool:
        """Whether at most half of the chunks use ``term``: 「项目」 in a heading says little, 「要素保障」 a lot."""
        return sum(term in node.text for node in self._nodes.values()) * 2 <= len(self._nodes)

    def _heading_bonus(self, question: str, allowed: list[str]) -> dict[str, float]:
        """Credit for distinctive question words in a chunk's headings below the report (a topic, a year) and
        for agreeing with the question on plan versus result. The report itself is matched by scoping."""
        terms = [
            t for t in content_terms(question)
            if len(t) >= 2 and not any(t in r for r in self._reports) and self._is_distinctive(t)
        ]
        terms += years(question)
        total = sum(map(len, terms))
        wanted = intent_of(question)
        bonus = {}
        for i in allowed:
            headings = "".join(self._nodes[i].metadata["heading_path"][1:])
            share = sum(len(t) for t in terms if t in headings) / total if total else 0.0
            agrees = wanted is not None and intent_of(headings) == wanted
            bonus[i] = HEADING_WEIGHT * share + INTENT_WEIGHT * agrees
        return bonus
