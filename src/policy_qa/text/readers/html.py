"""Web pages (``.html``, ``.htm``, ``.shtml``) saved from government sites: the body, read with trafilatura.

The bytes are decoded strictly by the charset the page declares (a ``<meta>`` or XML declaration; GB2312 and GBK
read as their superset GB18030), else as ``plain.decode_bytes`` finds. trafilatura keeps the body and drops
navigation, share buttons, 「上一篇/下一篇」 and footers; it drops the page's metadata too, so the metadata a
government page shows above the body (标题, 索引号, 发文机关, 文号, 成文日期, 发布日期) is read from the page itself
and written first, one 「发文机关：某省人民政府」 line each. Tables become ``row_sentences``, rebuilt from the page's
own cells when they match trafilatura's (so a ``rowspan`` repeats its text down). Lines are separated by blank
lines, as in ``docx``: each is a paragraph of its own.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from configparser import ConfigParser
from functools import cache
from pathlib import Path

import lxml.html
import trafilatura
from lxml import etree
from trafilatura.settings import use_config

from ...errors import UnreadableFileError
from . import ReadText
from .plain import decode_bytes, read_capped
from .tables import Cell, row_sentences

# Bigger pages are refused: a government page is a few hundred KB at most, markup included.
MAX_HTML_BYTES = 20 * 1024 * 1024
# Where the charset declaration is looked for: browsers look in the first 1,024 bytes, CMS pages put long
# scripts and styles first.
CHARSET_WINDOW = 64 * 1024
# Below this many characters of body, trafilatura replaces its extraction with a dump of the whole page as one
# paragraph, if the dump is longer. Its default, 250, is for Latin text: a short Chinese notice has fewer, and
# lost its paragraphs. 1 keeps the dump for a page where trafilatura found nothing else.
MIN_BODY_CHARACTERS = 1
# Longest metadata value kept (a 标题 has up to about 60 characters) and longest text searched for 「标签：值」.
MAX_METADATA_VALUE = 100
MAX_METADATA_TEXT = 200
# Most child elements a label's element has (「<td><b>索引号</b>：</td>」); bigger ones are not read as labels.
LABEL_CHILDREN = 3
# Body lines among which the page title is looked for (a title the body shows is not written again).
TITLE_WINDOW = 5
# Longest line that is dropped as boilerplate when it starts or holds one of _BOILERPLATE's phrases.
MAX_BOILERPLATE_LINE = 60

# A list of at least this many items of at most this many characters, half of them links, is a directory.
DIRECTORY_ITEMS = 8
DIRECTORY_NAME = 16

# The metadata labels a government page uses, each with the kind it is kept once as (the first one found).
METADATA_LABELS = {
    "标题": "标题", "名称": "标题", "文件名称": "标题",
    "索引号": "索引号",
    "发文机关": "发文机关", "发布机关": "发文机关", "发布机构": "发文机关", "发文单位": "发文机关", "制发机关": "发文机关",
    "发文字号": "文号", "文号": "文号", "文件编号": "文号",
    "成文日期": "成文日期", "发文日期": "成文日期", "印发日期": "成文日期",
    "发布日期": "发布日期", "发布时间": "发布日期",
}
# Labels too common to be taken without a colon (a data table's 「名称」 column is no title).
COLON_LABELS = ("名称", "标题", "文号")
# Charsets (Python's codec names) a server or editor declares by default, whatever the text is: ``decode_bytes``
# is tried first.
WEAK_CHARSETS = ("iso8859-1", "cp1252", "ascii")
# Codecs a declared charset is read with: the supersets browsers use; a UTF-16 declaration in bytes that have no
# BOM is read as UTF-8, as browsers do (the bytes that carry the declaration are ASCII-compatible).
_READ_AS = {"gb2312": "gb18030", "gbk": "gb18030", "big5": "cp950", "utf-16": "utf-8", "utf-16-le": "utf-8",
            "utf-16-be": "utf-8", "utf-32": "utf-8", "utf-32-le": "utf-8", "utf-32-be": "utf-8"}

_DECLARED = re.compile(
    rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)|<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""",
    re.IGNORECASE,
)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_LABEL_WORDS = "|".join(r"\s*".join(map(re.escape, label)) for label in sorted(METADATA_LABELS, key=len, reverse=True))
_LABEL_ONLY = re.compile(rf"(?:{_LABEL_WORDS})\s*[:：]?")
# 「索引号：…」 inside a text, its value up to the next 「标签：」 after a space, or the end.
_INLINE = re.compile(rf"(?P<label>{_LABEL_WORDS})\s*[:：]\s*(?P<value>.+?)\s*(?=\s[\u4e00-\u9fff]{{2,6}}\s*[:：]|$)")
_SPACE = re.compile(r"\s+")
_BOILERPLATE = re.compile(
    r"^(?:上一篇|下一篇|上一条|下一条|分享到|扫一扫|【?\s*(?:打印|关闭|字体|收藏))|版权所有|网站标识码|ICP\s*备|公网安备"
    r"|(?:浏览|点击|访问|阅读)(?:次数|数|量)\s*[:：]"
)
_DATE_BAR = re.compile(r"(?:发布|更新)(?:时间|日期)\s*[:：]")
_SKIPPED = ("script", "style", "noscript", "template")


