"""The persisted index: llama-index nodes in a FAISS vector store, a manifest, atomic writes, self-repair."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .documents import Chunk, Section, SourceDocument
from .errors import IndexBuildError, IndexCorruptError
from .ingest import read_corpus
from .structure import chunk_sections, parse_sections

if TYPE_CHECKING:
    from llama_index.core import VectorStoreIndex
    from llama_index.core.base.embeddings.base import BaseEmbedding
    from llama_index.core.schema import TextNode

log = logging.getLogger(__name__)

# Bump when ingestion, repair, structure or chunking change what goes into the index.
CHUNKING_VERSION = "2"
CHUNK_MAX_CHARS = 400
MANIFEST_NAME = "manifest.json"


@dataclass(frozen=True)
class Manifest:
    """What an index was built from; an index whose manifest differs from the present one is rebuilt."""

    corpus_fingerprint: str
    model: str
    dimension: int
    chunking_version: str
    built_at: float
    documents: list[dict[str, Any]]
    chunks: int

    def matches(self, other: Manifest) -> bool:
        return (self.corpus_fingerprint, self.model, self.chunking_version) == (
            other.corpus_fingerprint,
            other.model,
            other.chunking_version,
        )


@dataclass
class LoadedIndex:
    """An index ready to query, with its nodes in document order and why it was (re)built, if it was."""

    index: VectorStoreIndex
    nodes: list[TextNode]
    manifest: Manifest
    path: Path
    documents: dict[str, SourceDocument]
    rebuilt_because: str | None
    warnings: list[str]


def corpus_fingerprint(documents: list[SourceDocument]) -> str:
    """Hash of every document's name and bytes: changes when any file is added, removed or edited."""
    digest = hashlib.sha256()
    for document in sorted(documents, key=lambda d: d.name):
        digest.update(f"{document.name}\0{document.fingerprint}\n".encode("utf-8"))
    return digest.hexdigest()


def load_or_build(corpus_dir: Path, index_dir: Path, embed_model: BaseEmbedding, model_id: str, *, force: bool = False) -> LoadedIndex:
    """Load the index at ``index_dir`` when it was built from this corpus and model, else (re)build it."""
    documents, warnings = read_corpus(corpus_dir)
    wanted = _manifest_for(documents, model_id, dimension=0, chunks=0)
    reason = "a rebuild was asked for" if force else _stale_reason(index_dir, wanted)
    if reason is None:
        try:
            return _load(index_dir, embed_model, documents, warnings)
        except IndexCorruptError as error:
            reason = f"the index is corrupt ({error})"
    log.warning("Building the index in %s: %s.", index_dir, reason)
    loaded = _build(documents, index_dir, embed_model, model_id, warnings)
    loaded.rebuilt_because = reason
    return loaded


def read_manifest(index_dir: Path) -> Manifest:
    """The manifest of the index at ``index_dir``; ``IndexCorruptError`` when missing or unreadable."""
    try:
        return Manifest(**json.loads((index_dir / MANIFEST_NAME).read_text(encoding="utf-8")))
    except FileNotFoundError as error:
        raise IndexCorruptError(f"no manifest in {index_dir}") from error
    except (OSError, ValueError, TypeError) as error:
        raise IndexCorruptError(f"unreadable manifest: {error}") from error


def _manifest_for(
    documents: list[SourceDocument], model_id: str, dimension: int, chunks: int, sections: dict[str, list[Section]] | None = None
) -> Manifest:
    return Manifest(
        corpus_fingerprint=corpus_fingerprint(documents),
        model=model_id,
        dimension=dimension,
        chunking_version=CHUNKING_VERSION,
        built_at=time.time(),
        documents=[
            {"name": d.name, "encoding": d.encoding, "sha256": d.fingerprint, "sections": len((sections or {}).get(d.name, []))}
            for d in documents
        ],
        chunks=chunks,
    )


def _stale_reason(index_dir: Path, wanted: Manifest) -> str | None:
    if not index_dir.exists():
        return "there is no index yet"
    try:
        present = read_manifest(index_dir)
    except IndexCorruptError as error:
        return f"the index is corrupt ({error})"
    if present.model != wanted.model:
        return f"the embedding model changed ({present.model} → {wanted.model})"
    if present.chunking_version != wanted.chunking_version:
        return "the chunking changed"
    if present.corpus_fingerprint != wanted.corpus_fingerprint:
        return "the corpus changed"
    return None


