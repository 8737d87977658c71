"""Plain pipelines measured beside the engine, on the same questions and the same embedding model.

- ``LlamaIndexPeer``: what a user builds from the llama-index docs: ``SimpleDirectoryReader`` → the default
  ``SentenceSplitter`` → a FAISS ``VectorStoreIndex`` → top-k retrieval.
- ``Bm25Peer``: BM25 over jieba tokens of the same default chunks (as Langchain-Chatchat does it).

Both are retrieval-only here; answers from a peer need an LLM (``CitationQueryEngine``), which comes with LLM answers.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from ..retrieval import build_bm25
from ..settings import enforce_offline
from ..tokens import segment

if TYPE_CHECKING:
    from llama_index.core.base.embeddings.base import BaseEmbedding
    from llama_index.core.schema import BaseNode


class Peer(Protocol):
    """A retrieval pipeline: a name and the texts of its top-k chunks for a question."""

    name: str

    def retrieve(self, question: str) -> list[str]: ...


def default_chunks(corpus_dir: Path) -> list[BaseNode]:
    """The corpus as the llama-index docs load and split it, with no repair of the PDF text."""
    enforce_offline()
    from llama_index.core import SimpleDirectoryReader
    from llama_index.core.node_parser import SentenceSplitter

    documents = SimpleDirectoryReader(str(corpus_dir), required_exts=[".txt", ".md"], recursive=True).load_data()
    return SentenceSplitter().get_nodes_from_documents(documents)


class LlamaIndexPeer:
    """``VectorStoreIndex`` over ``FaissVectorStore(IndexFlatL2)``, as in the llama-index FAISS example."""

    name = "llama-index default (SentenceSplitter + FAISS)"

    def __init__(self, chunks: list[BaseNode], embed_model: BaseEmbedding, top_k: int) -> None:
        import faiss
        from llama_index.core import StorageContext, VectorStoreIndex
        from llama_index.vector_stores.faiss import FaissVectorStore

        dimension = len(embed_model.get_text_embedding("维度"))
        storage = StorageContext.from_defaults(vector_store=FaissVectorStore(faiss_index=faiss.IndexFlatL2(dimension)))
        index = VectorStoreIndex(chunks, storage_context=storage, embed_model=embed_model)
        self._retriever = index.as_retriever(similarity_top_k=top_k)

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
