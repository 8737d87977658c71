"""The OFD reader on hand-built OFD files (zip + XML as GB/T 33190-2016 lays them out): text in reading order, the
page of each line, page numbers dropped, table cell gaps kept, every unusable file refused with a reason."""

from __future__ import annotations

import contextlib
import random
import unicodedata
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple
from xml.sax.saxutils import escape

import pytest

from policy_qa.errors import UnreadableFileError
from policy_qa.text.readers import ReadText, ofd
from policy_qa.text.readers.ofd import read_ofd
from policy_qa.text.repair import repair_text

NS = 'xmlns:ofd="http://www.ofdspec.org/2016"'
SIZE = 5.6  # 三号 (16 pt) in mm, the body size of official documents
TITLE_SIZE = 7.7  # 二号
LEFT = 28.0  # left margin (mm); the body is 28 characters wide
PITCH = 10.0  # line pitch (mm)
BODY_EMS = 28


class Drawn(NamedTuple):
    """Text drawn on a page: origin of its first character (mm from the top left, y the baseline)."""

    x: float
    y: float
    text: str
    size: float = SIZE


Pages = list[list[Drawn]]


def em(char: str) -> float:
    return 1.0 if unicodedata.east_asian_width(char) in "WFA" else 0.5


def text_width(text: str, size: float = SIZE) -> float:
    return sum(em(char) for char in text) * size


def wrap(text: str, y: float, indent: int = 2) -> list[Drawn]:
    """``text`` set as a paragraph of the body from baseline ``y``: first line indented ``indent`` ems."""
    rows, row, room = [], "", BODY_EMS - indent
    for char in text:
        if sum(em(c) for c in row + char) > room:
            rows.append(row)
            row, room = "", BODY_EMS
        row += char
    rows.append(row)
    return [Drawn(LEFT + (indent * SIZE if k == 0 else 0), y + k * PITCH, row) for k, row in enumerate(rows)]


def centred(y: float, text: str, size: float = SIZE) -> Drawn:
    return Drawn(LEFT + (BODY_EMS * SIZE - text_width(text, size)) / 2, y, text, size)


def right_aligned(y: float, text: str) -> Drawn:
    return Drawn(LEFT + BODY_EMS * SIZE - text_width(text), y, text)


def delta_x(text: str, size: float) -> str:
    """A DeltaX in the standard's short form: runs of equal offsets as ``g n v``."""
    values = [em(char) * size for char in text[:-1]]
    parts: list[str] = []
    k = 0
    while k < len(values):
        run = 1
        while k + run < len(values) and values[k + run] == values[k]:
            run += 1
        parts.append(f"g {run} {values[k]:g}" if run > 2 else " ".join([f"{values[k]:g}"] * run))
        k += run
    return " ".join(parts)


def text_object(ident: int, drawn: Drawn, per_char: bool, ctm: bool) -> str:
    """A TextObject for ``drawn``: one TextCode with DeltaX, or one per character (Y given once, as writers do);
    with ``ctm``, a Boundary of the whole page and text of Size 1 that a CTM scales up and moves into place."""
    scale = drawn.size if ctm else 1.0
    size = drawn.size / scale
    top = drawn.y - drawn.size
    boundary = f"{drawn.x:g} {top:g} {text_width(drawn.text, drawn.size) + 1:g} {drawn.size * 1.5:g}"
    extra = ""
    if ctm:
        boundary, extra = "0 0 210 297", f' CTM="{scale:g} 0 0 {scale:g} {drawn.x:g} {top:g}"'
    baseline = drawn.size / scale
    if per_char:
        codes, x = [], 0.0
        for k, char in enumerate(drawn.text):
            y = f' Y="{baseline:g}"' if k == 0 else ""
            codes.append(f'<ofd:TextCode X="{x:g}"{y}>{escape(char)}</ofd:TextCode>')
            x += em(char) * size
        inner = "".join(codes)
    else:
        deltas = delta_x(drawn.text, size)
        inner = f'<ofd:TextCode X="0" Y="{baseline:g}" DeltaX="{deltas}">{escape(drawn.text)}</ofd:TextCode>'
    return (
        f'<ofd:TextObject ID="{ident}" Boundary="{boundary}" Font="1" Size="{size:g}"{extra}>'
        f'<ofd:FillColor Value="0 0 0"/>{inner}</ofd:TextObject>'
    )