def read_html(path: Path) -> ReadText:
    """The title, metadata and body of the web page at ``path`` (no pages)."""
    page = _XML_DECLARATION.sub("", decode_html(read_capped(path, MAX_HTML_BYTES))[0])
    try:
        tree = lxml.html.fromstring(page)
        metadata = page_metadata(tree)
        tables = _page_tables(tree)
        _drop_link_lists(tree)
        extracted = trafilatura.extract(
            tree, output_format="xml", include_tables=True, include_comments=False, include_images=False,
            include_links=False, include_formatting=False, with_metadata=True, config=_config(),
        )
        document = etree.fromstring(extracted.encode("utf-8")) if extracted else None
    except etree.ParserError as error:  # lxml's "Document is empty"
        raise UnreadableFileError("网页中没有正文") from error
    except Exception as error:  # lxml and trafilatura raise whatever a damaged page provokes
        raise UnreadableFileError(f"网页无法解析（{type(error).__name__}）") from error
    main = document.find("main") if document is not None else None
    body = list(_Body(tables, metadata).lines(main)) if main is not None else []
    if not body:
        raise UnreadableFileError("网页中没有正文")
    titles = [f"{label}：{value}" for label, value in metadata if METADATA_LABELS[label] == "标题"]
    title = _SPACE.sub(" ", document.get("title") or "").strip()
    if not titles and title and not any(len(line) >= 4 and line in title for line in body[:TITLE_WINDOW]):
        titles = [title]  # the page's title when the body does not show it (trafilatura drops an <h1>)
    fields = [f"{label}：{value}" for label, value in metadata if METADATA_LABELS[label] != "标题"]
    return ReadText("\n\n".join(titles + fields + body), "html")


def decode_html(data: bytes) -> tuple[str, str]:
    """``(text, encoding)`` of a page's bytes: by its BOM, else strictly by its declared charset, else as
    ``decode_bytes`` finds (also when the declared charset does not read the bytes)."""
    declared = _declared_codec(data)
    if declared and not data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        if declared in WEAK_CHARSETS:
            try:
                return decode_bytes(data)
            except UnreadableFileError:
                pass
        try:
            return data.decode(declared), declared
        except UnicodeDecodeError:
            pass
    return decode_bytes(data)


def _declared_codec(data: bytes) -> str | None:
    """The Python codec of the charset the page declares, ``None`` when it declares none Python knows."""
    match = _DECLARED.search(data[:CHARSET_WINDOW])
    if match is None:
        return None
    try:
        name = codecs.lookup((match.group(1) or match.group(2)).decode("ascii")).name
    except LookupError:
        return None
    return _READ_AS.get(name, name)


@cache
def _config() -> ConfigParser:
    config = use_config()
    config.set("DEFAULT", "MIN_EXTRACTED_SIZE", str(MIN_BODY_CHARACTERS))
    config.set("DEFAULT", "EXTRACTION_TIMEOUT", "0")
    return config


def _boilerplate(line: str, dated: bool) -> bool:
    """A short line of page furniture; when the page's date is written first, also the bar under the title that
    repeats it (「发布时间：2023-07-28 来源：…」)."""
    if len(line) > MAX_BOILERPLATE_LINE:
        return False
    return _BOILERPLATE.search(line) is not None or (dated and _DATE_BAR.match(line) is not None)


