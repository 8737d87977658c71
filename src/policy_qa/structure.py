"""A document's reports, parts and items as sections, and sections cut into chunks of whole sentences.

Reports: a paragraph ending with a byline (供稿/来源/撰稿…：单位) closes a report; the byline
stays in the report's last section. A report's name is the place in its byline's
organisation, else the first place name in its opening sentence, else the organisation,
else the document's stem.

Parts open at paragraphs starting 【…】, 第一章/第一部分, 一、 or a Markdown ``#``: the family
of the report's first part heading is its part level, other part families act as items.
Items open at paragraphs starting （一）, 一是, 1./1、 or (1): within a part only the family
of its first item opens items, so nested lists and inline 一是…二是… stay in their item.
Paragraphs before a report's first part form its intro; a part heading with no text of its
own before the first item is merged into that item's section.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from .documents import Chunk, Section, SourceDocument
from .repair import BRACKET_HEADING, BYLINE, ITEM_MARKER, PART_MARKER, heading_like
from .sentences import split_sentences

_HAN = "\u4e00-\u9fff"
_PLACE = re.compile(rf"[{_HAN}]{{2,4}}?[省市县区州旗盟]")
_OPENING_PLACE = re.compile(rf"(?<![{_HAN}]){_PLACE.pattern}")
# Collective words (全市, 本县, 各区, 县市区…) and zones that are not places.
_NOT_PLACE_START = tuple("全本该我各此其外两省市县区")
_NOT_PLACE_END = ("开发区", "示范区", "园区", "功能区", "合作区", "试验区", "集聚区", "保税区")
_TITLE_STOP = re.compile(r"[。！？!?]")
_CLAUSE_STOP = re.compile(r"[，；：,;]")
LONG_TITLE = 20  # a first sentence longer than this is cut at its first clause
MAX_TITLE = 30


@dataclass(frozen=True)
class _Paragraph:
    start: int
    end: int
    text: str


def _paragraphs(text: str) -> list[_Paragraph]:
    """Non-empty lines of repaired text, trimmed, with their offsets."""
    paragraphs = []
    for match in re.finditer(r"[^\n]+", text):
        stripped = match.group().strip()
        if stripped:
            start = match.start() + match.group().index(stripped)
            paragraphs.append(_Paragraph(start, start + len(stripped), stripped))
    return paragraphs


def _reports(paragraphs: list[_Paragraph]) -> list[list[_Paragraph]]:
    """Paragraphs grouped into reports, each closed by a paragraph ending with a byline."""
    reports: list[list[_Paragraph]] = [[]]
    for paragraph in paragraphs:
        reports[-1].append(paragraph)
        if BYLINE.search(paragraph.text):
            reports.append([])
    return [report for report in reports if report]


def _is_place(name: str) -> bool:
    return not name.startswith(_NOT_PLACE_START) and not name.endswith(_NOT_PLACE_END)


def _leading_place(organisation: str) -> str | None:
    """The most specific place an organisation's name starts with: 「浙江省湖州市商务局」→「湖州市」."""
    place, position = None, 0
    while (match := _PLACE.match(organisation, position)) and _is_place(match.group()):
        place, position = match.group(), match.end()
    return place


def _first_place(sentence: str) -> str | None:
    """The first place-like name in ``sentence`` that starts a word, skipping 全市-like words."""
    return next((m.group() for m in _OPENING_PLACE.finditer(sentence) if _is_place(m.group())), None)


def report_name(paragraphs: list[_Paragraph], document: str) -> str:
    """A report's name, inferred from its own text (see the module docstring)."""
    byline = BYLINE.search(paragraphs[-1].text)
    organisation = byline.group("org") if byline else None
    if organisation and (place := _leading_place(organisation)):
        return place
    first = paragraphs[0]
    opening = split_sentences(first.text)[0]
    place = _first_place(first.text[opening.start : opening.end])
    return place or organisation or PurePosixPath(document).stem


