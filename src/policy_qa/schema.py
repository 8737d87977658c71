"""The typed hand-offs between stages: documents, sections and chunks (text → index), and the answer with its
citations and passages (answer → fronts)."""

from __future__ import annotations

import bisect
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HEADING_SEPARATOR = " › "


@dataclass(frozen=True)
class SourceDocument:
    """One corpus file, decoded and repaired.

    ``written`` is the repaired text as the file writes it (what quotes show); ``text`` is the same with
    traditional characters folded to simplified, character for character (what is matched and parsed), so
    every offset in the package holds in both. ``line_runs`` says which 1-based line of the read text each
    character came from: ``(offset, line)`` pairs, each the first character of a run from one line (lines only
    grow along the text); ``line_pages[j]`` the page of line ``j + 1`` (empty for formats without pages);
    ``encoding`` is a text file's encoding or the format read (``pdf``, ``docx`` …); ``fingerprint`` is the
    sha256 of the file's bytes; ``warnings`` name parts of the file that could not be read (a scanned page).
    """

    name: str
    text: str
    encoding: str
    fingerprint: str
    line_runs: tuple[tuple[int, int], ...] = field(repr=False)
    path: Path = field(repr=False)
    written: str = field(repr=False)
    line_pages: tuple[int, ...] = field(default=(), repr=False)
    warnings: tuple[str, ...] = ()

    def line_of(self, offset: int) -> int:
        """Original 1-based line number of the character at ``offset``."""
        run = bisect.bisect_right(self.line_runs, offset, key=lambda pair: pair[0]) - 1
        return self.line_runs[max(run, 0)][1] if self.line_runs else 1

    def page_of(self, offset: int) -> int | None:
        """1-based page of the character at ``offset``; ``None`` when the format has no pages."""
        if not self.line_pages:
            return None
        return self.line_pages[min(self.line_of(offset), len(self.line_pages)) - 1]


@dataclass(frozen=True)
class DocumentHeader:
    """What a document states about itself, where it states it (in its header, byline or signature).

    ``date`` and ``number`` (文号, 「国办发〔2023〕12号」) are as written; ``kind`` is the document type its title
    ends with (条例, 办法, 规定, 通知, 意见, 报告, 公报 …).
    """

    title: str
    issuer: str | None = None
    date: str | None = None
    number: str | None = None
    kind: str | None = None


@dataclass(frozen=True)
class Section:
    """A titled span of a document: its intro, a part, an item or an article.

    ``heading_path`` starts with the name of the document it belongs to, then the headings above it, outermost
    first (「第三章 市场主体保护」, 「（一）…」), ending with its own title; ``article`` is 「第十二条」 when the
    section is a numbered article (its heading path ends with that label too); ``table_header`` is the column
    header line of a table's section (「产量（吨） 比上年增长（%）」), which says what its rows' figures are;
    ``page_start``/``page_end`` are its first and last pages in a paged format (PDF, OFD), else ``None``.
    """

    document: str
    heading_path: tuple[str, ...]
    start: int
    end: int
    text: str
    line_start: int
    line_end: int
    article: str | None = None
    table_header: str | None = None
    page_start: int | None = None
    page_end: int | None = None

    @property
    def heading(self) -> str:
        return HEADING_SEPARATOR.join(self.heading_path)


@dataclass(frozen=True)
class Document:
    """One document of a corpus file: the whole file, or one of several a file clearly compiles (reports each
    closed by a byline such as 「供稿：某市商务局」).

    ``name`` labels answers and is what a question may call it: the title, or for a compiled report the place or
    body its byline names. ``aliases`` are other whole names for it (「某市」 → 「某」). ``[start, end)`` is its
    span of the file's normalised text; ``sections`` cover that span in order.
    """

    file: str
    name: str
    aliases: tuple[str, ...]
    header: DocumentHeader
    start: int
    end: int
    sections: tuple[Section, ...]


@dataclass(frozen=True)
class Chunk:
    """The unit that is embedded and retrieved: a section, or a run of whole sentences of one."""

    section: Section
    start: int
    end: int
    text: str

    @property
    def chunk_id(self) -> str:
        return f"{self.section.document}:{self.start}-{self.end}"


@dataclass(frozen=True)
class Span:
    """A half-open character span ``[start, end)`` of a document's normalised text."""

    start: int
    end: int




@dataclass(frozen=True)
class Passage:
    """A retrieved chunk, in rank order; ``start``/``end`` are offsets in the normalised document; ``page`` is
    the page its section starts on in a paged format."""

    document: str
    section: str
    text: str
    score: float
    start: int
    end: int
    line_start: int
    line_end: int
    page: int | None = None


@dataclass(frozen=True)
class Citation:
    """Source ``[index]`` of an answer: the exact sentence ``quote`` at ``[start, end)`` of ``document``, on
    ``line`` of its text and, for a paged format (PDF, OFD), on ``page``."""

    index: int
    document: str
    section: str
    quote: str
    start: int
    end: int
    line: int
    page: int | None = None


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
        """A JSON-ready dict (used by ``policy-qa ask --json``, the evaluation and the HTTP API)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Answer:
        """The answer ``to_dict`` gave (as received from the HTTP API)."""
        return cls(**{
            **data,
            "citations": [Citation(**citation) for citation in data["citations"]],
            "passages": [Passage(**passage) for passage in data["passages"]],
        })


@dataclass(frozen=True)
class Drafted:
    """An answerer's output before the engine adds passages and timings; ``source`` is what wrote it."""

    text: str
    refused: bool
    citations: list[Citation]
    note: str | None = None
    source: str = "extractive"
