"""OFD files (GB/T 33190-2016, the Chinese fixed-layout format), read with zipfile and lxml: the text of every page.

An OFD is a zip: ``OFD.xml`` names each document's ``Document.xml``, which lists its pages' ``Content.xml``. A page
draws ``TextObject``s (in layers, possibly nested in ``PageBlock``s) whose ``TextCode``s hold Unicode text at
positions in millimetres, y growing downwards. Every character is placed on its page; characters are grouped into
lines by baseline, top to bottom, each line read left to right with a tab where a gap is wide enough to part table
cells. A page number ending a page is dropped.

The layout then says where paragraphs start: at an indented line, after a short line, at a wide vertical gap, where
centred lines (a title) begin or end, at a table row. The lines of a paragraph are joined, also across a page
break, and every paragraph is written on a line of its own, a blank line between two, so ``repair`` keeps them
apart (left to ``repair``, wrapped lines would stay apart in a document whose lines mostly end sentences, as
tables and short notices do). A paragraph's page is the page it starts on.

Left out: template pages (drawn under a page: running headers, a red title band), annotations (stamps,
watermarks), signatures, attachments and composite objects. The ``CTM`` of a text object is applied, so rotated
text comes out a character a line. Invisible text is read: it is a scan's OCR layer.
"""

from __future__ import annotations

import lzma
import math
import posixpath
import re
import statistics
import unicodedata
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import count, pairwise
from pathlib import Path
from typing import NamedTuple

from lxml import etree

from ...errors import UnreadableFileError
from . import ReadText

_MB = 1024 * 1024
# Uncompressed bytes read from one part (XML file) and from all parts of a file: a page written a TextObject per
# character takes about 150 KB, so no real page nears 32 MB, and 256 MB is over a thousand such pages.
MAX_PART_BYTES = 32 * _MB
MAX_TOTAL_BYTES = 256 * _MB
# Font size (mm) of a text object without the required ``Size``: 五号, 10.5 pt.
DEFAULT_SIZE = 3.7
# Page height (mm) when neither the page nor its document gives a ``PhysicalBox``: A4.
DEFAULT_PAGE_HEIGHT = 297.0
# Characters whose baselines differ by at most this many ems (of the larger one) share a line: lines lie an em or
# more apart, a superscript a third of an em up.
LINE_TOLERANCE = 0.4
# Width, in ems, assumed for a character that is not CJK-wide (those take one em; fonts are not read). Latin glyphs
# are 0.2 to 0.95 em wide, so a gap is never overstated by more than half an em.
NARROW_WIDTH = 0.5
# A gap wider than this many ems between two characters of a line parts two table cells (or a name from a date):
# wider than justification, a width misjudged (under half an em) or one full-width space (one em).
CELL_GAP = 1.5
# The same character drawn again less than this many ems to the right is a fake-bold overprint, read once (the
# narrowest real pair, 「ll」, is 0.2 em apart).
OVERPRINT = 0.1
# A line starting more than this many ems right of the body's left margin is indented (a first line is indented
# two ems in official documents), or centred when it also ends as far from the right margin, within this much.
INDENT = 1.0
# A line ending more than this many ems short of the right margin ends its paragraph.
SHORT_LINE = 2.0
# A line this many times further below the one before than the document's usual line pitch starts a paragraph.
PARAGRAPH_GAP = 1.4
# A bare number ending a page is its page number when its baseline is below this share of the page's height
# (official documents print it 7 mm under the body, at about 92%; body text ends above 89%).
PAGE_FOOT = 0.9

# 「- 3 -」「— 3 —」「第 3 页 共 8 页」 end a page wherever they stand; a bare 「3」 only at the page foot.
_MARKED_PAGE_NUMBER = re.compile(r"[-—–－―─]+\s*\d{1,4}\s*[-—–－―─]+|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?")
_BARE_PAGE_NUMBER = re.compile(r"\d{1,4}")
# What reading a damaged zip member raises.
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, lzma.LZMAError, EOFError, NotImplementedError, OSError)
_ZIP_ENCRYPTED = 0x1  # general-purpose flag bit of a password-protected zip member


