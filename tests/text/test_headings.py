"""Heading lines: families, ranks, titles, article labels, the guards against look-alikes, header-line patterns."""

from __future__ import annotations

import pytest

from policy_qa.text.headings import DATE, TIMESTAMP, heading_like, inline_ordinals, parse_heading
from policy_qa.text.repair import ITEM_MARKER


@pytest.mark.parametrize(
    ("text", "family", "title", "article", "ordinal"),
    [
        ("#某某区数字经济发展规划", "#", "某某区数字经济发展规划", None, None),
        ("###（一）产业基础", "###", "（一）产业基础", None, None),
        ("## 第二章 市场和要素环境", "##", "第二章 市场和要素环境", None, None),
        ("第二编 分则", "第X编", "第二编 分则", None, None),
        ("第三章　市场主体保护", "第X章", "第三章 市场主体保护", None, None),
        ("第三章市场主体保护", "第X章", "第三章 市场主体保护", None, None),  # repair drops the space
        ("第一章 总 则", "第X章", "第一章 总则", None, None),
        ("第二节 一般规定", "第X节", "第二节 一般规定", None, None),
        ("第十四条 市场主体依法享有经营自主权。", "第X条", "第十四条", "第十四条", None),
        ("第一百二十条之一 本条例所称……", "第X条", "第一百二十条之一", "第一百二十条之一", None),
        ("**第五条** 各级人民政府应当……", "第X条", "第五条", "第五条", None),
        ("【2023年工作成绩】", "【】", "2023年工作成绩", None, None),
        ("一、主要指标完成情况", "一、", "一、主要指标完成情况", None, 1),
        ("十二、劳动就业与社会保障", "一、", "十二、劳动就业与社会保障", None, 12),
        ("一、2024年主要商务指标完成情况", "一、", "一、2024年主要商务指标完成情况", None, 1),
        ("（一）在项目建设上快马加鞭。一是加强项目谋划。", "（一）", "（一）在项目建设上快马加鞭", None, 1),
        ("（十）抓安全防风险保稳定，重点领域风险化解有力有效。", "（一）", "（十）抓安全防风险保稳定", None, 10),
        ("1.政务服务提速增效。全面推行“一网通办”。", "1.", "1.政务服务提速增效", None, 1),
        ("3、加大要素供给力度。新建标准化厂房。", "1.", "3、加大要素供给力度", None, 3),
        ("（2）融资保障。组织银企对接会4场。", "（1）", "（2）融资保障", None, 2),
        ("②完善投诉处理机制。", "①", "②完善投诉处理机制", None, 2),
        ("五是要素保障扎实有力。持续深化改革。", "一是", "五是要素保障扎实有力", None, 5),
        ("一是加强项目谋划，目前已谋划开发区项目168个，计划总投资861亿元。", "一是", "一是加强项目谋划", None, 1),
        ("三、一次性求职补贴", "一、", "三、一次性求职补贴", None, 3),  # a title that starts with 一 is no 「三、一」
        ("一、一年至少认证一次", "一、", "一、一年至少认证一次", None, 1),
        # a Q&A item's question is its title, whole up to 30 characters
        ("十、领取失业金期间死亡，遗属可以申请丧葬补助金和抚恤金吗？能领多少钱？", "一、",
         "十、领取失业金期间死亡，遗属可以申请丧葬补助金和抚恤金吗", None, 10),
    ],
)
def test_headings_of_every_family(text, family, title, article, ordinal):
    heading = parse_heading(text)
    assert heading is not None
    assert (heading.family, heading.title, heading.article, heading.ordinal) == (family, title, article, ordinal)


@pytest.mark.parametrize(
    "text",
    [
        "一、二季度经济运行总体平稳。",  # 一、二季度 is no heading
        "二、三产业增加值分别增长5%和6%。",
        "3.5万人次参加活动。",  # 3.5万 is no 3.
        "1、2月份规上工业增加值增长5%。",
        "2023年，全市经济平稳。",
        "2023-07-28 21:38",
        "【环球网报道】当地时间7月18日，美军士兵越界。",  # a dateline, not a whole 【…】 line
        "【责任编辑：王林】",
        "第二章规定的程序，应当在十日内完成。",  # a body sentence that starts with 第二章
        "1.食品烟酒 2.6",  # a table row
        "#粮食101.9",  # a statistics table's 其中 row, its cells joined by repair
        "#铁路 -6.6",
        "（1）税收收入 69.10 12.5",
        "今年以来，一是加强谋划，二是狠抓落实。",
    ],
)
def test_look_alikes_are_body_text(text):
    assert parse_heading(text) is None


def test_ranks_follow_the_conventional_order():
    lines = [
        "#标题", "第一编 总则", "第一章 一般规定", "第一节 适用范围", "第一条 为了……。", "【工作成绩】",
        "一、总体要求", "（一）指导思想。", "1.工作目标。", "（1）近期目标。", "①年度目标。", "一是加强谋划。",
    ]
    ranks = [parse_heading(line).rank for line in lines]
    assert ranks == sorted(ranks) and len(set(ranks)) == len(ranks)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("第一章 总则", True),
        ("一、主要指标完成情况", True),
        ("【2024年工作计划】", True),
        ("##二、主要任务", True),
        ("（一）全面实施市场准入负面清单管理。", False),  # a title sentence: its text may follow on the line
        ("一是引擎作用日益彰显", False),
        ("第一条 本办法自2024年1月1日起施行。", False),
        ("地区生产总值：128.6亿元", False),
    ],
)
def test_heading_like_lines_stand_alone(line, expected):
    assert heading_like(line) is expected


def test_inline_ordinals_are_markers_after_punctuation():
    assert inline_ordinals("注：1.本公报中数据为初步统计数。", "1.") == {1}
    assert inline_ordinals("主要包括：（一）总体要求；（二）重点任务。", "（一）") == {1, 2}
    assert inline_ordinals("增长3.5%，第2、3季度加快，2023.", "1.") == set()
    assert inline_ordinals("1.工作目标。", "1.") == set()  # the paragraph's own marker is not inline


@pytest.mark.parametrize(
    ("line", "date"),
    [
        ("2023-07-28 21:38", "2023-07-28"),
        ("2023-07-26 14:07:09", "2023-07-26"),
        ("7-21 14:51", "7-21"),
        ("2023/07/26", "2023/07/26"),
        ("发布时间:2023-08-16 09:35:29", "2023-08-16"),
        ("2023年08月16日09:35:29来自北京市", "2023年08月16日"),
    ],
)
def test_timestamp_lines(line, date):
    match = TIMESTAMP.fullmatch(line)
    assert match and match.group("date") == date


@pytest.mark.parametrize("line", ["2023年，全市经济平稳。", "7-21", "2023-07-28 比赛继续进行，中国队获胜"])
def test_not_timestamp_lines(line):
    assert TIMESTAMP.fullmatch(line) is None


@pytest.mark.parametrize("date", ["2022年9月7日", "二〇二三年十二月三十日", "2023.07.28", "2017年3月16日"])
def test_dates_as_written(date):
    assert DATE.fullmatch(date)


def test_item_marker_is_still_exported_by_repair():
    assert [bool(ITEM_MARKER.match(t)) for t in ("（一）在", "一是加强", "1.政务", "（2）融资", "一、总体")] == [
        True, True, True, True, False,
    ]