def _drop_link_lists(tree: etree._Element) -> None:
    """Remove blocks whose text is all in two links or more (a navigation bar in a table cell, say), which
    trafilatura keeps when they are not marked as navigation."""
    for element in list(tree.iter("td", "div", "ul", "ol", "p", "li", "span")):
        links = element.findall(".//a")
        if len(links) < 2 or element.getparent() is None:
            continue
        if element.tag == "td" and len([cell for cell in element.getparent() if cell.tag in ("td", "th")]) > 1:
            continue  # a cell of a grid: removing it would shift the columns
        if _norm(element.text_content()) == "".join(_norm(link.text_content()) for link in links) or _directory(element):
            element.drop_tree()


def _directory(element: etree._Element) -> bool:
    """A long list of short names, most of them links: a site's directory of departments or sites (「· 市委组织部」
    「· 市教育局」 …), not the body's own list, whose items are clauses."""
    if element.tag not in ("ul", "ol"):
        return False
    items = [item for item in element if item.tag == "li"]
    if len(items) < DIRECTORY_ITEMS:
        return False
    linked = sum(bool(item.findall(".//a")) for item in items)
    return 2 * linked >= len(items) and all(len(_norm(item.text_content())) <= DIRECTORY_NAME for item in items)


def _norm(text: str) -> str:
    return _SPACE.sub("", text)


def _text(element: etree._Element) -> str:
    """An element's text, whitespace runs as one space."""
    return _SPACE.sub(" ", "".join(element.itertext())).strip()


# ---- Metadata ------------------------------------------------------------------------------------------------


def page_metadata(tree: etree._Element) -> list[tuple[str, str]]:
    """``(label, value)`` of each kind of metadata field on the page, in page order: the first label in a cell
    or element of its own with the value after it (「<td>索引号：</td><td>…</td>」), else the first 「索引号：…」
    in a text (the bar under a title: 「发布时间：… 来源：…」)."""
    labelled: dict[str, tuple[int, str, str]] = {}  # kind → (position, label, value)
    inline: dict[str, tuple[int, str, str]] = {}
    body = tree.find("body") if tree.tag == "html" else tree
    for position, element in enumerate((body if body is not None else tree).iter()):
        if not isinstance(element.tag, str) or element.tag in _SKIPPED or _skipped(element):
            continue
        own = _norm(element.text_content()) if len(element) <= LABEL_CHILDREN else ""
        if _is_label(own):
            label = own.rstrip(":：")
            if value := _value_after(element):
                labelled.setdefault(METADATA_LABELS[label], (position, label, value))
            continue
        for text in (element.text, *(child.tail for child in element)):
            if text and len(text) <= MAX_METADATA_TEXT:
                for match in _INLINE.finditer(text):
                    label, value = _norm(match.group("label")), _SPACE.sub(" ", match.group("value")).strip()
                    if 0 < len(value) <= MAX_METADATA_VALUE:
                        inline.setdefault(METADATA_LABELS[label], (position, label, value))
    fields = sorted({**inline, **labelled}.values())
    return [(label, value) for _, label, value in fields]


def _is_label(text: str) -> bool:
    """Whether ``text`` (whitespace removed) is a metadata label alone, with its colon when it is a common word."""
    return _LABEL_ONLY.fullmatch(text) is not None and (text[-1] in ":：" or text not in COLON_LABELS)


def _skipped(element: etree._Element) -> bool:
    return any(ancestor.tag in _SKIPPED for ancestor in element.iterancestors())


def _value_after(element: etree._Element) -> str | None:
    """The value following a label element: its tail text, the next element with text, else the same climbing
    to the label's parent while that holds nothing but the label (「<td><b>索引号：</b></td><td>…</td>」)."""
    node = element
    while node is not None:
        if node.tail and node.tail.strip():
            return _value(node.tail)
        sibling = node.getnext()
        while sibling is not None:
            if text := _text(sibling):
                return _value(text)
            if sibling.tail and sibling.tail.strip():
                return _value(sibling.tail)
            sibling = sibling.getnext()
        parent = node.getparent()
        if parent is None or _norm(parent.text_content()) != _norm(node.text_content()):
            return None
        node = parent
    return None


def _value(text: str) -> str | None:
    value = _SPACE.sub(" ", text).strip()
    if not value or len(value) > MAX_METADATA_VALUE or _is_label(_norm(value)):
        return None
    return value


# ---- Body ----------------------------------------------------------------------------------------------------


