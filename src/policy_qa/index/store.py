"""The persisted index: llama-index nodes in a FAISS vector store, sentence vectors, a manifest, atomic writes,
self-repair.

Chunks are embedded for retrieval, and every sentence (under its heading path and, for a table's row, its column
header) for the evidence stage,
which compares each candidate sentence with the question. Both are computed once, at build time.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from filelock import FileLock, Timeout

from ..errors import IndexBuildError, IndexCorruptError
from ..schema import Chunk, SourceDocument
from ..text.ingest import read_corpus
from .catalog import Catalog, node_id

if TYPE_CHECKING:
    from llama_index.core import VectorStoreIndex
    from llama_index.core.base.embeddings.base import BaseEmbedding
    from llama_index.core.schema import TextNode

log = logging.getLogger(__name__)

# Bump when ingestion, repair, structure or chunking change what goes into the index.
CHUNKING_VERSION = "5"
MANIFEST_NAME = "manifest.json"
SENTENCE_VECTORS = "sentences.npy"
EMBED_BATCH = 32
# How long a second process waits for another's build of the same index before giving up.
BUILD_LOCK_WAIT_S = 3600.0
# A build's progress: (fraction done, what it is doing).
Progress = Callable[[float, str], None]


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
    sentences: int = 0

    def matches(self, other: Manifest) -> bool:
        return (self.corpus_fingerprint, self.model, self.chunking_version) == (
            other.corpus_fingerprint,
            other.model,
            other.chunking_version,
        )


@dataclass
class LoadedIndex:
    """An index ready to query: the vector index, the typed corpus it holds, one vector per sentence of the
    catalog (rows in ``Sentence.number`` order), and why it was (re)built, if it was."""

    index: VectorStoreIndex
    catalog: Catalog
    sentence_vectors: np.ndarray
    manifest: Manifest
    path: Path
    rebuilt_because: str | None
    warnings: list[str]


def corpus_fingerprint(documents: list[SourceDocument]) -> str:
    """Hash of every document's name and bytes: changes when any file is added, removed or edited."""
    digest = hashlib.sha256()
    for document in sorted(documents, key=lambda d: d.name):
        digest.update(f"{document.name}\0{document.fingerprint}\n".encode("utf-8"))
    return digest.hexdigest()


def load_or_build(
    corpus_dir: Path,
    index_dir: Path,
    embed_model: BaseEmbedding,
    model_id: str,
    *,
    force: bool = False,
    progress: Progress | None = None,
) -> LoadedIndex:
    """Load the index at ``index_dir`` when it was built from this corpus and model, else (re)build it,
    reporting the build's progress to ``progress``.

    One process builds an index at a time (an advisory lock beside it); another waits, then loads what the
    first built. Folders a killed build left behind are removed (the old index put back if it was retired).
    """
    documents, warnings = read_corpus(corpus_dir)
    catalog = Catalog(documents)
    wanted = _manifest_for(catalog, model_id, dimension=0)
    _tidy(index_dir)
    if not force and _stale_reason(index_dir, wanted) is None:
        try:
            return _load(index_dir, embed_model, catalog, warnings)
        except IndexCorruptError:
            pass
    with _build_lock(index_dir):
        _remove_leftovers(index_dir)
        reason = "要求重建" if force else _stale_reason(index_dir, wanted)
        if reason is None:  # built by another process while this one waited, or a load that failed above
            try:
                return _load(index_dir, embed_model, catalog, warnings)
            except IndexCorruptError as error:
                reason = f"索引已损坏（{error}）"
        log.warning("正在建立索引 %s：%s。", index_dir, reason)
        loaded = _build(catalog, index_dir, embed_model, model_id, warnings, progress or _log_progress)
    loaded.rebuilt_because = reason
    return loaded


def _lock_of(index_dir: Path, timeout: float) -> FileLock:
    return FileLock(index_dir.with_name(f".{index_dir.name}.lock"), timeout=timeout)


def _tidy(index_dir: Path) -> None:
    """Remove what a killed build left beside ``index_dir``, unless a build is running (or the folder is read-only)."""
    if not index_dir.parent.is_dir():
        return
    try:
        with _lock_of(index_dir, timeout=0):
            _remove_leftovers(index_dir)
    except (Timeout, OSError):
        pass


@contextlib.contextmanager
def _build_lock(index_dir: Path) -> Iterator[None]:
    """Hold the advisory lock of ``index_dir``'s builds (a file beside it; released when the process dies)."""
    try:
        index_dir.parent.mkdir(parents=True, exist_ok=True)
        lock = _lock_of(index_dir, timeout=BUILD_LOCK_WAIT_S)
        lock.acquire()
    except Timeout as error:
        raise IndexBuildError(f"另一个进程建立索引 {index_dir} 已超过 {BUILD_LOCK_WAIT_S:.0f} 秒，请稍后再试。") from error
    except OSError as error:
        raise IndexBuildError(f"无法写入索引文件夹 {index_dir}：{_reason(error)}") from error
    try:
        yield
    finally:
        lock.release()


