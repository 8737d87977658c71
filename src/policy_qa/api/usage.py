"""``usage`` of a chat completion: tokens counted with tiktoken's ``cl100k_base`` (OpenAI's GPT-4 encoding, shipped
offline inside llama-index).

An approximation, said so in the README: the prompt is the text of the request's messages (no per-message
overhead), the completion the answer's text with its sources; the engine's own LLM prompt (the evidence), when
LLM answers are on, is not counted, and a local model's tokenizer counts differently.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING

from ..settings import enforce_offline

if TYPE_CHECKING:
    import tiktoken

ENCODING = "cl100k_base"


@lru_cache(maxsize=1)
def _encoding() -> tiktoken.Encoding:
    enforce_offline()  # points tiktoken at llama-index's copy of the encoding: nothing is downloaded
    import tiktoken

    return tiktoken.get_encoding(ENCODING)


def usage(prompt: Iterable[str], completion: str) -> dict[str, int]:
    """OpenAI's ``usage`` object for the texts of ``prompt`` and ``completion``."""
    encoding = _encoding()
    prompt_tokens = sum(len(encoding.encode(text, disallowed_special=())) for text in prompt)
    completion_tokens = len(encoding.encode(completion, disallowed_special=()))
    return {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens}
