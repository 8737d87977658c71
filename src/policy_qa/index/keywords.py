"""Keyword search over jieba tokens: BM25 (Lucene's variant, as bm25s scores it), kept as counts so it updates.

Each file's chunks are segmented once, when the file is read (``TermCounts``, kept in its part). The index joins
the files' counts into one sparse chunk × term matrix, saved beside the vectors; an update drops the rows of the
files removed and appends those of the files added, without segmenting anything again. BM25 weights are computed
from the counts when the index is opened, so they always reflect the whole corpus.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import sparse

from ..text.tokens import segment

# bm25s's defaults, which the engine was tuned with.
K1, B = 1.5, 0.75
# A chunk with no word still counts as one token long, as bm25s does with its placeholder.
_EMPTY = "∅"


@dataclass(frozen=True)
class TermCounts:
    """Chunks as bags of words: ``terms`` (the columns) and a chunk × term CSR matrix of counts."""

    terms: tuple[str, ...]
    counts: sparse.csr_matrix

    @classmethod
    def of_texts(cls, texts: list[str]) -> TermCounts:
        """The jieba token counts of ``texts`` (one row each)."""
        column: dict[str, int] = {}
        rows, columns = [], []
        for row, text in enumerate(texts):
            for token in segment(text) or [_EMPTY]:
                rows.append(row)
                columns.append(column.setdefault(token, len(column)))
        ones = np.ones(len(rows), dtype=np.int32)
        counts = sparse.csr_matrix((ones, (rows, columns)), shape=(len(texts), len(column)), dtype=np.int32)
        counts.sum_duplicates()
        return cls(tuple(column), counts)

    @classmethod
    def joined(cls, parts: list[TermCounts]) -> TermCounts:
        """The rows of ``parts`` in order, over the union of their terms."""
        column: dict[str, int] = {}
        blocks = []
        for part in parts:
            remap = np.fromiter((column.setdefault(t, len(column)) for t in part.terms), np.int64, len(part.terms))
            coo = part.counts.tocoo()
            blocks.append((coo.row, remap[coo.col], coo.data, part.counts.shape[0]))
        offsets = np.cumsum([0] + [rows for *_, rows in blocks])
        rows = np.concatenate([b[0] + offset for b, offset in zip(blocks, offsets)]) if blocks else np.zeros(0, int)
        columns = np.concatenate([b[1] for b in blocks]) if blocks else np.zeros(0, int)
        data = np.concatenate([b[2] for b in blocks]) if blocks else np.zeros(0, np.int32)
        counts = sparse.csr_matrix((data, (rows, columns)), shape=(int(offsets[-1]), len(column)), dtype=np.int32)
        return cls(tuple(column), counts)

    def rows(self, selected: np.ndarray) -> TermCounts:
        """Only the rows ``selected`` (indices, in that order), over the same terms."""
        return TermCounts(self.terms, self.counts[selected])

    def save(self, path: Path) -> None:
        """Write to ``path`` (an ``.npz``)."""
        with open(path, "wb") as file:
            np.savez(file, terms=np.array(self.terms, dtype=str), data=self.counts.data, indices=self.counts.indices,
                     indptr=self.counts.indptr, shape=np.array(self.counts.shape))

    @classmethod
    def load(cls, path: Path) -> TermCounts:
        """Read what ``save`` wrote."""
        with np.load(path, allow_pickle=False) as stored:
            counts = sparse.csr_matrix((stored["data"], stored["indices"], stored["indptr"]), shape=tuple(stored["shape"]))
            return cls(tuple(stored["terms"].tolist()), counts)


class KeywordIndex:
    """BM25 scores of every chunk for a list of query tokens."""

    def __init__(self, counts: TermCounts) -> None:
        self._column = {term: k for k, term in enumerate(counts.terms)}
        matrix = counts.counts
        lengths = np.asarray(matrix.sum(axis=1)).ravel().astype(np.float64)
        self._size = matrix.shape[0]
        frequency = np.diff(matrix.tocsc().indptr)
        idf = np.where(frequency > 0, np.log(1.0 + (self._size - frequency + 0.5) / (frequency + 0.5)), 0.0)
        idf = idf.astype(np.float32)
        base = (K1 * ((1 - B) + B * lengths / (lengths.mean() if self._size else 1.0))).astype(np.float32)
        coo = matrix.tocoo()
        tf = coo.data.astype(np.float32)
        weights = idf[coo.col] * (tf / (base[coo.row] + tf))
        self._weights = sparse.csc_matrix((weights, (coo.row, coo.col)), shape=matrix.shape, dtype=np.float32)

    def scores(self, tokens: list[str]) -> np.ndarray:
        """Each chunk's BM25 score for ``tokens`` (repeats count again; unknown tokens add nothing)."""
        scores = np.zeros(self._size, dtype=np.float32)
        indptr, indices, data = self._weights.indptr, self._weights.indices, self._weights.data
        for token in tokens:
            column = self._column.get(token)
            if column is not None:
                start, end = indptr[column], indptr[column + 1]
                scores[indices[start:end]] += data[start:end]
        return scores
