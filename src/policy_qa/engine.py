"""``PolicyQA``: the one engine behind the Python API, the command line, the web page and the evaluation."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import zip_longest
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from .answer import Answer, Citation, Drafted, Passage
from .conversation import rewrite_follow_up
from .corpus_admin import check_uploads, copy_into, remove
from .embedder import choose_embedding, load_embedding
from .extractive import ExtractiveAnswerer
from .index_store import LoadedIndex, load_or_build
from .llm import ChatClient, LLMError, LLMSettings
from .llm_answerer import LLMAnswerer, Scopes
from .question import QuestionProfile, profile_question, validate_question
from .retrieval import HybridRetriever, reports_named_in
from .settings import EngineSettings
from .sources import SourceView, candidate_questions, source_view

if TYPE_CHECKING:
    from llama_index.core.base.embeddings.base import BaseEmbedding

    from .local_llm import LocalLLMServer

ANSWERERS = ("extractive", "llm")
# A rebuild's progress: (fraction done, what it is doing).
Progress = Callable[[float, str], None]


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
        """The chat client, created on first use: a remote endpoint, or the local llama.cpp server started now
        (again, when the one in use has gone)."""
        local = self._local_server if self._llm_settings.is_local else None
        if self._client is not None and local is not None and not local.is_alive():
            self._client = None
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

    def llm_client(self) -> ChatClient:
        """The chat client of LLM answers (the local server started if needed), e.g. for a peer pipeline
        measured with the same model. ``LLMError`` when it cannot be reached."""
        return self._chat_client()

    def warm_up(self) -> None:
        """Get LLM answers ready before the first question: start the local server and have it compute the
        prompt's fixed prefix, which its cache then reuses. Nothing to do for extractive answers; an LLM fault
        is left for the first question to report."""
        if self._llm is not None:
            try:
                self._llm.warm_up()
            except LLMError:
                pass

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

    # Serving (the web page): answer modes, sources, example questions, corpus changes while answering.
    # Readers never wait: a rebuild swaps the new index's retriever and answerers in under ``_swap_lock`` at the
    # end, so questions asked meanwhile are answered from the old index; ``_rebuild_lock`` allows one rebuild at
    # a time. Class-level, as the page serves one engine per process.
    _swap_lock: ClassVar[threading.Lock] = threading.Lock()
    _rebuild_lock: ClassVar[threading.Lock] = threading.Lock()

    @property
    def answer_mode(self) -> str:
        """``extractive``, ``local`` (the local LLM) or ``remote`` (an LLM endpoint)."""
        if self._llm is None:
            return "extractive"
        return "local" if self._llm_settings.is_local else "remote"

    def set_answerer(self, answerer: str, llm: LLMSettings | None = None) -> None:
        """Answer from now on with ``answerer`` (``extractive`` or ``llm``), reusing the loaded index.

        ``llm``: the endpoint of LLM answers (None keeps the present one). A local server started earlier keeps
        running until the process exits, so switching back to it is quick.
        """
        if answerer not in ANSWERERS:
            raise ValueError(f"unknown answerer {answerer!r}; choose one of {', '.join(ANSWERERS)}")
        with self._swap_lock:
            if llm is not None and llm != self._llm_settings:
                self._llm_settings, self._client = llm, None
            self.answerer_name = answerer
            self._llm = LLMAnswerer(self._answerer, self._chat_client) if answerer == "llm" else None

    def source_view(self, item: Citation | Passage) -> SourceView:
        """The section behind a citation (its quote highlighted) or a passage, to show beside an answer."""
        loaded = self._loaded
        return source_view(item, loaded.nodes, loaded.documents)

    def example_questions(self, limit: int = 4) -> list[str]:
        """Up to ``limit`` questions drawn from the corpus's headings that the extractive answerer answers."""
        chosen: list[str] = []
        for question in candidate_questions(self._loaded.nodes):
            if len(chosen) == limit:
                break
            profile, scopes = self._retrieve(question, None, None)
            if not self._answerer.answer(profile, scopes).refused:
                chosen.append(question)
        return chosen

    def reindex(self, progress: Progress | None = None) -> IndexInfo:
        """Rebuild the index from the corpus folder as it is now, then serve it."""
        with self._rebuild_lock:
            self._rebuild(force=True, progress=progress)
        return self.info()

    def add_documents(self, paths: list[str | Path], progress: Progress | None = None) -> IndexInfo:
        """Check ``paths`` (``.txt``/``.md`` bulletins), copy them into the corpus folder and index them.

        Raises ``PolicyQAError`` naming the first file that cannot be added, before anything is changed; when
        indexing fails the copied files are removed again and the previous index keeps serving.
        """
        with self._rebuild_lock:
            corpus_dir = self.settings.corpus_dir
            uploads = check_uploads([Path(p) for p in paths], corpus_dir)
            copied = copy_into(uploads, corpus_dir)
            try:
                self._rebuild(force=False, progress=progress)
            except BaseException:
                remove(copied)
                raise
        return self.info()

    def _rebuild(self, *, force: bool, progress: Progress | None) -> None:
        report = progress or (lambda fraction, message: None)
        report(0.1, "读取语料，计算向量，写入索引")
        loaded = load_or_build(
            self.settings.corpus_dir, self.settings.index_dir, self.embed_model, self._loaded.manifest.model, force=force
        )
        report(0.8, "载入检索器")
        retriever = HybridRetriever(loaded.index, loaded.nodes, self.settings.top_k)
        answerer = ExtractiveAnswerer(loaded.nodes, loaded.documents)
        with self._swap_lock:
            self._loaded, self._retriever, self._answerer = loaded, retriever, answerer
            if self._llm is not None:
                self._llm = LLMAnswerer(answerer, self._chat_client)
        report(1.0, "完成")


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