def ofd_parts(
    pages: Pages, *, per_char: bool = False, nested: bool = False, rooted: bool = False, ctm: bool = False
) -> dict[str, str]:
    """The parts of an OFD drawing ``pages``: ``nested`` puts the objects in two levels of PageBlock, ``rooted``
    names pages from the package root (BaseLoc ``/Doc_0/...``)."""
    parts = {
        "OFD.xml": f'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD {NS} Version="1.0" DocType="OFD"><ofd:DocBody>'
        "<ofd:DocInfo><ofd:DocID>0C5D2B7E</ofd:DocID><ofd:Creator>Suwell</ofd:Creator></ofd:DocInfo>"
        "<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>",
        "Doc_0/PublicRes.xml": f'<?xml version="1.0" encoding="UTF-8"?><ofd:Res {NS} BaseLoc="Res"><ofd:Fonts>'
        '<ofd:Font ID="1" FontName="仿宋_GB2312" FamilyName="仿宋"/></ofd:Fonts></ofd:Res>',
    }
    entries = []
    ident = 10
    for number, page in enumerate(pages):
        location = f"Pages/Page_{number}/Content.xml"
        entries.append(f'<ofd:Page ID="{number + 2}" BaseLoc="{"/Doc_0/" if rooted else ""}{location}"/>')
        objects = []
        for drawn in page:
            ident += 1
            objects.append(text_object(ident, drawn, per_char, ctm))
        body = "".join(objects)
        if nested:
            block = f"<ofd:PageBlock ID='{ident + 1}'><ofd:PageBlock ID='{ident + 2}'>"
            body = f"{block}{body}</ofd:PageBlock></ofd:PageBlock>"
            ident += 2
        parts[f"Doc_0/{location}"] = (
            f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page {NS}><ofd:Area><ofd:PhysicalBox>0 0 210 297'
            f'</ofd:PhysicalBox></ofd:Area><ofd:Content><ofd:Layer ID="{ident + 1}" Type="Body">{body}'
            "</ofd:Layer></ofd:Content></ofd:Page>"
        )
        ident += 1
    parts["Doc_0/Document.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8"?><ofd:Document {NS}><ofd:CommonData><ofd:MaxUnitID>{ident}'
        "</ofd:MaxUnitID><ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:PageArea>"
        f"<ofd:PublicRes>PublicRes.xml</ofd:PublicRes></ofd:CommonData><ofd:Pages>{''.join(entries)}"
        "</ofd:Pages></ofd:Document>"
    )
    return parts


