"""The DOCX reader on documents python-docx writes: body in order, tables as sentences, headers and footers
left out, Word's automatic numbering kept; damaged and empty files refused."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest
from docx import Document
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn

from policy_qa.errors import UnreadableFileError
from policy_qa.text.readers import read_file
from policy_qa.text.readers.docx import read_docx
from policy_qa.text.repair import repair_text

TITLE = "某省2023年国民经济和社会发展统计公报"
HEADER = "某统字〔2024〕3号"
FOOTER = "某省统计局印制"

# What read_docx must give for the bulletin ``write_bulletin`` writes, line by line.
BULLETIN_LINES = [
    TITLE,
    "一、综合",
    "全年全省地区生产总值比上年增长6.4%。",
    "（一）经济增长",
    "第一产业增加值增长4.1%；第二产业增加值增长5.2%。",
    "指标：地区生产总值；2023年：15.7万亿元；增长：6.4%。",
    "指标：一般公共预算收入；2023年：1.2万亿元；增长：5.1%。",
    "（二）分地区情况",
    "地区：北区；季度：一季度；增长：5.0%。",
    "地区：北区；季度：二季度；增长：5.5%。",
    "注：南区数据暂缺",
    "二、附则",
    "本公报数据为初步统计数。",
]
# What read_docx must give for the document ``write_numbered`` writes: every number is Word's own.
NUMBERED_LINES = [
    "一、总体情况",
    "（一）经济增长",
    "1. 工业生产稳定。",
    "2. 服务业回升。",
    "（二）消费",
    "二、主要任务",
    "（一）扩大内需",
]


def _table(document, rows: list[list[str]]):
    table = document.add_table(rows=len(rows), cols=len(rows[0]))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    return table


def write_bulletin(path: Path) -> Path:
    """A bulletin: title, headings at two levels, paragraphs, a table of figures, a table with a vertical and a
    horizontal merge, a page header and footer."""
    document = Document()
    section = document.sections[0]
    section.header.paragraphs[0].text = HEADER
    section.footer.paragraphs[0].text = FOOTER
    document.add_heading(TITLE, level=0)
    document.add_heading("一、综合", level=1)
    document.add_paragraph("全年全省地区生产总值比上年增长6.4%。")
    document.add_heading("（一）经济增长", level=2)
    paragraph = document.add_paragraph("第一产业增加值增长4.1%；")
    paragraph.add_run("第二产业增加值增长5.2%。").bold = True
    _table(document, [["指标", "2023年", "增长"], ["地区生产总值", "15.7万亿元", "6.4%"],
                      ["一般公共预算收入", "1.2万亿元", "5.1%"]])
    document.add_heading("（二）分地区情况", level=2)
    merged = _table(document, [["地区", "季度", "增长"], ["北区", "一季度", "5.0%"], ["", "二季度", "5.5%"],
                               ["注：南区数据暂缺", "", ""]])
    merged.cell(1, 0).merge(merged.cell(2, 0))
    merged.cell(3, 0).merge(merged.cell(3, 2))
    document.add_heading("二、附则", level=1)
    document.add_paragraph("本公报数据为初步统计数。")
    document.save(path)
    return path


def write_numbered(path: Path) -> Path:
    """Headings numbered by Word (「一、」 through the Heading 1 style, 「（一）」 and 「1.」 on the paragraphs):
    their text holds no number."""
    document = Document()
    numbering = document.part.numbering_part.element
    definition = parse_xml(
        f'<w:abstractNum {nsdecls("w")} w:abstractNumId="90">'
        '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:pStyle w:val="Heading1"/>'
        '<w:suff w:val="nothing"/><w:lvlText w:val="%1、"/></w:lvl>'
        '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/>'
        '<w:suff w:val="nothing"/><w:lvlText w:val="（%2）"/></w:lvl>'
        '<w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%3."/></w:lvl>'
        "</w:abstractNum>"
    )
    first_num = numbering.find(qn("w:num"))
    if first_num is None:
        numbering.append(definition)
    else:
        first_num.addprevious(definition)  # abstractNum elements come before num elements
    numbering.append(parse_xml(f'<w:num {nsdecls("w")} w:numId="90"><w:abstractNumId w:val="90"/></w:num>'))
    heading = document.styles["Heading 1"].element.get_or_add_pPr()
    heading.append(parse_xml(f'<w:numPr {nsdecls("w")}><w:numId w:val="90"/></w:numPr>'))

    def numbered(text: str, level: int) -> None:
        paragraph = document.add_paragraph(text)
        paragraph._p.get_or_add_pPr().append(parse_xml(
            f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{level}"/><w:numId w:val="90"/></w:numPr>'
        ))

    document.add_heading("总体情况", level=1)
    numbered("经济增长", 1)
    numbered("工业生产稳定。", 2)
    numbered("服务业回升。", 2)
    numbered("消费", 1)
    document.add_heading("主要任务", level=1)
    numbered("扩大内需", 1)
    document.save(path)
    return path


def lines(text: str) -> list[str]:
    """The lines a reader wrote (it separates them by blank lines)."""
    return [line for line in text.split("\n") if line]


def test_body_in_order_with_tables_as_sentences(tmp_path: Path) -> None:
    read = read_docx(write_bulletin(tmp_path / "公报.docx"))
    assert lines(read.text) == BULLETIN_LINES
    assert read.form == "docx" and read.line_pages == () and read.warnings == ()
    assert HEADER not in read.text and FOOTER not in read.text


def test_read_file_picks_the_docx_reader(tmp_path: Path) -> None:
    assert lines(read_file(write_bulletin(tmp_path / "公报.DOCX")).text) == BULLETIN_LINES


def test_every_line_stays_a_paragraph_after_repair(tmp_path: Path) -> None:
    repaired, _ = repair_text(read_docx(write_bulletin(tmp_path / "公报.docx")).text)
    assert repaired.split("\n") == BULLETIN_LINES


def test_automatic_numbering_is_kept(tmp_path: Path) -> None:
    assert lines(read_docx(write_numbered(tmp_path / "编号.docx")).text) == NUMBERED_LINES


def test_zip_that_is_no_word_document(tmp_path: Path) -> None:
    path = tmp_path / "压缩包.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("说明.txt", "这不是 Word 文档。")
    with pytest.raises(UnreadableFileError, match="不是 Word 文档"):
        read_docx(path)


def test_random_bytes(tmp_path: Path) -> None:
    path = tmp_path / "乱码.docx"
    path.write_bytes(os.urandom(4096))
    with pytest.raises(UnreadableFileError, match="不是有效的 .docx"):
        read_docx(path)


def test_truncated_docx(tmp_path: Path) -> None:
    whole = write_bulletin(tmp_path / "whole.docx").read_bytes()
    path = tmp_path / "截断.docx"
    path.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(UnreadableFileError):
        read_docx(path)


def test_damaged_xml_inside_a_docx(tmp_path: Path) -> None:
    source = write_bulletin(tmp_path / "whole.docx")
    path = tmp_path / "损坏.docx"
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(path, "w") as damaged:
        for item in original.infolist():
            data = original.read(item)
            damaged.writestr(item, data[: len(data) // 2] if item.filename == "word/document.xml" else data)
    with pytest.raises(UnreadableFileError, match="已损坏"):
        read_docx(path)


def test_empty_document(tmp_path: Path) -> None:
    path = tmp_path / "空白.docx"
    Document().save(path)
    with pytest.raises(UnreadableFileError, match="没有文字"):
        read_docx(path)
