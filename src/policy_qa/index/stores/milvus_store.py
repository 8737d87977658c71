"""Chunks searched in a Milvus server: dense (exact inner product) and BM25 over the chunks' text with the jieba
analyzer, both run in the server and fused there by reciprocal rank (``hybrid_search`` with ``RRFRanker``).

A collection row is one chunk: ``part`` (the part file of its corpus file, which names the file and its bytes)
and ``local`` (its position among that file's chunks), its passage text as matched (traditional characters folded
to simplified) and its vector; the BM25 sparse vector is computed by the server from the text. The client maps
``(part, local)`` to the catalog's chunk row through its manifest, so rows of files it does not know are ignored.
Talks to Milvus through ``pymilvus`` (the ``milvus`` extra); any Milvus 2.5+ server, or ``milvus-lite server``.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

import numpy as np

from ...errors import StoreError
from ...text.tokens import STOPWORDS
from ...text.variants import fold_variants
from .base import RANK_DEPTH, rank

if TYPE_CHECKING:
    from pymilvus import MilvusClient

log = logging.getLogger(__name__)

# Seconds one call may take before it counts as failed (a slow server), and the waits between a read's attempts.
CALL_TIMEOUT_S = 10.0
READ_RETRIES_S = (0.25, 0.5, 1.0)
# pymilvus pings an idle connection every 10 s; a gRPC server with default settings (milvus-lite's) answers the
# third ping with GOAWAY "too many pings" and drops the connection. Ping every 5 minutes, only during calls.
KEEPALIVE = {"grpc.keepalive_time_ms": 300_000, "grpc.keepalive_permit_without_calls": False}
# Milvus caps a search's limit at 16384; hybrid search fuses two rankings of RANK_DEPTH each.
MAX_LIMIT = 16384
# A chunk's text is at most this many bytes in the collection (a VARCHAR's maximum).
TEXT_BYTES = 65535
# The engine's keyword search drops stopwords and tokens without a letter, digit or Chinese character: the server's
# analyzer drops the same stopwords, and punctuation by its cnalphanumonly filter (milvus-lite ignores that filter,
# so the common punctuation marks are stopwords too).
_PUNCTUATION = tuple("，。、；：？！“”‘’（）《》〈〉【】「」『』〔〕—–…·•・～›‹»«→,.;:?!\"'()[]<>{}-_/\\%+*=|~`@#$^&")
ANALYZER = {
    "tokenizer": {"type": "jieba", "mode": "search"},
    "filter": ["cnalphanumonly", {"type": "stop", "stop_words": sorted(STOPWORDS) + list(_PUNCTUATION)}],
}
BM25_PARAMS = {"bm25_k1": 1.5, "bm25_b": 0.75}  # the engine's BM25 (bm25s's defaults)
# What a collection records of the index it was filled from (collection properties).
PROPERTY_PREFIX = "policy_qa."
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,200}")

T = TypeVar("T")


@dataclass(frozen=True)
class MilvusLocation:
    """``milvus://host:port/collection``: a Milvus server and the alias its readers search."""

    host: str
    port: int
    collection: str

    @classmethod
    def parse(cls, spec: str) -> MilvusLocation:
        """``StoreError`` unless ``spec`` is ``milvus://host:port/collection`` (letters, digits, ``_``)."""
        parts = urlsplit(spec)
        collection = parts.path.strip("/")
        try:
            port = parts.port or 19530
        except ValueError as error:
            raise StoreError(f"向量库地址 {spec} 的端口无效。") from error
        if parts.scheme != "milvus" or not parts.hostname or not _NAME.fullmatch(collection):
            raise StoreError(f"向量库地址 {spec} 无效：应为 milvus://主机:端口/集合名（集合名只含字母、数字和下划线）。")
        return cls(parts.hostname, port, collection)

    @property
    def uri(self) -> str:
        return f"http://{self.host}:{self.port}"

    def suffixed(self, tag: str) -> MilvusLocation:
        """The same server, collection ``<collection>_<tag>`` (one per corpus of an evaluation suite)."""
        return MilvusLocation(self.host, self.port, f"{self.collection}_{re.sub(r'[^A-Za-z0-9_]', '_', tag)}")

    def __str__(self) -> str:
        return f"milvus://{self.host}:{self.port}/{self.collection}"


