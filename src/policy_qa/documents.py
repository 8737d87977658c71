"""Plain data types shared by ingestion, structure, indexing and answering."""

from __future__ import annotations

from dataclasses import dataclass, field

HEADING_SEPARATOR = " › "


@dataclass(frozen=True)
class SourceDocument:
    """One corpus file, decoded and repaired.

    ``text`` is the normalised text every offset in the package refers to;
    ``origin_lines[i]`` is the 1-based line of the original file that character
    ``i`` of ``text`` came from.
    """

    name: str
    text: str
    encoding: str
    fingerprint: str
    origin_lines: tuple[int, ...] = field(repr=False)

    def line_of(self, offset: int) -> int:
        """Original 1-based line number of the character at ``offset``."""
        if not self.origin_lines:
            return 1
        return self.origin_lines[min(max(offset, 0), len(self.origin_lines) - 1)]


@dataclass(frozen=True)
class Section:
    """A titled span of a document: a report's intro, a part, or an item."""

    document: str
    heading_path: tuple[str, ...]
    start: int
    end: int
    text: str
    line_start: int
    line_end: int

    @property
    def heading(self) -> str:
        return HEADING_SEPARATOR.join(self.heading_path)


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

