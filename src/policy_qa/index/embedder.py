"""The llama-index embedding model: the offline e5 default, or any sentence-transformers model by name or path."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..settings import enforce_offline

if TYPE_CHECKING:
    from llama_index.core.base.embeddings.base import BaseEmbedding

_PASSAGE_PROMPT_NAMES = ("passage", "document", "text")


@dataclass(frozen=True)
class EmbeddingChoice:
    """Where the model is and how it is named in an index manifest."""

    location: str
    model_id: str


def choose_embedding(model: str | None) -> EmbeddingChoice:
    """The configured model, or the offline multilingual-e5-small built at set-up (built now if missing)."""
    if model:
        return EmbeddingChoice(location=model, model_id=model)
    from ..models.embedding_model import DEFAULT_MODEL_ID, ensure_embedding_model

    return EmbeddingChoice(location=str(ensure_embedding_model()), model_id=DEFAULT_MODEL_ID)


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
    """A llama-index ``HuggingFaceEmbedding`` on the CPU, loaded from local files only."""
    enforce_offline()
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

    query_prompt, passage_prompt = saved_prompts(choice.location)
    return HuggingFaceEmbedding(
        model_name=choice.location,
        query_instruction=query_prompt,
        text_instruction=passage_prompt,
        device="cpu",
        local_files_only=True,
    )