def _page_tables(tree: etree._Element) -> list[tuple[list[str], list[list[Cell]]]]:
    """Every table of the page: the texts of its cells (whitespace removed, empty ones left out) and its rows,
    where a ``rowspan`` repeats its text down and a ``colspan`` leaves the cells it covers ``None``."""
    tables = []
    for table in tree.iter("table"):
        texts: list[str] = []
        grid: list[list[Cell]] = []
        pending: dict[int, tuple[str, int]] = {}  # column → (text, rows still covered) of a rowspan
        for tr in (row for row in table.iter("tr") if next(row.iterancestors("table"), None) is table):
            row: list[Cell] = []
            cells = iter(cell for cell in tr if cell.tag in ("td", "th"))
            while True:
                if len(row) in pending:
                    text, left = pending.pop(len(row))
                    if left > 1:
                        pending[len(row)] = (text, left - 1)
                    row.append(text)
                    continue
                cell = next(cells, None)
                if cell is None:
                    break
                text = _text(cell)
                if text:
                    texts.append(_norm(text))
                if _span(cell, "rowspan") > 1:
                    pending[len(row)] = (text, _span(cell, "rowspan") - 1)
                row.append(text or None)
                row.extend([None] * (_span(cell, "colspan") - 1))
            grid.append(row)
        tables.append((texts, grid))
    return tables


def _span(cell: etree._Element, name: str) -> int:
    value = (cell.get(name) or "1").strip()
    return int(value) if value.isdigit() and 0 < int(value) < 100 else 1


# Elements of trafilatura's XML that stand on lines of their own (the others are inline: hi, ref, span …).
_BLOCKS = frozenset({"p", "head", "item", "list", "quote", "div", "main", "table", "row", "cell", "code", "lb"})


class _Body:
    """Lines of trafilatura's XML body, tables rebuilt from the page's when their cells match."""

    def __init__(self, page_tables: list[tuple[list[str], list[list[Cell]]]], metadata: list[tuple[str, str]]) -> None:
        self.page_tables = page_tables
        self.metadata = {_norm(value) for _, value in metadata}  # whitespace removed
        self.dated = any(METADATA_LABELS[label] == "发布日期" for label, _ in metadata)

    def lines(self, element: etree._Element) -> Iterator[str]:
        """Lines of ``element``'s content: its text and inline children, broken at ``<lb/>`` and around blocks."""
        current = [element.text or ""]
        for child in element:
            if child.tag in _BLOCKS:
                yield from self.paragraph(current)
                current = []
                if child.tag == "table":
                    yield from self.table(child)
                elif child.tag != "lb":
                    yield from self.lines(child)
            elif child.tag != "graphic":
                current.append("".join(child.itertext()))
            current.append(child.tail or "")
        yield from self.paragraph(current)

    def paragraph(self, parts: list[str]) -> Iterator[str]:
        """The line of a paragraph's text ``parts``, unless it is page furniture."""
        if (line := _SPACE.sub(" ", "".join(parts)).strip()) and not _boilerplate(line, self.dated):
            yield line

    def table(self, table: etree._Element) -> Iterator[str]:
        """Rows of ``table`` as header-keyed sentences; a table of one column (a frame) as its paragraphs."""
        cells = [[cell for cell in row if cell.tag == "cell"] for row in table if row.tag == "row"]
        rows: list[list[Cell]] = [[" ".join(self.lines(cell)) or None for cell in row] for row in cells]
        texts = [_norm(cell) for row in rows for cell in row if cell]
        if self.metadata_table(texts):
            return  # written first, by ``page_metadata``
        if all(sum(cell is not None for cell in row) <= 1 for row in rows):
            for row in cells:
                for cell in row:
                    yield from self.lines(cell)
            return
        yield from row_sentences(next((grid for page, grid in self.page_tables if page == texts), rows))

    def metadata_table(self, texts: list[str]) -> bool:
        """Whether a table's cell texts show two metadata fields or more: a label followed by its value, or
        「标签：值」 in one cell (a table listing documents under 发文字号 and 发布日期 headers is no such table)."""
        fields = sum(
            _is_label(text) and k + 1 < len(texts) and texts[k + 1] in self.metadata
            or (match := _INLINE.match(text)) is not None and _norm(match.group("value")) in self.metadata
            for k, text in enumerate(texts)
        )
        return fields >= 2