def _remove_leftovers(index_dir: Path) -> None:
    """Remove the staging and retired folders of ``index_dir`` that an interrupted build left (under the lock,
    no other build is running); a build killed between retiring the old index and moving in the new one gets
    the old one back first."""
    retired = sorted(index_dir.parent.glob(f".{index_dir.name}.retired-*"))
    if retired and not index_dir.exists():
        os.replace(retired[0], index_dir)
    for prefix in (f".{index_dir.name}.building-", f".{index_dir.name}.retired-"):
        for leftover in index_dir.parent.glob(f"{prefix}*"):
            log.warning("删除上次中断的建立索引留下的 %s", leftover)
            shutil.rmtree(leftover, ignore_errors=True)


def _log_progress(fraction: float, message: str) -> None:
    log.info("%3.0f%% %s", fraction * 100, message)


def read_manifest(index_dir: Path) -> Manifest:
    """The manifest of the index at ``index_dir``; ``IndexCorruptError`` when missing or unreadable."""
    try:
        return Manifest(**json.loads((index_dir / MANIFEST_NAME).read_text(encoding="utf-8")))
    except FileNotFoundError as error:
        raise IndexCorruptError(f"{index_dir} 中没有清单文件") from error
    except (OSError, ValueError, TypeError) as error:
        raise IndexCorruptError(f"清单文件无法读取：{error}") from error


def _manifest_for(catalog: Catalog, model_id: str, dimension: int) -> Manifest:
    sections: dict[str, int] = {}
    for document in catalog.documents:
        sections[document.file] = sections.get(document.file, 0) + len(document.sections)
    return Manifest(
        corpus_fingerprint=corpus_fingerprint(list(catalog.sources.values())),
        model=model_id,
        dimension=dimension,
        chunking_version=CHUNKING_VERSION,
        built_at=time.time(),
        documents=[
            {"name": d.name, "encoding": d.encoding, "sha256": d.fingerprint, "sections": sections.get(d.name, 0)}
            for d in catalog.sources.values()
        ],
        chunks=len(catalog.chunks),
        sentences=len(catalog.sentences),
    )


def _stale_reason(index_dir: Path, wanted: Manifest) -> str | None:
    if not index_dir.exists():
        return "还没有索引"
    try:
        present = read_manifest(index_dir)
    except IndexCorruptError as error:
        return f"索引已损坏（{error}）"
    if present.model != wanted.model:
        return f"嵌入模型已更换（{present.model} → {wanted.model}）"
    if present.chunking_version != wanted.chunking_version:
        return "分段方式已更新"
    if present.corpus_fingerprint != wanted.corpus_fingerprint:
        return "语料已改动"
    return None


def _node_for(chunk: Chunk) -> TextNode:
    """A chunk as a llama-index node: its text under its heading path (what is embedded), and where it is."""
    from llama_index.core.schema import TextNode

    metadata = {"section": chunk.section.heading, "document": chunk.section.document, "start": chunk.start, "end": chunk.end}
    hidden = [key for key in metadata if key != "section"]
    return TextNode(
        id_=node_id(chunk),
        text=chunk.text,
        metadata=metadata,
        excluded_embed_metadata_keys=hidden,
        excluded_llm_metadata_keys=hidden,
        metadata_template="{value}",
        text_template="{metadata_str}\n{content}",
    )


def _embed(embed_model: BaseEmbedding, texts: list[str], progress: Progress, done: int, total: int) -> list[list[float]]:
    """Passage vectors of ``texts`` in batches, reporting ``done + k`` of ``total`` texts and the rate."""
    vectors: list[list[float]] = []
    started = time.perf_counter()
    for first in range(0, len(texts), EMBED_BATCH):
        vectors += embed_model.get_text_embedding_batch(texts[first : first + EMBED_BATCH])
        count = done + len(vectors)
        rate = len(vectors) / max(time.perf_counter() - started, 1e-6)
        progress(0.05 + 0.9 * count / total, f"向量 {count}/{total}（{rate:.0f} 段/秒）")
    return vectors


