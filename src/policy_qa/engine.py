"""``PolicyQA``: the one engine behind the Python API, the command line, the web page and the evaluation."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import zip_longest
from pathlib import Path
from typing import TYPE_CHECKING

from .answer import Answer, Drafted, Passage
from .conversation import rewrite_follow_up
from .embedder import choose_embedding, load_embedding
from .extractive import ExtractiveAnswerer
from .index_store import LoadedIndex, load_or_build
from .llm import ChatClient, LLMError, LLMSettings
from .llm_answerer import LLMAnswerer, Scopes
from .question import QuestionProfile, profile_question, validate_question
from .retrieval import HybridRetriever, reports_named_in
from .settings import EngineSettings

if TYPE_CHECKING:
    from llama_index.core.base.embeddings.base import BaseEmbedding

    from .local_llm import LocalLLMServer

ANSWERERS = ("extractive", "llm")


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

    def __init__(
        self,
        settings: EngineSettings,
        loaded: LoadedIndex,
        embed_model: BaseEmbedding,
        answerer: str,
        llm: LLMSettings | None = None,
    ) -> None:
        self.settings = settings
        self.embed_model = embed_model
        self.answerer_name = answerer
        self._loaded = loaded
        self._retriever = HybridRetriever(loaded.index, loaded.nodes, settings.top_k)
        self._answerer = ExtractiveAnswerer(loaded.nodes, loaded.documents)
        self._llm_settings = llm or LLMSettings.from_env()
        self._client: ChatClient | None = None
        self._local_server: LocalLLMServer | None = None
        self._llm = LLMAnswerer(self._answerer, self._chat_client) if answerer == "llm" else None

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
        llm: LLMSettings | None = None,
    ) -> PolicyQA:
        """Load the index of ``corpus_dir``, building it first when it is missing, stale or corrupt.

        ``answerer="llm"`` answers with the LLM of ``llm`` (default: ``LLMSettings.from_env()``; no base URL
        means the local llama.cpp server, started on first use), verified and falling back to extractive.
        """
        if answerer not in ANSWERERS:
            raise ValueError(f"unknown answerer {answerer!r}; choose one of {', '.join(ANSWERERS)}")
        settings = EngineSettings.resolve(corpus_dir, index_dir, embedding_model, top_k)
        choice = choose_embedding(settings.embedding_model)
        embed_model = load_embedding(choice)
        loaded = load_or_build(settings.corpus_dir, settings.index_dir, embed_model, choice.model_id, force=rebuild)
        return cls(settings, loaded, embed_model, answerer, llm)

    def ask(self, question: str, top_k: int | None = None, history: list[str] | None = None) -> Answer:
        """Answer ``question`` from the corpus, with ``[n]`` markers pointing at ``Answer.citations``.

        ``history``: the user's earlier questions in this conversation, oldest first; a follow-up such as
        「那长河呢？」 is rewritten into a standalone question, which ``Answer.question`` then holds.
        """
        started = time.perf_counter()
        profile, scopes = self._retrieve(question, top_k, history)
        retrieved = time.perf_counter()
        if self._llm is not None:
            drafted = self._llm.answer(profile, scopes)
        else:
            drafted = self._answerer.answer(profile, scopes)
        return self._finish(profile, scopes, drafted, started, retrieved)

    def ask_stream(self, question: str, top_k: int | None = None, history: list[str] | None = None) -> Iterator[str | Answer]:
        """Like ``ask``, but yields the LLM's text as it comes, then the verified ``Answer`` (always last).

        Without an LLM the extractive ``Answer`` is the only item. The streamed text is provisional: the final
        answer can differ when verification replaced it.
        """
        started = time.perf_counter()
        profile, scopes = self._retrieve(question, top_k, history)
        retrieved = time.perf_counter()
        if self._llm is None:
            drafted = self._answerer.answer(profile, scopes)
            yield self._finish(profile, scopes, drafted, started, retrieved)
            return
        for item in self._llm.stream(profile, scopes):
            if isinstance(item, Drafted):
                yield self._finish(profile, scopes, item, started, retrieved)
            else:
                yield item

    def _retrieve(self, question: str, top_k: int | None, history: list[str] | None) -> tuple[QuestionProfile, Scopes]:
        """The validated (and, in a conversation, rewritten) question's profile and its scopes: one per report
        it names, or the whole corpus."""
        question = validate_question(question)
        if history:
            question = rewrite_follow_up(question, history, self._retriever.reports, self._rewriting_client())
        profile = profile_question(question)
        named = reports_named_in(question, self._retriever.reports)
        k = top_k or self.settings.top_k
        if len(named) >= 2:
            return profile, [(report, self._retriever.retrieve_in(question, [report], k)) for report in named]
        return profile, [(None, self._retriever.retrieve_in(question, named or None, k))]

    def _finish(self, profile: QuestionProfile, scopes: Scopes, drafted: Drafted, started: float, retrieved: float) -> Answer:
        answered = time.perf_counter()
        ranked = [self._answerer.rank_passages(profile, scope_hits) for _, scope_hits in scopes]
        hits = [hit for tier in zip_longest(*ranked) for hit in tier if hit is not None]  # reports take turns
        return Answer(
            question=profile.text,
            text=drafted.text,
            refused=drafted.refused,
            citations=drafted.citations,
            passages=[_passage(hit) for hit in hits],
            answerer=drafted.source,
            note=drafted.note,
            timings_ms={
                "retrieve": round((retrieved - started) * 1000, 1),
                "answer": round((answered - retrieved) * 1000, 1),
                "total": round((answered - started) * 1000, 1),
            },
        )

    def _rewriting_client(self) -> ChatClient | None:
        """The LLM for rewriting follow-ups when LLM answers are on and it can be reached, else None (rules)."""
        if self._llm is None:
            return None
        try:
            return self._chat_client()
        except LLMError:
            return None

    def _chat_client(self) -> ChatClient:
        """The chat client, created on first use: a remote endpoint, or the local llama.cpp server started now."""
        if self._client is None:
            settings = self._llm_settings
            if settings.is_local:
                from .local_llm import MODEL_ALIAS, LocalLLMServer

                try:
                    self._local_server = LocalLLMServer()
                    base_url = self._local_server.ensure_running()
                except Exception as error:  # a missing model file, a server that died while loading …
                    raise LLMError(f"本地模型无法启动（{error}）。") from error
                self._client = ChatClient(base_url, settings.model or MODEL_ALIAS, settings)
            else:
                if not settings.model:
                    raise LLMError("远程 LLM 需要模型名：请设置 POLICY_QA_LLM_MODEL 或 --llm-model。")
                self._client = ChatClient(settings.base_url, settings.model, settings)
        return self._client

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
