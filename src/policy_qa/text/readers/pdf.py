"""PDF files: the text of each page in the file's drawing order, with the page of every line.

Text and character boxes come from pypdfium2 (about 1 ms a page). On top of that:

* a page whose text stands in two columns (a gutter with text on both sides over most of the page) is read column
  by column; other pages keep the drawing order (sorting every page breaks LibreOffice exports);
* running headers, footers and page numbers are left out;
* a page with ruled lines has its tables read by pdfplumber (tens of ms a page, so only there): each table becomes
  ``row_sentences`` lines where it stood, and its characters leave the running text;
* a scanned page (an image and no text) is read by OCR when the ``ocr`` extra (rapidocr) is installed, otherwise
  it is skipped with a warning;
* a visual paragraph break (an indented line, a line ending short, a vertical gap) is written as a blank line, so
  ``repair`` keeps paragraphs apart while it joins the hard-wrapped lines between them.
"""

from __future__ import annotations

import ctypes
import itertools
import logging
import re
import statistics
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from ...errors import UnreadableFileError
from . import ReadText
from .tables import row_sentences

log = logging.getLogger("policy_qa.text.readers.pdf")

# A whitespace run wider than this many line heights (loose character boxes) splits a line into pieces: a column
# gutter or a gap between table cells. Measured: the spaces LibreOffice puts between CJK text and numbers are 0.22-0.35
# heights; gaps between reportlab table cells 1.04-6.8; the gutter of the two-column test page 2.9-3.4.
PIECE_GAP = 0.8
# Rows from the top and from the bottom of a page that may hold a running header, footer or page number.
EDGE_ROWS = 2
# Share of the pages (at least two) a top or bottom row must recur on to be a running header or footer.
RUNNING_SHARE = 0.5
# Two columns: the gutter lies in the middle half of the text's width; each side holds at least this many lines, spans
# at least this share of the text's height and has lines of at least this share of the text's width (the sides of a
# borderless form or list are narrower); lines crossing the gutter (titles) are at most this share of all. Checked on
# the test pages (two columns of 0.44 of the width each, a title crossing) and on 600 single-column reportlab and
# LibreOffice pages, 200 of them with a table (none taken for two columns).
GUTTER_RANGE = (0.25, 0.75)
MIN_COLUMN_LINES = 3
COLUMN_HEIGHT = 0.5
COLUMN_WIDTH = 0.25
MAX_CROSSING = 0.3
# Paragraph breaks, in line heights. A line starting INDENT right of the text's left edge opens a paragraph
# (reportlab's two-character first-line indent: 1.9); a line ending SHORT_END left of the right edge closes one
# (reportlab wraps CJK lines within 0.61 of the edge, LibreOffice justifies them to it; last lines end 4.6 and more
# short). A paragraph also opens after PARAGRAPH_GAP more space than the page's usual space between lines
# (LibreOffice: 0.49 between lines, 1.45 between paragraphs; reportlab: 0.58-0.66 between lines).
INDENT = 1.0
SHORT_END = 2.0
PARAGRAPH_GAP = 0.5
# An edge of a column of text is where most of its lines start (end): lines stand right of the left edge when
# indented or centred, left of the right edge when they end a paragraph. The edge is the start (end) this share of
# the lines lie past.
EDGE_QUANTILE = 0.2
# Ruled lines on a page before pdfplumber looks for tables: a table of two rows and two columns has three of each; a
# page frame has two of each. A path thinner than RULE_WIDTH points is one rule; any other path counts as a box.
MIN_RULES = 3
RULE_WIDTH = 3.0
# A page is a scan when an image covers at least this share of it and it holds fewer than SCAN_CHARS characters of
# text (a stamped page number or portal header may sit on a scan).
SCAN_COVER = 0.5
SCAN_CHARS = 10
# OCR resolution: rapidocr recalled 99.8-100% of the characters of pages rasterised at 200 dpi (survey, 2026-11).
OCR_DPI = 200
OCR_EXTRA = "需要 OCR 扩展（pip install 'policy-qa[ocr]'）"

