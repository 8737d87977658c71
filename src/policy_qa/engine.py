"""``PolicyQA``: the one engine behind the Python API, the command line, the web page and the evaluation."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from itertools import zip_longest
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from .answer.compound import joined, split_compound
from .answer.conversation import rewrite_follow_up
from .answer.evidence import EvidenceFinder, ScopeEvidence, TermWeights
from .answer.extractive import ExtractiveAnswerer
from .answer.inputs import validate_history, validate_question
from .answer.llm import LLMAnswerer
from .answer.question import QuestionProfile, profile_question
from .answer.retrieval import Hit, HybridRetriever
from .answer.scoping import Scope, compared_documents, names_in, scopes_for
from .answer.source_check import SourceCheck
from .answer.sources import SourceView, candidate_questions, source_view
from .index.catalog import Catalog
from .index.corpus_admin import (
    check_uploads,
    copy_into,
    discard,
    remove,
    restore,
    withdraw,
)
from .index.embedder import choose_embedding, load_embedding
from .index.store import IndexChanges, LoadedIndex, Progress, load_or_build
from .index.stores import parse_store
from .models.llm_client import ChatClient, LLMError, LLMSettings
from .schema import Answer, Citation, Drafted, Passage
from .settings import MAX_QUESTION_CHARS, EngineSettings
from .text.ingest import shown

if TYPE_CHECKING:
    from llama_index.core.base.embeddings.base import BaseEmbedding

    from .models.local_llm import LocalLLMServer

ANSWERERS = ("extractive", "llm")


@dataclass(frozen=True)
class _Serving:
    """Everything one question is answered with. A re-index or a change of answerer builds a new one and swaps
    it in; a question reads it once, so it never mixes two indexes."""

    loaded: LoadedIndex
    retriever: HybridRetriever
    evidence: EvidenceFinder
    extractive: ExtractiveAnswerer
    llm: LLMAnswerer | None
    sources: SourceCheck


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
    changes: IndexChanges | None = None
    store: str = ""


class PolicyQA:
    """Question answering over a corpus folder of policy documents, with citations to the exact sentence."""

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
        self._llm_settings = llm or LLMSettings.from_env()
        self._client: ChatClient | None = None
        self._local_server: LocalLLMServer | None = None
        self._serving = self._serve(loaded, answerer)

    def _serve(self, loaded: LoadedIndex, answerer: str) -> _Serving:
        """The stages built over ``loaded``, answering with ``answerer``."""
        catalog = loaded.catalog
        weights = TermWeights(catalog)
        extractive = ExtractiveAnswerer(catalog, weights)
        return _Serving(
            loaded=loaded,
            retriever=HybridRetriever(loaded, self.embed_model, self.settings.top_k),
            evidence=EvidenceFinder(catalog, loaded.sentence_vectors, weights),
            extractive=extractive,
            llm=LLMAnswerer(extractive, self._chat_client) if answerer == "llm" else None,
            sources=SourceCheck(catalog.sources),
        )

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
        progress: Progress | None = None,
        share_model_of: PolicyQA | None = None,
        store: str | None = None,
        republish: bool = False,
    ) -> PolicyQA:
        """Load the index of ``corpus_dir``, building it first when it is missing, stale or corrupt (reporting the
        build's progress to ``progress``).

        ``share_model_of``: another engine (a server's other knowledge base) whose embedding model this one uses
        when it is the same model, instead of loading a second copy.

        ``store``: where the chunks are searched (default ``POLICY_QA_STORE``, else FAISS in this process):
        ``milvus://host:port/collection`` keeps them in that Milvus collection, updated with the index;
        ``republish`` writes the collection anew from the local index (``policy-qa index --from-faiss``).

        ``answerer="llm"`` answers with the LLM of ``llm`` (default: ``LLMSettings.from_env()``; no base URL
        means the local llama.cpp server, started on first use), verified and falling back to extractive.
        """
        if answerer not in ANSWERERS:
            raise ValueError(f"unknown answerer {answerer!r}; choose one of {', '.join(ANSWERERS)}")
        settings = EngineSettings.resolve(corpus_dir, index_dir, embedding_model, top_k, store)
        choice = choose_embedding(settings.embedding_model)
        shared = share_model_of is not None and share_model_of.embedding_id == choice.model_id
        embed_model = share_model_of.embed_model if shared else load_embedding(choice)
        loaded = load_or_build(
            settings.corpus_dir, settings.index_dir, embed_model, choice.model_id, force=rebuild, progress=progress,
            store=parse_store(settings.store), republish=republish,
        )
        return cls(settings, loaded, embed_model, answerer, llm)

    @property
    def embedding_id(self) -> str:
        """The embedding model's id as the index's manifest records it."""
        return self._serving.loaded.manifest.model

    def ask(self, question: str, top_k: int | None = None, history: list[str] | None = None) -> Answer:
        """Answer ``question`` from the corpus, with ``[n]`` markers pointing at ``Answer.citations``.

        ``history``: the user's earlier questions in this conversation, oldest first; a follow-up such as
        「那长河呢？」 is rewritten into a standalone question, which ``Answer.question`` then holds. A question that
        asks several things of different kinds (「给多少，谁能领」) is answered part by part, one line each.
        """
        *_, answer = self._answering(question, top_k, history, stream=False)
        assert isinstance(answer, Answer), "answering always ends with an Answer"
        return answer

    def ask_stream(self, question: str, top_k: int | None = None, history: list[str] | None = None) -> Iterator[str | Answer]:
        """Like ``ask``, but yields the LLM's text as it comes, then the verified ``Answer`` (always last).

        Without an LLM the extractive ``Answer`` is the only item. The streamed text is provisional: the final
        answer can differ when verification replaced it. The parts of a question that asks several things are
        streamed one after the other, a line break between them.
        """
        yield from self._answering(question, top_k, history, stream=True)

    def _answering(
        self, question: str, top_k: int | None, history: list[str] | None, stream: bool
    ) -> Iterator[str | Answer]:
        """The LLM's text as it comes (when ``stream``), then the ``Answer``: each part of the question gathered and
        answered in turn, their answers joined."""
        serving = self._serving
        started = time.perf_counter()
        question = self._standalone(serving, question, history)
        answering, drafts = 0.0, []
        evidence: list[ScopeEvidence] = []
        for part in split_compound(question):
            profile, found = self._gather(serving, part, top_k)
            began = time.perf_counter()
            evidence += found
            if serving.llm is None or not stream:
                drafts.append((serving.llm or serving.extractive).answer(profile, found))
            else:
                if drafts:
                    yield "\n"
                for item in serving.llm.stream(profile, found):
                    if isinstance(item, Drafted):
                        drafts.append(item)
                    else:
                        yield item
            answering += time.perf_counter() - began
        yield _finish(question, evidence, serving.sources.guard(joined(drafts)), started, time.perf_counter() - answering)

    def evidence(self, question: str) -> tuple[QuestionProfile, list[ScopeEvidence]]:
        """What ``ask`` answers ``question`` from, taken whole: its profile and each scope's scored evidence (for
        inspecting and fitting the answerability decision)."""
        return self._gather(self._serving, validate_question(question), None)

    def with_answerer(self, answerer: str, llm: LLMSettings | None = None) -> PolicyQA:
        """A second engine over the same loaded index, answering with ``answerer`` (and ``llm``'s endpoint)."""
        return PolicyQA(self.settings, self._serving.loaded, self.embed_model, answerer, llm or self._llm_settings)

    @property
    def catalog(self) -> Catalog:
        """The indexed corpus: documents, sections, chunks, sentences and the normalised files."""
        return self._serving.loaded.catalog

    @property
    def extractive(self) -> ExtractiveAnswerer:
        """The extractive answerer in service."""
        return self._serving.extractive

    def _standalone(self, serving: _Serving, question: str, history: list[str] | None) -> str:
        """The validated question, rewritten into a standalone one when it follows up on ``history``."""
        question = validate_question(question)
        earlier = validate_history(history)
        if earlier:
            rewritten = rewrite_follow_up(question, earlier, serving.loaded.catalog, self._rewriting_client(serving))
            question = rewritten if len(rewritten) <= MAX_QUESTION_CHARS else question
        return question

    def _gather(self, serving: _Serving, question: str, top_k: int | None) -> tuple[QuestionProfile, list[ScopeEvidence]]:
        """The question's profile, and the evidence of each of its scopes: one per document it compares, or one for
        the whole corpus (ranking named documents up)."""
        catalog = serving.loaded.catalog
        profile = serving.evidence.weight.as_spelled(profile_question(question))
        query_vector = serving.retriever.embed(question)
        k = top_k or self.settings.top_k
        names = frozenset(name for name, _ in names_in(question, catalog))

        def search(scope: Scope) -> list[Hit]:
            return serving.retriever.search(profile, query_vector, list(scope.within or []), list(scope.named), k, names)

        gathered = []
        for scope in scopes_for(question, catalog):
            hits = search(scope)
            if scope.compares:
                parts = compared_documents(scope, [catalog.document_of(hit.chunk) for hit in hits])
                if len(parts) > 1:
                    gathered += [(part, search(part)) for part in parts]
                    continue
            gathered.append((scope, hits))
        return profile, [serving.evidence.find(profile, query_vector, hits, scope.label, names) for scope, hits in gathered]

    def _rewriting_client(self, serving: _Serving) -> ChatClient | None:
        """The LLM for rewriting follow-ups when LLM answers are on and it can be reached, else None (rules)."""
        if serving.llm is None:
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
                from .models.local_llm import MODEL_ALIAS, LocalLLMServer

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
        llm = self._serving.llm
        if llm is not None:
            try:
                llm.warm_up()
            except LLMError:
                pass

    def info(self) -> IndexInfo:
        """The corpus, index and model this engine serves."""
        loaded = self._serving.loaded
        manifest = loaded.manifest
        return IndexInfo(
            corpus_dir=shown(self.settings.corpus_dir),
            index_dir=shown(loaded.path),
            model=manifest.model,
            dimension=manifest.dimension,
            documents=manifest.documents,
            chunks=manifest.chunks,
            reports=loaded.catalog.names,
            built_at=manifest.built_at,
            rebuilt_because=loaded.rebuilt_because,
            warnings=loaded.warnings,
            changes=loaded.changes,
            store=loaded.search.description,
        )

    # Serving (the web page): answer modes, sources, example questions, corpus changes while answering.
    # Readers never wait: a rebuild or a change of answerer builds a new ``_Serving`` and swaps it in under
    # ``_swap_lock``, so questions asked meanwhile are answered from the old one; ``_rebuild_lock`` allows one
    # rebuild at a time. Class-level, as the page serves one engine per process.
    _swap_lock: ClassVar[threading.Lock] = threading.Lock()
    _rebuild_lock: ClassVar[threading.Lock] = threading.Lock()

    @property
    def answer_mode(self) -> str:
        """``extractive``, ``local`` (the local LLM) or ``remote`` (an LLM endpoint)."""
        if self._serving.llm is None:
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
            serving = self._serving
            llm_answerer = LLMAnswerer(serving.extractive, self._chat_client) if answerer == "llm" else None
            self._serving = replace(serving, llm=llm_answerer)

    def source_view(self, item: Citation | Passage) -> SourceView:
        """The section behind a citation (its quote highlighted) or a passage, to show beside an answer."""
        return source_view(item, self._serving.loaded.catalog)

    def example_questions(self, limit: int = 4) -> list[str]:
        """Up to ``limit`` questions drawn from the corpus's headings that the extractive answerer answers."""
        serving = self._serving
        chosen: list[str] = []
        for question in candidate_questions(serving.loaded.catalog):
            if len(chosen) == limit:
                break
            profile, evidence = self._gather(serving, question, None)
            if not serving.extractive.answer(profile, evidence).refused:
                chosen.append(question)
        return chosen

    def reindex(self, progress: Progress | None = None) -> IndexInfo:
        """Rebuild the whole index from the corpus folder as it is now, then serve it (uploads, and every start,
        update it instead: only files added or changed are read and embedded)."""
        with self._rebuild_lock:
            self._rebuild(force=True, progress=progress)
        return self.info()

    def add_documents(self, paths: list[str | Path], progress: Progress | None = None) -> IndexInfo:
        """Check ``paths`` (``.txt``/``.md`` documents), copy them into the corpus folder and index them.

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

    def remove_documents(self, names: list[str], progress: Progress | None = None) -> IndexInfo:
        """Take the corpus files called ``names`` out of the corpus folder and the index (only they are touched).

        Raises ``PolicyQAError`` for a name the corpus does not hold, before anything is changed; when the update
        fails the files are put back and the previous index keeps serving.
        """
        with self._rebuild_lock:
            moved = withdraw(names, self.settings.corpus_dir)
            try:
                self._rebuild(force=False, progress=progress)
            except BaseException:
                restore(moved)
                raise
            discard(moved)
        return self.info()

    def _rebuild(self, *, force: bool, progress: Progress | None) -> None:
        report = progress or (lambda fraction, message: None)
        report(0.0, "读取语料")
        loaded = load_or_build(
            self.settings.corpus_dir,
            self.settings.index_dir,
            self.embed_model,
            self.embedding_id,
            force=force,
            progress=lambda fraction, message: report(0.9 * fraction, message),
            serving=self._serving.loaded,
            store=parse_store(self.settings.store),
        )
        report(0.9, "载入检索器")
        serving = self._serve(loaded, self.answerer_name)
        with self._swap_lock:
            self._serving = serving
        report(1.0, "完成")


def _finish(question: str, evidence: list[ScopeEvidence], drafted: Drafted, started: float, gathered: float) -> Answer:
    """The ``Answer``: ``drafted`` with its scopes' passages, documents taking turns, and the time spent gathering
    evidence (``started`` to ``gathered``) and answering."""
    answered = time.perf_counter()
    ranked = [scope.passages() for scope in evidence]
    hits = [hit for tier in zip_longest(*ranked) for hit in tier if hit is not None]  # documents take turns
    return Answer(
        question=question,
        text=drafted.text,
        refused=drafted.refused,
        citations=drafted.citations,
        passages=[_passage(hit) for hit in hits],
        answerer=drafted.source,
        note=drafted.note,
        timings_ms={
            "retrieve": round((gathered - started) * 1000, 1),
            "answer": round((answered - gathered) * 1000, 1),
            "total": round((answered - started) * 1000, 1),
        },
    )


def _passage(hit: Hit) -> Passage:
    chunk = hit.chunk
    return Passage(
        document=chunk.section.document,
        section=chunk.section.heading,
        text=chunk.text,
        score=round(hit.score, 6),
        start=chunk.start,
        end=chunk.end,
        line_start=chunk.section.line_start,
        line_end=chunk.section.line_end,
        page=chunk.section.page_start,
    )
