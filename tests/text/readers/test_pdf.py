"""The PDF reader on files made here by reportlab and LibreOffice: body text whole and in order, running headers,
footers and page numbers left out, pages of lines, two columns, ruled tables, scanned pages, unreadable files."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from policy_qa.errors import UnreadableFileError
from policy_qa.text.readers.pdf import read_pdf
from policy_qa.text.readers.tables import row_sentences
from policy_qa.text.repair import repair_text

FONT_FILE = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
pdfmetrics.registerFont(TTFont("WQY", FONT_FILE, subfontIndex=0))
BODY = ParagraphStyle("body", fontName="WQY", fontSize=12, leading=20, firstLineIndent=24, wordWrap="CJK")
HEADING = ParagraphStyle("heading", fontName="WQY", fontSize=14, leading=26, wordWrap="CJK")
HEADER = "某市统计局 2023年国民经济和社会发展统计公报"
FOOTERS = ["- {} -", "— {} —", "第 {} 页", "{}", "第{}页 共5页"]  # one a page
HAS_OCR = all(importlib.util.find_spec(name) for name in ("rapidocr", "onnxruntime"))
SOFFICE = shutil.which("soffice")
SECTORS = ["工业", "农业", "服务业", "建筑业", "交通运输", "金融", "房地产", "批发零售", "住宿餐饮", "信息技术"]


def compact(text: str) -> str:
    return re.sub(r"\s+", "", text)


def body_lines(text: str) -> list[str]:
    return [line for line in text.split("\n") if line.strip()]


def paragraph(k: int, sentences: int = 3) -> str:
    """A body paragraph that differs from every other in its words and figures."""
    sector = SECTORS[k % len(SECTORS)]
    parts = [f"{sector}方面，全年增加值{1000 + 37 * k}.{k % 10}亿元，比上年增长{k % 9}.{k % 7}%。"]
    parts += [f"其中第{j}季度{sector}完成投资{k * 13 + j}亿元，新增市场主体{k * 7 + j}户，带动就业{k + j}万人。" for j in range(1, sentences)]
    return "".join(parts)


# ---------------------------------------------------------------- a report with headings, header and footers


def running_header_and_footer(c: canvas.Canvas, doc: SimpleDocTemplate) -> None:
    c.setFont("WQY", 9)
    c.drawCentredString(A4[0] / 2, A4[1] - 40, HEADER)
    c.drawCentredString(A4[0] / 2, 30, FOOTERS[doc.page - 1].format(doc.page))


# The text each page starts: the last paragraph of page 3 runs on to page 4.
REPORT_PAGES = {
    1: ["一、总体情况", "（一）经济运行", paragraph(1), paragraph(2), "1.工业生产", paragraph(3)],
    2: ["（二）固定资产投资", paragraph(4), "2.重点项目", paragraph(5), paragraph(6)],
    3: ["二、主要指标", paragraph(7), "（一）农业", paragraph(8, sentences=30)],
    5: ["三、结语", paragraph(10)],
}
RUN_ON = (3, 4)


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("report") / "report.pdf"
    story: list = []
    for number, texts in REPORT_PAGES.items():
        if number > 1:
            story.append(PageBreak())
        story += [Paragraph(text, HEADING if len(text) < 12 else BODY) for text in texts]
    SimpleDocTemplate(str(path), pagesize=A4).build(
        story, onFirstPage=running_header_and_footer, onLaterPages=running_header_and_footer
    )
    return path


def test_report_body_is_whole_without_headers_and_footers(report):
    read = read_pdf(report)
    assert compact(read.text) == compact("".join(text for texts in REPORT_PAGES.values() for text in texts))
    assert read.form == "pdf" and read.warnings == ()


def test_report_paragraphs_come_out_in_order_after_repair(report):
    repaired, _ = repair_text(read_pdf(report).text)
    assert repaired.split("\n") == [text for texts in REPORT_PAGES.values() for text in texts]  # run-on one too


def test_report_lines_have_their_pages(report):
    read = read_pdf(report)
    lines = read.text.split("\n")
    assert len(read.line_pages) == len(lines) and read.line_pages[0] == 1
    text = "".join(compact(line) for line in lines)
    pages = [page for line, page in zip(lines, read.line_pages) for _ in compact(line)]
    assert max(read.line_pages) == 5
    for number, texts in REPORT_PAGES.items():
        for paragraph_text in texts:
            at = text.index(compact(paragraph_text))
            spanned = pages[at : at + len(compact(paragraph_text))]
            run_on = paragraph_text == REPORT_PAGES[3][-1]
            assert (spanned[0], spanned[-1]) == (RUN_ON if run_on else (number, number))
            assert spanned == sorted(spanned)


@pytest.mark.parametrize("footer", [*FOOTERS, "第1页，共1页"])
@pytest.mark.parametrize("at_top", [False, True])
def test_page_number_of_a_single_page_is_left_out(tmp_path, footer, at_top):
    path = tmp_path / "one.pdf"
    c = canvas.Canvas(str(path), pagesize=A4)
    c.setFont("WQY", 12)
    c.drawString(72, 760 if not at_top else 700, "只有一页的通知：请各单位按时报送材料。")
    c.drawString(72, 740 if not at_top else 680, "联系电话 12345")
    c.drawCentredString(A4[0] / 2, 30 if not at_top else 800, footer.format(1))
    c.save()
    assert read_pdf(path).text == "只有一页的通知：请各单位按时报送材料。\n联系电话 12345"


PHRASES = "各地区各部门坚持稳中求进工作总基调完整准确全面贯彻新发展理念加快构建新发展格局着力推动高质量发展"


@pytest.mark.parametrize("indented", [True, False])
def test_paragraph_breaks_when_last_lines_are_full(tmp_path, indented):
    """Paragraphs whose lines all end at the right edge, marked only by a first-line indent or by space above."""
    # 12-point characters: a first line of 30 from x = 96 ends where lines of 32 from x = 72 do
    first, length = (30, 94) if indented else (32, 96)
    texts = [((PHRASES[k:] + PHRASES[:k]) * 3)[: length - 1] + "。" for k in (5, 17, 29)]  # three lines each
    path = tmp_path / "full.pdf"
    c = canvas.Canvas(str(path), pagesize=A4)
    c.setFont("WQY", 12)
    y = 760.0
    for text in texts:
        lines = [(96 if indented else 72, text[:first]), *((72, text[k : k + 32]) for k in range(first, length, 32))]
        assert len(lines) == 3
        for x, line in lines:
            c.drawString(x, y, line)
            y -= 20
        y -= 0 if indented else 16
    c.save()
    assert [compact(block) for block in read_pdf(path).text.split("\n\n")] == texts


# ---------------------------------------------------------------- two columns


LEFT = [f"左栏第{k}行：推进改革任务，完善配套政策。" for k in range(1, 25)]
RIGHT = [f"右栏第{k}行：强化督促检查，确保措施落实。" for k in range(1, 25)]
LEFT_3 = [f"第三页左栏第{k}行：优化营商环境。" for k in range(1, 21)]
RIGHT_3 = [f"第三页右栏第{k}行：保障改善民生。" for k in range(1, 21)]
# One column drawn in this order: the last two lines first.
SINGLE = [f"单栏第{k}行：本页只有一栏文字，绘制顺序与位置顺序不同，读者应当保持绘制顺序不变。" for k in range(1, 7)]
SINGLE_DRAWN = SINGLE[4:] + SINGLE[:4]


@pytest.fixture(scope="module")
def columns(tmp_path_factory) -> Path:
    """Page 1: one column drawn out of order; page 2: a title and two columns drawn row by row (left, right, left…);
    page 3: two columns, the right one drawn first."""
    path = tmp_path_factory.mktemp("columns") / "columns.pdf"
    width, height = A4
    c = canvas.Canvas(str(path), pagesize=A4)
    c.setFont("WQY", 11)
    for text in SINGLE_DRAWN:
        c.drawString(60, height - 100 - 20 * SINGLE.index(text), text)
    c.showPage()
    c.setFont("WQY", 16)
    c.drawCentredString(width / 2, height - 60, "双栏页标题")
    c.setFont("WQY", 11)
    for k, (left, right) in enumerate(zip(LEFT, RIGHT)):
        c.drawString(60, height - 100 - 20 * k, left)
        c.drawString(width / 2 + 15, height - 100 - 20 * k, right)
    c.showPage()
    c.setFont("WQY", 11)
    for x, texts in ((width / 2 + 15, RIGHT_3), (60, LEFT_3)):
        for k, text in enumerate(texts):
            c.drawString(x, height - 100 - 20 * k, text)
    c.showPage()
    c.save()
    return path


def pages_of(read, number: int) -> list[str]:
    return [line for line, page in zip(read.text.split("\n"), read.line_pages) if page == number and line.strip()]


def test_two_columns_are_read_left_then_right(columns):
    read = read_pdf(columns)
    assert pages_of(read, 2) == ["双栏页标题", *LEFT, *RIGHT]
    assert pages_of(read, 3) == [*LEFT_3, *RIGHT_3]


def test_one_column_page_keeps_its_drawing_order(columns):
    assert pages_of(read_pdf(columns), 1) == SINGLE_DRAWN


# ---------------------------------------------------------------- a ruled table

TABLE = [
    ["指标", "2023年", "增长"],
    ["地区生产总值", "15.7万亿元", "6.4%"],
    ["一般公共预算收入", "2.1万亿元", "5.2%"],
    ["进出口总额", "3.9万亿元", "-1.3%"],
]


@pytest.fixture(scope="module")
def table(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("table") / "table.pdf"
    grid = Table(TABLE)
    grid.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), "WQY", 11), ("GRID", (0, 0), (-1, -1), 0.5, colors.black)]))
    story = [
        Paragraph("表格前的段落：主要经济指标如下。", BODY), Spacer(1, 12), grid, Spacer(1, 12),
        Paragraph("表格后的段落：以上为初步统计数。", BODY), PageBreak(), Paragraph(paragraph(9), BODY),
    ]
    SimpleDocTemplate(str(path), pagesize=A4).build(story)
    return path


def test_table_rows_become_sentences_in_place(table):
    read = read_pdf(table)
    assert row_sentences(TABLE)[0] == "指标：地区生产总值；2023年：15.7万亿元；增长：6.4%。"
    lines = body_lines(read.text)
    assert lines[:5] == ["表格前的段落：主要经济指标如下。", *row_sentences(TABLE), "表格后的段落：以上为初步统计数。"]
    assert compact("".join(lines[5:])) == compact(paragraph(9))
    assert read.text.count("进出口总额") == 1  # the cells are not in the running text as well


# ---------------------------------------------------------------- a LibreOffice export

LO_PARAGRAPHS = [paragraph(k, sentences=2 + k % 3) for k in range(1, 31)]


@pytest.fixture(scope="module")
def libreoffice(tmp_path_factory) -> Path:
    """A Word file with a header and a page-number footer, exported by LibreOffice (three pages)."""
    if SOFFICE is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    from docx import Document
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    folder = tmp_path_factory.mktemp("libreoffice")
    document = Document()
    section = document.sections[0]
    section.header.paragraphs[0].text = "某市人民政府办公室文件"
    field = f'<w:fldSimple {nsdecls("w")} w:instr="PAGE"><w:r><w:t>1</w:t></w:r></w:fldSimple>'
    section.footer.paragraphs[0]._p.append(parse_xml(field))
    for text in LO_PARAGRAPHS:
        document.add_paragraph(text)
    document.save(folder / "notice.docx")
    subprocess.run(
        [SOFFICE, f"-env:UserInstallation=file://{folder}/profile", "--headless", "--convert-to", "pdf",
         "--outdir", str(folder), str(folder / "notice.docx")],
        check=True, capture_output=True, timeout=180,
    )
    return folder / "notice.pdf"


def test_libreoffice_export_paragraphs_in_order(libreoffice):
    read = read_pdf(libreoffice)
    assert max(read.line_pages) >= 3
    repaired, _ = repair_text(read.text)
    assert [compact(line) for line in repaired.split("\n")] == [compact(text) for text in LO_PARAGRAPHS]


# ---------------------------------------------------------------- unreadable files


def test_encrypted_pdf_is_refused(tmp_path):
    path = tmp_path / "secret.pdf"
    c = canvas.Canvas(str(path), encrypt="secret")
    c.setFont("WQY", 12)
    c.drawString(72, 720, "需要密码才能打开的文件。")
    c.save()
    with pytest.raises(UnreadableFileError, match="加密"):
        read_pdf(path)


def test_truncated_pdf_is_refused(tmp_path, report):
    path = tmp_path / "truncated.pdf"
    path.write_bytes(report.read_bytes()[: report.stat().st_size // 2])
    with pytest.raises(UnreadableFileError, match="损坏"):
        read_pdf(path)


@pytest.mark.parametrize("data", [b"", b"<html><body>not a pdf</body></html>", "这不是PDF文件".encode("gb18030")])
def test_other_bytes_named_pdf_are_refused(tmp_path, data):
    path = tmp_path / "fake.pdf"
    path.write_bytes(data)
    with pytest.raises(UnreadableFileError, match="不是有效的 PDF"):
        read_pdf(path)


def test_missing_file_is_refused(tmp_path):
    with pytest.raises(UnreadableFileError):
        read_pdf(tmp_path / "gone.pdf")


# ---------------------------------------------------------------- scanned pages

SCAN_TITLE = "扫描页标题"
SCAN_LEFT = [f"左栏扫描第{k}行粮食产量稳定增长" for k in range(1, 7)]
SCAN_RIGHT = [f"右栏扫描第{k}行城镇新增就业岗位" for k in range(1, 7)]


def scanned_page() -> Image.Image:
    """An A4 page at 200 dpi holding a title and two columns of text as pixels."""
    image = Image.new("L", (1654, 2339), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT_FILE, 40)
    draw.text((640, 200), SCAN_TITLE, font=font, fill=0)
    for k, (left, right) in enumerate(zip(SCAN_LEFT, SCAN_RIGHT)):
        draw.text((150, 360 + 90 * k), left, font=font, fill=0)
        draw.text((880, 360 + 90 * k), right, font=font, fill=0)
    return image


TEXT_PAGES = {1: "扫描页之前的文字页：全年工作总体平稳。", 3: "扫描页之后的文字页：下一步工作安排。"}


def build_scan(path: Path, text_pages: bool) -> None:
    """Page 2 is an image; pages 1 and 3 hold ``TEXT_PAGES`` when ``text_pages``."""
    c = canvas.Canvas(str(path), pagesize=A4)
    for number in (1, 2, 3):
        if number == 2:
            c.drawImage(ImageReader(scanned_page()), 0, 0, *A4)
        elif text_pages:
            c.setFont("WQY", 12)
            c.drawString(72, 760, TEXT_PAGES[number])
        c.showPage()
    c.save()


def read_without_ocr(path: Path) -> dict:
    """What ``read_pdf`` gives in a Python where rapidocr cannot be imported (the ``ocr`` extra not installed)."""
    script = textwrap.dedent(f"""
        import json, sys
        sys.modules["rapidocr"] = None  # import rapidocr raises ImportError, as when it is not installed
        from pathlib import Path
        from policy_qa.errors import UnreadableFileError
        from policy_qa.text.readers.pdf import read_pdf
        try:
            read = read_pdf(Path({str(path)!r}))
            print(json.dumps({{"text": read.text, "pages": read.line_pages, "warnings": read.warnings}}))
        except UnreadableFileError as error:
            print(json.dumps({{"error": str(error)}}))
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120)
    return json.loads(done.stdout)