_LINE = re.compile(r"[^\r\n]+")
_WORD = re.compile(r"\S+")
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ufffe\uffff]")
_DASHES = r"[-—–－―~·•\s]*"
_PAGE_NUMBER = re.compile(
    rf"{_DASHES}(?:\d{{1,4}}|\d+\s*/\s*\d+|[Pp]age\s*\d+(?:\s*of\s*\d+)?"
    r"|第\s*\d+\s*页(?:\s*[/，,]?\s*共\s*\d+\s*页)?|共\s*\d+\s*页\s*[/，,]?\s*第\s*\d+\s*页)"
    rf"{_DASHES}"
)
# Numbering that changes from page to page at either end of a running header or footer (「某某局  第 3 页」).
_NUMBERING = re.compile(r"^(?:\W|\d+|第\d+页|共\d+页)+|(?:\W|\d+|第\d+页|共\d+页)+$")
_WHITESPACE = re.compile(r"\s+")


@dataclass
class _Piece:
    """A run of text on a page, with its box in PDF points (y upwards): a line, or part of one cut at a wide gap."""

    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    table: bool = False  # the sentences of a table's rows, one a line
    column: int = 0  # 0: the page's single column or crossing the gutter, 1: left column, 2: right column

    @property
    def height(self) -> float:
        return self.y1 - self.y0


@dataclass
class _Line:
    """An output line and whether a paragraph starts with it or ends after it."""

    text: str
    page: int
    opens: bool
    closes: bool


def read_pdf(path: Path) -> ReadText:
    """The text of the PDF at ``path``, one visual line a line, paragraphs separated by blank lines.

    Raises ``UnreadableFileError`` for an encrypted, corrupt or non-PDF file and for one no page yields text from.
    """
    document = _open(path)
    warnings: list[str] = []
    scans = 0
    pages: list[list[_Piece]] = []
    tables = _Tables(path)
    try:
        total = len(document)
        for number in range(1, total + 1):
            try:
                page = document[number - 1]
            except pdfium.PdfiumError:
                warnings.append(f"第 {number} 页无法解析，已跳过")
                pages.append([])
                continue
            try:
                pieces, scanned = _page_pieces(page, number, total, tables, warnings)
            finally:
                page.close()
            scans += scanned
            pages.append(pieces)
    finally:
        tables.close()
        document.close()
    _drop_running(pages)
    lines = [line for number, pieces in enumerate(pages, start=1) for line in _lines(_reading_order(pieces), number)]
    if not lines:
        if scans:
            raise UnreadableFileError(f"是扫描件（{scans} 页图像，没有文字层），{OCR_EXTRA}才能识别")
        raise UnreadableFileError("没有可提取的文字")
    text, line_pages = _join(lines)
    return ReadText(text, "pdf", line_pages, tuple(warnings), wrapped=True)


def _open(path: Path) -> pdfium.PdfDocument:
    """The document at ``path``; ``UnreadableFileError`` with a short reason when pdfium cannot open it."""
    try:
        return pdfium.PdfDocument(path)
    except pdfium.PdfiumError as error:
        if error.err_code == pdfium_c.FPDF_ERR_PASSWORD:
            raise UnreadableFileError("已加密（需要密码），无法读取") from error
        if error.err_code == pdfium_c.FPDF_ERR_SECURITY:
            raise UnreadableFileError("使用了不支持的加密方式，无法读取") from error
        raise UnreadableFileError("不是有效的 PDF 文件，或文件已损坏") from error
    except OSError as error:
        raise UnreadableFileError(f"无法读取（{error.strerror or error}）") from error


