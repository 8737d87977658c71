"""Keep a Milvus collection in step with the local index: the same chunks, vectors and texts, no re-embedding.

Readers search an alias (the collection named in ``milvus://host:port/collection``). A full build (a new index, a
``--force`` rebuild, another model or chunking, ``--from-faiss``, or a collection found out of step) fills a new
collection ``<alias>_<milliseconds>`` and then points the alias at it, so a reader never sees a half-written
collection; the old one is dropped. An incremental update of the local index deletes the rows of the files removed
or changed and inserts those of the files added or changed in the aliased collection, then records the new corpus
fingerprint: an update cut short leaves the old fingerprint, and the next open rebuilds the collection.
"""

from __future__ import annotations

import logging
import re
import time
from typing import TYPE_CHECKING

import numpy as np

from ...errors import StoreError
from ..catalog import Catalog, chunk_passage
from .milvus_store import (
    MilvusConnection,
    MilvusLocation,
    MilvusSearch,
    chunk_row,
    create_collection,
    insert_rows,
    part_filter,
)

if TYPE_CHECKING:
    from ..store import Manifest, Progress

log = logging.getLogger(__name__)


def chunk_spans(manifest: Manifest) -> dict[str, tuple[int, int]]:
    """Each part's ``[start, stop)`` among the catalog's chunk rows (files in manifest order)."""
    spans, row = {}, 0
    for entry in manifest.documents:
        spans[entry["part"]] = (row, row + entry["chunks"])
        row += entry["chunks"]
    return spans


def _properties(manifest: Manifest) -> dict[str, str]:
    """What a collection records of the index it holds (compared on open, as the local manifest is)."""
    return {
        "model": manifest.model,
        "dimension": str(manifest.dimension),
        "chunking_version": manifest.chunking_version,
        "corpus_fingerprint": manifest.corpus_fingerprint,
        "chunks": str(manifest.chunks),
    }


def open_milvus(
    location: MilvusLocation,
    manifest: Manifest,
    catalog: Catalog,
    chunk_vectors: np.ndarray,
    *,
    previous: Manifest | None = None,
    republish: bool = False,
    progress: Progress | None = None,
) -> MilvusSearch:
    """Search in ``location``'s collection, first brought in step with the local index (``manifest``, ``catalog``
    and its ``chunk_vectors``): updated from ``previous`` (the manifest before a local update) when the collection
    holds exactly that, else written anew and swapped in by the alias (always with ``republish``)."""
    connection = MilvusConnection(location)
    spans = chunk_spans(manifest)
    present = connection.properties(location.collection)
    wanted = _properties(manifest)
    reason = None if republish else _stale_reason(present, wanted)
    if reason is not None and present is not None and previous is not None and _updatable(present, wanted, previous):
        _update(connection, manifest, previous, catalog, chunk_vectors, spans)
    elif reason is not None or republish:
        log.warning("正在写入向量库 %s：%s。", location, reason or "要求重新写入")
        _publish(connection, manifest, catalog, chunk_vectors, spans, progress)
    return MilvusSearch(connection, spans, manifest.chunks)


def _stale_reason(present: dict[str, str] | None, wanted: dict[str, str]) -> str | None:
    if present is None:
        return "集合还不存在"
    for key, label in (("model", "嵌入模型"), ("dimension", "向量维数"), ("chunking_version", "分段方式")):
        if present.get(key) != wanted[key]:
            return f"集合的{label}与索引不符（{present.get(key)} → {wanted[key]}）"
    if (present.get("corpus_fingerprint"), present.get("chunks")) != (wanted["corpus_fingerprint"], wanted["chunks"]):
        return "集合与本地索引的语料不一致"
    return None


def _updatable(present: dict[str, str], wanted: dict[str, str], previous: Manifest) -> bool:
    """Whether the collection holds the ``previous`` index, built as the present one is (only files changed)."""
    same_build = all(present.get(key) == wanted[key] for key in ("model", "dimension", "chunking_version"))
    return same_build and present.get("corpus_fingerprint") == previous.corpus_fingerprint


def _rows(parts: list[str], manifest: Manifest, catalog: Catalog, chunk_vectors: np.ndarray, spans: dict[str, tuple[int, int]]):
    """The collection rows of the chunks of ``parts``."""
    for part in parts:
        start, stop = spans[part]
        vectors = np.asarray(chunk_vectors[start:stop], dtype=np.float32)
        for local, chunk in enumerate(catalog.chunks[start:stop]):
            yield chunk_row(part, local, chunk_passage(chunk), vectors[local])


