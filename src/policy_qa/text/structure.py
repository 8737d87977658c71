"""The documents of a corpus file, what each states about itself, its sections; sections cut into chunks.

Documents. One file is one document, unless it compiles several: when two or more bylines (供稿/来源/撰稿…：单位
ending a paragraph) each close a block of at least ``MIN_REPORT`` characters of sentences, each such block is a
document and its byline stays in its last section. A byline at the top (「来源：中国政府网」), a lone source
note at the end or a byline closing only a title splits nothing.

Name. The document's title: a Markdown ``# `` title, a 「原标题：」/「标题：」 field, or a short first paragraph
without sentence or clause punctuation that is followed by more text (after leading timestamp, field, byline and
文号 lines; two such lines are joined when only together they end with a document type, 「某某自治州」
「2016年……统计公报」). Else, for a compiled report, the most specific place its byline's organisation starts
with (「浙江省湖州市商务局」 → 「湖州市」), else that organisation; else the file's stem. Never a place read from
the text. Aliases: the title without 《》; the place a compiled report is named for, or the place a title starts
with after its year, in full and without its 市/县/区/自治州… suffix when two characters or more remain (zones such
as 开发区 or 经开区 are no places).

Header (``DocumentHeader``), read from the document's own lines: the title (else the name); the issuer (the
title's part before 关于/印发/转发, a 发文机关/发布机关 field, the signature's organisation, or a closing 供稿/来源
byline); the date as written (a 成文日期 field, the signature's date, a 发布日期/发布时间 field, a leading
timestamp line, else the first date in a header line below the title); the 文号 (「国办发〔2023〕12号」, also with
[] 【】 () brackets) among the header lines; the kind, the document type the title ends with (条例, 办法, 意见 …).
The signature is an organisation line directly followed by a date line, among the last paragraphs or, as in a
公报, right below the title. Header lines are the leading paragraphs before the first sentence or heading.

Sections. Every heading (see ``headings``) opens a section; its heading path is the document's name and the
titles on a stack of open headings, each new heading closing those of the same or a deeper rank. So levels may
be skipped and a document may start at any rank. Guards:

* inside an article (第X条) only a chapter-like heading or another article opens a section: its 款 and 项 stay;
* a 项 of a list running inside a paragraph is no heading: one that ends with ；, the entries after it, and
  entries continuing a list the paragraph before started inline (「注：1.……」 then 「2.……」);
* a table of contents (a run of whole heading lines repeating a family) is no heading, up to where its first
  entry comes again;
* a heading-only section followed by its first sub-heading merges into it; a numbered heading line broken in
  two (「三、持续提升政府」 「治理效能和服务水平」) takes its second line into its title;
* a table's caption (「表3 主要农产品产量」) opens a section below the heading it is under; its first line after
  the caption whose cells hold no figures (one or two) are the section's ``table_header``; the first paragraph of
  prose after its rows goes back to the heading the table is under.

Paragraphs before the first heading (title, header lines, preamble) form the document's intro, titled by the
name alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import PurePosixPath

from ..schema import Chunk, Document, DocumentHeader, Section, SourceDocument
from .headings import (
    ARTICLE_RANK,
    DATE,
    MARKDOWN,
    NUMBER,
    SHORT_HEADING,
    TABLE_CAPTION,
    TIMESTAMP,
    Heading,
    heading_like,
    inline_ordinals,
    parse_heading,
)
from .repair import BYLINE
from .sentences import CLOSERS, HAN, SEPARATOR, split_sentences
from .tokens import PLACE, is_place_name, is_proper_name

_LEADING_YEAR = re.compile(r"^《?(?:19|20)\d{2}\s*年(?:度)?")
_PLACE_SUFFIX = re.compile(r"(?:自治[区州县旗]|特别行政区|新区|[省市县区州旗盟])$")
# The peoples an autonomous area is named for, before 「自治州」: 「某某苗族侗族自治州」 is 「某某」.
_PEOPLES = re.compile(
    "(?:蒙古|回|藏|维吾尔|苗|彝|壮|布依|朝鲜|满|侗|瑶|白|土家|哈尼|哈萨克|傣|黎|傈僳|佤|畲|拉祜|水|东乡|纳西|景颇|"
    "柯尔克孜|土|达斡尔|仫佬|羌|布朗|撒拉|毛南|仡佬|锡伯|阿昌|普米|塔吉克|怒|乌孜别克|俄罗斯|鄂温克|德昂|保安|裕固|京|"
    "塔塔尔|独龙|鄂伦春|赫哲|门巴|珞巴|基诺)族?$"
)
# Fitted on the seed bulletin: its two compiled reports hold 3,184 and 3,304 characters of sentences; a byline
# in a header closes at most a title and a few fields (no sentences), as in the news files' 「来源:…」 lines.
MIN_REPORT = 200
_SENTENCE = re.compile(r"[。！？!?]")
_FIGURE_CELL = re.compile(r"[-+]?\d[\d.,%‰]*")
_CONTINUATION = re.compile(rf"[{HAN}]{{2,{SHORT_HEADING}}}")  # the second line of a broken heading: CJK only
_PUNCTUATION = re.compile(r"[。！？；，：!?;,:]")
MAX_TITLE = 60  # a title line; those of the bulletins, eval/corpora and the test 意见 have 11–33 characters
# A 原标题 runs on into the article in most news files: a title cut there is kept if it has MIN_NAME characters
# (cut at the first ！ it reads 「危险」「突发」「7月」) and is cut at a clause when longer than MAX_NAME.
MIN_NAME = 8
MAX_NAME = 40
_LABELS = "发文机关|发布机关|发布单位|成文日期|发布日期|发布时间|发文字号|文号|原标题|标题|索引号|主题分类|来源|时间|日期"
_FIELD = re.compile(rf"(?P<label>{_LABELS})\s*[:：]\s*(?P<value>.*?)\s*(?=(?:{_LABELS})\s*[:：]|[|｜]|$)")
KINDS = (
    "条例", "细则", "办法", "规定", "规则", "决定", "决议", "命令", "通知", "通报", "通告", "公告", "公报",
    "意见", "报告", "方案", "规划", "纲要", "计划", "要点", "总结", "批复", "函", "指引", "指南", "措施", "章程",
)
_TRAILING_NOTE = re.compile(r"(?:（[^（）]*）|\([^()]*\))$")
_ISSUER_IN_TITLE = re.compile(r"(?!关于)([^，。、]{2,40}?)(?:关于|印发|转发)")
_ISSUER_BYLINES = ("供稿", "来源", "稿源")
SIGNATURE_WINDOW = 4  # the signature's date line is among the last paragraphs of a document


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


# Documents a file compiles


def _sentence_chars(paragraphs: list[_Paragraph]) -> int:
    """Characters of the paragraphs that hold a sentence (header lines and titles hold none)."""
    return sum(len(p.text) for p in paragraphs if _SENTENCE.search(p.text))


def _blocks(paragraphs: list[_Paragraph]) -> list[list[_Paragraph]]:
    """The paragraphs of each document the file compiles: blocks closed by a byline (see the module docstring)."""
    cuts, begin = [], 0
    for index, paragraph in enumerate(paragraphs):
        if BYLINE.search(paragraph.text) and _sentence_chars(paragraphs[begin : index + 1]) >= MIN_REPORT:
            cuts.append(index + 1)
            begin = index + 1
    if len(cuts) < 2:
        return [paragraphs]
    blocks = [paragraphs[a:b] for a, b in zip([0, *cuts], cuts)]
    rest = paragraphs[cuts[-1] :]
    if _sentence_chars(rest) >= MIN_REPORT:
        blocks.append(rest)
    else:
        blocks[-1] = blocks[-1] + rest
    return blocks


# Name and aliases


def _field(text: str, *labels: str) -> str | None:
    """The value of the first field of ``text`` labelled one of ``labels`` (「发布日期：2023-09-15」)."""
    return next((m.group("value") for m in _FIELD.finditer(text) if m.group("label") in labels and m.group("value")), None)


def _header_line(text: str) -> bool:
    """A timestamp, field (标签：值), byline or 文号 line of a document's header."""
    field = _FIELD.match(text)
    return bool(
        TIMESTAMP.fullmatch(text)
        or (field and not _SENTENCE.search(text))
        or BYLINE.match(text)
        or NUMBER.fullmatch(text)
    )