class _Glyph(NamedTuple):
    """A character drawn on a page: its origin (mm from the page's top left; ``y`` is the baseline) and em."""

    x: float
    y: float
    size: float
    char: str
    order: int  # drawing order, keeping characters drawn at one point in sequence


@dataclass(frozen=True)
class _Line:
    """A line of a page: its baseline, left and right ends (mm), largest em and text."""

    page: int
    y: float
    left: float
    right: float
    size: float
    text: str


def read_ofd(path: Path) -> ReadText:
    """The text of the OFD file at ``path`` with the page of each line (see the module docstring)."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, NotImplementedError, ValueError, EOFError) as error:
        raise UnreadableFileError("不是有效的 OFD 文件（不是 zip 压缩包）") from error
    except OSError as error:
        raise UnreadableFileError(f"无法读取（{error.strerror or error}）") from error
    with archive:
        lines, warnings = _Package(archive).lines()
    if not lines:
        raise UnreadableFileError("没有文字（可能是扫描件：没有文字层）")
    text, pages = _layout(lines)
    return ReadText(text, "ofd", pages, tuple(warnings))


class _Package:
    """The parts of an open OFD zip, read within the size caps and parsed without DTDs."""

    def __init__(self, archive: zipfile.ZipFile) -> None:
        self.archive = archive
        self.members = {_normalized(name): name for name in archive.namelist()}
        self.left = MAX_TOTAL_BYTES
        self.parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)

    def lines(self) -> tuple[list[_Line], list[str]]:
        """The lines of every page in order, and a warning for each page that only shows images."""
        root = self.xml("OFD.xml", "不是 OFD 文件（压缩包中没有 OFD.xml）")
        if root.find(".//{*}Encryptions") is not None or any(
            name.rsplit("/", 1)[-1].lower() == "encryptions.xml" for name in self.members
        ):
            raise UnreadableFileError("已加密")
        documents = [loc.text.strip() for loc in root.iterfind("{*}DocBody/{*}DocRoot") if (loc.text or "").strip()]
        if not documents:
            raise UnreadableFileError("文件已损坏（OFD.xml 没有指明文档）")
        lines: list[_Line] = []
        warnings: list[str] = []
        number = 0
        for location in documents:
            name = _resolve("OFD.xml", location)
            document = self.xml(name, f"文件已损坏（缺少 {name}）")
            area = document.find("{*}CommonData/{*}PageArea/{*}PhysicalBox")
            for entry in document.iterfind("{*}Pages/{*}Page"):
                number += 1
                page_name = _resolve(name, entry.get("BaseLoc", ""))
                page = self.xml(page_name, f"文件已损坏（缺少第 {number} 页：{page_name}）")
                try:
                    box = page.find("{*}Area/{*}PhysicalBox")
                    foot = _foot(box if box is not None else area)
                    found = _page_lines(page, number, foot)
                except ValueError as error:
                    raise UnreadableFileError(f"文件已损坏（第 {number} 页的坐标无效）") from error
                if not found and page.find(".//{*}ImageObject") is not None:
                    warnings.append(f"第 {number} 页只有图像（可能是扫描页），其中的文字未读取")
                lines += found
        return lines, warnings

    def xml(self, name: str, missing: str) -> etree._Element:
        """The root element of the part ``name`` (``missing`` is the reason given when the zip lacks it)."""
        member = self.members.get(name)
        if member is None:
            raise UnreadableFileError(missing)
        try:
            root = etree.fromstring(self._read(member), self.parser)
        except etree.XMLSyntaxError as error:
            raise UnreadableFileError(f"文件已损坏（{name} 不是有效的 XML）") from error
        if root.getroottree().docinfo.doctype:
            raise UnreadableFileError(f"{name} 含 DTD 声明，为安全起见不予读取")
        return root

    def _read(self, member: str) -> bytes:
        info = self.archive.getinfo(member)
        if info.flag_bits & _ZIP_ENCRYPTED:
            raise UnreadableFileError("已加密（设有打开密码）")
        limit = min(MAX_PART_BYTES, self.left)
        try:
            with self.archive.open(info) as part:
                data = part.read(limit + 1)
        except _ZIP_ERRORS as error:
            raise UnreadableFileError(f"文件已损坏（{member} 无法解压）") from error
        if len(data) > limit:
            raise UnreadableFileError(
                f"解压后过大（{member}；上限为每个部件 {MAX_PART_BYTES // _MB} MB、合计 {MAX_TOTAL_BYTES // _MB} MB）"
            )
        self.left -= len(data)
        return data


def _normalized(name: str) -> str:
    """A zip member's name as ``_resolve`` writes names: ``/`` separators, no leading ``/``, no ``.`` steps."""
    return posixpath.normpath(name.replace("\\", "/")).lstrip("/")


