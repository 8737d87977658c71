"""Where the chunks are searched: ``base`` (what a store does), ``faiss_store`` (the embedded default, in this
process), ``milvus_store`` (a Milvus server; ``milvus_sync`` keeps its collection in step with the local index).

The local index (``index/store.py``: manifest, each file's part, sentence vectors) is kept either way: the
catalog and the sentence vectors feed the evidence stage, which runs in the engine.
"""

from __future__ import annotations

from ...errors import StoreError
from .base import RANK_DEPTH, ChunkSearch
from .milvus_store import MilvusLocation

__all__ = ["RANK_DEPTH", "ChunkSearch", "MilvusLocation", "parse_store"]


def parse_store(spec: str | None) -> MilvusLocation | None:
    """The store named by ``--store`` / ``POLICY_QA_STORE``: None (or ``faiss``) for the embedded FAISS store,
    ``milvus://host:port/collection`` for a Milvus server; ``StoreError`` for anything else."""
    if not spec or spec.strip().lower() == "faiss":
        return None
    if spec.startswith("milvus://"):
        return MilvusLocation.parse(spec)
    raise StoreError(f"未知的向量库 {spec}：可用 faiss（默认）或 milvus://主机:端口/集合名。")