def _run_on_title(value: str) -> str | None:
    """A 原标题 value cut where the title plausibly ends, as the text often runs on without a break: at a
    separator or 。, at the first ！？ that leaves ``MIN_NAME`` characters, at a clause when still long."""
    title = re.split(rf"。|{SEPARATOR.pattern}", value, maxsplit=1)[0]
    stops = [m.start() for m in re.finditer("[！？!?]", title) if m.start() >= MIN_NAME]
    title = title[: stops[0]] if stops else title
    if len(title) > MAX_NAME:
        clauses = [m.start() for m in re.finditer("[，；,;]", title) if MIN_NAME <= m.start() <= MAX_NAME]
        title = title[: clauses[0] if clauses else MAX_NAME]
    if title.count("（") > title.count("）"):
        title = title[: title.rindex("（")]
    title = title.strip().rstrip("！？!?：:，,")
    return title if len(title) >= MIN_NAME else None


def _plain_line(text: str) -> bool:
    """A short line without punctuation that is no heading or header line: a title line."""
    return len(text) <= MAX_TITLE and not _PUNCTUATION.search(text) and parse_heading(text) is None and not _header_line(text)


def _title(paragraphs: list[_Paragraph]) -> tuple[str | None, range]:
    """The document's title and the paragraphs that state it (see the module docstring); a title broken over two
    lines is joined when only the joined text ends with a document type (「某某自治州」「2016年……统计公报」)."""
    for index, paragraph in enumerate(paragraphs):
        text = paragraph.text
        labelled = _FIELD.match(text)
        if labelled and labelled.group("label") in ("标题", "原标题"):
            return _run_on_title(text[labelled.start("value") :]), range(index, index + 1)
        if _header_line(text):
            continue
        markdown = MARKDOWN.match(text)
        if markdown and len(markdown.group(1)) == 1:
            return text[markdown.end() :].strip().rstrip("#").strip() or None, range(index, index + 1)
        if not _plain_line(text) or index + 1 == len(paragraphs):
            return None, range(0)
        following = paragraphs[index + 1].text
        if index + 2 < len(paragraphs) and _plain_line(following) and not _kind(text) and _kind(text + following):
            return text + following, range(index, index + 2)
        return text, range(index, index + 1)
    return None, range(0)