def _resolve(base: str, location: str) -> str:
    """The part a ``location`` named in the part ``base`` points to: relative to ``base``'s folder, or to the
    package root when it starts with ``/``."""
    location = location.strip().replace("\\", "/")
    if not location.startswith("/"):
        location = posixpath.join(posixpath.dirname(base), location)
    return _normalized(location)


def _foot(box: etree._Element | None) -> float:
    """The baseline (mm) below which a bare number is a page number, on a page of the ``PhysicalBox`` ``box``."""
    if box is None:
        return PAGE_FOOT * DEFAULT_PAGE_HEIGHT
    _, top, _, height = _numbers(box.text, 4)
    return top + PAGE_FOOT * height


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def _numbers(text: str | None, length: int) -> list[float]:
    """The ``length`` numbers of an attribute like ``Boundary`` or ``CTM``; ``ValueError`` when it holds others."""
    values = [_finite(token) for token in (text or "").split()]
    if len(values) != length:
        raise ValueError(text)
    return values


def _deltas(spec: str | None, length: int) -> list[float]:
    """The ``length`` offsets between successive characters that a ``DeltaX`` or ``DeltaY`` gives: numbers, ``g n v``
    for ``n`` times ``v``, the last repeated when too few; none given, all 0 (the standard: no offset)."""
    values: list[float] = []
    tokens = iter((spec or "").split())
    for token in tokens:
        if len(values) >= length:
            break
        if token == "g":
            times, value = int(next(tokens, "")), _finite(next(tokens, ""))
            values += [value] * min(times, length - len(values))
        else:
            values.append(_finite(token))
    return values + [values[-1] if values else 0.0] * (length - len(values))


def _glyphs(page: etree._Element) -> Iterator[_Glyph]:
    """Every character the page's text objects draw, placed on the page."""
    order = count()
    for item in page.iter("{*}TextObject"):
        left, top, _, _ = _numbers(item.get("Boundary"), 4)
        a, b, c, d, e, f = _numbers(item.get("CTM") or "1 0 0 1 0 0", 6)
        size = _finite(item.get("Size") or str(DEFAULT_SIZE)) * math.sqrt(abs(a * d - b * c))
        x = y = 0.0  # a TextCode without X or Y takes the previous one's
        for code in item.iterfind("{*}TextCode"):
            text = code.text or ""
            x, y = _finite(code.get("X", str(x))), _finite(code.get("Y", str(y)))
            steps = zip(_deltas(code.get("DeltaX"), len(text) - 1), _deltas(code.get("DeltaY"), len(text) - 1))
            gx, gy = x, y
            for k, char in enumerate(text):
                if k:
                    dx, dy = next(steps)
                    gx, gy = gx + dx, gy + dy
                yield _Glyph(left + a * gx + c * gy + e, top + b * gx + d * gy + f, size, char, next(order))


def _page_lines(page: etree._Element, number: int, foot: float) -> list[_Line]:
    """The lines of page ``number``, top to bottom, without a page number ending it."""
    rows: list[list[_Glyph]] = []
    for glyph in sorted(_glyphs(page), key=lambda glyph: (glyph.y, glyph.order)):
        first = rows[-1][0] if rows else None
        if first and glyph.y - first.y <= LINE_TOLERANCE * max(first.size, glyph.size):
            rows[-1].append(glyph)
        else:
            rows.append([glyph])
    lines = [line for row in rows if (line := _line(number, row))]
    if lines and _page_number(lines[-1], foot):
        lines.pop()
    return lines


def _page_number(line: _Line, foot: float) -> bool:
    return bool(_MARKED_PAGE_NUMBER.fullmatch(line.text) or (line.y > foot and _BARE_PAGE_NUMBER.fullmatch(line.text)))


