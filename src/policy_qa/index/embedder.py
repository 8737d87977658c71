"""The llama-index embedding model: the offline e5 default (run by torch, or by ONNX Runtime with int8 weights), or any
sentence-transformers model by name or path (run by torch); and ``embed_passages``, how index builds embed."""

from __future__ import annotations

import functools
import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..settings import enforce_offline

if TYPE_CHECKING:
    import numpy as np
    from llama_index.core.base.embeddings.base import BaseEmbedding

log = logging.getLogger(__name__)

_PASSAGE_PROMPT_NAMES = ("passage", "document", "text")
# Which runtime embeds with the default model: "torch" (default, the float32 weights) or "onnx" (an int8 export,
# 1.6x as fast to build but hit@3 0.02-0.06 lower on three test halves: README, Benchmark). Vectors differ, so the
# index is rebuilt when this changes. A configured model always runs on torch.
BACKEND_ENV = "POLICY_QA_EMBEDDING_BACKEND"
ONNX, TORCH = "onnx", "torch"


@dataclass(frozen=True)
class EmbeddingChoice:
    """Where the model is, how it is named in an index manifest, and what runs it (``"torch"`` or ``"onnx"``)."""

    location: str
    model_id: str
    backend: str = TORCH


def _backend() -> str:
    backend = (os.environ.get(BACKEND_ENV) or TORCH).strip().lower()
    if backend not in (ONNX, TORCH):
        raise ValueError(f"{BACKEND_ENV}={backend!r}: use {ONNX!r} or {TORCH!r}")
    return backend


def choose_embedding(model: str | None) -> EmbeddingChoice:
    """The configured model, or the offline multilingual-e5-small built at set-up (built now if missing), run by
    torch, or with ``POLICY_QA_EMBEDDING_BACKEND=onnx`` by ONNX Runtime from its int8 export (exported now if
    missing; torch when the ``onnx`` extra is not installed)."""
    if model:
        return EmbeddingChoice(location=model, model_id=model)
    from ..models.embedding_model import (
        DEFAULT_MODEL_ID,
        ModelSetupError,
        ensure_embedding_model,
    )

    source = ensure_embedding_model()
    if _backend() == ONNX:
        try:
            from ..models.onnx_embedding import BACKEND_SUFFIX, ensure_onnx_model

            return EmbeddingChoice(str(ensure_onnx_model(source)), DEFAULT_MODEL_ID + BACKEND_SUFFIX, ONNX)
        except (ImportError, ModelSetupError) as error:
            log.warning("ONNX 嵌入模型不可用（pip install -e '.[onnx]'），改用 torch：%s", error)
    return EmbeddingChoice(location=str(source), model_id=DEFAULT_MODEL_ID)


def saved_prompts(location: str) -> tuple[str | None, str | None]:
    """The query and passage prefixes a local sentence-transformers folder declares (e5: 「query: 」, 「passage: 」).

    llama-index's ``HuggingFaceEmbedding`` replaces a model's saved prompts unless they are passed explicitly.
    """
    config = Path(location) / "config_sentence_transformers.json"
    if not config.is_file():
        return None, None
    prompts = json.loads(config.read_text(encoding="utf-8")).get("prompts") or {}
    passage = next((prompts[name] for name in _PASSAGE_PROMPT_NAMES if name in prompts), None)
    return prompts.get("query"), passage


def load_embedding(choice: EmbeddingChoice) -> BaseEmbedding:
    """A llama-index embedding on the CPU, loaded from local files only: ``HuggingFaceEmbedding`` (torch), or
    for an ONNX export an ``OnnxEmbedding`` that embeds questions and passages with ONNX Runtime."""
    enforce_offline()
    if choice.backend == ONNX:
        from ..models.onnx_embedding import OnnxEncoder

        return _onnx_embedding_class()(OnnxEncoder(Path(choice.location)), model_name=choice.model_id)
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

    query_prompt, passage_prompt = saved_prompts(choice.location)
    return HuggingFaceEmbedding(
        model_name=choice.location,
        query_instruction=query_prompt,
        text_instruction=passage_prompt,
        device="cpu",
        local_files_only=True,
    )


@functools.cache
def _onnx_embedding_class() -> type[BaseEmbedding]:
    """``OnnxEmbedding``, defined on first use so that importing this module does not import llama-index."""
    from llama_index.core.base.embeddings.base import BaseEmbedding
    from llama_index.core.bridge.pydantic import PrivateAttr

    class OnnxEmbedding(BaseEmbedding):
        """The llama-index face of an ``OnnxEncoder``: questions with the query prompt, passages with the
        passage prompt, each text encoded alone (so a text's vector never depends on its batch)."""

        _encoder: Any = PrivateAttr()

        def __init__(self, encoder: Any, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self._encoder = encoder

        @classmethod
        def class_name(cls) -> str:
            return "PolicyQAOnnxEmbedding"

        @property
        def encoder(self) -> Any:
            return self._encoder

        def _get_query_embedding(self, query: str) -> list[float]:
            return self._encoder.encode([query], "query")[0].tolist()

        async def _aget_query_embedding(self, query: str) -> list[float]:
            return self._get_query_embedding(query)

        def _get_text_embedding(self, text: str) -> list[float]:
            return self._encoder.encode([text], "passage")[0].tolist()

        async def _aget_text_embedding(self, text: str) -> list[float]:
            return self._get_text_embedding(text)

        def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
            return self._encoder.encode(texts, "passage").tolist()

    return OnnxEmbedding


def embed_passages(
    embed_model: BaseEmbedding, texts: list[str], progress: Callable[[int, int], None] | None = None
) -> np.ndarray:
    """Passage vectors of ``texts``: float32, one L2-normalised row per text, in input order.

    ``progress(texts, characters)`` is called after each batch with the texts and characters done so far. With the ONNX backend
    each text is encoded alone by one worker per CPU (no padding); any other model gets its texts sorted by
    length into batches of its ``embed_batch_size`` (little padding), with the same vectors as one text at a
    time through ``get_text_embedding_batch``.
    """
    import numpy as np

    if isinstance(embed_model, _onnx_embedding_class()):
        return embed_model.encoder.encode(texts, "passage", progress)
    if not texts:
        return np.zeros((0, 0), dtype=np.float32)
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    size = max(1, int(embed_model.embed_batch_size))
    out: np.ndarray | None = None
    characters = 0
    for first in range(0, len(order), size):
        rows = order[first : first + size]
        vectors = np.asarray(embed_model.get_text_embedding_batch([texts[i] for i in rows]), dtype=np.float32)
        if out is None:
            out = np.empty((len(texts), vectors.shape[1]), dtype=np.float32)
        out[rows] = vectors
        characters += sum(len(texts[i]) for i in rows)
        if progress:
            progress(first + len(rows), characters)
    assert out is not None
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return out / np.where(norms > 0, norms, 1.0)
