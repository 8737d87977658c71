"""Configuration of the engine, from arguments and environment variables, and the offline guard."""

from __future__ import annotations

import hashlib
import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path

MAX_QUESTION_CHARS = 500
DEFAULT_TOP_K = 5


def default_cache_dir() -> Path:
    """``$POLICY_QA_CACHE``, else ``~/.cache/policy-qa``: models and indexes live here, never in the repo."""
    return Path(os.environ.get("POLICY_QA_CACHE") or Path.home() / ".cache" / "policy-qa")


def default_index_dir(corpus_dir: Path) -> Path:
    """One index folder per corpus folder, under the cache, so a read-only corpus can be indexed."""
    digest = hashlib.sha1(str(corpus_dir.resolve()).encode("utf-8")).hexdigest()[:12]
    return default_cache_dir() / "indexes" / f"{corpus_dir.resolve().name}-{digest}"


def enforce_offline() -> None:
    """Make every library we use work without network: no hub downloads, no telemetry.

    Called before llama-index, transformers or sentence-transformers are imported.
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    if "TIKTOKEN_CACHE_DIR" not in os.environ:
        spec = importlib.util.find_spec("llama_index.core")
        if spec and spec.submodule_search_locations:
            core_dir = Path(next(iter(spec.submodule_search_locations)))
            os.environ["TIKTOKEN_CACHE_DIR"] = str(core_dir / "_static" / "tiktoken_cache")


@dataclass(frozen=True)
class EngineSettings:
    """Where the corpus, index and embedding model are, and how much to retrieve."""

    corpus_dir: Path
    index_dir: Path
    embedding_model: str | None = None
    top_k: int = DEFAULT_TOP_K

    @classmethod
    def resolve(
        cls,
        corpus_dir: str | Path,
        index_dir: str | Path | None = None,
        embedding_model: str | None = None,
        top_k: int | None = None,
    ) -> EngineSettings:
        """Fill what the caller left out from ``POLICY_QA_INDEX`` / ``POLICY_QA_EMBEDDING_MODEL`` or defaults."""
        corpus = Path(corpus_dir).expanduser()
        index = index_dir or os.environ.get("POLICY_QA_INDEX") or default_index_dir(corpus)
        model = embedding_model or os.environ.get("POLICY_QA_EMBEDDING_MODEL") or None
        return cls(
            corpus_dir=corpus,
            index_dir=Path(index).expanduser(),
            embedding_model=model,
            top_k=top_k or DEFAULT_TOP_K,
        )
