"""Undo PDF-extraction damage: hard line breaks, page/column breaks and stray spaces.

Output convention: every paragraph and every heading sits on its own line, separated by
exactly one ``"\\n"``; there are no blank lines and no leading/trailing whitespace.

Line joining (for hard-wrapped text, i.e. when most lines stop mid-sentence):

* a line *closes* when it ends a sentence (``。！？；：`` optionally followed by closing
  quotes/brackets), is a standalone heading, is a ``标签：值`` record or ends with a byline;
* a blank line is a paragraph break after a closing line, otherwise a page/column break
  and joined;
* a single newline is a break only around a standalone heading, a timestamp or 文号 line
  (「2023-07-28 21:38」, 「国办发〔2023〕12号」) or a table row (cells separated by tabs), or after a closing line when the next line opens a heading
  (``一、`` ``（一）`` ``1.`` ``第一章`` ``第一条`` …, see ``headings``) or a record; inline
  enumerations (``一是…二是…``) never break on a single newline;
* a line without punctuation that starts a paragraph and is followed by a blank line (a
  title) stands alone.

Text whose lines mostly close on their own is not hard-wrapped: every newline is a break (unless the reader
says the lines are wrapped: a PDF's visual lines, with blank lines where its layout starts a paragraph).
Joined lines get no space, except between two ASCII letters/digits (a word boundary).
Whitespace is dropped next to CJK ideographs and CJK/full-width punctuation and kept
(as one space) between Latin words or digits (not before 「%」: 「16.5 %」 is one figure) and in
gaps between table cells or names (a tab, or two spaces or more that do not letter-space a lone
character); no other character is changed.

Separator spaces. Web-scraped text often puts a space where punctuation was lost
(「北京时间28日晚 2023女足世界杯小组赛次轮 少一人作战的 中国女足1:0战胜海地女足」); in such
a document a whitespace run between two word characters, one of them a CJK ideograph and
neither a lone CJK character (letter-spacing 「总 则」 is still dropped), is kept as one space
(``sentences`` then treats it as a clause boundary). A document uses separators when, counting
whitespace runs inside its lines,

* runs between two multi-character CJK phrases (「新感觉 新时尚」) outnumber runs next to a
  lone CJK character, the letter-spacing of PDF extraction (「同 比 增 长」), and
* runs between a CJK character and a number are at most ``NUMBER_SPACING`` per number
  (PDF extraction and 「7 月 25 日」-style typesetting space nearly every number).

Fitted on the seed and the two bulletins (PDF-extracted: 6–11 lone-character runs against 0–1
phrase runs; 0.85–0.99 spaced sides per number) and the 872 news articles of
``/work/shared/eval/news`` (430 have more phrase runs than lone-character ones: 427 of them space
at most 0.44 sides per number, 3 are typeset with spaces around numbers, 0.61–1.16).
"""

from __future__ import annotations

import re
import statistics
import unicodedata
from dataclasses import dataclass

from .headings import BRACKET_HEADING, NUMBER, TIMESTAMP, heading_like, opens_heading, parse_heading
from .headings import ITEM_MARKER as ITEM_MARKER  # re-exported: the web page strips item markers with it
from .sentences import CLOSERS, SENTENCE_STOPS, WORD

# 供稿：某市商务局 at the end of a line, at its start or right after a finished sentence.
BYLINE = re.compile(
    r"(?:^|(?<=[。！？!?”’」』）)]))(?P<label>供稿|来源|稿源|撰稿|作者|通讯员|责任编辑|编辑)[：:]"
    r"(?P<org>[^\s。，；：！？:;,]{1,30})$"
)
_RECORD = re.compile(r"[^\s，。；：、！？:;,（）()“”]{2,15}[：:]")
_CLOSING_STOPS = SENTENCE_STOPS + "；：…"
_CLAUSE_PUNCTUATION = "，。；：！？,;!?"
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_WHITESPACE = re.compile(r"\s+")
_UNIT_SIGNS = "%‰℃"  # 「16.5 %」 is one figure
_INNER_SPACE = re.compile(r"(?<=\S)\s+(?=\S)")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_SHORT_LINE = 0.8  # share of the typical line length below which a heading line cannot be a wrap
NUMBER_SPACING = 0.5  # spaced CJK/number sides per number up to which spaces may be separators (see above)


def ends_sentence(text: str) -> bool:
    """Whether ``text`` ends with a sentence or list-entry stop, possibly followed by closing marks."""
    stripped = text.rstrip(CLOSERS)
    return bool(stripped) and stripped[-1] in _CLOSING_STOPS


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


def _han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def _word(ch: str) -> bool:
    return WORD.fullmatch(ch) is not None


def _lone(line: str, index: int, step: int) -> bool:
    """Whether ``line[index]`` is a CJK character standing alone on its ``step`` side (letter-spacing)."""
    beyond = index + step
    return _han(line[index]) and not (0 <= beyond < len(line) and _word(line[beyond]))


def _separates(line: str, start: int, end: int) -> bool:
    """Whether the whitespace ``line[start:end]`` stands between two word characters, one of them CJK, neither
    a lone CJK character (「同 比 增 长」 is letter-spacing, not separation)."""
    left, right = line[start - 1], line[end]
    return (
        _word(left) and _word(right) and (_han(left) or _han(right))
        and not _lone(line, start - 1, -1) and not _lone(line, end, 1)
    )


