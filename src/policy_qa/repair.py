"""Undo PDF-extraction damage: hard line breaks, page/column breaks and stray spaces.

Output convention: every paragraph and every heading sits on its own line, separated by
exactly one ``"\\n"``; there are no blank lines and no leading/trailing whitespace.

Line joining (for hard-wrapped text, i.e. when most lines stop mid-sentence):

* a line *closes* when it ends a sentence (``。！？；：`` optionally followed by closing
  quotes/brackets), is a standalone heading, is a ``标签：值`` record or ends with a byline;
* a blank line is a paragraph break after a closing line, otherwise a page/column break
  and joined;
* a single newline is a break only around a standalone heading, or after a closing line
  when the next line opens a part/item (``一、`` ``（一）`` ``1.`` ``第一章`` ``【``) or a
  record; inline enumerations (``一是…二是…``) never break on a single newline;
* a line without punctuation that starts a paragraph and is followed by a blank line (a
  title) stands alone.

Text whose lines mostly close on their own is not hard-wrapped: every newline is a break.
Joined lines get no space, except between two ASCII letters/digits (a word boundary).
Whitespace is dropped next to CJK ideographs and CJK/full-width punctuation and kept
(as one space) between Latin words or digits; no other character is changed.
"""

from __future__ import annotations

import re
import statistics
import unicodedata
from dataclasses import dataclass

from .sentences import CLOSERS, SENTENCE_STOPS

_NUMERAL = "[一二三四五六七八九十]{1,3}"
# 【…】, 第一章/第一部分, 一、 (also 「一、2024年……」), Markdown #: open a part. Not 「一、二季度」.
PART_MARKER = re.compile(rf"【|第{_NUMERAL}(?:章|部分|节|篇)|{_NUMERAL}[、．.](?![一二三四五六七八九十])|#{{1,6}}(?!#)")
# （一）/(1), 一是, 1./1、: open an item. Not 「3.5万」.
ITEM_MARKER = re.compile(rf"[（(](?:{_NUMERAL}|\d{{1,2}})[）)]|{_NUMERAL}是|\d{{1,2}}[.．、](?!\d)")
INLINE_ENUMERATION = re.compile(rf"{_NUMERAL}是")
BRACKET_HEADING = re.compile(r"【[^【】\n]{1,40}】")
# 供稿：某市商务局 at the end of a line, at its start or right after a finished sentence.
BYLINE = re.compile(
    r"(?:^|(?<=[。！？!?”’」』）)]))(?:供稿|来源|稿源|撰稿|作者|通讯员|责任编辑|编辑)[：:](?P<org>[^\s。，；：！？:;,]{1,30})$"
)
_RECORD = re.compile(r"[^\s，。；：、！？:;,（）()“”]{2,15}[：:]")
_CLOSING_STOPS = SENTENCE_STOPS + "；：…"
_CLAUSE_PUNCTUATION = "，。；：！？,;!?"
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_WHITESPACE = re.compile(r"\s+")
_SHORT_LINE = 0.8  # share of the typical line length below which a heading line cannot be a wrap


def ends_sentence(text: str) -> bool:
    """Whether ``text`` ends with a sentence or list-entry stop, possibly followed by closing marks."""
    stripped = text.rstrip(CLOSERS)
    return bool(stripped) and stripped[-1] in _CLOSING_STOPS


def heading_like(line: str) -> bool:
    """A whole 【…】 line, or a part/item marker (not 一是) followed by a short punctuation-free title."""
    if BRACKET_HEADING.fullmatch(line):
        return True
    marker = PART_MARKER.match(line) or ITEM_MARKER.match(line)
    if marker is None or INLINE_ENUMERATION.match(line):
        return False
    title = line[marker.end() :]
    return 0 < len(title) <= 25 and not any(ch in _CLAUSE_PUNCTUATION for ch in title)


