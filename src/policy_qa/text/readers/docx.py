"""Word documents (``.docx``), read with docx2python: body paragraphs and tables in document order.

Each paragraph (a heading too) is a line, with the number Word generates for a numbered list or heading style
(「一、」「（一）」「1.」) put back in front; each table is ``row_sentences`` at its place (a vertically merged cell
repeats its text down, a horizontally merged one is left empty, a table of one column reads as paragraphs, a
table nested in a cell reads inline). Lines are separated by blank lines: every one of them is a paragraph of
its own, which ``repair`` then never joins. Page headers, footers, footnotes and comments are left out.
"""

from __future__ import annotations

import re
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from docx2python import docx2python
from docx2python.depth_collector import Par
from docx2python.docx_reader import DocxReader
from lxml import etree

from ...errors import UnreadableFileError
from . import ReadText
from .tables import Cell, row_sentences

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
# First bytes of an OLE compound file: an encrypted DOCX, or a legacy .doc under a .docx name.
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# The stream an encrypted (password-protected) OOXML file keeps its zip in, as its UTF-16 directory name.
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")

# What docx2python writes into run text besides the text: images, footnote marks, symbol-font glyphs (private
# use code points), hyperlinks as <a> tags, equations as <latex>.
_IMAGE_RUN = re.compile(
    r"----(?:[^\s<>-][^\s<>]*\.[A-Za-z0-9]{2,5}|(?:foot|end)note\d+)----|----Image alt text---->[^<]*<"
)
_SYMBOL = re.compile(r"<span style=font-family:[^>]*>&#x[0-9A-Fa-f]+;</span>")
_LINK = re.compile(r'<a href="[^"]*">(.*?)</a>', re.DOTALL)
_LATEX = re.compile(r"</?latex>")


def _w(name: str) -> str:
    return f"{{{_W}}}{name}"


