"""What a reader checks an answer against: a cited sentence inside its section, and questions the corpus answers.

Both are read from the index's nodes (their heading paths and section offsets) and the normalised documents,
so a page or a client only renders them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .answer import Citation, Passage
from .documents import SourceDocument
from .errors import PolicyQAError
from .repair import ITEM_MARKER
from .tokens import years

if TYPE_CHECKING:
    from llama_index.core.schema import TextNode

_FIRST_CLAUSE = re.compile(r"[，,；;：:]")


@dataclass(frozen=True)
class SourceView:
    """A section's text with the span ``[highlight_start, highlight_end)`` to highlight (none for a passage).

    ``line_start``/``line_end`` are the section's lines in the original file.
    """

    document: str
    section: str
    text: str
    highlight_start: int | None
    highlight_end: int | None
    line_start: int
    line_end: int

    @property
    def parts(self) -> tuple[str, str, str]:
        """The text before, inside and after the highlight (inside is empty when there is none)."""
        if self.highlight_start is None or self.highlight_end is None:
            return self.text, "", ""
        return self.text[: self.highlight_start], self.text[self.highlight_start : self.highlight_end], self.text[self.highlight_end :]


def source_view(item: Citation | Passage, nodes: list[TextNode], documents: dict[str, SourceDocument]) -> SourceView:
    """The section holding ``item``: a citation's quote highlighted in it, a passage's section as it is.

    Raises ``PolicyQAError`` when the index no longer holds that document or offset (it was rebuilt since).
    """
    document = documents.get(item.document)
    meta = next(
        (
            n.metadata
            for n in nodes
            if n.metadata["document"] == item.document
            and n.metadata["section"] == item.section
            and n.metadata["section_start"] <= item.start < n.metadata["section_end"]
        ),
        None,
    )
    if document is None or meta is None:
        raise PolicyQAError(f"「{item.document}」中已找不到这一段（索引可能已经重建），请重新提问。")
    start, end = meta["section_start"], meta["section_end"]
    highlight = (item.start - start, min(item.end, end) - start) if isinstance(item, Citation) else (None, None)
    return SourceView(
        document=item.document,
        section=item.section,
        text=document.text[start:end],
        highlight_start=highlight[0],
        highlight_end=highlight[1],
        line_start=meta["line_start"],
        line_end=meta["line_end"],
    )


def candidate_questions(nodes: list[TextNode]) -> list[str]:
    """One question per titled item of the corpus, 「<report><year><item topic>的情况如何？」, reports taking turns.

    The topic is the item's title without its marker (一是, （一）, 1.) and cut at its first clause.
    """
    per_report: dict[str, list[str]] = {}
    for node in nodes:
        path = node.metadata["heading_path"]
        if len(path) < 3:
            continue
        report, part, item = path[0], path[1], path[-1]
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