def _page_pieces(
    page: pdfium.PdfPage, number: int, total: int, tables: _Tables, warnings: list[str]
) -> tuple[list[_Piece], bool]:
    """The pieces of text of one page in drawing order, tables put in, and whether it is a scan left unread."""
    try:
        textpage = page.get_textpage()
    except pdfium.PdfiumError:
        warnings.append(f"第 {number} 页无法解析，已跳过")
        return [], False
    try:
        pieces = _text_pieces(textpage)
    finally:
        textpage.close()
    if sum(len(piece.text) for piece in pieces) < SCAN_CHARS and _is_scan(page):
        engine = _ocr_engine()
        if engine is None:
            warnings.append(f"第 {number} 页是扫描图像，未识别文字：{OCR_EXTRA}")
            return [], True
        try:
            return _ocr_pieces(page, engine, number, total), False
        except Exception:  # noqa: BLE001 - rendering, opencv or onnxruntime failing on this page: warned
            warnings.append(f"第 {number} 页是扫描图像，文字识别失败，已跳过")
            return [], False
    if _ruled(page):
        pieces = tables.put_in(pieces, number, page.get_mediabox(), warnings)
    return pieces, False


def _text_pieces(textpage: pdfium.PdfTextPage) -> list[_Piece]:
    """The page's text lines as pdfium orders them, each cut into pieces at gaps wider than ``PIECE_GAP`` heights."""
    text = textpage.get_text_range()
    box = _CharBoxes(textpage, text)
    pieces: list[_Piece] = []
    for line in _LINE.finditer(text):
        words = [(line.start() + word.start(), line.start() + word.end()) for word in _WORD.finditer(line.group())]
        run_start = 0
        for k in range(1, len(words) + 1):
            if k < len(words):
                left, right = box(words[k - 1][1] - 1), box(words[k][0])
                if _same_line(left, right) and right[0] - left[2] <= PIECE_GAP * (left[3] - left[1]):
                    continue
            first, last = box(words[run_start][0]), box(words[k - 1][1] - 1)
            piece_text = _CONTROLS.sub("", text[words[run_start][0] : words[k - 1][1]])
            if piece_text.strip():
                y0, y1 = min(first[1], last[1]), max(first[3], last[3])
                pieces.append(_Piece(piece_text, first[0], y0, last[2], y1))
            run_start = k
    return pieces


def _same_line(left: tuple[float, float, float, float], right: tuple[float, float, float, float]) -> bool:
    """Whether two character boxes share a line (their heights overlap): pdfium sometimes puts no line break
    between a paragraph's last line and a heading below it (「……增长2.5%。 五、交通和邮电」). A character without a
    box (all zeros) is taken to be on the line."""
    if not any(left) or not any(right):
        return True
    return min(left[3], right[3]) > max(left[1], right[1])


class _CharBoxes:
    """The loose box (left, bottom, right, top) of the character at a position of the page's extracted text."""

    def __init__(self, textpage: pdfium.PdfTextPage, text: str) -> None:
        self.raw = textpage.raw
        # pdfium leaves out of the text the characters it has no Unicode for: then the positions need mapping.
        self.mapped = len(text) != pdfium_c.FPDFText_CountChars(self.raw)
        self.rect = pdfium_c.FS_RECTF()
        self.pointer = ctypes.byref(self.rect)

    def __call__(self, text_index: int) -> tuple[float, float, float, float]:
        char_index = pdfium_c.FPDFText_GetCharIndexFromTextIndex(self.raw, text_index) if self.mapped else text_index
        if char_index < 0 or not pdfium_c.FPDFText_GetLooseCharBox(self.raw, char_index, self.pointer):
            return (0.0, 0.0, 0.0, 0.0)
        return (self.rect.left, self.rect.bottom, self.rect.right, self.rect.top)


def _bounds(container: Any, kind: int, inside_form: bool = False) -> Iterator[tuple[float, float, float, float]]:
    """The bounds (left, bottom, right, top) of the objects of type ``kind`` on a page (its raw handle) or in a
    form object, those inside form objects included."""
    count = pdfium_c.FPDFFormObj_CountObjects if inside_form else pdfium_c.FPDFPage_CountObjects
    get = pdfium_c.FPDFFormObj_GetObject if inside_form else pdfium_c.FPDFPage_GetObject
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    for k in range(count(container)):
        obj = get(container, k)
        found = pdfium_c.FPDFPageObj_GetType(obj)
        if found == pdfium_c.FPDF_PAGEOBJ_FORM:
            yield from _bounds(obj, kind, inside_form=True)
        elif found == kind and pdfium_c.FPDFPageObj_GetBounds(obj, left, bottom, right, top):
            yield left.value, bottom.value, right.value, top.value