def write_zip(path: Path, parts: dict[str, str | bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


def write_ofd(path: Path, pages: Pages, **options: bool) -> Path:
    return write_zip(path, ofd_parts(pages, **options))


# A two-page notice: a title of two centred lines, the addressee, paragraphs wrapped over lines (one across the
# page break), 一、 headings, a table of two rows, the signature and date, 「— n —」 page numbers at the page feet.
TITLE = "关于进一步优化营商环境推动高质量发展的通知"  # set as two centred lines
ADDRESSEE = "各区县人民政府，市政府各部门："
OPENING = "为持续优化营商环境，激发市场主体活力，推动全市经济高质量发展，经市政府同意，现就有关事项通知如下。"
HEADING_1 = "一、总体要求"
ACROSS = (
    "坚持以习近平新时代中国特色社会主义思想为指导，全面贯彻落实党的二十大精神，以市场主体需求为导向，"
    "以转变政府职能为核心，深化放管服改革，着力打造市场化、法治化、国际化一流营商环境，"
    "为全市经济社会高质量发展提供有力支撑。"
)
SHORT = "坚持稳中求进，统筹发展和安全。"
HEADING_2 = "二、主要任务"
FIGURES = "2023年全市地区生产总值达到1.57万亿元，同比增长6.4%，新登记市场主体12.6万户。要巩固成果，持续发力。"
HEADER_ROW = ("指标", "2023年", "增长")
BODY_ROW = ("地区生产总值", "15.7万亿元", "6.4%")
SIGNATURE = "某某市人民政府"
DATE = "2024年1月5日"
COLUMNS = (LEFT, LEFT + 60, LEFT + 120)


def notice() -> tuple[Pages, list[tuple[str, int]]]:
    """The notice's pages, and its paragraphs with the page each starts on."""
    across = wrap(ACROSS, 130)
    page_1 = [
        centred(40, TITLE[:11], TITLE_SIZE),
        centred(50, TITLE[11:], TITLE_SIZE),
        Drawn(LEFT, 70, ADDRESSEE),
        *wrap(OPENING, 80),
        Drawn(LEFT + 2 * SIZE, 100, HEADING_1),
        *wrap(SHORT, 110),
        *across[:2],
        centred(275, "— 1 —"),
    ]
    rest = [drawn._replace(y=drawn.y - 80) for drawn in across[2:]]
    y = rest[-1].y + PITCH
    page_2 = [
        *rest,
        Drawn(LEFT + 2 * SIZE, y, HEADING_2),
        *wrap(FIGURES, y + PITCH),
        *(Drawn(x, y + 4 * PITCH, cell) for x, cell in zip(COLUMNS, HEADER_ROW)),
        *(Drawn(x, y + 5 * PITCH, cell) for x, cell in zip(COLUMNS, BODY_ROW)),
        right_aligned(y + 7 * PITCH, SIGNATURE),
        right_aligned(y + 8 * PITCH, DATE),
        centred(275, "— 2 —"),
    ]
    paragraphs = [(text, 1) for text in (TITLE, ADDRESSEE, OPENING, HEADING_1, SHORT, ACROSS)] + [
        (text, 2) for text in (HEADING_2, FIGURES, "\t".join(HEADER_ROW), "\t".join(BODY_ROW), SIGNATURE, DATE)
    ]
    assert len(wrap(OPENING, 0)) == 2 and len(across) == 4 and len(wrap(FIGURES, 0)) == 2  # wrapped as meant
    return [page_1, page_2], paragraphs


def paragraphs_of(read: ReadText) -> list[tuple[str, int]]:
    """The non-blank lines of what was read, with their pages; checks there is a page for every line."""
    lines = read.text.split("\n")
    assert read.form == "ofd"
    assert len(read.line_pages) == len(lines)
    return [(line, page) for line, page in zip(lines, read.line_pages) if line]


def read_lines(pages: Pages, path: Path) -> list[tuple[str, int]]:
    return paragraphs_of(read_ofd(write_ofd(path, pages)))


def test_reads_every_paragraph_in_order_with_its_page_and_drops_page_numbers(tmp_path):
    pages, paragraphs = notice()
    read = read_ofd(write_ofd(tmp_path / "notice.ofd", pages))
    assert paragraphs_of(read) == paragraphs
    assert "—" not in read.text
    assert read.text.count("\n\n") == len(paragraphs) - 1  # blank lines keep the paragraphs apart in repair


@pytest.mark.parametrize(
    "options",
    [{"per_char": True}, {"nested": True}, {"rooted": True}, {"ctm": True}, {"per_char": True, "ctm": True}],
    ids=lambda options: "+".join(options),
)
def test_writers_variants_read_the_same(tmp_path, options):
    """One TextCode per character (Y given once), objects in nested PageBlocks, BaseLoc from the package root and
    text scaled by a CTM give the same lines as one TextCode per line."""
    pages, _ = notice()
    plain = read_ofd(write_ofd(tmp_path / "plain.ofd", pages))
    variant = read_ofd(write_ofd(tmp_path / "variant.ofd", pages, **options))
    assert variant == plain


def test_repair_keeps_the_paragraphs_whole(tmp_path):
    pages, _ = notice()
    repaired, _ = repair_text(read_ofd(write_ofd(tmp_path / "notice.ofd", pages)).text)
    assert repaired.split("\n") == [
        TITLE,
        ADDRESSEE,
        OPENING,
        HEADING_1,
        SHORT,
        ACROSS,
        HEADING_2,
        FIGURES,
        " ".join(HEADER_ROW),
        " ".join(BODY_ROW),
        SIGNATURE,
        DATE,
    ]


def test_paragraphs_start_after_a_short_line_or_at_a_wide_gap(tmp_path):
    """Unindented paragraphs: the first ends short of the margin, the second fills its last line."""
    first, full, last = "本办法自发布之日起施行。", "全" * BODY_EMS * 2, "原有规定与本办法不一致的，以本办法为准。"
    lines = [Drawn(LEFT, 40, first), *wrap(full, 50, indent=0), *wrap(last, 80, indent=0)]
    assert read_lines([lines], tmp_path / "plain.ofd") == [(first, 1), (full, 1), (last, 1)]


def test_wrapped_lines_join_with_a_space_only_between_latin_words(tmp_path):
    full, latin = "全" * BODY_EMS * 2, ["依照" * 12 + "ISO", "32000和GB/T 33190执行。"]
    lines = [*wrap(full, 40, indent=0), Drawn(LEFT + 2 * SIZE, 60, latin[0]), Drawn(LEFT, 70, latin[1])]
    assert read_lines([lines], tmp_path / "latin.ofd") == [(full, 1), (" ".join(latin), 1)]


def test_table_cells_keep_a_gap_and_a_spread_title_closes_up(tmp_path):
    row = [Drawn(x, 50, cell) for x, cell in zip(COLUMNS, BODY_ROW)]
    close = [Drawn(LEFT, 70, "地区"), Drawn(LEFT + 2 * SIZE + 1, 70, "生产总值")]  # a 1 mm gap: one word
    spread = [Drawn(90, 30, "通"), Drawn(110, 30, "知")]
    lines = read_lines([[*row, *close, *spread]], tmp_path / "table.ofd")
    assert [line for line, _ in lines] == ["通知", "\t".join(BODY_ROW), "地区生产总值"]


def test_fake_bold_overprint_is_read_once(tmp_path):
    title = [Drawn(60, 40, "通知要求", TITLE_SIZE), Drawn(60.2, 40.1, "通知要求", TITLE_SIZE)]
    assert read_lines([title], tmp_path / "bold.ofd") == [("通知要求", 1)]


@pytest.mark.parametrize(
    ("number", "y", "dropped"),
    [("- 3 -", 150, True), ("第 3 页 共 8 页", 150, True), ("3", 280, True), ("3", 150, False)],
)
def test_page_numbers_are_dropped_at_the_page_end(tmp_path, number, y, dropped):
    body = wrap(OPENING, 40)
    lines = read_lines([[*body, centred(y, number)]], tmp_path / "numbered.ofd")
    assert (lines[-1][0] != number) is dropped


def test_a_page_of_images_only_is_named_in_a_warning(tmp_path):
    pages, _ = notice()
    parts = ofd_parts(pages)
    parts["Doc_0/Pages/Page_1/Content.xml"] = IMAGE_PAGE
    read = read_ofd(write_zip(tmp_path / "half-scanned.ofd", parts))
    assert set(read.line_pages) == {1}
    assert len(read.warnings) == 1 and "第 2 页" in read.warnings[0] and "扫描" in read.warnings[0]


IMAGE_PAGE = (
    f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page {NS}><ofd:Content><ofd:Layer ID="90">'
    '<ofd:ImageObject ID="91" Boundary="0 0 210 297" CTM="210 0 0 297 0 0" ResourceID="5"/>'
    "</ofd:Layer></ofd:Content></ofd:Page>"
)
BOMB = (
    '<?xml version="1.0"?><!DOCTYPE ofd:OFD [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    f'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><ofd:OFD {NS}><ofd:DocBody><ofd:DocRoot>&c;</ofd:DocRoot>'
    "</ofd:DocBody></ofd:OFD>"
)

ENCRYPTIONS = (  # GM/T 0099 encryption: the parts it names are ciphertext
    f'<?xml version="1.0" encoding="UTF-8"?><ofd:Encryptions {NS}><ofd:Encryption EncryptMethod="SM4">'
    '<ofd:EncryptEntry Path="Doc_0/Pages/Page_0/Content.xml"/></ofd:Encryption></ofd:Encryptions>'
)


def _drop(name: str) -> Callable[[dict[str, str]], None]:
    return lambda parts: parts.pop(name)


def _set(name: str, data: str) -> Callable[[dict[str, str]], None]:
    return lambda parts: parts.__setitem__(name, data)


def _encrypt(parts: dict[str, str]) -> None:
    parts["OFD.xml"] = parts["OFD.xml"].replace(
        "</ofd:DocBody>", "<ofd:Encryptions>Doc_0/Encryptions.xml</ofd:Encryptions></ofd:DocBody>"
    )


def _corrupt_boundary(parts: dict[str, str]) -> None:
    page = "Doc_0/Pages/Page_0/Content.xml"
    parts[page] = parts[page].replace('Boundary="', 'Boundary="x', 1)


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        (_drop("OFD.xml"), "没有 OFD.xml"),
        (_set("Doc_0/Pages/Page_1/Content.xml", "<ofd:Page><ofd:Content>"), "Page_1/Content.xml 不是有效的 XML"),
        (_drop("Doc_0/Pages/Page_1/Content.xml"), "缺少第 2 页"),
        (_drop("Doc_0/Document.xml"), "缺少 Doc_0/Document.xml"),
        (_encrypt, "已加密"),
        (_set("Doc_0/Encryptions.xml", ENCRYPTIONS), "已加密"),
        (_set("OFD.xml", BOMB), "DTD"),
        (_corrupt_boundary, "第 1 页的坐标无效"),
    ],
    ids=[
        "no-OFD.xml", "broken-xml", "page-missing", "document-missing", "encrypted", "encryptions-part", "dtd",
        "coordinates",
    ],
)
def test_unusable_files_are_refused_with_a_reason(tmp_path, tamper, reason):
    pages, _ = notice()
    parts = ofd_parts(pages)
    tamper(parts)
    with pytest.raises(UnreadableFileError, match=reason):
        read_ofd(write_zip(tmp_path / "bad.ofd", parts))