def _leading_place(organisation: str, named: bool = False) -> str | None:
    """The most specific place an organisation's name starts with: 「浙江省湖州市商务局」→「湖州市」. With ``named``
    (a title's start, not a byline's organisation), only a proper name, with its suffix or without, is a place (not
    「国际市」 of 「国际市场」, nor 「逛超市」)."""
    place, position = None, 0
    while (match := PLACE.match(organisation, position)) and is_place_name(match.group()):
        if named and not (is_proper_name(match.group()) or is_proper_name(_short_place(match.group()))):
            break
        place, position = match.group(), match.end()
    return place


def _closing_byline(paragraphs: list[_Paragraph]) -> re.Match[str] | None:
    return BYLINE.search(paragraphs[-1].text)


def _name(title: str | None, paragraphs: list[_Paragraph], compiled: bool, file: str) -> str:
    """The document's name: its title, a compiled report's byline place or organisation, else the file stem."""
    byline = _closing_byline(paragraphs) if compiled else None
    organisation = byline.group("org") if byline else None
    return title or (organisation and _leading_place(organisation)) or organisation or PurePosixPath(file).stem


def _aliases(name: str, title: str | None, compiled: bool) -> tuple[str, ...]:
    """Other whole names: the title without 《》; the place a compiled report is named for, or a title starts
    with (after its year: 「2025年某市政府工作报告」), in full and without its suffix (「某市」, 「某」; for a title,
    only a proper name: 「欧元区」 is not 「欧元」)."""
    aliases = []
    if title and (bare := title.replace("《", "").replace("》", "")) != name:
        aliases.append(bare)
    place, short = None, None
    if compiled and not title and is_place_name(name):
        place = name
        short = _short_place(place)
    elif title and (place := _leading_place(_LEADING_YEAR.sub("", title), named=True)):
        short = stem if is_proper_name(stem := _short_place(place)) else None
    if place:
        aliases += [alias for alias in (place, short) if alias and len(alias) >= 2 and alias != name]
    return tuple(dict.fromkeys(aliases))