class MilvusConnection:
    """A client of the server at ``location``: connected at once (``StoreError`` naming the store when it cannot
    be reached), every call bounded by ``CALL_TIMEOUT_S``; reads retried with backoff."""

    def __init__(self, location: MilvusLocation) -> None:
        try:
            from pymilvus import MilvusClient
        except ImportError as error:
            raise StoreError(f"使用向量库 {location} 需要安装 milvus 扩展：pip install 'policy-qa[milvus]'。") from error
        self.location = location
        try:
            self.client: MilvusClient = MilvusClient(uri=location.uri, timeout=CALL_TIMEOUT_S, grpc_options=KEEPALIVE)
        except Exception as error:  # pymilvus raises MilvusException, grpc errors or OSError when down
            raise StoreError(f"无法连接向量库 {location}：{_reason(error)}。请确认 Milvus 已启动、地址和端口正确。") from error

    def read(self, what: str, call: Callable[[], T]) -> T:
        """``call()``, tried again after each wait of ``READ_RETRIES_S``; ``StoreError`` saying ``what`` failed."""
        for wait in (*READ_RETRIES_S, None):
            try:
                return call()
            except Exception as error:  # whatever the client raises, a read is retried
                if wait is None:
                    raise StoreError(f"向量库 {self.location} {what}失败：{_reason(error)}") from error
                log.warning("向量库 %s %s失败（%s），%.2f 秒后重试", self.location, what, _reason(error), wait)
                time.sleep(wait)
        raise AssertionError("unreachable")

    def write(self, what: str, call: Callable[[], T]) -> T:
        """``call()`` once; ``StoreError`` saying ``what`` failed (a build is redone, not half-retried)."""
        try:
            return call()
        except Exception as error:
            raise StoreError(f"向量库 {self.location} {what}失败：{_reason(error)}") from error

    def properties(self, collection: str) -> dict[str, str] | None:
        """What the collection (or alias) ``collection`` records of its index, or None when it does not exist."""
        if not self.read("查询集合", lambda: self.client.has_collection(collection)):
            return None
        described = self.read("读取集合属性", lambda: self.client.describe_collection(collection))
        stored = described.get("properties") or {}
        return {key[len(PROPERTY_PREFIX):]: value for key, value in stored.items() if key.startswith(PROPERTY_PREFIX)}

    def close(self) -> None:
        self.client.close()


def _reason(error: BaseException) -> str:
    """The first line of an error's message (grpc's run to many lines)."""
    message = getattr(error, "message", None) or getattr(error, "details", lambda: None)() or str(error)
    return (str(message).strip().splitlines() or [type(error).__name__])[0]


def create_collection(connection: MilvusConnection, name: str, dimension: int, properties: dict[str, str]) -> None:
    """A new collection ``name`` for chunks of ``dimension``-dimensional vectors, recording ``properties``."""
    from pymilvus import DataType, Function, FunctionType

    client = connection.client
    schema = client.create_schema(auto_id=False, description="policy-qa chunks")
    schema.add_field("pk", DataType.VARCHAR, is_primary=True, max_length=64)
    schema.add_field("part", DataType.VARCHAR, max_length=64)
    schema.add_field("local", DataType.INT64)
    schema.add_field("text", DataType.VARCHAR, max_length=TEXT_BYTES, enable_analyzer=True, analyzer_params=ANALYZER)
    schema.add_field("dense", DataType.FLOAT_VECTOR, dim=dimension)
    schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    schema.add_function(Function(name="bm25", function_type=FunctionType.BM25, input_field_names=["text"], output_field_names=["sparse"]))
    index = client.prepare_index_params()
    index.add_index("dense", index_type="FLAT", metric_type="IP")
    index.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25", params=BM25_PARAMS)
    stored = {PROPERTY_PREFIX + key: value for key, value in properties.items()}
    connection.write(
        "建立集合",
        lambda: client.create_collection(name, schema=schema, index_params=index, consistency_level="Strong", properties=stored),
    )


def chunk_row(part: str, local: int, passage: str, vector: np.ndarray) -> dict[str, Any]:
    """A collection row: the ``local``-th chunk of ``part``, its passage as matched, its vector."""
    text = fold_variants(passage)
    if len(text.encode("utf-8")) > TEXT_BYTES:
        text = text.encode("utf-8")[:TEXT_BYTES].decode("utf-8", errors="ignore")
    return {"pk": f"{part}:{local}", "part": part, "local": local, "text": text, "dense": vector.tolist()}


def insert_rows(connection: MilvusConnection, collection: str, rows: Iterable[dict[str, Any]], batch: int = 512) -> int:
    """Insert ``rows`` in batches; how many were inserted."""
    count, pending = 0, []
    for row in rows:
        pending.append(row)
        if len(pending) == batch:
            count += _insert(connection, collection, pending)
            pending = []
    return count + (_insert(connection, collection, pending) if pending else 0)


