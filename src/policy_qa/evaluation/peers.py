"""Plain pipelines measured beside the engine, on the same questions and the same embedding model.

- ``LlamaIndexPeer``: what a user builds from the llama-index docs: ``SimpleDirectoryReader`` → the default
  ``SentenceSplitter`` → a FAISS ``VectorStoreIndex`` → top-k retrieval.
- ``Bm25Peer``: BM25 over jieba tokens of the same default chunks (as Langchain-Chatchat does it).

- ``CitationPeer``: llama-index's ``CitationQueryEngine`` over that index, answering with the same LLM as ours
  (our ``ChatClient`` behind llama-index's ``CustomLLM``), measured only beside LLM answers.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ..models.llm_client import ChatClient, LLMError
from ..schema import Answer, Citation
from ..settings import enforce_offline
from ..text.tokens import segment

if TYPE_CHECKING:
    from llama_index.core.base.embeddings.base import BaseEmbedding
    from llama_index.core.schema import BaseNode


class Peer(Protocol):
    """A retrieval pipeline: a name and the texts of its top-k chunks for a question."""

    name: str

    def retrieve(self, question: str) -> list[str]: ...


def build_bm25(texts: list[str]) -> Any:
    """A bm25s index over the jieba tokens of ``texts`` (a text with no token gets a placeholder)."""
    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)
    index = bm25s.BM25()
    index.index([segment(text) or ["∅"] for text in texts], show_progress=False)
    return index


PEER_FORMATS = (".txt", ".md")


def default_chunks(corpus_dir: Path) -> list[BaseNode]:
    """The corpus as the llama-index docs load and split it, with no repair of the PDF text; none for a corpus
    without ``.txt``/``.md`` files (its PDF and DOCX readers are in ``llama-index-readers-file``, not installed)."""
    if not any(path.suffix.lower() in PEER_FORMATS for path in Path(corpus_dir).rglob("*")):
        return []
    enforce_offline()
    from llama_index.core import SimpleDirectoryReader
    from llama_index.core.node_parser import SentenceSplitter

    # Plain text needs none of the optional llama-index-readers-file package, which it warns about otherwise.
    logging.getLogger("llama_index.core.readers.file.base").setLevel(logging.ERROR)
    documents = SimpleDirectoryReader(str(corpus_dir), required_exts=list(PEER_FORMATS), recursive=True).load_data()
    return SentenceSplitter().get_nodes_from_documents(documents)


def faiss_index(chunks: list[BaseNode], embed_model: BaseEmbedding):
    """A ``VectorStoreIndex`` over ``FaissVectorStore(IndexFlatL2)``, as in the llama-index FAISS example."""
    import faiss
    from llama_index.core import StorageContext, VectorStoreIndex
    from llama_index.vector_stores.faiss import FaissVectorStore

    dimension = len(embed_model.get_text_embedding("维度"))
    storage = StorageContext.from_defaults(vector_store=FaissVectorStore(faiss_index=faiss.IndexFlatL2(dimension)))
    return VectorStoreIndex(chunks, storage_context=storage, embed_model=embed_model)


class LlamaIndexPeer:
    """Top-k retrieval from ``faiss_index`` over the default chunks."""

    name = "llama-index default (SentenceSplitter + FAISS)"

    def __init__(self, chunks: list[BaseNode], embed_model: BaseEmbedding, top_k: int) -> None:
        self._retriever = faiss_index(chunks, embed_model).as_retriever(similarity_top_k=top_k)

    def retrieve(self, question: str) -> list[str]:
        return [hit.node.get_content() for hit in self._retriever.retrieve(question)]


class Bm25Peer:
    """BM25 (bm25s) over jieba search-mode tokens of the default chunks."""

    name = "BM25 over jieba tokens"

    def __init__(self, chunks: list[BaseNode], top_k: int) -> None:
        self._texts = [chunk.get_content() for chunk in chunks]
        self._bm25 = build_bm25(self._texts)
        self._top_k = top_k

    def retrieve(self, question: str) -> list[str]:
        terms = segment(question)
        if not terms:
            return []
        scores = self._bm25.get_scores(terms)
        ranked = sorted(range(len(self._texts)), key=lambda i: -scores[i])[: self._top_k]
        return [self._texts[i] for i in ranked if scores[i] > 0]


# CitationQueryEngine as its documentation shows it, with two sources fewer: on this CPU every retrieved
# default chunk (~1000 characters) costs the 1.5B model about 15 s of prompt.
CITATION_TOP_K = 2
CITATION_CHUNK_SIZE = 256
_SOURCE_PREFIX = re.compile(r"^Source \d+:\n")
_PEER_REFUSAL = re.compile(r"(?:没有|未)(?:明确|具体|直接)?(?:提及|提到|涉及|相关)|not (?:mention|provide|contain)", re.I)


def client_llm(client: ChatClient):
    """Our ``ChatClient`` as a llama-index LLM, so a llama-index pipeline calls the same endpoint and model."""
    from llama_index.core.base.llms.types import (
        ChatMessage,
        ChatResponse,
        CompletionResponse,
        LLMMetadata,
        MessageRole,
    )
    from llama_index.core.llms import CustomLLM
    from llama_index.core.llms.callbacks import (
        llm_chat_callback,
        llm_completion_callback,
    )

    def as_messages(messages: Sequence[ChatMessage]) -> list[dict[str, str]]:
        return [{"role": m.role.value, "content": m.content or ""} for m in messages]

    class ClientLLM(CustomLLM):
        @property
        def metadata(self) -> LLMMetadata:
            return LLMMetadata(context_window=4096, num_output=256, is_chat_model=True, model_name=client.model)

        @llm_chat_callback()
        def chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
            text = client.complete(as_messages(messages))
            return ChatResponse(message=ChatMessage(role=MessageRole.ASSISTANT, content=text))

        @llm_chat_callback()
        def stream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> Iterator[ChatResponse]:
            def deltas() -> Iterator[ChatResponse]:
                text = ""
                for delta in client.stream(as_messages(messages)):
                    text += delta
                    yield ChatResponse(message=ChatMessage(role=MessageRole.ASSISTANT, content=text), delta=delta)
            return deltas()

        @llm_completion_callback()
        def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
            return CompletionResponse(text=client.complete([{"role": "user", "content": prompt}]))

        @llm_completion_callback()
        def stream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> Iterator[CompletionResponse]:
            def deltas() -> Iterator[CompletionResponse]:
                text = ""
                for delta in client.stream([{"role": "user", "content": prompt}]):
                    text += delta
                    yield CompletionResponse(text=text, delta=delta)
            return deltas()

    return ClientLLM()


class CitationPeer:
    """llama-index's ``CitationQueryEngine`` (streaming) over ``faiss_index``, answering with our LLM."""

    name = "llama-index CitationQueryEngine"

    def __init__(self, chunks: list[BaseNode], embed_model: BaseEmbedding, client: ChatClient) -> None:
        from llama_index.core.query_engine import CitationQueryEngine

        self._engine = CitationQueryEngine.from_args(
            faiss_index(chunks, embed_model), llm=client_llm(client), similarity_top_k=CITATION_TOP_K,
            citation_chunk_size=CITATION_CHUNK_SIZE, streaming=True,
        )

    def answer(self, question: str) -> tuple[Answer, float, float]:
        """The answer as an ``Answer`` (its sources as citations), ms to the first token and in all.
        An LLM fault is an empty, refused answer."""
        started = time.perf_counter()
        first = None
        parts: list[str] = []
        try:
            response = self._engine.query(question)
            for delta in response.response_gen:
                first = first or time.perf_counter()
                parts.append(delta)
        except LLMError as error:
            return Answer(question, str(error), True, answerer="peer"), 0.0, (time.perf_counter() - started) * 1000
        finished = time.perf_counter()
        text = "".join(parts).strip()
        citations = [
            Citation(n, hit.node.metadata.get("file_name", ""), "", _SOURCE_PREFIX.sub("", hit.node.get_content()), 0, 0, 0)
            for n, hit in enumerate(response.source_nodes, start=1)
        ]
        refused = not text or bool(_PEER_REFUSAL.search(text))
        answer = Answer(question, text, refused, citations, answerer="peer")
        return answer, ((first or finished) - started) * 1000, (finished - started) * 1000
