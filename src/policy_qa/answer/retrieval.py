"""Hybrid retrieval: dense search and jieba-BM25 fused by reciprocal rank (by the index's chunk store,
``index.stores``: FAISS in this process or a Milvus server), plus heading-path evidence.

The question arrives profiled and embedded (``QuestionProfile`` and its e5 vector, computed once); hits are typed
``Hit(chunk, score)``. ``HybridRetriever`` is also a llama-index ``BaseRetriever`` for callers that speak
llama-index.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from llama_index.core.retrievers import BaseRetriever

from ..index.catalog import node_id
from ..index.frequency import SubstringFrequency
from ..schema import Chunk, Document
from ..settings import TUNING
from ..text.tokens import content_terms
from .question import QuestionProfile, intent_of, profile_question

if TYPE_CHECKING:
    from llama_index.core.base.embeddings.base import BaseEmbedding
    from llama_index.core.schema import NodeWithScore, QueryBundle

    from ..index.store import LoadedIndex


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk and its fused score."""

    chunk: Chunk
    score: float


class HybridRetriever(BaseRetriever):
    """Dense + BM25 ranks fused by reciprocal rank, plus credit for question words in the heading path, for
    agreeing on plan versus result, and for belonging to a document the question names."""

    def __init__(self, loaded: LoadedIndex, embed_model: BaseEmbedding, top_k: int) -> None:
        super().__init__()
        catalog = loaded.catalog
        self._catalog = catalog
        self._embed_model = embed_model
        self.top_k = top_k
        self._chunks = catalog.chunks
        self._store = loaded.search  # row k: the catalog's chunk k
        # Each chunk's headings below its document, as a row of the distinct ones (which are scored once each).
        headings = ["".join(chunk.section.heading_path[1:]) for chunk in self._chunks]
        row = {heading: k for k, heading in enumerate(dict.fromkeys(headings))}
        self._headings = list(row)
        self._heading_row = np.fromiter((row[h] for h in headings), dtype=np.int64, count=len(headings))
        self._heading_intents = [intent_of(h) for h in self._headings]
        self._frequency = SubstringFrequency([chunk.text for chunk in self._chunks])
        number = {id(document): k for k, document in enumerate(catalog.documents)}
        self._document_number = np.array([number[id(catalog.document_of(chunk))] for chunk in self._chunks])
        self._number = number

    def embed(self, question: str) -> np.ndarray:
        """The question's e5 query vector (normalised)."""
        return np.asarray(self._embed_model.get_query_embedding(question), dtype=np.float32)

    def search(
        self,
        question: QuestionProfile,
        query_vector: np.ndarray,
        within: list[Document] | None = None,
        named: list[Document] | None = None,
        top_k: int | None = None,
        names: frozenset[str] = frozenset(),
    ) -> list[Hit]:
        """The best ``top_k`` chunks for ``question``: only from ``within`` when given; chunks of ``named``
        documents ranked up; a question about the document itself or a clause a rule states of itself (when it
        takes effect, what for) gets the first and last chunk of the best hit's document first. ``names``: the
        document names the question uses (scoping deals with them, so they are no topic words)."""
        allowed = self._of(within) if within else np.ones(len(self._chunks), dtype=bool)
        # keywords as the corpus spells them too (「高校」 → 「高等教育学校」, ``TermWeights.as_spelled``)
        keywords = " ".join([question.text, *(t for t in question.terms if t not in question.text)])
        fused = self._store.fused(query_vector, keywords, allowed, TUNING.rrf_k)
        fused += self._heading_bonus(question, names)
        if named:
            fused += TUNING.named_weight * self._of(named)
        fused = np.where(allowed, fused, 0.0)
        best = [k for k in np.argsort(-fused, kind="stable")[: top_k or self.top_k] if fused[k] > 0]
        if (question.about_document or question.clause is not None) and best:
            ends = self._ends(self._document_number[best[0]])
            best = [*ends, *(k for k in best if k not in ends)][: top_k or self.top_k]
        return [Hit(self._chunks[k], float(fused[k])) for k in best]

    def _ends(self, document: int) -> list[int]:
        """The first and last chunk of a document: its title block, and its byline or signature."""
        rows = np.flatnonzero(self._document_number == document)
        return list(dict.fromkeys([int(rows[0]), int(rows[-1])]))

    def _of(self, documents: list[Document]) -> np.ndarray:
        """Which chunks belong to one of ``documents``."""
        return np.isin(self._document_number, [self._number[id(document)] for document in documents])

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        """llama-index's entry point: the whole corpus, nodes rebuilt from the hits."""
        from llama_index.core.schema import NodeWithScore, TextNode

        question = profile_question(query_bundle.query_str)
        hits = self.search(question, self.embed(question.text))
        return [
            NodeWithScore(node=TextNode(id_=node_id(hit.chunk), text=hit.chunk.text, metadata={"section": hit.chunk.section.heading}), score=hit.score)
            for hit in hits
        ]

    def _is_distinctive(self, term: str) -> bool:
        """Whether few enough chunks use ``term``: 「项目」 in a heading says little, 「要素保障」 a lot."""
        return self._frequency.count(term) <= TUNING.distinctive_share * self._frequency.size

    def _heading_bonus(self, question: QuestionProfile, names: frozenset[str]) -> np.ndarray:
        """Credit for distinctive question words in a chunk's headings below the document (a topic, a year) and
        for agreeing with the question on plan versus result. The document itself is matched by scoping."""
        terms = [
            t for t in content_terms(question.text)
            if len(t) >= 2 and not any(t in name for name in names) and self._is_distinctive(t)
        ]
        terms += list(question.years)
        total = sum(map(len, terms))
        bonus = np.zeros(len(self._headings))
        for k, headings in enumerate(self._headings):
            share = sum(len(t) for t in terms if t in headings) / total if total else 0.0
            agrees = question.intent is not None and self._heading_intents[k] == question.intent
            bonus[k] = TUNING.heading_weight * share + TUNING.intent_weight * agrees
        return bonus[self._heading_row]