def _ruled(page: pdfium.PdfPage) -> bool:
    """Whether the page has ``MIN_RULES`` horizontal and vertical ruled lines (a table's borders, maybe)."""
    across = down = 0
    for left, bottom, right, top in _bounds(page.raw, pdfium_c.FPDF_PAGEOBJ_PATH):
        thin_x, thin_y = right - left < RULE_WIDTH, top - bottom < RULE_WIDTH
        if thin_x or thin_y:
            across, down = across + thin_y, down + thin_x
        else:  # a box, outlined by two rules each way
            across, down = across + 2, down + 2
        if across >= MIN_RULES and down >= MIN_RULES:
            return True
    return False


class _Tables:
    """The ruled tables of the pages that have rules, read by pdfplumber (opened on the first such page)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.pdf: Any = None

    def put_in(
        self, pieces: list[_Piece], number: int, mediabox: tuple[float, float, float, float], warnings: list[str]
    ) -> list[_Piece]:
        """``pieces`` with each table's pieces replaced by one piece of its row sentences, where its first was."""
        try:
            import pdfplumber  # about 0.3 s to import: only for files with ruled pages

            if self.pdf is None:
                self.pdf = pdfplumber.open(self.path)
            plumber_page = self.pdf.pages[number - 1]
            found = [(table.bbox, table.extract()) for table in plumber_page.find_tables()]
            plumber_page.close()
        except Exception:  # noqa: BLE001 - pdfminer fails in its own ways on files pdfium reads: warned
            warnings.append(f"第 {number} 页的表格未能识别，按普通文字读取")
            return pieces
        for (x0, top, x1, bottom), rows in found:
            if len(rows) < 2 or len(rows[0]) < 2:  # a frame around text is no table
                continue
            box = _Piece("\n".join(row_sentences(rows)), mediabox[0] + x0, mediabox[3] - bottom,
                         mediabox[0] + x1, mediabox[3] - top, table=True)
            inside = {k for k, piece in enumerate(pieces) if not piece.table and _inside(piece, box)}
            at = min(inside, default=len(pieces))
            kept = [piece for k, piece in enumerate(pieces) if k not in inside]
            pieces = [*kept[:at], box, *kept[at:]] if box.text else kept
        return pieces

    def close(self) -> None:
        if self.pdf is not None:
            self.pdf.close()


def _inside(piece: _Piece, box: _Piece) -> bool:
    """Whether the centre of ``piece`` lies in ``box``."""
    x, y = (piece.x0 + piece.x1) / 2, (piece.y0 + piece.y1) / 2
    return box.x0 <= x <= box.x1 and box.y0 <= y <= box.y1


def _is_scan(page: pdfium.PdfPage) -> bool:
    """Whether an image covers ``SCAN_COVER`` of the page or more."""
    area = page.get_width() * page.get_height()
    return any(
        (right - left) * (top - bottom) >= SCAN_COVER * area
        for left, bottom, right, top in _bounds(page.raw, pdfium_c.FPDF_PAGEOBJ_IMAGE)
    )


@cache
def _ocr_engine() -> Callable[..., Any] | None:
    """rapidocr's engine (its models ship in its wheel), or ``None`` when the ``ocr`` extra is not installed."""
    try:
        from rapidocr import RapidOCR

        return RapidOCR(params={"Global.log_level": "error"})
    except Exception:  # noqa: BLE001 - rapidocr missing, or its inference engine (onnxruntime)
        return None


