"""What a reader checks an answer against: a cited sentence inside its section, and questions the corpus answers.

Both are read from the catalog (sections with their heading paths and offsets, and the normalised files), so a
page or a client only renders them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import PolicyQAError
from ..schema import Citation, Passage
from ..text.page_images import page_image
from ..text.repair import ITEM_MARKER
from ..text.tokens import years

if TYPE_CHECKING:
    from ..index.catalog import Catalog
    from ..schema import Document

_FIRST_CLAUSE = re.compile(r"[，,；;：:]")
# A document name this short is what users call it; a longer one (a title) is called by the place it names.
SHORT_NAME = 6


@dataclass(frozen=True)
class SourceView:
    """A section's text with the span ``[highlight_start, highlight_end)`` to highlight (none for a passage).

    ``line_start``/``line_end`` are the section's lines in the file's text, ``page_start``/``page_end`` its
    pages in a paged format (else ``None``); ``page_image`` is a JPEG of a PDF citation's page with its quote
    highlighted.
    """

    document: str
    section: str
    text: str
    highlight_start: int | None
    highlight_end: int | None
    line_start: int
    line_end: int
    page_start: int | None = None
    page_end: int | None = None
    page_image: bytes | None = None
    page: int | None = None

    @property
    def place(self) -> str:
        """Where the section is: 「第 3 页」「第 3–4 页」 in a paged format, else 「第 12 行」「第 12–15 行」."""
        if self.page_start is not None and self.page_end is not None:
            return _range("页", self.page_start, self.page_end)
        return _range("行", self.line_start, self.line_end)

    @property
    def parts(self) -> tuple[str, str, str]:
        """The text before, inside and after the highlight (inside is empty when there is none)."""
        if self.highlight_start is None or self.highlight_end is None:
            return self.text, "", ""
        return self.text[: self.highlight_start], self.text[self.highlight_start : self.highlight_end], self.text[self.highlight_end :]


def source_view(item: Citation | Passage, catalog: Catalog) -> SourceView:
    """The section holding ``item``: a citation's quote highlighted in it, a passage's section as it is.

    Raises ``PolicyQAError`` when the index no longer holds that document or offset (it was rebuilt since).
    """
    section = next(
        (
            chunk.section
            for chunk in catalog.chunks
            if chunk.section.document == item.document
            and chunk.section.heading == item.section
            and chunk.section.start <= item.start < chunk.section.end
        ),
        None,
    )
    if section is None:
        raise PolicyQAError(f"「{item.document}」中已找不到这一段（索引可能已经重建），请重新提问。")
    start, end = section.start, section.end
    highlight = (item.start - start, min(item.end, end) - start) if isinstance(item, Citation) else (None, None)
    return SourceView(
        document=item.document,
        section=item.section,
        text=catalog.sources[section.document].written[section.start : section.end],
        highlight_start=highlight[0],
        highlight_end=highlight[1],
        line_start=section.line_start,
        line_end=section.line_end,
        page_start=section.page_start,
        page_end=section.page_end,
        page_image=_page_image(item, catalog),
        page=item.page,
    )


def _page_image(item: Citation | Passage, catalog: Catalog) -> bytes | None:
    """A citation's PDF page with its quote highlighted (``None`` for a passage and other formats)."""
    source = catalog.sources[item.document]
    if not isinstance(item, Citation) or item.page is None or source.path.suffix.lower() != ".pdf":
        return None
    return page_image(source.path, item.page, item.quote)


def _range(unit: str, first: int, last: int) -> str:
    return f"第 {first} {unit}" if first == last else f"第 {first}–{last} {unit}"


def candidate_questions(catalog: Catalog) -> list[str]:
    """One question per titled item of the corpus, 「<document><year><item topic>的情况如何？」, documents taking
    turns.

    The document is called by its name, or by the place it is named for when its name is a long title; the topic
    is the item's title without its marker (一是, （一）, 1.) and cut at its first clause.
    """
    per_report: dict[str, list[str]] = {}
    for chunk in catalog.chunks:
        path = chunk.section.heading_path
        if len(path) < 3 or chunk.section.article:
            continue
        report, part, item = _called(catalog.document_of(chunk)), path[1], path[-1]
        marker = ITEM_MARKER.match(item)
        topic = _FIRST_CLAUSE.split(item[marker.end() if marker else 0 :], maxsplit=1)[0].lstrip("在").strip()
        if len(topic) < 2:
            continue
        found = years(part)
        question = f"{report}{found[0] + '年' if found else ''}{topic}的情况如何？"
        questions = per_report.setdefault(report, [])
        if question not in questions:
            questions.append(question)
    lists = list(per_report.values())
    return [q for round_ in range(max(map(len, lists), default=0)) for q in (lst[round_] for lst in lists if round_ < len(lst))]


def _called(document: Document) -> str:
    """What a user calls a document: its name, or for a long title the first alias naming a place."""
    if len(document.name) <= SHORT_NAME:
        return document.name
    return next((alias for alias in document.aliases if len(alias) <= SHORT_NAME), document.name)