def _wide(line: str, index: int, step: int) -> bool:
    """Whether the character at ``index`` is CJK-wide, looking past ambiguous quotes/dashes in ``step`` direction."""
    while 0 <= index < len(line):
        width = unicodedata.east_asian_width(line[index])
        if width in "WF":
            return True
        if width != "A" or not unicodedata.category(line[index]).startswith("P"):
            return False
        index += step
    return False


def clean_line(line: str) -> str:
    """``line`` stripped, with whitespace next to CJK text removed and other runs collapsed to one space."""
    line = line.strip()

    def replace(match: re.Match[str]) -> str:
        return "" if _wide(line, match.start() - 1, -1) or _wide(line, match.end(), 1) else " "

    return _WHITESPACE.sub(replace, line)


@dataclass
class _Line:
    text: str
    number: int
    gap_before: bool
    gap_after: bool = False


def _lines(raw: str) -> list[_Line]:
    """Non-blank cleaned lines with their 1-based original numbers and whether blank lines surround them."""
    lines: list[_Line] = []
    gap = False
    for number, line in enumerate(_LINE_BREAK.split(raw), start=1):
        text = clean_line(line)
        if not text:
            gap = True
            continue
        if lines:
            lines[-1].gap_after = gap
        lines.append(_Line(text, number, gap))
        gap = False
    if lines:
        lines[-1].gap_after = True
    return lines


class _Layout:
    """Break decisions for the lines of one text."""

    def __init__(self, lines: list[_Line]) -> None:
        self.lines = lines
        self.record = [bool(_RECORD.match(line.text)) for line in lines]
        self.closing = [
            ends_sentence(line.text) or heading_like(line.text) or rec or bool(BYLINE.search(line.text))
            for line, rec in zip(lines, self.record)
        ]
        self.wrapped = sum(not closes for closes in self.closing) >= len(lines) / 2
        self.typical = statistics.median(len(line.text) for line in lines) if lines else 0

    def standalone_heading(self, k: int) -> bool:
        """A heading line that cannot be the first line of a wrapped paragraph."""
        line = self.lines[k]
        if not heading_like(line.text):
            return False
        if BRACKET_HEADING.fullmatch(line.text) or not self.wrapped or line.gap_after:
            return True
        following = self.lines[k + 1].text
        return bool(PART_MARKER.match(following) or ITEM_MARKER.match(following)) or len(line.text) < _SHORT_LINE * self.typical

    def breaks(self) -> list[bool]:
        """``breaks[k]``: whether a paragraph break comes before line ``k`` (always true for ``k == 0``)."""
        result = [True] * len(self.lines)
        for k in range(1, len(self.lines)):
            previous, line = self.lines[k - 1], self.lines[k]
            title = result[k - 1] and line.gap_before and not any(ch in _CLAUSE_PUNCTUATION for ch in previous.text)
            opens = bool(PART_MARKER.match(line.text) or ITEM_MARKER.match(line.text)) and not INLINE_ENUMERATION.match(line.text)
            result[k] = (
                not self.wrapped
                or title
                or self.standalone_heading(k - 1)
                or self.standalone_heading(k)
                or (self.closing[k - 1] and (line.gap_before or opens or self.record[k]))
            )
        return result


def _joiner(left: str, right: str) -> str:
    """What joins two wrapped lines: a space between two ASCII letters/digits, else nothing."""
    return " " if left[-1].isascii() and left[-1].isalnum() and right[0].isascii() and right[0].isalnum() else ""


def repair_text(raw: str) -> tuple[str, tuple[int, ...]]:
    """The repaired text and, for each of its characters, the 1-based line of ``raw`` it came from."""
    lines = _lines(raw)
    pieces: list[str] = []
    origins: list[int] = []
    for k, (line, is_break) in enumerate(zip(lines, _Layout(lines).breaks())):
        if k:
            separator = "\n" if is_break else _joiner(lines[k - 1].text, line.text)
            pieces.append(separator)
            origins.extend([lines[k - 1].number] * len(separator))
        pieces.append(line.text)
        origins.extend([line.number] * len(line.text))
    return "".join(pieces), tuple(origins)
