"""The embedded store: chunk vectors in an exact FAISS inner-product index and BM25 over the chunks' jieba term
counts, both in this process (nothing to start)."""

from __future__ import annotations

import numpy as np

from ...text.tokens import segment
from ..keywords import KeywordIndex, TermCounts
from .base import RANK_DEPTH, rank, reciprocal_rank_fusion


class FaissSearch:
    """``ChunkSearch`` over the chunk vectors (row k: chunk k) and term counts of a local index."""

    description = "FAISS（本地）"

    def __init__(self, chunk_vectors: np.ndarray, terms: TermCounts) -> None:
        import faiss

        self._size = len(chunk_vectors)
        self._dense = faiss.IndexFlatIP(chunk_vectors.shape[1])
        self._dense.add(np.ascontiguousarray(chunk_vectors, dtype=np.float32))
        self._keywords = KeywordIndex(terms)

    def dense_ranks(self, query_vector: np.ndarray, allowed: np.ndarray) -> np.ndarray:
        """Ranks of the ``RANK_DEPTH`` allowed chunks nearest the question (FAISS searches only those allowed)."""
        import faiss

        params, depth = None, min(self._size, RANK_DEPTH)
        if not allowed.all():
            rows = np.flatnonzero(allowed)
            params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(rows))
            depth = min(len(rows), RANK_DEPTH)
        similarities, rows = self._dense.search(query_vector.reshape(1, -1), depth, params=params)
        scores = np.zeros(self._size)
        valid = rows[0] >= 0
        scores[rows[0][valid]] = 1.0 + similarities[0][valid]
        return rank(scores, allowed)

    def keyword_ranks(self, question: str, allowed: np.ndarray) -> np.ndarray:
        terms = segment(question)
        if not terms:
            return np.zeros(self._size, dtype=np.int64)
        return rank(self._keywords.scores(terms).astype(float), allowed)

    def fused(self, query_vector: np.ndarray, question: str, allowed: np.ndarray, rrf_k: int) -> np.ndarray:
        return reciprocal_rank_fusion((self.dense_ranks(query_vector, allowed), self.keyword_ranks(question, allowed)), rrf_k)