def _short_place(place: str) -> str:
    """A place without its administrative suffix and the peoples an autonomous area is named for."""
    short = _PLACE_SUFFIX.sub("", place)
    if place.endswith(("自治区", "自治州", "自治县", "自治旗")):
        while (trimmed := _PEOPLES.sub("", short)) != short and len(trimmed) >= 2:
            short = trimmed
    return short


# Header


def _kind(title: str) -> str | None:
    """The document type word the title ends with, a trailing （试行）-like note and 》 aside."""
    core = _TRAILING_NOTE.sub("", title.rstrip("》")).rstrip("》")
    return next((kind for kind in KINDS if core.endswith(kind)), None)


def _organisation_line(text: str) -> bool:
    return len(text) <= MAX_NAME and not re.search(r"[\d。！？；，：!?;,:]", text) and parse_heading(text) is None


def _organisation_and_date(texts: list[str]) -> tuple[str, str] | None:
    """``(organisation, date)`` of the last organisation line in ``texts`` directly followed by a date line."""
    for above, date in reversed(list(zip(texts, texts[1:]))):
        if DATE.fullmatch(date) and _organisation_line(above):
            return above, date
    return None


def _front(paragraphs: list[_Paragraph], title_lines: range) -> list[int]:
    """Indexes of the header lines: the title and the leading paragraphs before the first sentence or heading."""
    front = []
    for index, paragraph in enumerate(paragraphs):
        header = index in title_lines or _header_line(paragraph.text)
        if not header and (_SENTENCE.search(paragraph.text) or parse_heading(paragraph.text)):
            break
        front.append(index)
    return front


def _issuer(title: str | None, fields: str, signature: tuple[str, str] | None, byline: re.Match[str] | None) -> str | None:
    """The issuer: named in the title, a 发文机关 field, the signature, or a closing 供稿/来源 byline."""
    in_title = _ISSUER_IN_TITLE.match(title) if title else None
    return (
        (in_title.group(1).strip() if in_title else None)
        or _field(fields, "发文机关", "发布机关", "发布单位")
        or (signature[0] if signature else None)
        or (byline.group("org") if byline and byline.group("label") in _ISSUER_BYLINES else None)
    )


def _date(front: list[str], below_title: list[str], signature: tuple[str, str] | None) -> str | None:
    """The date: a 成文日期 field, the signature's, a 发布日期-like field, a leading timestamp's, else the first
    date in a header line below the title (「2022年6月1日……会议通过」)."""
    fields = "\n".join(front)
    for value in (_field(fields, "成文日期"), signature and signature[1], _field(fields, "发布日期", "发布时间", "日期", "时间")):
        if value and (date := DATE.search(value)):
            return date.group()
    if stamp := next((m for m in map(TIMESTAMP.fullmatch, front) if m), None):
        return stamp.group("date")
    return next((m.group() for m in map(DATE.search, below_title) if m), None)