def spaces_are_separators(raw: str) -> bool:
    """Whether the text uses spaces between CJK phrases as separators (see the module docstring)."""
    phrases = letters = numbers = 0
    for line in _LINE_BREAK.split(raw):
        for match in _INNER_SPACE.finditer(line):
            start, end = match.start(), match.end()
            if _han(line[start - 1]) and _han(line[end]):
                lone = _lone(line, start - 1, -1) or _lone(line, end, 1)
                letters, phrases = letters + lone, phrases + (not lone)
            elif _separates(line, start, end):
                numbers += line[start - 1].isdigit() or line[end].isdigit()
    return phrases > letters and numbers <= NUMBER_SPACING * len(_NUMBER.findall(raw))


def _cell_gap(line: str, start: int, end: int) -> bool:
    """A tab, or two spaces or more between word characters that do not letter-space a lone CJK character
    (「金  融」): a gap between cells or names (「某州统计局  国家统计局某调查队」)."""
    gap = line[start:end]
    words = _word(line[start - 1]) and _word(line[end])
    return "\t" in gap or (len(gap) > 1 and words and not _lone(line, start - 1, -1) and not _lone(line, end, 1))


def clean_line(line: str, separators: bool = False) -> str:
    """``line`` stripped, with whitespace removed next to CJK text and before 「%」 after a figure, other runs
    collapsed to one space; a cell gap is kept as one space, and with ``separators`` a space between two CJK
    phrases (or a CJK phrase and a word) too."""
    line = line.strip()

    def replace(match: re.Match[str]) -> str:
        start, end = match.start(), match.end()
        if line[start - 1].isdigit() and line[end] in _UNIT_SIGNS:
            return ""
        if _cell_gap(line, start, end) or (separators and _separates(line, start, end)):
            return " "
        return "" if _wide(line, start - 1, -1) or _wide(line, end, 1) else " "

    return _WHITESPACE.sub(replace, line)


@dataclass
class _Line:
    text: str
    number: int
    gap_before: bool
    row: bool  # a table row: cells separated by tabs
    gap_after: bool = False


def _lines(raw: str) -> list[_Line]:
    """Non-blank cleaned lines with their 1-based original numbers and whether blank lines surround them."""
    separators = spaces_are_separators(raw)
    lines: list[_Line] = []
    gap = False
    for number, line in enumerate(_LINE_BREAK.split(raw), start=1):
        text = clean_line(line, separators)
        if not text:
            gap = True
            continue
        if lines:
            lines[-1].gap_after = gap
        lines.append(_Line(text, number, gap, "\t" in line.strip()))
        gap = False
    if lines:
        lines[-1].gap_after = True
    return lines


class _Layout:
    """Break decisions for the lines of one text."""

    def __init__(self, lines: list[_Line], wrapped: bool | None) -> None:
        self.lines = lines
        self.record = [bool(_RECORD.match(line.text)) for line in lines]
        # Timestamp and 文号 lines and table rows stand alone.
        self.alone = [bool(TIMESTAMP.fullmatch(line.text) or NUMBER.fullmatch(line.text)) or line.row for line in lines]
        self.closing = [
            ends_sentence(line.text) or heading_like(line.text) or rec or alone or bool(BYLINE.search(line.text))
            for line, rec, alone in zip(lines, self.record, self.alone)
        ]
        counted = sum(not closes for closes in self.closing) >= len(lines) / 2
        self.wrapped = counted if wrapped is None else wrapped
        self.typical = statistics.median(len(line.text) for line in lines) if lines else 0

    def standalone_heading(self, k: int) -> bool:
        """A heading line that cannot be the first line of a wrapped paragraph."""
        line = self.lines[k]
        if not heading_like(line.text):
            return False
        if BRACKET_HEADING.fullmatch(line.text) or not self.wrapped or line.gap_after:
            return True
        return parse_heading(self.lines[k + 1].text) is not None or len(line.text) < _SHORT_LINE * self.typical

    def breaks(self) -> list[bool]:
        """``breaks[k]``: whether a paragraph break comes before line ``k`` (always true for ``k == 0``)."""
        result = [True] * len(self.lines)
        for k in range(1, len(self.lines)):
            previous, line = self.lines[k - 1], self.lines[k]
            title = result[k - 1] and line.gap_before and not any(ch in _CLAUSE_PUNCTUATION for ch in previous.text)
            opens = opens_heading(line.text)
            result[k] = (
                not self.wrapped
                or title
                or self.alone[k - 1]
                or self.alone[k]
                or self.standalone_heading(k - 1)
                or self.standalone_heading(k)
                or (self.closing[k - 1] and (line.gap_before or opens or self.record[k]))
            )
        return result


def _joiner(left: str, right: str) -> str:
    """What joins two wrapped lines: a space between two ASCII letters/digits, else nothing."""
    return " " if left[-1].isascii() and left[-1].isalnum() and right[0].isascii() and right[0].isalnum() else ""


def repair_text(raw: str, wrapped: bool | None = None) -> tuple[str, tuple[int, ...]]:
    """The repaired text and, for each of its characters, the 1-based line of ``raw`` it came from.

    ``wrapped`` says whether the lines are hard-wrapped (a PDF's visual lines are); ``None`` lets the text tell.
    """
    lines = _lines(raw)
    pieces: list[str] = []
    origins: list[int] = []
    for k, (line, is_break) in enumerate(zip(lines, _Layout(lines, wrapped).breaks())):
        if k:
            separator = "\n" if is_break else _joiner(lines[k - 1].text, line.text)
            pieces.append(separator)
            origins.extend([lines[k - 1].number] * len(separator))
        pieces.append(line.text)
        origins.extend([line.number] * len(line.text))
    return "".join(pieces), tuple(origins)