def _wide(char: str) -> bool:
    """Whether ``char`` takes a full em: CJK characters and punctuation (ambiguous ones too, in Chinese fonts)."""
    return unicodedata.east_asian_width(char) in "WFA"


def _width(glyph: _Glyph) -> float:
    return glyph.size if _wide(glyph.char) else NARROW_WIDTH * glyph.size


def _line(page: int, row: list[_Glyph]) -> _Line | None:
    """The line of a row of glyphs: left to right, a run of spaces as one space, a tab at a cell gap, a fake-bold
    overprint read once; a row of lone characters spread apart (「通    知」) is one word. ``None`` for blank rows."""
    row = sorted(row, key=lambda glyph: (glyph.x, glyph.order))
    drawn = [glyph for glyph in row if not glyph.char.isspace()]
    if not drawn:
        return None
    cells: list[list[str]] = [[]]
    last: _Glyph | None = None
    for glyph in row:
        if glyph.char.isspace():
            if cells[-1] and cells[-1][-1] != " ":
                cells[-1].append(" ")
            continue
        if last is not None:
            if glyph.char == last.char and glyph.x - last.x < OVERPRINT * glyph.size:
                continue
            if glyph.x - last.x - _width(last) > CELL_GAP * max(glyph.size, last.size):
                cells.append([])
        cells[-1].append(glyph.char)
        last = glyph
    texts = ["".join(cell).strip() for cell in cells]
    spread = len(texts) > 1 and all(len(text) == 1 and _wide(text) for text in texts)
    return _Line(
        page=page,
        y=statistics.median(glyph.y for glyph in drawn),
        left=drawn[0].x,
        right=drawn[-1].x + _width(drawn[-1]),
        size=max(glyph.size for glyph in drawn),
        text=("" if spread else "\t").join(texts),
    )


class _Margins:
    """The body's left and right margins (the commonest line ends, to the millimetre) and its usual line pitch."""

    def __init__(self, lines: list[_Line]) -> None:
        self.left = Counter(round(line.left) for line in lines).most_common(1)[0][0]
        self.right = Counter(round(line.right) for line in lines).most_common(1)[0][0]
        pitches = [b.y - a.y for a, b in pairwise(lines) if a.page == b.page and b.y > a.y]
        self.pitch = statistics.median(pitches) if pitches else math.inf

    def indented(self, line: _Line) -> bool:
        return line.left - self.left > INDENT * line.size

    def short(self, line: _Line) -> bool:
        return self.right - line.right > SHORT_LINE * line.size

    def centred(self, line: _Line) -> bool:
        indent, shortfall = line.left - self.left, self.right - line.right
        return self.indented(line) and abs(indent - shortfall) <= INDENT * line.size

    def starts_paragraph(self, previous: _Line, line: _Line) -> bool:
        """Whether ``line`` starts a paragraph after ``previous`` (a page's first line continues the last one's)."""
        if "\t" in previous.text or "\t" in line.text:  # a table row
            return True
        if line.page == previous.page and line.y - previous.y > PARAGRAPH_GAP * self.pitch:
            return True
        if self.centred(previous) or self.centred(line):  # the lines of a title are centred alike
            return self.centred(previous) != self.centred(line)
        return self.indented(line) or self.short(previous)


def _layout(lines: list[_Line]) -> tuple[str, tuple[int, ...]]:
    """The paragraphs of ``lines`` (see the module docstring) and the page of each line of that text."""
    margins = _Margins(lines)
    paragraphs = [(lines[0].page, lines[0].text)]
    for previous, line in pairwise(lines):
        if margins.starts_paragraph(previous, line):
            paragraphs.append((line.page, line.text))
        else:
            page, text = paragraphs[-1]
            paragraphs[-1] = (page, text + _joiner(text, line.text) + line.text)
    pages: list[int] = []
    for page, _ in paragraphs:
        pages += [page, page]  # the paragraph and the blank line after it
    return "\n\n".join(text for _, text in paragraphs), tuple(pages[:-1])


def _joiner(left: str, right: str) -> str:
    """What joins two wrapped lines: a space between two ASCII letters or digits (a word boundary), else nothing."""
    return " " if left[-1].isascii() and left[-1].isalnum() and right[0].isascii() and right[0].isalnum() else ""
