"""Layout repair: joined hard line breaks, kept paragraph breaks and headings, removed stray spaces, origin lines."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from policy_qa.text.repair import clean_line, repair_text, spaces_are_separators

CORPUS_FILE = Path(__file__).resolve().parents[2] / "corpus" / "临汾晋城开发区2023年工作情况.txt"
BULLETIN_FILE = Path(__file__).resolve().parents[1] / "data" / "second_bulletin" / "某某县2024年上半年营商环境工作总结.txt"


@pytest.fixture(scope="module")
def raw() -> str:
    return CORPUS_FILE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def repaired(raw: str) -> tuple[str, tuple[int, ...]]:
    return repair_text(raw)


def paragraphs(text: str) -> list[str]:
    return text.split("\n")


def test_hard_line_breaks_inside_words_are_joined(repaired):
    text = repaired[0]
    assert "全面贯彻落实党的二十大精神和习近平总书记" in text  # 「…精神和\n习近平…」
    assert "推动全市经济高质量发展" in text  # 「推动全\n市经济…」
    assert "规上工业增加值489.69亿元，同比增长22.6%" in text


@pytest.mark.parametrize(
    "joined",
    [
        "数量及投资额占比分别达到79.1%、97.7%",
        "2022年以来“三个一批”活动中",
        "全市5家开发区（示范区）“三制”改革全面完成",
        "确保企业“即住即投即产”",
        "实地调研、督导约谈等方式",
        "（四）严格督导考核，夯实制度支撑。",
        "全力提升经济产出。全市4个工业类开发区",
    ],
)
def test_blank_lines_inside_sentences_are_joined(repaired, joined):
    assert joined in repaired[0]


@pytest.mark.parametrize(
    "fixed",
    ["2023年，临汾市", "增加值489.69亿元，同比增长", "占工业投资比重91.09%", "阵。供稿：临汾市商务局", "“5年1000亿”", "各开发区（示范区）"],
)
def test_stray_spaces_inside_terms_and_figures_are_removed(repaired, fixed):
    assert fixed in repaired[0]


def test_no_other_character_changes(raw, repaired):
    """Only whitespace differs: quotes, punctuation and the OCR slip 「100豫」 survive untouched."""
    assert re.sub(r"\s", "", raw) == re.sub(r"\s", "", repaired[0])
    assert "项目100豫落实“一本制”服务" in repaired[0]


def test_headings_stand_on_their_own_lines(repaired):
    lines = paragraphs(repaired[0])
    assert lines.count("【2023年工作成绩】") == 2
    assert lines.count("【2024年工作计划】") == 2
    assert any(line.startswith("（一）工业经济平稳运行。") for line in lines)  # single newline after the heading


def test_paragraph_breaks_are_single_newlines(repaired):
    text = repaired[0]
    assert "\n\n" not in text and text == text.strip()
    lines = paragraphs(text)
    starts = [line[:2] for line in lines if line[:2] in {"一是", "二是", "三是", "四是", "五是", "六是", "七是"}]
    assert starts == ["一是", "二是", "三是", "四是", "五是", "六是", "七是"]
    assert lines[0].endswith("全面提质提速。")
    assert any(line.startswith("今年以来，晋城市") for line in lines)  # the byline closes the previous paragraph
    assert len(lines) == 31


def test_inline_enumeration_after_a_full_line_is_not_a_break(repaired):
    """「（一）在项目建设上快马加鞭。」 fills its line; the 一是 that follows continues the paragraph."""
    assert "（一）在项目建设上快马加鞭。一是加强项目谋划" in repaired[0]


def test_origin_lines_point_at_the_original_lines(raw, repaired):
    text, origins = repaired
    assert len(origins) == len(text)
    assert list(origins) == sorted(origins)
    raw_lines = raw.splitlines()
    offset = text.index("37.9万平方米")
    line = origins[offset]
    assert "37.9 万平方" in raw_lines[line - 1]
    assert "米，已使用" in raw_lines[origins[offset + len("37.9万平方")] - 1]
    byline = origins[text.index("供稿：晋城市商务局")]
    assert raw_lines[byline - 1].endswith("供稿：晋城市商务局") and byline == 433


def test_crlf_and_lf_give_the_same_text():
    raw = "第一行文字没有结束\n还在继续，没有结束\n\n终于结束了。\n【标题】\n新的段落。"
    assert repair_text(raw.replace("\n", "\r\n")) == repair_text(raw)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("增 加 值 489.69 亿 元 ， 同 比 增 长", "增加值489.69亿元，同比增长"),
        ("  2023 年， 全市 9 家  ", "2023年，全市9家"),
        ("阵。 供稿：临汾市商务局", "阵。供稿：临汾市商务局"),
        ("\u3000\u3000今年\u3000以来", "今年以来"),
        ("Word  Word 3 4", "Word Word 3 4"),
        ("通过 ISO 9001 认证", "通过ISO 9001认证"),
        ("开发区 “三制” 改革", "开发区“三制”改革"),
        ("he said “yes” twice", "he said “yes” twice"),
        ("同比增长 16.5 %，占", "同比增长16.5%，占"),
        ("增加 值 489.69 亿元", "增加值489.69亿元"),
        ("阵。  供稿：某市商务局", "阵。供稿：某市商务局"),
    ],
)
def test_clean_line_spacing(line, expected):
    assert clean_line(line) == expected


def test_latin_words_joined_across_lines_keep_a_space():
    text, _ = repair_text("通过ISO\n9001认证，继续推\n进工作。")
    assert text == "通过ISO 9001认证，继续推进工作。"


def test_text_that_is_not_hard_wrapped_keeps_every_line():
    text, origins = repair_text("第一段。\n第二段没有句号\n第三段。")
    assert text == "第一段。\n第二段没有句号\n第三段。"
    assert origins[text.index("第三段")] == 3


def test_second_bulletin_layout():
    text, _ = repair_text(BULLETIN_FILE.read_text(encoding="utf-8"))
    lines = paragraphs(text)
    assert lines[0] == "云岭县2024年上半年营商环境工作总结"  # a title line followed by a blank line stands alone
    assert lines[1].startswith("今年上半年，云岭县")  # full-width indentation stripped
    assert "一、主要指标完成情况" in lines and "三、存在问题及下一步打算" in lines
    assert "地区生产总值：128.6亿元，同比增长5.2%" in lines  # record lines stay one per line
    assert "新登记经营主体：3126户，同比增长12.4%" in lines
    assert lines[-1] == "来源：云岭县营商环境建设局"
    assert any(line.startswith("4.法治环境不断优化。") for line in lines)  # item after a single newline
    assert "涉企行政检查次数同比下降21.3%" in text
    assert "企业开办时间压缩至0.5个工作日。上线“云岭办事”App" in text


SEPARATED = (
    "2023-07-28 21:38\n原标题：某某队十人作战绝地反击 北京时间28日晚 2023某某杯小组赛次轮 少一人作战的 某某队1:0战胜对手 "
    "延续小组出线希望！ 新感觉 新时尚 新滋味！ 编辑 | 李 冉"
)


@pytest.mark.parametrize(
    "path", [CORPUS_FILE, BULLETIN_FILE, CORPUS_FILE.parents[1] / "eval" / "second_corpus" / "澜溪区商务局2024年工作总结和2025年工作打算.txt"]
)
def test_pdf_extracted_bulletins_use_no_separators(path):
    assert not spaces_are_separators(path.read_text(encoding="utf-8"))


def test_web_text_keeps_spaces_between_phrases_as_separators():
    assert spaces_are_separators(SEPARATED)
    text, origins = repair_text(SEPARATED)
    assert text.split("\n")[1] == (
        "原标题：某某队十人作战绝地反击 北京时间28日晚 2023某某杯小组赛次轮 少一人作战的 某某队1:0战胜对手 "
        "延续小组出线希望！新感觉 新时尚 新滋味！编辑|李冉"  # spaces by punctuation or a lone character are dropped
    )
    assert origins[text.index("新时尚")] == 2 and len(origins) == len(text)


def test_letter_spacing_is_joined_in_separated_text():
    text, _ = repair_text("第一章　总　则\n第一条　为了规范管理，制定本办法。\n第二条　本办法适用于全市。\n第三条　施行。")
    assert text.split("\n") == ["第一章总则", "第一条 为了规范管理，制定本办法。", "第二条 本办法适用于全市。", "第三条 施行。"]


def test_spaces_around_numbers_typeset_text_are_dropped():
    raw = "2023-07-25 12:41\n7 月 25 日消息，芯片巨头 AMD 将在 8 月 2 日发布财报，营收约 54 亿美元，同比下降 18 %。"
    assert not spaces_are_separators(raw)
    assert repair_text(raw)[0].split("\n")[1] == "7月25日消息，芯片巨头AMD将在8月2日发布财报，营收约54亿美元，同比下降18%。"


def test_timestamp_and_number_lines_stand_alone_in_short_texts():
    assert repair_text("2023-07-28 21:38\n正文没有句号结束")[0] == "2023-07-28 21:38\n正文没有句号结束"
    text, _ = repair_text("某某局关于某事的通知\n某发〔2023〕5号\n各有关单位：\n现将有关事项通知如下。")
    assert text.split("\n")[:2] == ["某某局关于某事的通知", "某发〔2023〕5号"]


def test_table_rows_keep_their_cells_apart():
    raw = "表1 主要产品产量\n\t产量（吨）\t比上年增长（%）\n粮 食\t1223474\t1.8\n其中：夏粮\t206624\t6.2\n八、金  融\n存款余额增长。"
    assert repair_text(raw)[0].split("\n") == [
        "表1主要产品产量",
        "产量（吨） 比上年增长（%）",
        "粮食 1223474 1.8",
        "其中：夏粮 206624 6.2",
        "八、金融",
        "存款余额增长。",
    ]


def test_names_apart_by_two_spaces_stay_apart():
    assert clean_line("某州统计局  国家统计局某调查队") == "某州统计局 国家统计局某调查队"