def read_docx(path: Path) -> ReadText:
    """The body text of the Word document at ``path`` (no pages); a legacy .doc under a .docx name is converted."""
    if _legacy_word(path):
        # imported here: office reads its conversions with read_docx
        from .office import read_legacy_word

        return read_legacy_word(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # docx2python warns of numbering formats it lacks: ours has them
            lines = _read_lines(path)
    except UnreadableFileError:
        raise
    except Exception as error:  # docx2python and lxml raise whatever a damaged file provokes
        raise UnreadableFileError(f"文件已损坏，无法解析（{type(error).__name__}）") from error
    text = "\n\n".join(line for line in lines if line)
    if not text.strip():
        raise UnreadableFileError("没有文字")
    return ReadText(text, "docx")


def _read_lines(path: Path) -> list[str]:
    """The lines of the document's body (see the module docstring)."""
    with docx2python(path, duplicate_merged_cells=False) as content:
        reader = content.docx_reader
        documents = reader.files_of_type("officeDocument")
        if not documents:
            raise UnreadableFileError("不是 Word 文档（压缩包中没有正文）")
        document = documents[0]
        texts = {par.elem: par for table in document.content for row in table for cell in row for par in cell}
        numbering = _Numbering(_root(reader, "numbering"), _root(reader, "styles"))
        body = document.root_element.find(_w("body"))
        return list(_Walker(texts, numbering).blocks(body)) if body is not None else []


def _legacy_word(path: Path) -> bool:
    """Whether ``path`` is an OLE file that is no encrypted DOCX (a legacy .doc); ``UnreadableFileError`` for
    an encrypted DOCX and for a file that is no zip."""
    try:
        with path.open("rb") as file:
            head = file.read(len(OLE_MAGIC))
    except OSError as error:
        raise UnreadableFileError(f"无法读取（{error.strerror or error}）") from error
    if head == OLE_MAGIC:
        if _ENCRYPTED_STREAM in path.read_bytes():
            raise UnreadableFileError("已加密（设有打开密码）")
        return True
    if not zipfile.is_zipfile(path):
        raise UnreadableFileError("不是有效的 .docx 文件（已损坏或格式不符）")
    return False


def _root(reader: DocxReader, kind: str) -> etree._Element | None:
    """The root of the document's part of ``kind`` (numbering, styles), ``None`` when it has none."""
    files = reader.files_of_type(kind)
    return files[0].root_element if files else None


class _Walker:
    """Lines of the body's blocks in order, from docx2python's paragraphs (``texts``, by element)."""

    def __init__(self, texts: dict[etree._Element, Par], numbering: _Numbering) -> None:
        self.texts = texts
        self.numbering = numbering

    def blocks(self, container: etree._Element) -> Iterator[str]:
        """Lines of the paragraphs and tables directly in ``container`` (content controls and the like opened)."""
        for child in container:
            if child.tag == _w("p"):
                yield from self.paragraph(child)
            elif child.tag == _w("tbl"):
                yield from self.table(child)
            elif child.tag in (_w("sdt"), _w("sdtContent"), _w("customXml"), _w("ins"), _w("smartTag")):
                yield from self.blocks(child)

    def paragraph(self, p: etree._Element) -> Iterator[str]:
        """The lines of the paragraph ``p``: text boxes anchored in it first, then its own text."""
        for inner in p.iter(_w("p")):
            if inner is not p and not any(a.tag == f"{{{_MC}}}Fallback" for a in inner.iterancestors()):
                yield self.text(inner)  # a text box's paragraph (its duplicate under mc:Fallback skipped)
        yield self.text(p)

    def text(self, p: etree._Element) -> str:
        """The paragraph's text, with the number Word generates for it; soft line breaks kept."""
        par = self.texts.get(p)
        runs = list(par.run_strings) if par is not None else [t.text or "" for t in p.iter(_w("t"))]
        if runs and _has_direct_numbering(p) and runs[0].endswith("\t"):
            runs = runs[1:]  # docx2python's own 「1)\t」 list label; ours follows
        text = _clean("".join(runs))
        label = self.numbering.label(p)
        return f"{label}{text}" if text else ""

    def table(self, tbl: etree._Element) -> Iterator[str]:
        """Rows of ``tbl`` as header-keyed sentences; a table of one column as its paragraphs."""
        rows: list[list[Cell]] = []
        paragraphs: list[str] = []  # every cell's lines, for a table of one column
        for tr in (row for row in tbl.iter(_w("tr")) if _owner_table(row) is tbl):
            row: list[Cell] = []
            for tc in (cell for cell in tr.iter(_w("tc")) if _owner_table(cell) is tbl):
                column = len(row)
                if _vertical_continue(tc) and rows and column < len(rows[-1]):
                    row.append(rows[-1][column])  # a vertical merge: the text of the cell above
                else:
                    lines = [line for line in self.blocks(tc) if line]
                    paragraphs += lines
                    row.append(" ".join(lines) or None)
                row.extend([None] * (_grid_span(tc) - 1))  # a horizontal merge: left empty
            rows.append(row)
        if all(sum(cell is not None for cell in row) <= 1 for row in rows):
            yield from paragraphs  # a frame around paragraphs, not a grid
        else:
            yield from row_sentences(rows)


def _owner_table(element: etree._Element) -> etree._Element | None:
    """The innermost table holding ``element``."""
    return next(element.iterancestors(_w("tbl")), None)


def _tc_property(tc: etree._Element, name: str) -> etree._Element | None:
    properties = tc.find(_w("tcPr"))
    return properties.find(_w(name)) if properties is not None else None


def _vertical_continue(tc: etree._Element) -> bool:
    """Whether ``tc`` continues a vertical merge (``<w:vMerge/>`` without ``restart``)."""
    merge = _tc_property(tc, "vMerge")
    return merge is not None and merge.get(_w("val"), "continue") == "continue"


def _grid_span(tc: etree._Element) -> int:
    span = _tc_property(tc, "gridSpan")
    value = span.get(_w("val"), "1") if span is not None else "1"
    return int(value) if value.isdigit() and 0 < int(value) < 64 else 1


def _has_direct_numbering(p: etree._Element) -> bool:
    """Whether docx2python put a list label in front of ``p`` (its own ``numPr`` with ``numId`` and ``ilvl``)."""
    properties = p.find(_w("pPr"))
    numbering = properties.find(_w("numPr")) if properties is not None else None
    return numbering is not None and numbering.find(_w("numId")) is not None and numbering.find(_w("ilvl")) is not None


def _clean(text: str) -> str:
    """Run text without docx2python's markup; each soft line break kept, each line stripped."""
    text = _IMAGE_RUN.sub("", text)
    text = _SYMBOL.sub("", text)
    text = _LINK.sub(r"\1", text)
    text = _LATEX.sub("", text)
    return "\n".join(line.strip() for line in text.split("\n") if line.strip())


# ---- Automatic numbering ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Level:
    """One level of a numbering definition: ``numFmt``, ``lvlText`` (「%1、」), start value, what follows."""

    form: str
    pattern: str
    start: int
    suffix: str  # "tab", "space" or "nothing"


_CHINESE_DIGITS = "零一二三四五六七八九"
_IDEOGRAPH_DIGITS = "〇一二三四五六七八九"  # read digit by digit: 二〇二三
_LEGAL_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_LEGAL_UNITS = ("", "拾", "佰", "仟")
_UNITS = ("", "十", "百", "千")
_STEMS = "甲乙丙丁戊己庚辛壬癸"
_BRANCHES = "子丑寅卯辰巳午未申酉戌亥"
_ROMAN = ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"), (40, "xl"),
          (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"))
_LEVEL_REFERENCE = re.compile(r"%([1-9])")


def _chinese(n: int, digits: str = _CHINESE_DIGITS, units: tuple[str, ...] = _UNITS) -> str:
    """「十二」 for 12, 「一百零五」 for 105 (1–9999; other numbers as digits)."""
    if not 0 < n < 10_000:
        return str(n)
    parts: list[str] = []
    zero = False
    for place in range(3, -1, -1):
        digit = n // 10**place % 10
        if digit == 0:
            zero = bool(parts)
            continue
        if zero:
            parts.append(digits[0])
            zero = False
        parts.append(digits[digit] + units[place])
    text = "".join(parts)
    return text[1:] if digits is _CHINESE_DIGITS and text.startswith("一十") else text


def _digit_by_digit(n: int) -> str:
    return "".join(_IDEOGRAPH_DIGITS[int(d)] for d in str(n))


def _letters(n: int) -> str:
    return chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)


def _roman(n: int) -> str:
    parts = []
    for value, numeral in _ROMAN:
        count, n = divmod(n, value)
        parts.append(numeral * count)
    return "".join(parts)


def _enclosed(n: int, first: int) -> str:
    return chr(first + n - 1) if 1 <= n <= 20 else str(n)


# numFmt values Word offers for Chinese documents and the common Western ones; others are read as decimal.
_FORMATS = {
    "decimal": str,
    "decimalZero": lambda n: f"{n:02d}",
    "chineseCounting": _chinese,
    "chineseCountingThousand": _chinese,
    "taiwaneseCounting": _chinese,
    "taiwaneseCountingThousand": _chinese,
    "japaneseCounting": _chinese,
    "ideographDigital": _digit_by_digit,
    "taiwaneseDigital": _digit_by_digit,
    "chineseLegalSimplified": lambda n: _chinese(n, _LEGAL_DIGITS, _LEGAL_UNITS),
    "ideographLegalTraditional": lambda n: _chinese(n, _LEGAL_DIGITS, _LEGAL_UNITS),
    "ideographTraditional": lambda n: _STEMS[(n - 1) % 10],
    "ideographZodiac": lambda n: _BRANCHES[(n - 1) % 12],
    "decimalEnclosedCircle": lambda n: _enclosed(n, 0x2460),
    "decimalEnclosedCircleChinese": lambda n: _enclosed(n, 0x2460),
    "decimalEnclosedParen": lambda n: _enclosed(n, 0x2474),
    "decimalEnclosedFullstop": lambda n: _enclosed(n, 0x2488),
    "decimalFullWidth": lambda n: str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９")),
    "lowerLetter": _letters,
    "upperLetter": lambda n: _letters(n).upper(),
    "lowerRoman": _roman,
    "upperRoman": lambda n: _roman(n).upper(),
}


class _Numbering:
    """The labels Word generates for numbered paragraphs (``numbering.xml``; numbering set on a style too)."""

    def __init__(self, numbering: etree._Element | None, styles: etree._Element | None) -> None:
        abstract: dict[str, dict[int, _Level]] = {}
        style_levels: dict[str, int] = {}  # the level bound to a style (w:lvl/w:pStyle)
        self.levels: dict[str, dict[int, _Level]] = {}  # numId → its levels
        if numbering is not None:
            for definition in numbering.iter(_w("abstractNum")):
                levels = abstract.setdefault(definition.get(_w("abstractNumId"), ""), {})
                for lvl in definition.iter(_w("lvl")):
                    levels[_int(lvl.get(_w("ilvl")))] = _level(lvl)
            for num in numbering.iter(_w("num")):
                levels = dict(abstract.get(_val(num.find(_w("abstractNumId"))) or "", {}))
                for override in num.iter(_w("lvlOverride")):
                    ilvl = _int(override.get(_w("ilvl")))
                    if (lvl := override.find(_w("lvl"))) is not None:
                        levels[ilvl] = _level(lvl)
                    if (start := _val(override.find(_w("startOverride")))) is not None and ilvl in levels:
                        level = levels[ilvl]
                        levels[ilvl] = _Level(level.form, level.pattern, _int(start, 1), level.suffix)
                self.levels[num.get(_w("numId"), "")] = levels
            for definition in numbering.iter(_w("abstractNum")):
                for lvl in definition.iter(_w("lvl")):
                    if (style := _val(lvl.find(_w("pStyle")))) is not None:
                        style_levels[style] = _int(lvl.get(_w("ilvl")))
        self.styles = _style_numbering(styles, style_levels)
        self.default_style = _default_style(styles)
        self.counters: dict[str, dict[int, int]] = {}

    def label(self, p: etree._Element) -> str:
        """The label of paragraph ``p`` (「一、」, 「（二）」, 「1.2 」), counting it; "" when not numbered."""
        num_id, ilvl = self._list(p)
        levels = self.levels.get(num_id or "")
        if not levels or ilvl not in levels or levels[ilvl].form in ("bullet", "none"):
            return ""
        counts = self.counters.setdefault(num_id, {})
        counts[ilvl] = counts.get(ilvl, levels[ilvl].start - 1) + 1
        for deeper in [k for k in counts if k > ilvl]:
            del counts[deeper]

        def number(match: re.Match[str]) -> str:
            k = int(match.group(1)) - 1
            level = levels.get(k)
            if level is None:
                return ""
            return _FORMATS.get(level.form, str)(max(counts.get(k, level.start), 1))

        text = _LEVEL_REFERENCE.sub(number, levels[ilvl].pattern)
        return text + ("" if levels[ilvl].suffix == "nothing" or not text else " ")

    def _list(self, p: etree._Element) -> tuple[str | None, int]:
        """``(numId, ilvl)`` of ``p``: its own ``numPr``, else its style's."""
        properties = p.find(_w("pPr"))
        style = _val(properties.find(_w("pStyle"))) if properties is not None else None
        num_id, ilvl = self.styles.get(style or self.default_style, (None, 0))
        direct = properties.find(_w("numPr")) if properties is not None else None
        if direct is not None:
            num_id = _val(direct.find(_w("numId"))) or num_id
            ilvl = _int(_val(direct.find(_w("ilvl"))), ilvl)
        return (None if num_id == "0" else num_id), ilvl


def _style_numbering(
    styles: etree._Element | None, style_levels: dict[str, int]
) -> dict[str, tuple[str | None, int]]:
    """``(numId, ilvl)`` of each paragraph style numbered through its own ``numPr`` or one it is based on."""
    own: dict[str, tuple[str | None, int | None]] = {}
    parents: dict[str, str] = {}
    if styles is not None:
        for style in styles.iter(_w("style")):
            name = style.get(_w("styleId"), "")
            if (parent := _val(style.find(_w("basedOn")))) is not None:
                parents[name] = parent
            numbering = style.find(f"{_w('pPr')}/{_w('numPr')}")
            if numbering is not None:
                ilvl = _val(numbering.find(_w("ilvl")))
                own[name] = (_val(numbering.find(_w("numId"))), None if ilvl is None else _int(ilvl))
    result: dict[str, tuple[str | None, int]] = {}
    for name in set(own) | set(parents):
        seen, current = set(), name
        while current and current not in own and current not in seen:
            seen.add(current)
            current = parents.get(current, "")
        if current in own:
            num_id, ilvl = own[current]
            result[name] = (num_id, ilvl if ilvl is not None else style_levels.get(name, style_levels.get(current, 0)))
    return result


def _default_style(styles: etree._Element | None) -> str:
    """The id of the paragraph style of a paragraph that names none (「Normal」; 「a」 in a Chinese Word's file)."""
    for style in styles.iter(_w("style")) if styles is not None else ():
        if style.get(_w("type")) == "paragraph" and style.get(_w("default")) in ("1", "true", "on"):
            return style.get(_w("styleId"), "Normal")
    return "Normal"


def _level(lvl: etree._Element) -> _Level:
    return _Level(
        form=_val(lvl.find(_w("numFmt"))) or "decimal",
        pattern=_val(lvl.find(_w("lvlText"))) or "",
        start=_int(_val(lvl.find(_w("start"))), 1),
        suffix=_val(lvl.find(_w("suff"))) or "tab",
    )


def _val(element: etree._Element | None) -> str | None:
    return element.get(_w("val")) if element is not None else None


def _int(value: str | None, default: int = 0) -> int:
    return int(value) if value is not None and value.lstrip("-").isdigit() else default
