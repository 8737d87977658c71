"""The persisted index: each file's part (its catalog and words), the joined arrays (chunk vectors, sentence
vectors, the chunks' term counts, row for row), a manifest; incremental updates, atomic writes, self-repair.

Chunks are embedded for retrieval, and every sentence (under its heading path and, for a table's row, its column
header) for the evidence stage, which compares each candidate sentence with the question. Both are computed once
per file content: an update reads, segments and embeds only the files added or changed, takes over the other
files' parts and their rows of the arrays (a running engine's parts from memory), and writes the index into a new
folder that replaces the old one in one rename. Opened, the chunks are searched by a store (``stores/``): FAISS
over the chunk vectors and BM25 weights computed from the counts (the default), or a Milvus collection kept in step
with the index; the sentence vectors stay memory-mapped.
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from filelock import FileLock, Timeout

from ..errors import IndexBuildError, IndexCorruptError, UnreadableFileError
from ..text.ingest import file_sha256, list_corpus, no_readable_files, read_document
from .catalog import Catalog, chunk_passage, sentence_passage
from .embedder import embed_passages
from .keywords import TermCounts
from .parts import PARTS_DIR, FilePart, load_part, part_file, save_part
from .stores import ChunkSearch, MilvusLocation
from .stores.faiss_store import FaissSearch

if TYPE_CHECKING:
    from llama_index.core.base.embeddings.base import BaseEmbedding

log = logging.getLogger(__name__)

# Bump when ingestion, repair, structure or chunking change what goes into the index.
CHUNKING_VERSION = "14"
MANIFEST_NAME = "manifest.json"
CHUNK_VECTORS = "chunks.npy"
SENTENCE_VECTORS = "sentences.npy"
KEYWORDS = "keywords.npz"
# How long a second process waits for another's build of the same index before giving up.
BUILD_LOCK_WAIT_S = 3600.0
# A build's progress: (fraction done, what it is doing).
Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class Manifest:
    """What an index was built from; an index whose manifest differs from the present one is updated.

    ``documents`` has an entry per indexed file (name, encoding, sha256, size, mtime_ns, sections, part), and
    ``skipped`` one per file that could not be read (name, sha256, size, mtime_ns, reason): an unchanged file is
    neither re-read nor re-hashed.
    """

    corpus_fingerprint: str
    model: str
    dimension: int
    chunking_version: str
    built_at: float
    documents: list[dict[str, Any]]
    chunks: int
    sentences: int = 0
    skipped: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class IndexChanges:
    """Files added, changed, removed and unchanged by an update (names in corpus order)."""

    added: list[str]
    changed: list[str]
    removed: list[str]
    unchanged: list[str]

    def summary(self) -> str:
        """「新增 1 · 改动 0 · 删除 0 · 未变 3 个文件」."""
        counts = (len(self.added), len(self.changed), len(self.removed), len(self.unchanged))
        return "新增 {} · 改动 {} · 删除 {} · 未变 {} 个文件".format(*counts)


@dataclass
class LoadedIndex:
    """An index ready to query: the store searching its chunks (rows in the catalog's chunk order), the typed
    corpus, one vector per sentence (rows by ``Catalog.sentence_row``), each file's part by part file name, why it
    was (re)built and what changed, if it was."""

    search: ChunkSearch
    catalog: Catalog
    sentence_vectors: np.ndarray
    parts: dict[str, FilePart]
    manifest: Manifest
    path: Path
    rebuilt_because: str | None
    warnings: list[str]
    changes: IndexChanges | None = None


@dataclass(frozen=True)
class _File:
    """A corpus file as listed now: where it is, its name, and its bytes' size, time and hash."""

    path: Path
    name: str
    size: int
    mtime_ns: int
    sha256: str


def corpus_fingerprint(files: list[tuple[str, str]]) -> str:
    """Hash of every file's ``(name, sha256)``: changes when any file is added, removed or edited."""
    digest = hashlib.sha256()
    for name, sha256 in sorted(files):
        digest.update(f"{name}\0{sha256}\n".encode("utf-8"))
    return digest.hexdigest()


def load_or_build(
    corpus_dir: Path,
    index_dir: Path,
    embed_model: BaseEmbedding,
    model_id: str,
    *,
    force: bool = False,
    progress: Progress | None = None,
    serving: LoadedIndex | None = None,
    store: MilvusLocation | None = None,
    republish: bool = False,
) -> LoadedIndex:
    """Load the index at ``index_dir`` when it was built from this corpus and model, else update it, reporting
    progress to ``progress``: only files added or changed since are read and embedded (all with ``force``).
    ``serving``: the index a running engine holds, whose files' parts are taken from memory, not read again.
    ``store``: search the chunks in that Milvus collection (brought in step with the index; written anew with
    ``republish`` or ``force``) instead of FAISS.

    One process builds an index at a time (an advisory lock beside it); another waits, then loads what the
    first built. Folders a killed build left behind are removed (the old index put back if it was retired).
    """
    listed, warnings = list_corpus(corpus_dir)
    in_memory = serving.parts if serving is not None else {}
    _tidy(index_dir)
    files = _fingerprinted(listed, _present_manifest(index_dir))
    searcher = _Searcher(store, republish or force, progress)
    if not force and _stale_reason(index_dir, files, model_id) is None:
        try:
            return _load(index_dir, files, warnings, in_memory, searcher)
        except IndexCorruptError:
            pass
    with _build_lock(index_dir):
        _remove_leftovers(index_dir)
        files = _fingerprinted(listed, _present_manifest(index_dir))
        reason = "要求重建" if force else _stale_reason(index_dir, files, model_id)
        if reason is None:  # built by another process while this one waited, or a load that failed above
            try:
                return _load(index_dir, files, warnings, in_memory, searcher)
            except IndexCorruptError as error:
                reason = f"索引已损坏（{error}）"
        log.warning("正在建立索引 %s：%s。", index_dir, reason)
        reusable = None if force else _reusable_parts(index_dir, model_id)
        loaded = _build(
            corpus_dir, files, reusable, index_dir, embed_model, model_id, warnings, progress or _log_progress, in_memory,
            searcher,
        )
    loaded.rebuilt_because = reason
    return loaded


def _fingerprinted(listed: list[tuple[Path, str]], present: Manifest | None) -> list[_File]:
    """The listed files with their hashes; a file whose size and modification time are those the present
    manifest records keeps its recorded hash (not re-read, as git does)."""
    known = {}
    if present is not None:
        known = {entry["name"]: entry for entry in [*present.documents, *present.skipped]}
    files = []
    for path, name in listed:
        try:
            status = path.stat()
        except OSError:
            continue  # vanished since it was listed
        entry = known.get(name, {})
        same = (entry.get("size"), entry.get("mtime_ns")) == (status.st_size, status.st_mtime_ns)
        try:
            sha256 = entry["sha256"] if same and "sha256" in entry else file_sha256(path)
        except OSError:
            sha256 = ""  # unreadable: the reader reports why
        files.append(_File(path, name, status.st_size, status.st_mtime_ns, sha256))
    return files


def _present_manifest(index_dir: Path) -> Manifest | None:
    try:
        return read_manifest(index_dir)
    except IndexCorruptError:
        return None


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


def _stale_reason(index_dir: Path, files: list[_File], model_id: str) -> str | None:
    if not index_dir.exists():
        return "还没有索引"
    try:
        present = read_manifest(index_dir)
    except IndexCorruptError as error:
        return f"索引已损坏（{error}）"
    if present.model != model_id:
        return f"嵌入模型已更换（{present.model} → {model_id}）"
    if present.chunking_version != CHUNKING_VERSION:
        return "分段方式已更新"
    if present.corpus_fingerprint != corpus_fingerprint([(f.name, f.sha256) for f in files]):
        return "语料已改动"
    return None


def _embed(embed_model: BaseEmbedding, texts: list[str], progress: Progress) -> np.ndarray:
    """Passage vectors of ``texts``, reporting the texts done and the rate."""
    started = time.perf_counter()

    def report(done: int, characters: int) -> None:
        seconds = max(time.perf_counter() - started, 1e-6)
        progress(
            0.1 + 0.8 * done / len(texts),
            f"向量 {done}/{len(texts)}（{done / seconds:.0f} 段/秒，{characters / seconds:.0f} 字/秒）",
        )

    return embed_passages(embed_model, texts, report)


def _reusable_parts(index_dir: Path, model_id: str) -> dict[str, Path]:
    """The parts of the present index by file name, when it was built with this model and chunking."""
    present = _present_manifest(index_dir)
    if present is None or (present.model, present.chunking_version) != (model_id, CHUNKING_VERSION):
        return {}
    return {part: index_dir / PARTS_DIR / part for part in (d.get("part") for d in present.documents) if part}


def _taken_over(files: list[_File], reusable: dict[str, Path], in_memory: dict[str, FilePart]) -> dict[str, FilePart]:
    """The present index's parts of the files unchanged since, by file name: from ``in_memory`` (a running
    engine's, keyed by part file name) when there, else read (a damaged one is made anew)."""
    taken: dict[str, FilePart] = {}
    for file in files:
        key = part_file(file.name, file.sha256)
        path = reusable.get(key)
        if path is None:
            continue
        if key in in_memory:
            taken[file.name] = in_memory[key]
            continue
        try:
            taken[file.name] = load_part(path, file.path)
        except IndexCorruptError as error:
            log.warning("重新读取「%s」：%s", file.name, error)
    return taken


def _read_new(files: list[_File], progress: Progress) -> tuple[dict[str, FilePart], list[dict[str, Any]]]:
    """Read, parse and segment ``files``: each one's part, and the files skipped."""
    fresh: dict[str, FilePart] = {}
    skipped: list[dict[str, Any]] = []
    started, characters = time.perf_counter(), 0
    for k, file in enumerate(files, start=1):
        try:
            source = read_document(file.path, file.name, file.sha256 or None)
        except UnreadableFileError as error:
            skipped.append({"name": file.name, "sha256": file.sha256, "size": file.size, "mtime_ns": file.mtime_ns, "reason": str(error)})
        else:
            fresh[file.name] = FilePart.of(source)
            characters += len(source.text)
        rate = characters / max(time.perf_counter() - started, 1e-6)
        progress(0.1 * k / len(files), f"读取文件 {k}/{len(files)}（{rate:.0f} 字/秒）：{file.name}")
    return fresh, skipped


@dataclass(frozen=True)
class _Rows:
    """Where a file's chunks and sentences are in an index's joined arrays: ``[start, stop)`` of each."""

    chunks: tuple[int, int]
    sentences: tuple[int, int]


def _rows_of(manifest: Manifest) -> dict[str, _Rows]:
    """Each indexed file's rows, from the counts its manifest entry records (files in manifest order)."""
    rows, chunk, sentence = {}, 0, 0
    for entry in manifest.documents:
        chunks, sentences = entry["chunks"], entry["sentences"]
        rows[entry["part"]] = _Rows((chunk, chunk + chunks), (sentence, sentence + sentences))
        chunk, sentence = chunk + chunks, sentence + sentences
    return rows


@dataclass
class _Arrays:
    """An index's joined arrays: chunk vectors, sentence vectors and the chunks' term counts, row for row."""

    chunk_vectors: np.ndarray
    sentence_vectors: np.ndarray
    terms: TermCounts

    @classmethod
    def read(cls, folder: Path, manifest: Manifest) -> _Arrays:
        """The arrays in ``folder`` (vectors memory-mapped), checked against ``manifest``; ``IndexCorruptError``."""
        try:
            arrays = cls(np.load(folder / CHUNK_VECTORS, mmap_mode="r"), np.load(folder / SENTENCE_VECTORS, mmap_mode="r"),
                         TermCounts.load(folder / KEYWORDS))
        except Exception as error:  # numpy and zip raise many kinds on damaged files
            raise IndexCorruptError(f"{type(error).__name__}: {error}") from error
        found = (arrays.chunk_vectors.shape, arrays.sentence_vectors.shape, arrays.terms.counts.shape[0])
        expected = ((manifest.chunks, manifest.dimension), (manifest.sentences, manifest.dimension), manifest.chunks)
        if found != expected:
            raise IndexCorruptError(f"向量与词表的行数 {found} 与清单 {expected} 不符")
        return arrays

    @classmethod
    def assembled(cls, pieces: list[tuple[_Arrays, _Rows]]) -> _Arrays:
        """The rows of ``pieces`` in order (runs of consecutive rows are copied in one go)."""
        runs: list[tuple[_Arrays, _Rows]] = []
        for arrays, rows in pieces:
            last = runs[-1] if runs else None
            if last and last[0] is arrays and last[1].chunks[1] == rows.chunks[0] and last[1].sentences[1] == rows.sentences[0]:
                runs[-1] = (arrays, _Rows((last[1].chunks[0], rows.chunks[1]), (last[1].sentences[0], rows.sentences[1])))
            else:
                runs.append((arrays, rows))
        return cls(
            np.concatenate([a.chunk_vectors[slice(*r.chunks)] for a, r in runs]),
            np.concatenate([a.sentence_vectors[slice(*r.sentences)] for a, r in runs]),
            TermCounts.joined([a.terms.rows(np.arange(*r.chunks)) for a, r in runs]),
        )

    def write(self, folder: Path) -> None:
        np.save(folder / CHUNK_VECTORS, self.chunk_vectors)
        np.save(folder / SENTENCE_VECTORS, self.sentence_vectors)
        self.terms.save(folder / KEYWORDS)


def _new_arrays(fresh: dict[str, FilePart], embed_model: BaseEmbedding, progress: Progress) -> dict[str, tuple[_Arrays, _Rows]]:
    """Embed every chunk and sentence of ``fresh`` in one pass; each file's arrays and rows in them."""
    texts: list[str] = []
    for part in fresh.values():
        texts += [chunk_passage(chunk) for chunk in part.catalog.chunks]
        texts += [sentence_passage(sentence) for sentence in part.catalog.sentences]
    chunks = sum(len(part.catalog.chunks) for part in fresh.values())
    sentences = sum(len(part.catalog.sentences) for part in fresh.values())
    progress(0.1, f"{len(fresh)} 个文件待嵌入：{chunks} 个段落，{sentences} 个句子")
    vectors = _embed(embed_model, texts, progress) if texts else np.zeros((0, 0), dtype=np.float32)
    made: dict[str, tuple[_Arrays, _Rows]] = {}
    row = 0
    for name, part in fresh.items():
        n_chunks, n_sentences = len(part.catalog.chunks), len(part.catalog.sentences)
        arrays = _Arrays(vectors[row : row + n_chunks], vectors[row + n_chunks : row + n_chunks + n_sentences], part.terms)
        made[name] = (arrays, _Rows((0, n_chunks), (0, n_sentences)))
        row += n_chunks + n_sentences
    return made


def _build(
    corpus_dir: Path,
    files: list[_File],
    reusable: dict[str, Path] | None,
    index_dir: Path,
    embed_model: BaseEmbedding,
    model_id: str,
    warnings: list[str],
    progress: Progress,
    in_memory: dict[str, FilePart],
    searcher: _Searcher,
) -> LoadedIndex:
    """Build the index of ``files``, taking over the ``reusable`` parts of the present index (by part file name)
    and their rows of its arrays; only the other files are read and embedded."""
    present = _present_manifest(index_dir)
    old_arrays, old_rows = None, {}
    if reusable and present is not None:
        try:
            old_arrays, old_rows = _Arrays.read(index_dir, present), _rows_of(present)
        except (IndexCorruptError, KeyError) as error:
            log.warning("索引的向量无法沿用，全部重新嵌入：%s", error)
    taken = _taken_over(files, reusable or {}, in_memory) if old_arrays is not None else {}
    fresh, skipped = _read_new([file for file in files if file.name not in taken], progress)
    made = _new_arrays(fresh, embed_model, progress)
    parts = [fresh.get(file.name) or taken[file.name] for file in files if file.name in fresh or file.name in taken]
    warnings = warnings + [f"跳过「{s['name']}」：{s['reason']}" for s in skipped]
    warnings += [f"「{part.source.name}」{note}" for part in parts for note in part.source.warnings]
    if not parts:
        raise no_readable_files(corpus_dir, len(skipped))
    catalog = Catalog.joined([part.catalog for part in parts])
    if not catalog.chunks:
        raise IndexBuildError("语料中没有可以建立索引的文字")
    progress(0.9, f"{len(catalog.sources)} 个文件，{len(catalog.documents)} 篇文档，{len(catalog.chunks)} 个段落，{len(catalog.sentences)} 个句子")
    pieces = [
        made[part.source.name] if part.source.name in made
        else (old_arrays, old_rows[part_file(part.source.name, part.source.fingerprint)])
        for part in parts
    ]
    arrays = _Arrays.assembled(pieces)
    manifest = _manifest_for(parts, skipped, files, catalog, model_id, arrays.chunk_vectors.shape[1])
    _persist_atomically(arrays, manifest, parts, set(fresh), reusable or {}, index_dir)
    progress(1.0, "索引已写入")
    for message in warnings:
        log.warning("%s", message)
    loaded = _loaded(index_dir, manifest, parts, catalog, warnings, searcher, previous=present)
    loaded.changes = _changes(present, files)
    return loaded


def _manifest_for(
    parts: list[FilePart], skipped: list[dict[str, Any]], files: list[_File], catalog: Catalog, model_id: str, dimension: int
) -> Manifest:
    listed = {file.name: file for file in files}
    sections: dict[str, int] = {}
    for document in catalog.documents:
        sections[document.file] = sections.get(document.file, 0) + len(document.sections)
    documents = []
    for part in parts:
        source, file = part.source, listed[part.source.name]
        documents.append({
            "name": source.name, "encoding": source.encoding, "sha256": source.fingerprint, "size": file.size,
            "mtime_ns": file.mtime_ns, "sections": sections.get(source.name, 0),
            "part": part_file(source.name, source.fingerprint),
            "chunks": len(part.catalog.chunks), "sentences": len(part.catalog.sentences),
        })
    return Manifest(
        corpus_fingerprint=corpus_fingerprint([(f.name, f.sha256) for f in files]),
        model=model_id,
        dimension=dimension,
        chunking_version=CHUNKING_VERSION,
        built_at=time.time(),
        documents=documents,
        chunks=len(catalog.chunks),
        sentences=len(catalog.sentences),
        skipped=skipped,
    )


def _changes(present: Manifest | None, files: list[_File]) -> IndexChanges:
    """What ``files`` add, change and remove with respect to the ``present`` index's files."""
    before = {} if present is None else {e["name"]: e["sha256"] for e in [*present.documents, *present.skipped]}
    now = [file.name for file in files]
    added = [name for name in now if name not in before]
    changed = [f.name for f in files if f.name in before and before[f.name] != f.sha256]
    listed = set(now)
    removed = [name for name in before if name not in listed]
    unchanged = [f.name for f in files if before.get(f.name) == f.sha256]
    return IndexChanges(added, changed, removed, unchanged)


def _persist_atomically(
    arrays: _Arrays,
    manifest: Manifest,
    parts: list[FilePart],
    made: set[str],
    reusable: dict[str, Path],
    index_dir: Path,
) -> None:
    """Write into a fresh sibling folder, then swap it in: a crash never leaves a half-written index. Parts taken
    over from the present index are hard-linked (copied where links are not possible), new ones written."""
    try:
        index_dir.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{index_dir.name}.building-", dir=index_dir.parent))
    except OSError as error:
        raise IndexBuildError(f"无法写入索引文件夹 {index_dir}：{_reason(error)}") from error
    try:
        (staging / PARTS_DIR).mkdir()
        for part in parts:
            if part.source.name in made:
                save_part(staging / PARTS_DIR, part)
            else:
                _link_or_copy(reusable[part_file(part.source.name, part.source.fingerprint)], staging / PARTS_DIR)
        arrays.write(staging)
        # vars, not asdict: the fields are JSON already, and asdict deep-copies every file's entry
        (staging / MANIFEST_NAME).write_text(json.dumps(vars(manifest), ensure_ascii=False, indent=1), encoding="utf-8")
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
    except Exception as error:  # OSError, and numpy's errors when the disk fills while it writes
        shutil.rmtree(staging, ignore_errors=True)
        raise IndexBuildError(f"无法写入索引文件夹 {index_dir}：{_reason(error)}；原有索引未改动。") from error


def _link_or_copy(source: Path, folder: Path) -> None:
    try:
        os.link(source, folder / source.name)
    except OSError:
        shutil.copyfile(source, folder / source.name)


def _reason(error: Exception) -> str:
    """The first line of what went wrong (an OS error's own words; faiss's errors run to many lines)."""
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def _load(
    index_dir: Path, files: list[_File], warnings: list[str], in_memory: dict[str, FilePart], searcher: _Searcher
) -> LoadedIndex:
    """The index at ``index_dir`` as it is (its parts from ``in_memory`` where a running engine holds them)."""
    manifest = read_manifest(index_dir)
    paths = {file.name: file.path for file in files}
    try:
        parts = [
            in_memory.get(entry["part"]) or load_part(index_dir / PARTS_DIR / entry["part"], paths[entry["name"]])
            for entry in manifest.documents
        ]
    except (KeyError, TypeError) as error:
        raise IndexCorruptError(f"清单与语料文件不符（{error}）") from error
    catalog = Catalog.joined([part.catalog for part in parts])
    warnings = warnings + [f"跳过「{s['name']}」：{s['reason']}" for s in manifest.skipped]
    warnings += [f"「{part.source.name}」{note}" for part in parts for note in part.source.warnings]
    loaded = _loaded(index_dir, manifest, parts, catalog, warnings, searcher)
    for message in warnings:
        log.warning("%s", message)
    return loaded


@dataclass(frozen=True)
class _Searcher:
    """How an opened index's chunks are searched: FAISS in this process (``store`` None) or the Milvus collection
    ``store``, written anew when ``republish``; ``progress`` reports that writing."""

    store: MilvusLocation | None
    republish: bool
    progress: Progress | None

    def open(self, manifest: Manifest, catalog: Catalog, arrays: _Arrays, previous: Manifest | None) -> ChunkSearch:
        if self.store is None:
            return FaissSearch(arrays.chunk_vectors, arrays.terms)
        from .stores.milvus_sync import open_milvus

        return open_milvus(self.store, manifest, catalog, arrays.chunk_vectors, previous=previous,
                           republish=self.republish, progress=self.progress)


def _loaded(
    index_dir: Path,
    manifest: Manifest,
    parts: list[FilePart],
    catalog: Catalog,
    warnings: list[str],
    searcher: _Searcher,
    previous: Manifest | None = None,
) -> LoadedIndex:
    """The searchable index over the arrays in ``index_dir`` (``previous``: the manifest it was updated from):
    chunks searched by ``searcher``'s store, sentence vectors memory-mapped; ``IndexCorruptError`` when they do not
    match ``catalog``."""
    arrays = _Arrays.read(index_dir, manifest)
    if (manifest.chunks, manifest.sentences) != (len(catalog.chunks), len(catalog.sentences)):
        raise IndexCorruptError(
            f"清单记有 {manifest.chunks} 个段落、{manifest.sentences} 个句子，文件部分有 {len(catalog.chunks)} 个段落、"
            f"{len(catalog.sentences)} 个句子"
        )
    return LoadedIndex(
        search=searcher.open(manifest, catalog, arrays, previous),
        catalog=catalog,
        sentence_vectors=arrays.sentence_vectors,
        parts={part_file(part.source.name, part.source.fingerprint): part for part in parts},
        manifest=manifest,
        path=index_dir,
        rebuilt_because=None,
        warnings=warnings,
    )
