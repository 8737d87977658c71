"""What every chunk store does for retrieval: rank the chunk rows of a loaded index (row k: the catalog's chunk
k) by a question's vector and by its words, and fuse the two rankings by reciprocal rank."""

from __future__ import annotations

from typing import Protocol

import numpy as np

# How many best chunks each ranking ranks (all of a corpus up to this size); the rest get no rank. Reciprocal-rank
# fusion gives rank 4096 a weight of 1/(60+4096): nothing that reaches the top few.
RANK_DEPTH = 4096


class ChunkSearch(Protocol):
    """Dense and keyword ranks of the chunk rows, and their reciprocal-rank fusion.

    ``allowed``: which rows may be ranked (a boolean row mask); the others get rank 0. Ranks are 1-based, 0 meaning
    unranked; ties keep corpus order.
    """

    @property
    def description(self) -> str:
        """Where the chunks are searched, for messages: 「FAISS（本地）」, 「milvus://host:port/collection」."""
        ...

    def dense_ranks(self, query_vector: np.ndarray, allowed: np.ndarray) -> np.ndarray:
        """Ranks of the ``RANK_DEPTH`` allowed chunks nearest the (normalised) query vector."""
        ...

    def keyword_ranks(self, question: str, allowed: np.ndarray) -> np.ndarray:
        """Ranks of the allowed chunks by BM25 over jieba words of ``question`` (chunks sharing no word: 0)."""
        ...

    def fused(self, query_vector: np.ndarray, question: str, allowed: np.ndarray, rrf_k: int) -> np.ndarray:
        """Each row's ``Σ 1/(rrf_k + rank)`` over the dense and keyword rankings (0 where unranked)."""
        ...


def rank(scores: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """1-based ranks by descending score of the allowed positive scores (0: unranked); ties keep corpus order."""
    ranks = np.zeros(len(scores), dtype=np.int64)
    candidates = np.flatnonzero(allowed & (scores > 0))
    ordered = candidates[np.argsort(-scores[candidates], kind="stable")]
    ranks[ordered] = np.arange(1, len(ordered) + 1)
    return ranks


def reciprocal_rank_fusion(rankings: tuple[np.ndarray, ...], rrf_k: int) -> np.ndarray:
    """``Σ 1/(rrf_k + rank)`` of each row over ``rankings`` (rank 0 adds nothing)."""
    fused = np.zeros(len(rankings[0]))
    for ranks in rankings:
        fused += np.where(ranks > 0, 1.0 / (rrf_k + ranks), 0.0)
    return fused