def _update(
    connection: MilvusConnection,
    manifest: Manifest,
    previous: Manifest,
    catalog: Catalog,
    chunk_vectors: np.ndarray,
    spans: dict[str, tuple[int, int]],
) -> None:
    """Delete the rows of the parts ``previous`` had and ``manifest`` has not, insert the new parts' rows, then
    record the new fingerprint."""
    client, alias = connection.client, connection.location.collection
    before = {entry["part"] for entry in previous.documents}
    now = [entry["part"] for entry in manifest.documents]
    gone, added = sorted(before - set(now)), [part for part in now if part not in before]
    if gone:
        connection.write("删除段落", lambda: client.delete(alias, filter=part_filter(gone)))
    inserted = insert_rows(connection, alias, _rows(added, manifest, catalog, chunk_vectors, spans))
    settle(connection, alias)
    props = {"policy_qa." + key: value for key, value in _properties(manifest).items()}
    connection.write("记录集合属性", lambda: client.alter_collection_properties(alias, properties=props))
    log.info("向量库 %s：删除 %d 个文件、新增 %d 个段落", connection.location, len(gone), inserted)


def _publish(
    connection: MilvusConnection,
    manifest: Manifest,
    catalog: Catalog,
    chunk_vectors: np.ndarray,
    spans: dict[str, tuple[int, int]],
    progress: Progress | None,
) -> None:
    """Fill a new collection with every chunk, then point the alias at it and drop the collection it replaced
    (and any a killed build left)."""
    client, alias = connection.client, connection.location.collection
    current = _aliased(connection)
    if current is None and connection.read("查询集合", lambda: client.has_collection(alias)):
        raise StoreError(f"向量库 {connection.location} 中的 {alias} 是一个集合而不是别名：请换一个集合名，或删除它后重试。")
    name = f"{alias}_{time.time_ns() // 1_000_000}"
    create_collection(connection, name, manifest.dimension, _properties(manifest))
    try:
        parts = [entry["part"] for entry in manifest.documents]
        started, written = time.perf_counter(), 0
        for batch_start in range(0, len(parts), 64):
            batch = parts[batch_start : batch_start + 64]
            written += insert_rows(connection, name, _rows(batch, manifest, catalog, chunk_vectors, spans))
            if progress is not None:
                rate = written / max(time.perf_counter() - started, 1e-6)
                progress(0.9 + 0.1 * written / max(manifest.chunks, 1), f"写入向量库 {written}/{manifest.chunks}（{rate:.0f} 段/秒）")
        settle(connection, name)
        connection.write("加载集合", lambda: client.load_collection(name))
        stored = connection.read("核对行数", lambda: client.query(name, filter="", output_fields=["count(*)"]))
        if int(stored[0]["count(*)"]) != manifest.chunks:
            raise StoreError(f"向量库 {connection.location} 写入后有 {stored[0]['count(*)']} 个段落，应为 {manifest.chunks} 个。")
        if current is None:
            connection.write("建立别名", lambda: client.create_alias(name, alias))
        else:
            connection.write("切换别名", lambda: client.alter_alias(name, alias))
    except BaseException:
        client.drop_collection(name)
        raise
    for leftover in _ours(connection):
        if leftover != name:
            connection.write("删除旧集合", lambda old=leftover: client.drop_collection(old))


def settle(connection: MilvusConnection, collection: str) -> None:
    """Seal what was written into a segment. milvus-lite computes BM25 statistics over the rows a filter lets
    through while they are unsealed (a scoped question would rank differently), and per segment once sealed: a
    full build is one segment, exactly as FAISS ranks; the rows an incremental update adds are a segment of their
    own until the next full build (Lite's compaction cannot be triggered; Milvus Standalone and Distributed keep
    collection-wide statistics)."""
    connection.write("落盘", lambda: connection.client.flush(collection))


def _aliased(connection: MilvusConnection) -> str | None:
    """The collection the alias points at, or None when there is no such alias."""
    alias = connection.location.collection
    aliases = connection.read("查询别名", lambda: connection.client.list_aliases())
    if alias not in (aliases.get("aliases") or []):
        return None
    return connection.read("查询别名", lambda: connection.client.describe_alias(alias))["collection_name"]


def _ours(connection: MilvusConnection) -> list[str]:
    """The collections this alias's builds made (``<alias>_<milliseconds>``)."""
    pattern = re.compile(re.escape(connection.location.collection) + r"_\d{13}")
    return [name for name in connection.read("列出集合", connection.client.list_collections) if pattern.fullmatch(name)]