def _title(text: str) -> str:
    """A heading's title: 【…】 content, a Markdown heading's text, or the title clause of the paragraph."""
    bracket = BRACKET_HEADING.match(text)
    if bracket:
        return bracket.group()[1:-1].strip()
    text = text.lstrip("#").strip()
    title = _TITLE_STOP.split(text, maxsplit=1)[0]
    if len(title) > LONG_TITLE:
        title = _CLAUSE_STOP.split(title, maxsplit=1)[0]
    return title[:MAX_TITLE]


def _family(marker: str) -> str:
    """A marker with its number abstracted: 「（三）」→「(一)」, 「12.」→「1.」, 「第二章」→「第一章」."""
    marker = re.sub("[一二三四五六七八九十]+", "一", marker)
    return re.sub(r"\d+", "1", marker).translate(str.maketrans("（）．", "().")).rstrip()


def _opener(text: str) -> tuple[str, str] | None:
    """``(level, family)`` of a paragraph that starts with a part or item marker."""
    for level, pattern in (("part", PART_MARKER), ("item", ITEM_MARKER)):
        match = pattern.match(text)
        if match:
            return level, _family(match.group())
    return None


def _report_sections(paragraphs: list[_Paragraph], name: str) -> list[tuple[tuple[str, ...], int, int]]:
    """``(heading_path, first, last)`` paragraph ranges of one report's sections."""
    sections: list[tuple[tuple[str, ...], int, int]] = []
    part: str | None = None
    part_family = item_family = None
    for index, paragraph in enumerate(paragraphs):
        opener = _opener(paragraph.text)
        path = None
        if opener and opener[0] == "part" and part_family in (None, opener[1]):
            part_family, item_family, part = opener[1], None, _title(paragraph.text)
            path = (name, part)
        elif opener and item_family in (None, opener[1]):
            item_family = opener[1]
            path = (name, part, _title(paragraph.text)) if part else (name, _title(paragraph.text))
        if path is None and sections:
            sections[-1] = (sections[-1][0], sections[-1][1], index)
            continue
        first = index
        if path and sections and _bare_part_heading(paragraphs, sections[-1], path):
            first = sections.pop()[1]
        sections.append((path or (name,), first, index))
    return sections


def _bare_part_heading(paragraphs: list[_Paragraph], section: tuple[tuple[str, ...], int, int], path: tuple[str, ...]) -> bool:
    """Whether ``section`` is only the heading line of the part that the item at ``path`` belongs to."""
    heading_path, first, last = section
    return first == last and len(path) == 3 and heading_path == path[:2] and heading_like(paragraphs[first].text)


def parse_sections(doc: SourceDocument) -> list[Section]:
    """The document's sections in order: report intros, part intros and items, covering all its text."""
    sections = []
    for report in _reports(_paragraphs(doc.text)):
        name = report_name(report, doc.name)
        for path, first, last in _report_sections(report, name):
            start, end = report[first].start, report[last].end
            sections.append(
                Section(doc.name, path, start, end, doc.text[start:end], doc.line_of(start), doc.line_of(end - 1))
            )
    return sections


def _sentence_runs(section: Section, max_chars: int) -> list[tuple[int, int]]:
    """``(start, end)`` runs of whole sentences of at most ``max_chars`` (an overlong sentence alone),
    consecutive runs sharing one sentence whenever the pair fits."""
    sentences = split_sentences(section.text)
    runs = []
    i = 0
    while i < len(sentences):
        j = i
        while j + 1 < len(sentences) and sentences[j + 1].end - sentences[i].start <= max_chars:
            j += 1
        runs.append((sentences[i].start, sentences[j].end))
        if j + 1 == len(sentences):
            break
        overlap = j > i and sentences[j + 1].end - sentences[j].start <= max_chars
        i = j if overlap else j + 1
    return runs


def chunk_sections(sections: list[Section], max_chars: int = 400) -> list[Chunk]:
    """One chunk per section that fits in ``max_chars``; longer sections as overlapping runs of whole sentences."""
    chunks = []
    for section in sections:
        if len(section.text) <= max_chars:
            chunks.append(Chunk(section, section.start, section.end, section.text))
            continue
        for start, end in _sentence_runs(section, max_chars):
            chunks.append(Chunk(section, section.start + start, section.start + end, section.text[start:end]))
    return chunks