def _insert(connection: MilvusConnection, collection: str, rows: list[dict[str, Any]]) -> int:
    connection.write("写入段落", lambda: connection.client.insert(collection, rows))
    return len(rows)


def part_filter(parts: Iterable[str]) -> str:
    """The filter expression of the rows of ``parts`` (part file names: hex digits and ``.pkl``)."""
    return "part in [{}]".format(", ".join(f'"{part}"' for part in parts))


class MilvusSearch:
    """``ChunkSearch`` in a Milvus collection: ``offsets`` gives each part's ``[start, stop)`` catalog rows;
    ``depth``: how many chunks each ranking ranks (``RANK_DEPTH``, as FAISS does, by default)."""

    def __init__(self, connection: MilvusConnection, offsets: dict[str, tuple[int, int]], size: int, depth: int = RANK_DEPTH) -> None:
        self._connection = connection
        self._collection = connection.location.collection
        self._offsets = offsets
        self._size = size
        self._depth = depth

    @property
    def description(self) -> str:
        return str(self._connection.location)

    def dense_ranks(self, query_vector: np.ndarray, allowed: np.ndarray) -> np.ndarray:
        hits = self._search("向量检索", query_vector.tolist(), "dense", "IP", allowed)
        rows, distances = self._rows(hits)
        scores = np.zeros(self._size)
        scores[rows] = 1.0 + distances
        return rank(scores, allowed)

    def keyword_ranks(self, question: str, allowed: np.ndarray) -> np.ndarray:
        hits = self._search("关键词检索", fold_variants(question), "sparse", "BM25", allowed)
        rows, distances = self._rows(hits)
        scores = np.zeros(self._size)
        scores[rows] = np.abs(distances)  # milvus-lite reports BM25 scores negated
        return rank(scores, allowed)

    def fused(self, query_vector: np.ndarray, question: str, allowed: np.ndarray, rrf_k: int) -> np.ndarray:
        from pymilvus import AnnSearchRequest, RRFRanker

        expression, depth = self._scope(allowed)
        requests = [
            AnnSearchRequest(data=[query_vector.tolist()], anns_field="dense", param={"metric_type": "IP"}, limit=depth, expr=expression),
            AnnSearchRequest(data=[fold_variants(question)], anns_field="sparse", param={"metric_type": "BM25"}, limit=depth, expr=expression),
        ]
        hits = self._connection.read("混合检索", lambda: self._connection.client.hybrid_search(
            self._collection, requests, ranker=RRFRanker(rrf_k), limit=min(2 * depth, MAX_LIMIT),
            output_fields=["part", "local"], timeout=CALL_TIMEOUT_S,
        ))
        rows, distances = self._rows(hits)
        fused = np.zeros(self._size)
        fused[rows] = distances
        return np.where(allowed, fused, 0.0)

    def _search(self, what: str, query: Any, field: str, metric: str, allowed: np.ndarray) -> list:
        expression, depth = self._scope(allowed)
        return self._connection.read(what, lambda: self._connection.client.search(
            self._collection, data=[query], anns_field=field, limit=depth, filter=expression or "",
            search_params={"metric_type": metric}, output_fields=["part", "local"], timeout=CALL_TIMEOUT_S,
        ))

    def _scope(self, allowed: np.ndarray) -> tuple[str | None, int]:
        """The filter expression of the allowed rows (None: all) and how deep to rank them."""
        if allowed.all():
            return None, min(self._size, self._depth)
        clauses = []
        for part, (start, stop) in self._offsets.items():
            inside = np.flatnonzero(allowed[start:stop])
            if len(inside) == 0:
                continue
            if len(inside) == stop - start:
                clauses.append(f'part == "{part}"')
            elif inside[-1] - inside[0] + 1 == len(inside):
                clauses.append(f'(part == "{part}" and local >= {inside[0]} and local <= {inside[-1]})')
            else:
                clauses.append(f'(part == "{part}" and local in [{", ".join(map(str, inside))}])')
        return " or ".join(clauses) or 'part == ""', max(1, min(int(allowed.sum()), self._depth))

    def _rows(self, hits: list) -> tuple[np.ndarray, np.ndarray]:
        """The catalog rows of a search's hits and their distances (hits of unknown files left out)."""
        rows, distances = [], []
        for hit in hits[0] if hits else []:
            entity = hit["entity"]
            span = self._offsets.get(entity["part"])
            if span is not None and entity["local"] < span[1] - span[0]:
                rows.append(span[0] + entity["local"])
                distances.append(hit["distance"])
        return np.array(rows, dtype=np.int64), np.array(distances, dtype=np.float64)