def test_scanned_page_without_ocr_is_named_and_the_rest_read(tmp_path):
    path = tmp_path / "mixed.pdf"
    build_scan(path, text_pages=True)
    read = read_without_ocr(path)
    assert read["text"].split("\n") == [TEXT_PAGES[1], TEXT_PAGES[3]]
    assert read["pages"] == [1, 3]
    assert read["warnings"] == ["第 2 页是扫描图像，未识别文字：需要 OCR 扩展（pip install 'policy-qa[ocr]'）"]


def test_all_image_pdf_without_ocr_is_refused(tmp_path):
    path = tmp_path / "scan.pdf"
    build_scan(path, text_pages=False)
    error = read_without_ocr(path)["error"]
    assert "扫描件" in error and "OCR" in error


@pytest.mark.skipif(not HAS_OCR, reason="rapidocr and onnxruntime (the ocr extra) are not installed")
def test_scanned_page_is_read_by_ocr_in_column_order(tmp_path):
    path = tmp_path / "mixed.pdf"
    build_scan(path, text_pages=True)
    read = read_pdf(path)
    assert read.warnings == ()
    assert pages_of(read, 2) == [SCAN_TITLE, *SCAN_LEFT, *SCAN_RIGHT]
    assert pages_of(read, 1) == [TEXT_PAGES[1]] and pages_of(read, 3) == [TEXT_PAGES[3]]


STATISTICS_PDF = next((Path(__file__).resolve().parents[3] / "eval" / "corpora" / "statistics-2").glob("*.pdf"))


def test_heading_run_into_the_line_above_is_a_line_of_its_own():
    """A real bulletin where pdfium puts no line break between a paragraph's last line and the heading below it
    (「……增长2.5%。 五、交通和邮电」): the heading is cut off by its height and stands alone."""
    found = [line.strip() for line in read_pdf(STATISTICS_PDF).text.split("\n")]
    for heading in ("五、交通和邮电", "六、国内贸易和对外经济", "七、财政和金融", "八、教育和科学技术"):
        assert heading in found
        assert not any(line.endswith(heading) and line != heading for line in found)