def _ocr_pieces(page: pdfium.PdfPage, engine: Callable[..., Any], number: int, total: int) -> list[_Piece]:
    """The text lines OCR finds on the page rendered at ``OCR_DPI``, as rapidocr orders them (top down)."""
    started = time.perf_counter()
    scale = OCR_DPI / 72
    result = engine(page.render(scale=scale, grayscale=True).to_numpy())
    height = page.get_height()
    pieces = [
        _Piece(text, float(box[:, 0].min()) / scale, height - float(box[:, 1].max()) / scale,
               float(box[:, 0].max()) / scale, height - float(box[:, 1].min()) / scale)
        for box, text in zip(result.boxes if result.boxes is not None else [], result.txts or ())
        if text.strip()
    ]
    log.info("OCR page %d of %d: %d lines in %.1f s", number, total, len(pieces), time.perf_counter() - started)
    return pieces


def _rows(pieces: list[_Piece]) -> list[list[_Piece]]:
    """The pieces grouped into rows from the top (a piece whose middle lies within a row's height joins it)."""
    rows: list[list[_Piece]] = []
    for piece in sorted(pieces, key=lambda piece: -piece.y1):
        middle = (piece.y0 + piece.y1) / 2
        if rows and rows[-1][0].y0 <= middle <= rows[-1][0].y1:
            rows[-1].append(piece)
        else:
            rows.append([piece])
    return [sorted(row, key=lambda piece: piece.x0) for row in rows]


def _key(text: str) -> str:
    """What a running header or footer keeps from page to page: its text without spaces and page numbering."""
    return _NUMBERING.sub("#", _WHITESPACE.sub("", text))


def _drop_running(pages: list[list[_Piece]]) -> None:
    """Leave out page numbers and rows recurring at the top or bottom of most pages, from each edge inwards."""
    edges = []
    for pieces in pages:
        rows = _rows([piece for piece in pieces if not piece.table])
        edges.append((rows[:EDGE_ROWS], rows[::-1][:EDGE_ROWS]))
    seen = Counter(key for top, bottom in edges for key in {_key(p.text) for row in top + bottom for p in row})
    needed = max(2, RUNNING_SHARE * sum(bool(pieces) for pieces in pages))

    def running(piece: _Piece) -> bool:
        return bool(_PAGE_NUMBER.fullmatch(piece.text)) or seen[_key(piece.text)] >= needed

    for k, (top, bottom) in enumerate(edges):
        dropped: set[int] = set()
        for rows in (top, bottom):
            for row in rows:
                if not all(running(piece) for piece in row):
                    break
                dropped.update(id(piece) for piece in row)
        pages[k] = [piece for piece in pages[k] if id(piece) not in dropped]


def _columns(pieces: list[_Piece]) -> list[int] | None:
    """Each piece's column on a page whose text stands in two columns (1 left, 2 right, 0 crossing the gutter, as a
    title does); ``None`` for a page of one column."""
    if len(pieces) < 2 * MIN_COLUMN_LINES:
        return None
    left_edge, right_edge = min(p.x0 for p in pieces), max(p.x1 for p in pieces)
    width, bottom, top = right_edge - left_edge, min(p.y0 for p in pieces), max(p.y1 for p in pieces)
    crossing = np.zeros(int(width) + 2)  # height of the lines crossing each point right of the left edge
    for piece in pieces:
        crossing[int(piece.x0 - left_edge) + 1 : int(piece.x1 - left_edge)] += piece.height
    low, high = (int(share * width) for share in GUTTER_RANGE)
    if high <= low:
        return None
    at = low + int(np.argmin(crossing[low:high]))
    if crossing[at] > MAX_CROSSING * sum(p.height for p in pieces):
        return None
    gutter = left_edge + at
    # The columns' inner edges, most of their lines reach: a piece past one (a title) crosses the gutter.
    ends = sorted(p.x1 for p in pieces if p.x1 <= gutter + 1)
    starts = sorted(p.x0 for p in pieces if p.x0 >= gutter - 1)
    if len(ends) < MIN_COLUMN_LINES or len(starts) < MIN_COLUMN_LINES:
        return None
    inner = (ends[-1 - int(EDGE_QUANTILE * len(ends))], starts[int(EDGE_QUANTILE * len(starts))])
    columns = [1 if p.x1 <= inner[0] + p.height else 2 if p.x0 >= inner[1] - p.height else 0 for p in pieces]
    for column in (1, 2):
        side = [p for p, c in zip(pieces, columns) if c == column]
        if (
            len(side) < MIN_COLUMN_LINES
            or max(p.y1 for p in side) - min(p.y0 for p in side) < COLUMN_HEIGHT * (top - bottom)
            or statistics.median(p.x1 - p.x0 for p in side) < COLUMN_WIDTH * width
        ):
            return None
    return columns