def test_a_file_that_is_no_zip_is_refused(tmp_path):
    path = tmp_path / "fake.ofd"
    path.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 8)
    with pytest.raises(UnreadableFileError, match="不是 zip"):
        read_ofd(path)


def test_a_password_protected_zip_is_refused(tmp_path):
    pages, _ = notice()
    data = bytearray(write_ofd(tmp_path / "notice.ofd", pages).read_bytes())
    at = data.find(b"PK\x01\x02")
    while at >= 0:  # set the "encrypted" flag of every entry of the central directory
        data[at + 8] |= 1
        at = data.find(b"PK\x01\x02", at + 1)
    path = tmp_path / "locked.ofd"
    path.write_bytes(bytes(data))
    with pytest.raises(UnreadableFileError, match="设有打开密码"):
        read_ofd(path)


def test_an_ofd_without_text_is_taken_for_a_scan(tmp_path):
    pages, _ = notice()
    parts = ofd_parts(pages)
    parts["Doc_0/Pages/Page_0/Content.xml"] = parts["Doc_0/Pages/Page_1/Content.xml"] = IMAGE_PAGE
    with pytest.raises(UnreadableFileError, match="没有文字层"):
        read_ofd(write_zip(tmp_path / "scan.ofd", parts))


def test_parts_over_the_size_cap_are_not_read(tmp_path, monkeypatch):
    pages, _ = notice()
    path = write_ofd(tmp_path / "notice.ofd", pages)
    monkeypatch.setattr(ofd, "MAX_PART_BYTES", 2000)
    with pytest.raises(UnreadableFileError, match="解压后过大"):
        read_ofd(path)


def test_damaged_files_raise_only_unreadable_file_error(tmp_path):
    """Truncated and bit-flipped copies of a good file: read, or refused with a reason, never a library error."""
    pages, _ = notice()
    data = write_ofd(tmp_path / "notice.ofd", pages).read_bytes()
    rng = random.Random(33190)
    damaged = [data[:cut] for cut in range(0, len(data), 97)]
    for _ in range(300):
        copy = bytearray(data)
        for _ in range(rng.randint(1, 4)):
            copy[rng.randrange(len(copy))] = rng.randrange(256)
        damaged.append(bytes(copy))
    path = tmp_path / "damaged.ofd"
    for copy in damaged:
        path.write_bytes(copy)
        with contextlib.suppress(UnreadableFileError):
            read_ofd(path)