def _nodes_for(chunks: list[Chunk]) -> list[TextNode]:
    from llama_index.core.schema import TextNode

    nodes = []
    for chunk in chunks:
        section = chunk.section
        metadata = {
            "section": section.heading,
            "document": section.document,
            "heading_path": list(section.heading_path),
            "start": chunk.start,
            "end": chunk.end,
            "section_start": section.start,
            "section_end": section.end,
            "line_start": section.line_start,
            "line_end": section.line_end,
        }
        hidden = [key for key in metadata if key != "section"]
        nodes.append(
            TextNode(
                id_=hashlib.sha1(chunk.chunk_id.encode("utf-8")).hexdigest(),
                text=chunk.text,
                metadata=metadata,
                excluded_embed_metadata_keys=hidden,
                excluded_llm_metadata_keys=hidden,
                metadata_template="{value}",
                text_template="{metadata_str}\n{content}",
            )
        )
    return nodes


def _build(documents: list[SourceDocument], index_dir: Path, embed_model: BaseEmbedding, model_id: str, warnings: list[str]) -> LoadedIndex:
    import faiss
    from llama_index.core import StorageContext, VectorStoreIndex
    from llama_index.vector_stores.faiss import FaissVectorStore

    sections = {document.name: parse_sections(document) for document in documents}
    chunks = [chunk for name, found in sections.items() for chunk in chunk_sections(found, CHUNK_MAX_CHARS)]
    if not chunks:
        raise IndexBuildError("the corpus holds no text to index")
    nodes = _nodes_for(chunks)
    dimension = len(embed_model.get_text_embedding("维度"))
    vector_store = FaissVectorStore(faiss_index=faiss.IndexFlatIP(dimension))
    storage = StorageContext.from_defaults(vector_store=vector_store)
    index = VectorStoreIndex(nodes, storage_context=storage, embed_model=embed_model)
    manifest = _manifest_for(documents, model_id, dimension, len(nodes), sections)
    _persist_atomically(storage, manifest, index_dir)
    return LoadedIndex(index, nodes, manifest, index_dir, {d.name: d for d in documents}, None, warnings)


def _persist_atomically(storage: Any, manifest: Manifest, index_dir: Path) -> None:
    """Write into a fresh sibling folder, then swap it in: a crash never leaves a half-written index."""
    try:
        index_dir.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{index_dir.name}.building-", dir=index_dir.parent))
    except OSError as error:
        raise IndexBuildError(f"cannot write the index folder {index_dir}: {error.strerror or error}") from error
    try:
        storage.persist(persist_dir=str(staging))
        (staging / MANIFEST_NAME).write_text(json.dumps(asdict(manifest), ensure_ascii=False, indent=1), encoding="utf-8")
        retired = index_dir.with_name(f".{index_dir.name}.retired-{os.getpid()}")
        if index_dir.exists():
            os.replace(index_dir, retired)
        os.replace(staging, index_dir)
        shutil.rmtree(retired, ignore_errors=True)
    except OSError as error:
        shutil.rmtree(staging, ignore_errors=True)
        raise IndexBuildError(f"cannot write the index folder {index_dir}: {error.strerror or error}") from error


def _load(index_dir: Path, embed_model: BaseEmbedding, documents: list[SourceDocument], warnings: list[str]) -> LoadedIndex:
    from llama_index.core import StorageContext, load_index_from_storage
    from llama_index.vector_stores.faiss import FaissVectorStore

    manifest = read_manifest(index_dir)
    try:
        vector_store = FaissVectorStore.from_persist_dir(str(index_dir))
        storage = StorageContext.from_defaults(vector_store=vector_store, persist_dir=str(index_dir))
        index = load_index_from_storage(storage, embed_model=embed_model)
    except Exception as error:  # faiss and llama-index raise many kinds on damaged files
        raise IndexCorruptError(f"{type(error).__name__}: {error}") from error
    nodes = sorted(
        (node for node in storage.docstore.docs.values()),
        key=lambda node: (node.metadata.get("document", ""), node.metadata.get("start", 0)),
    )
    vectors = vector_store.client.ntotal
    if len(nodes) != manifest.chunks or vectors != manifest.chunks or vector_store.client.d != manifest.dimension:
        raise IndexCorruptError(
            f"{vectors} vectors and {len(nodes)} nodes of dimension {vector_store.client.d}, "
            f"the manifest says {manifest.chunks} of dimension {manifest.dimension}"
        )
    return LoadedIndex(index, nodes, manifest, index_dir, {d.name: d for d in documents}, None, warnings)
