"""``PolicyQA``: the one engine behind the Python API, the command line, the web page and the evaluation."""

from __future__ import annotations

import time
from itertools import zip_longest
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .answer import Answer, Passage
from .embedder import choose_embedding, load_embedding
from .extractive import ExtractiveAnswerer
from .index_store import LoadedIndex, load_or_build
from .question import profile_question, validate_question
from .retrieval import HybridRetriever, reports_named_in
from .settings import EngineSettings

if TYPE_CHECKING:
    from llama_index.core.base.embeddings.base import BaseEmbedding

ANSWERERS = ("extractive",)


@dataclass(frozen=True)
class IndexInfo:
    """What the engine has indexed (for ``policy-qa info`` and the page's corpus panel)."""

    corpus_dir: str
    index_dir: str
    model: str
    dimension: int
    documents: list[dict[str, object]]
    chunks: int
    reports: list[str]
    built_at: float
    rebuilt_because: str | None
    warnings: list[str]


class PolicyQA:
    """Question answering over a corpus folder of bulletins, with citations to the exact sentence."""

    def __init__(self, settings: EngineSettings, loaded: LoadedIndex, embed_model: BaseEmbedding, answerer: str) -> None:
        self.settings = settings
        self.embed_model = embed_model
        self.answerer_name = answerer
        self._loaded = loaded
        self._retriever = HybridRetriever(loaded.index, loaded.nodes, settings.top_k)
        self._answerer = ExtractiveAnswerer(loaded.nodes, loaded.documents)

    @classmethod
    def from_corpus(
        cls,
        corpus_dir: str | Path,
        answerer: str = "extractive",
        *,
        index_dir: str | Path | None = None,
        embedding_model: str | None = None,
        top_k: int | None = None,
        rebuild: bool = False,
    ) -> PolicyQA:
        """Load the index of ``corpus_dir``, building it first when it is missing, stale or corrupt."""
        if answerer not in ANSWERERS:
            raise ValueError(f"unknown answerer {answerer!r}; choose one of {', '.join(ANSWERERS)}")
        settings = EngineSettings.resolve(corpus_dir, index_dir, embedding_model, top_k)
        choice = choose_embedding(settings.embedding_model)
        embed_model = load_embedding(choice)
        loaded = load_or_build(settings.corpus_dir, settings.index_dir, embed_model, choice.model_id, force=rebuild)
        return cls(settings, loaded, embed_model, answerer)

    def ask(self, question: str, top_k: int | None = None) -> Answer:
        """Answer ``question`` from the corpus, with ``[n]`` markers pointing at ``Answer.citations``."""
        started = time.perf_counter()
        question = validate_question(question)
        profile = profile_question(question)
        named = reports_named_in(question, self._retriever.reports)
        k = top_k or self.settings.top_k
        if len(named) >= 2:
            scopes = [(report, self._retriever.retrieve_in(question, [report], k)) for report in named]
        else:
            scopes = [(None, self._retriever.retrieve_in(question, named or None, k))]
        retrieved = time.perf_counter()
        text, refused, citations = self._answerer.answer(profile, scopes)
        answered = time.perf_counter()
        ranked = [self._answerer.rank_passages(profile, scope_hits) for _, scope_hits in scopes]
        hits = [hit for tier in zip_longest(*ranked) for hit in tier if hit is not None]  # reports take turns
        return Answer(
            question=question,
            text=text,
            refused=refused,
            citations=citations,
            passages=[_passage(hit) for hit in hits],
            answerer=self.answerer_name,
            timings_ms={
                "retrieve": round((retrieved - started) * 1000, 1),
                "answer": round((answered - retrieved) * 1000, 1),
                "total": round((answered - started) * 1000, 1),
            },
        )

    def info(self) -> IndexInfo:
        """The corpus, index and model this engine serves."""
        manifest = self._loaded.manifest
        return IndexInfo(
            corpus_dir=str(self.settings.corpus_dir),
            index_dir=str(self._loaded.path),
            model=manifest.model,
            dimension=manifest.dimension,
            documents=manifest.documents,
            chunks=manifest.chunks,
            reports=self._retriever.reports,
            built_at=manifest.built_at,
            rebuilt_because=self._loaded.rebuilt_because,
            warnings=self._loaded.warnings,
        )


def _passage(hit) -> Passage:
    meta = hit.node.metadata
    return Passage(
        document=meta["document"],
        section=meta["section"],
        text=hit.node.text,
        score=round(float(hit.score or 0.0), 6),
        start=meta["start"],
        end=meta["end"],
        line_start=meta["line_start"],
        line_end=meta["line_end"],
    )