def _build(
    catalog: Catalog, index_dir: Path, embed_model: BaseEmbedding, model_id: str, warnings: list[str], progress: Progress
) -> LoadedIndex:
    import faiss
    from llama_index.core import StorageContext, VectorStoreIndex
    from llama_index.vector_stores.faiss import FaissVectorStore

    if not catalog.chunks:
        raise IndexBuildError("语料中没有可以建立索引的文字")
    progress(0.05, f"{len(catalog.sources)} 个文件，{len(catalog.documents)} 篇文档，{len(catalog.chunks)} 个段落，{len(catalog.sentences)} 个句子")
    nodes = [_node_for(chunk) for chunk in catalog.chunks]
    total = len(nodes) + len(catalog.sentences)
    texts = [node.get_content(metadata_mode="embed") for node in nodes]
    for node, vector in zip(nodes, _embed(embed_model, texts, progress, 0, total)):
        node.embedding = vector
    sentence_texts = [f"{sentence.context}\n{sentence.text}" for sentence in catalog.sentences]
    sentence_vectors = np.asarray(_embed(embed_model, sentence_texts, progress, len(nodes), total), dtype=np.float32)
    dimension = len(nodes[0].embedding)
    vector_store = FaissVectorStore(faiss_index=faiss.IndexFlatIP(dimension))
    storage = StorageContext.from_defaults(vector_store=vector_store)
    index = VectorStoreIndex(nodes, storage_context=storage, embed_model=embed_model)
    manifest = _manifest_for(catalog, model_id, dimension)
    _persist_atomically(storage, sentence_vectors, manifest, index_dir)
    progress(1.0, "索引已写入")
    return LoadedIndex(index, catalog, sentence_vectors, manifest, index_dir, None, warnings)


def _persist_atomically(storage: Any, sentence_vectors: np.ndarray, manifest: Manifest, index_dir: Path) -> None:
    """Write into a fresh sibling folder, then swap it in: a crash never leaves a half-written index."""
    try:
        index_dir.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{index_dir.name}.building-", dir=index_dir.parent))
    except OSError as error:
        raise IndexBuildError(f"无法写入索引文件夹 {index_dir}：{_reason(error)}") from error
    try:
        storage.persist(persist_dir=str(staging))
        np.save(staging / SENTENCE_VECTORS, sentence_vectors)
        (staging / MANIFEST_NAME).write_text(json.dumps(asdict(manifest), ensure_ascii=False, indent=1), encoding="utf-8")
        retired = index_dir.with_name(f".{index_dir.name}.retired-{os.getpid()}")
        if index_dir.exists():
            os.replace(index_dir, retired)
        try:
            os.replace(staging, index_dir)
        except OSError:
            if retired.exists():
                os.replace(retired, index_dir)
            raise
        shutil.rmtree(retired, ignore_errors=True)
    except Exception as error:  # OSError, and faiss's RuntimeError when the disk fills while it writes
        shutil.rmtree(staging, ignore_errors=True)
        raise IndexBuildError(f"无法写入索引文件夹 {index_dir}：{_reason(error)}；原有索引未改动。") from error


def _reason(error: Exception) -> str:
    """The first line of what went wrong (an OS error's own words; faiss's errors run to many lines)."""
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def _load(index_dir: Path, embed_model: BaseEmbedding, catalog: Catalog, warnings: list[str]) -> LoadedIndex:
    from llama_index.core import StorageContext, load_index_from_storage
    from llama_index.vector_stores.faiss import FaissVectorStore

    manifest = read_manifest(index_dir)
    try:
        vector_store = FaissVectorStore.from_persist_dir(str(index_dir))
        storage = StorageContext.from_defaults(vector_store=vector_store, persist_dir=str(index_dir))
        index = load_index_from_storage(storage, embed_model=embed_model)
        sentence_vectors = np.load(index_dir / SENTENCE_VECTORS)
    except Exception as error:  # faiss, numpy and llama-index raise many kinds on damaged files
        raise IndexCorruptError(f"{type(error).__name__}: {error}") from error
    stored = set(storage.docstore.docs)
    vectors = vector_store.client.ntotal
    expected = (len(catalog.chunks), len(catalog.chunks), len(catalog.sentences), manifest.dimension)
    found = (len(stored), vectors, sentence_vectors.shape[0], vector_store.client.d)
    if found != expected or sentence_vectors.shape[1:] != (manifest.dimension,):
        raise IndexCorruptError(
            f"有 {vectors} 个向量、{len(stored)} 个节点、{sentence_vectors.shape[0]} 个句子向量（{vector_store.client.d} 维），"
            f"语料有 {len(catalog.chunks)} 个段落、{len(catalog.sentences)} 个句子（{manifest.dimension} 维）"
        )
    if stored != set(catalog.by_id):
        raise IndexCorruptError("索引的节点与语料的段落不符")
    return LoadedIndex(index, catalog, sentence_vectors, manifest, index_dir, None, warnings)