def _header(paragraphs: list[_Paragraph], name: str, title: str | None, title_lines: range) -> DocumentHeader:
    """What the document states about itself (see the module docstring)."""
    front_lines = _front(paragraphs, title_lines)
    front = [paragraphs[i].text for i in front_lines]
    below_title = [paragraphs[i].text for i in front_lines if i not in title_lines]
    ending = [p.text for p in paragraphs[-SIGNATURE_WINDOW - 1 :]]
    signature = _organisation_and_date(ending) or _organisation_and_date(below_title)
    issuer = _issuer(title, "\n".join(front), signature, _closing_byline(paragraphs))
    number = next((m.group() for m in map(NUMBER.search, front) if m), None)
    return DocumentHeader(title or name, issuer, _date(front, below_title, signature), number, _kind(title) if title else None)


# Sections


@dataclass
class _Open:
    """A section being built: its path, paragraph range, article label and whether a table's caption opens it."""

    path: tuple[str, ...]
    first: int
    last: int
    article: str | None = None
    table: bool = False


def _bare(text: str, heading: Heading | None) -> bool:
    """A paragraph that is a heading line only: no sentence but possibly a final stop."""
    return heading is not None and len(text) <= MAX_TITLE and not _SENTENCE.search(text.rstrip("。"))


def _table_of_contents(paragraphs: list[_Paragraph], headings: list[Heading | None]) -> set[int]:
    """Indexes of whole heading lines (no punctuation) in runs that repeat a family: a table of contents, which
    ends where its first entry comes again (「第一章 总则」 listed, then opening the body)."""
    listed: set[int] = set()
    run: list[int] = []
    for index in range(len(paragraphs) + 1):
        if index < len(paragraphs) and headings[index] and heading_like(paragraphs[index].text):
            run.append(index)
            continue
        titles = [headings[i].title for i in run]
        if len({headings[i].family for i in run}) < len(run):
            listed.update(run[: titles.index(titles[0], 1)] if titles.count(titles[0]) > 1 else run)
        run = []
    return listed


def _enumeration_entry(text: str, heading: Heading, previous: str, previous_entry: str | None) -> bool:
    """A 项 of a list running inside a paragraph rather than a heading: it ends with ；, follows an entry of its
    family, or continues a list the paragraph before it started inline (「注：1.……」 then 「2.……」)."""
    if heading.ordinal is None:
        return False
    return (
        text.rstrip(CLOSERS).endswith(("；", ";"))
        or previous_entry == heading.family
        or heading.ordinal - 1 in inline_ordinals(previous, heading.family)
    )


def _effective_headings(paragraphs: list[_Paragraph], title_lines: range) -> list[Heading | None]:
    """The heading each paragraph opens, after the guards of the module docstring."""
    headings = [None if i in title_lines else parse_heading(p.text) for i, p in enumerate(paragraphs)]
    for index in _table_of_contents(paragraphs, headings):
        headings[index] = None
    in_article, previous_entry, in_table = False, None, False
    for index, heading in enumerate(headings):
        if heading is not None and heading.family.startswith("#") and in_table:
            headings[index] = heading = None  # 「#粮食 101.9」: a statistics table's 其中 row, no Markdown heading
        if heading is None:
            previous_entry = None
            in_table = in_table and not _SENTENCE.search(paragraphs[index].text)
            continue
        in_table = heading.family == "表"
        previous = paragraphs[index - 1].text if index else ""
        if in_article and heading.rank > ARTICLE_RANK:
            headings[index] = None
        elif _enumeration_entry(paragraphs[index].text, heading, previous, previous_entry):
            headings[index], previous_entry = None, heading.family
        else:
            in_article, previous_entry = heading.article is not None, None
    return headings


