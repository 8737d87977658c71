"""What the engine returns: an answer, its citations and the passages it was drawn from."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk, in rank order; ``start``/``end`` are offsets in the normalised document."""

    document: str
    section: str
    text: str
    score: float
    start: int
    end: int
    line_start: int
    line_end: int


@dataclass(frozen=True)
class Citation:
    """Source ``[index]`` of an answer: the exact sentence ``quote`` at ``[start, end)`` of ``document``."""

    index: int
    document: str
    section: str
    quote: str
    start: int
    end: int
    line: int


@dataclass(frozen=True)
class Answer:
    """An answer with ``[n]`` markers that refer to ``citations``; ``refused`` when the corpus has no answer.

    ``answerer`` says what wrote it (``llm`` or ``extractive``); ``note`` why an LLM answer was replaced, if it was.
    """

    question: str
    text: str
    refused: bool
    citations: list[Citation] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)
    answerer: str = "extractive"
    note: str | None = None
    timings_ms: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (used by ``policy-qa ask --json`` and the evaluation)."""
        return asdict(self)


@dataclass(frozen=True)
class Drafted:
    """An answerer's output before the engine adds passages and timings; ``source`` is what wrote it."""

    text: str
    refused: bool
    citations: list[Citation]
    note: str | None = None
    source: str = "extractive"
