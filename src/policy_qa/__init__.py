"""policy-qa: cited question answering over Chinese policy bulletins, offline.

    from policy_qa import PolicyQA
    qa = PolicyQA.from_corpus("corpus")
    answer = qa.ask("……建了多少？")
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import (
    EmptyCorpusError,
    IndexBuildError,
    IndexCorruptError,
    InvalidQuestionError,
    PolicyQAError,
    UnreadableFileError,
)
from .schema import Answer, Citation, Passage

if TYPE_CHECKING:
    from .engine import IndexInfo, PolicyQA

__all__ = [
    "Answer",
    "Citation",
    "EmptyCorpusError",
    "IndexBuildError",
    "IndexCorruptError",
    "IndexInfo",
    "InvalidQuestionError",
    "Passage",
    "PolicyQA",
    "PolicyQAError",
    "UnreadableFileError",
]


def __getattr__(name: str) -> Any:
    """Import the engine (and with it llama-index and torch) only when it is first used."""
    if name in ("PolicyQA", "IndexInfo"):
        from . import engine

        return getattr(engine, name)
    raise AttributeError(f"module 'policy_qa' has no attribute {name!r}")