def _merge_bare_headings(sections: list[_Open], paragraphs: list[_Paragraph]) -> list[_Open]:
    """A section that is only a heading line, followed by its first sub-heading, starts that sub-section."""
    for index in range(len(sections) - 2, -1, -1):
        section, child = sections[index], sections[index + 1]
        depth = len(section.path)
        text = paragraphs[section.first].text
        bare = section.first == section.last and _bare(text, parse_heading(text))
        if bare and depth > 1 and len(child.path) > depth and child.path[:depth] == section.path:
            child.first = section.first
            del sections[index]
    return sections


def _continued(heading: Heading, line: str, following: str | None) -> Heading:
    """A numbered heading line broken in two (「三、持续提升政府」 「治理效能和服务水平」) takes its second line."""
    if heading.ordinal is None or not heading_like(line) or not following or not _CONTINUATION.fullmatch(following):
        return heading
    return replace(heading, title=heading.title + following)


def _document_sections(paragraphs: list[_Paragraph], name: str, title_lines: range) -> list[_Open]:
    """The document's sections as paragraph ranges with heading paths."""
    sections: list[_Open] = []
    stack: list[Heading] = []
    headings = _effective_headings(paragraphs, title_lines)
    for index, heading in enumerate(headings):
        if heading is None and sections and sections[-1].table and _SENTENCE.search(paragraphs[index].text):
            stack.pop()  # prose after a table's rows: back to the heading the table is under
            sections.append(_Open((name, *(h.title for h in stack)), index, index))
            continue
        if heading is None and sections:
            sections[-1].last = index
            continue
        if heading is not None:
            following = paragraphs[index + 1].text if index + 1 < len(paragraphs) and not headings[index + 1] else None
            heading = _continued(heading, paragraphs[index].text, following)
            while stack and stack[-1].rank >= heading.rank:
                stack.pop()
            stack.append(heading)
        path = (name, *(h.title for h in stack))
        sections.append(_Open(path, index, index, heading.article if heading else None, bool(heading and heading.family == "表")))
    return _merge_bare_headings(sections, paragraphs)


def _table_header(paragraphs: list[_Paragraph], section: _Open) -> str | None:
    """A table section's column header: the lines right after its caption whose cells hold no figures (at most
    two: a 「单位：台」 line, then the column names)."""
    rows = paragraphs[section.first + 1 : section.last + 1]
    while rows and TABLE_CAPTION.match(rows[0].text):  # the section opens with a bare heading merged into it
        rows = rows[1:]
    header = []
    for paragraph in rows[:2]:
        cells = paragraph.text.split()
        if not cells or any(_FIGURE_CELL.fullmatch(cell) for cell in cells):
            break
        header.append(paragraph.text)
    return " ".join(header) or None


def _document(source: SourceDocument, paragraphs: list[_Paragraph], compiled: bool) -> Document:
    title, title_lines = _title(paragraphs)
    name = _name(title, paragraphs, compiled, source.name)
    sections = []
    for section in _document_sections(paragraphs, name, title_lines):
        start, end = paragraphs[section.first].start, paragraphs[section.last].end
        sections.append(
            Section(
                source.name, section.path, start, end, source.text[start:end],
                source.line_of(start), source.line_of(end - 1), section.article,
                _table_header(paragraphs, section) if section.table else None,
                source.page_of(start), source.page_of(end - 1),
            )
        )
    return Document(
        source.name, name, _aliases(name, title, compiled), _header(paragraphs, name, title, title_lines),
        paragraphs[0].start, paragraphs[-1].end, tuple(sections),
    )


def parse_documents(source: SourceDocument) -> list[Document]:
    """The documents of a corpus file: the whole file, or each report it compiles (see the module docstring)."""
    paragraphs = _paragraphs(source.text)
    if not paragraphs:
        return []
    blocks = _blocks(paragraphs)
    return [_document(source, block, len(blocks) > 1) for block in blocks]


def parse_sections(source: SourceDocument) -> list[Section]:
    """All sections of all the file's documents in order, covering its text."""
    return [section for document in parse_documents(source) for section in document.sections]


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