def _reading_order(pieces: list[_Piece]) -> list[_Piece]:
    """The pieces in drawing order or, on a two-column page, each band between lines crossing the gutter read
    left column then right column (each top down)."""
    columns = _columns(pieces)
    if columns is None:
        return pieces
    for piece, column in zip(pieces, columns):
        piece.column = column
    ordered: list[_Piece] = []
    left: list[_Piece] = []
    right: list[_Piece] = []
    for row in _rows(pieces):
        for piece in row:
            if piece.column:
                (left if piece.column == 1 else right).append(piece)
            else:
                ordered += left + right + [piece]
                left, right = [], []
    return ordered + left + right


def _lines(pieces: list[_Piece], page: int) -> list[_Line]:
    """The output lines of a page's ordered pieces: pieces side by side on a row are joined by two spaces (a cell gap
    ``repair`` keeps); a table gives one paragraph per row."""
    merged: list[_Piece] = []
    for piece in pieces:
        last = merged[-1] if merged else None
        if (
            last is not None and not piece.table and not last.table and piece.column == last.column
            and piece.x0 >= last.x1 and last.y0 <= (piece.y0 + piece.y1) / 2 <= last.y1
        ):
            merged[-1] = _Piece(f"{last.text}  {piece.text}", last.x0, last.y0, piece.x1, last.y1, column=last.column)
        else:
            merged.append(piece)
    edges = _edges(merged)
    text = [piece for piece in merged if not piece.table]
    downs = [above.y0 - below.y1 for above, below in itertools.pairwise(text) if above.y0 > below.y1]
    spacing = statistics.median(downs) if downs else 0.0  # the page's usual space between lines
    lines: list[_Line] = []
    previous: _Piece | None = None
    for piece in merged:
        if piece.table:
            lines += [_Line(row, page, True, True) for row in piece.text.split("\n")]
        else:
            left, right = edges[piece.column]
            height = piece.height
            gap = previous is not None and previous.y0 - piece.y1 > spacing + PARAGRAPH_GAP * height
            opens = gap or piece.x0 - left > INDENT * height
            lines.append(_Line(piece.text, page, opens, right - piece.x1 > SHORT_END * height))
        previous = piece
    return lines


def _edges(pieces: list[_Piece]) -> dict[int, tuple[float, float]]:
    """Each column's left and right text edges: the line starts and ends most lines reach."""
    edges = {}
    for column in {piece.column for piece in pieces}:
        text = [piece for piece in pieces if piece.column == column and not piece.table]
        if text:
            starts, ends = sorted(p.x0 for p in text), sorted(p.x1 for p in text)
            at = int(EDGE_QUANTILE * len(text))
            edges[column] = (starts[at], ends[-1 - at])
    return edges


def _join(lines: list[_Line]) -> tuple[str, tuple[int, ...]]:
    """The text of ``lines`` with a blank line at each paragraph break, and the page of every line of it."""
    out: list[str] = []
    pages: list[int] = []
    for k, line in enumerate(lines):
        if k and (lines[k - 1].closes or line.opens):
            out.append("")
            pages.append(line.page)
        out.append(line.text)
        pages.append(line.page)
    return "\n".join(out), tuple(pages)
