"""Documents, headers, sections and chunks: the seed bulletin, the second bulletin and written examples of an 意见,
a 办法, a Markdown plan, news articles, a compiled bulletin and a statistical communiqué."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from policy_qa.schema import Document, DocumentHeader, Section, SourceDocument
from policy_qa.text.ingest import line_runs, read_document
from policy_qa.text.repair import repair_text
from policy_qa.text.sentences import split_sentences
from policy_qa.text.structure import chunk_sections, parse_documents, parse_sections

ROOT = Path(__file__).resolve().parents[2]
CORPUS_FILE = ROOT / "corpus" / "临汾晋城开发区2023年工作情况.txt"
BULLETIN_FILE = Path(__file__).resolve().parents[1] / "data" / "second_bulletin" / "某某县2024年上半年营商环境工作总结.txt"
DONE, PLAN = "2023年工作成绩", "2024年工作计划"

OPINION_TITLE = "国务院办公厅关于进一步优化营商环境降低市场主体制度性交易成本的意见"
OPINION = f"""{OPINION_TITLE}
国办发〔2022〕30号
来源：中国政府网
发布日期：2022-09-15

各省、自治区、直辖市人民政府，国务院各部委、各直属机构：
　　市场主体是经济社会发展的重要力量。为进一步优化营商环境，降低制度性交易成本，经国务院同意，现提出以下意见。
一、进一步破除隐性门槛，推动降低市场主体准入成本
（一）全面实施市场准入负面清单管理。健全市场准入负面清单管理及动态调整机制，抓紧完善相适应的审批机制、监管机制。
（二）着力规范招投标和政府采购制度。具体要求如下：
1.清理妨碍公平竞争的规定；
2.推动电子招投标全覆盖；
3.完善投诉处理机制。
二、进一步规范涉企收费，推动减轻市场主体经营负担
（三）严格规范政府收费和罚款。
1.严格落实行政事业性收费目录清单。除法律法规依据或经国务院批准外，一律不得新设收费项目。
2.规范行政处罚裁量权。2022年底前，各地区要完成罚款事项清理。
各地区、各部门要认真贯彻落实本意见要求，确保各项举措落地见效。

国务院办公厅
2022年9月7日
（此件公开发布）
"""

MEASURES = """某某市优化营商环境办法

目　录
第一章　总　则
第二章　市场主体保护
第三章　附　则

第一章　总　则
第一条　为了持续优化营商环境，激发市场主体活力，根据《优化营商环境条例》等法律法规，结合本市实际，制定本办法。
第二条　本办法适用于本市行政区域内的优化营商环境工作。
本办法所称营商环境，是指企业等市场主体在市场经济活动中所涉及的体制机制性因素和条件。
第二章　市场主体保护
第一节　一般规定
第三条　市人民政府应当加强对优化营商环境工作的组织领导，履行下列职责：
（一）统筹推进优化营商环境工作；
（二）研究解决重大问题；
（三）督促检查工作落实。
第四条　市场主体依法享有经营自主权。
第三章　附　则
第五条　本办法自2024年1月1日起施行。
"""

PLAN_MD = """# 某某区数字经济发展规划（2024—2026年）

为加快数字经济发展，制定本规划。

## 一、发展基础

### （一）产业基础

2023年，全区数字经济核心产业增加值达到120亿元，同比增长9.5%。

### （二）存在问题

创新能力不强，龙头企业偏少。

## 二、主要任务

#### 1. 建设算力设施

新建数据中心机架2000个。
"""

MATCH_REPORT = (
    "2023-07-28 21:38\n"
    "原标题：某某队十人作战绝地反击 北京时间28日晚 某某杯小组赛次轮 少一人作战的 某某队1:0战胜对手 延续小组出线希望！ "
    "本场比赛是某某队生死战 想要保留出线希望 就必须取胜 开场阶段 对手全线退守 某某队主导控球和进攻 第28分钟 场上风云突变 "
    "某某队中场球员 在争抢过程中蹬踏对手膝盖 被裁判出示红牌罚下 半场比分0:0 易边再战 对手则加强攻势 少一人作战的某某队没有放弃 "
    "第72分钟 某某队禁区内制造点球 队长完成破门 这一比分保持到了终场 拿下这场宝贵胜利过后 保留小组出线希望的某某队 "
    "将在末轮对阵另一支强队 姑娘们继续加油！ 来源：某某体育微信公众号 责任编辑：王某"
)

WEATHER_REPORT = (
    "来源:某某青年报客户端\n"
    "某某青年报客户端北京8月9日电（记者 高某）据黑龙江省气象局，受台风北上影响，10日夜间至12日白天为主要降水时段，"
    "部分地区累计雨量为40～90毫米。水利厅方面预计，本次台风主要影响松花江中下游。 【责任编辑：王某】"
)


def report(place: str, body: str, byline: str) -> str:
    """A compiled report of a few hundred characters closed by ``byline``."""
    filler = f"{place}持续推进开发区改革，项目建设、招商引资和营商环境各项工作取得新进展，主要指标保持较快增长。" * 4
    return f"2023年，{filler}\n【工作成效】\n一是{body}。{filler}\n二是服务优化。{filler}{byline}\n"


COMPILED = report("甲乙县", "项目建设加快", "来源：甲乙县发改局") + report("丙丁市", "招商引资提速", "供稿：丙丁市商务局")

COMMUNIQUE = (
    "某某自治州\n2016年国民经济和社会发展统计公报\n某某州统计局  国家统计局某某调查队\n2017年3月16日\n\n"
    "2016年，全州经济社会发展呈现出持续向好的良好态势。\n"
    "一、综合\n初步核算，全年地区生产总值939.05亿元，比上年增长13.3%。\n"
    "表1 居民消费价格\n\t比上年上涨（%）\n居民消费价格总指数\t1.5\n1.食品烟酒\t2.6\n其中：粮 食\t1.2\n2.衣着\t1.0\n"
    "二、农业\n全年粮食总产量达到122.35万吨，比上年增长1.8 %。\n"
    "注：1.本公报中数据为初步统计数。\n2.生产总值绝对数按现价计算，增长速度按可比价计算。\n3.部分数据因四舍五入存在误差。\n"
)


@pytest.fixture(scope="module")
def corpus() -> SourceDocument:
    return read_document(CORPUS_FILE, CORPUS_FILE.name)


@pytest.fixture(scope="module")
def sections(corpus) -> list[Section]:
    return parse_sections(corpus)


@pytest.fixture(scope="module")
def bulletin() -> SourceDocument:
    return read_document(BULLETIN_FILE, BULLETIN_FILE.name)


def document(text: str, name: str = "报告/测试文件.txt") -> SourceDocument:
    repaired, origins = repair_text(text)
    return SourceDocument(name, repaired, "utf-8", "0", line_runs(origins), Path(name), repaired)


def only(text: str, name: str = "报告/测试文件.txt") -> Document:
    """The single document of ``text``, checked well formed."""
    source = document(text, name)
    documents = parse_documents(source)
    assert len(documents) == 1
    assert_documents_well_formed(source, documents)
    return documents[0]


def paths(sections: list[Section]) -> list[tuple[str, ...]]:
    return [s.heading_path for s in sections]


def items(sections: list[Section], report: str, part: str) -> list[str]:
    return [s.heading_path[2] for s in sections if s.heading_path[:2] == (report, part) and len(s.heading_path) == 3]


def by_path(sections) -> dict[tuple[str, ...], Section]:
    return {s.heading_path: s for s in sections}


def assert_well_formed(doc: SourceDocument, sections: list[Section]) -> None:
    """Sections are exact, trimmed, ordered, disjoint and together cover all the text."""
    assert sections
    for section in sections:
        assert section.document == doc.name
        assert section.text == doc.text[section.start : section.end] == section.text.strip()
        assert section.line_start == doc.line_of(section.start) <= section.line_end == doc.line_of(section.end - 1)
    assert sections[0].start == 0 and sections[-1].end == len(doc.text)
    assert all(a.end < b.start and not doc.text[a.end : b.start].strip() for a, b in zip(sections, sections[1:]))


def assert_documents_well_formed(doc: SourceDocument, documents: list[Document]) -> None:
    """Documents tile the text; each one's sections tile its span and start with its name."""
    assert_well_formed(doc, [s for d in documents for s in d.sections])
    assert documents[0].start == 0 and documents[-1].end == len(doc.text)
    for document_ in documents:
        assert document_.file == doc.name
        assert (document_.sections[0].start, document_.sections[-1].end) == (document_.start, document_.end)
        assert all(s.heading_path[0] == document_.name for s in document_.sections)
        assert all((s.article is not None) == bool(re.fullmatch("第.+条(之.+)?", s.heading_path[-1])) for s in document_.sections)


# The seed bulletin: two compiled reports, sections and heading paths as the QA sets name them.


def test_corpus_compiles_two_reports_named_by_their_bylines(corpus):
    documents = parse_documents(corpus)
    assert_documents_well_formed(corpus, documents)
    assert [(d.name, d.aliases) for d in documents] == [("临汾市", ("临汾",)), ("晋城市", ("晋城",))]
    assert [d.header for d in documents] == [
        DocumentHeader("临汾市", issuer="临汾市商务局"),
        DocumentHeader("晋城市", issuer="晋城市商务局"),
    ]
    assert corpus.text[documents[0].end - len("供稿：临汾市商务局") : documents[0].end] == "供稿：临汾市商务局"
    assert corpus.text[documents[1].start :].startswith("今年以来，晋城市")


def test_corpus_heading_paths_named_by_the_qa_sets(sections):
    headings = [s.heading for s in sections]
    assert "临汾市 › 2023年工作成绩 › 五是要素保障扎实有力" in headings
    assert "晋城市 › 2024年工作计划 › （四）在营商环境上全面发力" in headings
    assert all(s.article is None for s in sections)


def test_corpus_reports_parts_and_items(sections):
    assert list(dict.fromkeys(p[0] for p in paths(sections))) == ["临汾市", "晋城市"]
    for report_ in ("临汾市", "晋城市"):
        assert (report_,) in paths(sections)
        assert (report_, DONE) not in paths(sections)  # no intro of its own: the heading opens the first item
        assert (report_, PLAN) in paths(sections)
    assert items(sections, "临汾市", DONE) == [
        "一是引擎作用日益彰显",
        "二是体制改革不断深化",
        "三是招商引资成效显著",
        "四是项目建设高效推进",
        "五是要素保障扎实有力",
        "六是营商环境持续优化",
        "七是制度体系更加健全",
    ]
    assert [t[:3] for t in items(sections, "晋城市", DONE)] == ["（一）", "（二）", "（三）", "（四）", "（五）", "（六）", "（七）", "（八）"]
    assert items(sections, "晋城市", DONE)[0] == "（一）工业经济平稳运行"
    assert items(sections, "临汾市", PLAN) == [
        "（一）开展有效招商，夯实动力支撑",
        "（二）扩大有效投资，夯实项目支撑",
        "（三）强化要素保障，夯实环境支撑",
        "（四）严格督导考核，夯实制度支撑",
    ]
    assert items(sections, "晋城市", PLAN) == [
        "（一）在项目建设上快马加鞭",
        "（二）在产业升级上提质增效",
        "（三）在改革创新上突破攻坚",
        "（四）在营商环境上全面发力",
    ]
    assert len(sections) == 27


def test_section_holds_its_item_text(corpus, sections):
    section = by_path(sections)[("临汾市", DONE, "五是要素保障扎实有力")]
    assert "建成标准化厂房37.9万平方米，已使用29.9万平方米" in section.text
    assert section.text.startswith("五是要素保障扎实有力。")
    assert (section.line_start, section.line_end) == (84, 96)
    assert corpus.text[section.start : section.end] == section.text


def test_heading_line_belongs_to_the_section_it_opens(sections):
    first_item = by_path(sections)[("临汾市", DONE, "一是引擎作用日益彰显")]
    assert first_item.text.startswith("【2023年工作成绩】\n一是引擎作用日益彰显。")
    plan_intro = by_path(sections)[("晋城市", PLAN)]
    assert plan_intro.text.startswith("【2024年工作计划】\n2024年，晋城市将坚决贯彻")
    assert "（一）" not in plan_intro.text


def test_inline_enumerations_stay_in_their_item(sections):
    item = by_path(sections)[("晋城市", PLAN, "（一）在项目建设上快马加鞭")]
    assert "二是精准招商引资" in item.text and "三是狠抓项目建设" in item.text
    assert not any(p[-1].startswith(("一是", "二是")) for p in paths(sections) if p[0] == "晋城市")


def test_bylines_stay_in_their_own_report(sections):
    lin_last = [s for s in sections if s.heading_path[0] == "临汾市"][-1]
    assert lin_last.text.endswith("进入全省第一方阵。供稿：临汾市商务局")
    for section in sections:
        other = "临汾市商务局" if section.heading_path[0] == "晋城市" else "晋城市商务局"
        assert other not in section.text
    assert by_path(sections)[("晋城市",)].text.startswith("今年以来，晋城市")


def test_corpus_sections_are_well_formed(corpus, sections):
    assert_well_formed(corpus, sections)


def test_every_sentence_is_inside_exactly_one_section(corpus, sections):
    for sentence in split_sentences(corpus.text):
        holders = [s for s in sections if s.start <= sentence.start and sentence.end <= s.end]
        assert len(holders) == 1, corpus.text[sentence.start : sentence.end]


# Other layouts.


def test_second_bulletin_structure(bulletin):
    title = "云岭县2024年上半年营商环境工作总结"
    (doc,) = parse_documents(bulletin)
    assert_documents_well_formed(bulletin, [doc])
    assert (doc.name, doc.aliases) == (title, ("云岭县", "云岭"))  # one file, one document: its 来源 line splits nothing
    assert doc.header == DocumentHeader(title, issuer="云岭县营商环境建设局", kind="总结")
    sections = list(doc.sections)
    parts = list(dict.fromkeys(p[1] for p in paths(sections) if len(p) > 1))
    assert parts == ["一、主要指标完成情况", "二、重点工作开展情况", "三、存在问题及下一步打算"]
    assert items(sections, title, parts[1]) == [
        "1.政务服务提速增效",
        "2.要素保障持续强化",
        "3.经营主体培育壮大",
        "4.法治环境不断优化",
        "5.招商服务精准有力",
        "6.创新生态加快构建",
    ]
    assert [t[:2] for t in items(sections, title, parts[2])] == ["1.", "2.", "3.", "4."]
    sections_by_path = by_path(sections)
    assert sections_by_path[(title,)].text.startswith(f"{title}\n今年上半年")
    indicators = sections_by_path[(title, parts[0])].text.split("\n")
    assert "地区生产总值：128.6亿元，同比增长5.2%" in indicators and len(indicators) == 9
    assert sections_by_path[(title, parts[2])].text.endswith("下半年，我县将重点做好以下工作：")
    factors = (title, parts[1], "2.要素保障持续强化")
    assert sections_by_path[factors].text.endswith("每月调度一次、每季度通报一次。")  # （1）… nest one level down
    assert [p[-1] for p in paths(sections) if p[:3] == factors and len(p) == 4] == ["（1）用地保障", "（2）融资保障", "（3）用工保障"]
    assert sections[-1].text.endswith("\n来源：云岭县营商环境建设局")


def test_opinion_copied_from_a_government_site():
    doc = only(OPINION, "国办发〔2022〕30号.txt")
    assert (doc.name, doc.aliases) == (OPINION_TITLE, ())  # 来源：中国政府网 splits nothing and names nothing
    assert doc.header == DocumentHeader(OPINION_TITLE, "国务院办公厅", "2022年9月7日", "国办发〔2022〕30号", "意见")
    part_one, part_two = "一、进一步破除隐性门槛", "二、进一步规范涉企收费"
    assert paths(doc.sections) == [
        (OPINION_TITLE,),
        (OPINION_TITLE, part_one, "（一）全面实施市场准入负面清单管理"),
        (OPINION_TITLE, part_one, "（二）着力规范招投标和政府采购制度"),
        (OPINION_TITLE, part_two, "（三）严格规范政府收费和罚款", "1.严格落实行政事业性收费目录清单"),
        (OPINION_TITLE, part_two, "（三）严格规范政府收费和罚款", "2.规范行政处罚裁量权"),
    ]
    intro, first, tendering, _, last = doc.sections
    assert intro.text.endswith("现提出以下意见。") and "来源：中国政府网" in intro.text
    assert "各省、自治区、直辖市人民政府，国务院各部委、各直属机构：" in intro.text
    assert first.text.startswith("一、进一步破除隐性门槛，推动降低市场主体准入成本\n（一）")  # bare part heading merged
    assert tendering.text.endswith("1.清理妨碍公平竞争的规定；\n2.推动电子招投标全覆盖；\n3.完善投诉处理机制。")  # 项 ending ；
    assert last.text.endswith("确保各项举措落地见效。\n国务院办公厅\n2022年9月7日\n（此件公开发布）")


@pytest.mark.parametrize("number", ["国办发〔2023〕12号", "国办发[2023]12号", "国办发【2023】12号", "国办发(2023)12号"])
def test_document_number_in_any_brackets(number):
    doc = only(f"国务院办公厅关于做好某项工作的通知\n{number}\n各省、自治区、直辖市人民政府：\n现就有关事项通知如下。")
    assert (doc.header.number, doc.header.kind, doc.header.issuer) == (number, "通知", "国务院办公厅")


def test_fields_of_a_header_table():
    doc = only(
        "索引号：000014349/2022-00095\t主题分类：综合政务\n发文机关：国务院办公厅\t成文日期：2022年09月07日\n"
        "标题：关于做好某项工作的通知\n发文字号：国办函〔2022〕7号\t发布日期：2022年09月15日\n现就有关事项通知如下。"
    )
    assert doc.header == DocumentHeader("关于做好某项工作的通知", "国务院办公厅", "2022年09月07日", "国办函〔2022〕7号", "通知")


def test_measures_with_chapters_articles_and_items():
    title = "某某市优化营商环境办法"
    doc = only(MEASURES)
    assert doc.header == DocumentHeader(title, kind="办法")
    chapter_two = "第二章 市场主体保护"
    assert paths(doc.sections) == [
        (title,),
        (title, "第一章 总则", "第一条"),
        (title, "第一章 总则", "第二条"),
        (title, chapter_two, "第一节 一般规定", "第三条"),
        (title, chapter_two, "第一节 一般规定", "第四条"),
        (title, "第三章 附则", "第五条"),
    ]
    assert [s.article for s in doc.sections] == [None, "第一条", "第二条", "第三条", "第四条", "第五条"]
    intro, first, second, third, _, last = doc.sections
    assert intro.text.endswith("目录\n第一章总则\n第二章市场主体保护\n第三章附则")  # a table of contents, not headings
    assert first.text.startswith("第一章总则\n第一条")
    assert second.text.endswith("所涉及的体制机制性因素和条件。")  # its second 款 stays in the article
    assert third.text.startswith("第二章市场主体保护\n第一节一般规定\n第三条")
    assert third.text.endswith("（一）统筹推进优化营商环境工作；\n（二）研究解决重大问题；\n（三）督促检查工作落实。")  # 项
    assert last.text == "第三章附则\n第五条本办法自2024年1月1日起施行。"


def test_markdown_plan():
    title = "某某区数字经济发展规划（2024—2026年）"
    doc = only(PLAN_MD, "规划.md")
    assert (doc.name, doc.header.kind) == (title, "规划")
    assert paths(doc.sections) == [
        (title,),
        (title, "一、发展基础", "（一）产业基础"),
        (title, "一、发展基础", "（二）存在问题"),
        (title, "二、主要任务", "1.建设算力设施"),
    ]
    assert doc.sections[0].text.endswith("制定本规划。")
    assert doc.sections[-1].text.startswith("##二、主要任务\n#### 1.建设算力设施\n新建")


def test_news_article_is_one_document_named_by_its_title():
    doc = only(MATCH_REPORT, "news-1.txt")
    assert (doc.name, doc.aliases) == ("某某队十人作战绝地反击", ())
    assert doc.header == DocumentHeader("某某队十人作战绝地反击", date="2023-07-28")
    assert paths(doc.sections) == [("某某队十人作战绝地反击",)]
    assert doc.sections[0].text.startswith("2023-07-28 21:38\n原标题：")


@pytest.mark.parametrize(
    ("title", "aliases"),
    [
        ("国际市场销量创历史新高", ()),  # 「国际市」 is no city
        ("逛超市成为新时尚", ()),
        ("欧元区经济增长放缓", ("欧元区",)),  # 「欧元」 is a currency, no place
        ("太原市出台稳就业新政", ("太原市", "太原")),
    ],
)
def test_a_title_gives_place_aliases_only_for_proper_names(title, aliases):
    doc = only(MATCH_REPORT.replace("某某队十人作战绝地反击", title), "news-1.txt")
    assert (doc.name, doc.aliases) == (title, aliases)


def test_news_article_without_a_title_is_named_by_its_file():
    doc = only(WEATHER_REPORT, "news/news-2.txt")
    assert (doc.name, doc.header) == ("news-2", DocumentHeader("news-2"))  # never 「据黑龙江省」 nor the 来源
    assert paths(doc.sections) == [("news-2",)]


@pytest.mark.parametrize(
    "text",
    [
        "今年以来，全市经济平稳。\n\n我们继续努力。",
        "2024年，全市上下齐心，河源市经济平稳。",  # no place from the first sentence
        "今年以来，各项工作平稳推进。供稿：经济开发区管委会",  # a lone byline neither splits nor names
    ],
)
def test_document_without_a_title_is_named_by_its_file(text):
    assert paths(only(text).sections) == [("测试文件",)]


def test_compiled_bulletin_splits_at_bylines_that_close_reports():
    source = document(COMPILED)
    documents = parse_documents(source)
    assert_documents_well_formed(source, documents)
    assert [(d.name, d.aliases, d.header.issuer) for d in documents] == [
        ("甲乙县", ("甲乙",), "甲乙县发改局"),
        ("丙丁市", ("丙丁",), "丙丁市商务局"),
    ]
    assert [s.heading_path for s in documents[1].sections] == [
        ("丙丁市",),
        ("丙丁市", "工作成效", "一是招商引资提速"),
        ("丙丁市", "工作成效", "二是服务优化"),
    ]
    assert documents[0].sections[-1].text.endswith("来源：甲乙县发改局")


def test_byline_of_a_generic_zone_gives_no_generic_name():
    source = document(report("某某", "项目建设加快", "供稿：经开区管委会") + report("丙丁市", "服务优化", "供稿：丙丁市商务局"))
    names = [(d.name, d.aliases) for d in parse_documents(source)]
    assert names == [("经开区管委会", ()), ("丙丁市", ("丙丁",))]


def test_statistical_communique():
    title = "某某自治州2016年国民经济和社会发展统计公报"
    doc = only(COMMUNIQUE)
    assert doc.header == DocumentHeader(title, "某某州统计局 国家统计局某某调查队", "2017年3月16日", kind="公报")
    assert paths(doc.sections) == [(title,), (title, "一、综合"), (title, "一、综合", "表1居民消费价格"), (title, "二、农业")]
    table = doc.sections[2]
    assert table.table_header == "比上年上涨（%）" and doc.sections[1].table_header is None
    rows = table.text.split("\n")
    assert "1.食品烟酒 2.6" in rows and "其中：粮食 1.2" in rows  # table rows, not headings
    assert doc.sections[3].text.endswith("3.部分数据因四舍五入存在误差。")  # notes continue 「注：1.」
    assert "比上年增长1.8%。" in doc.sections[3].text


def test_prose_after_a_table_goes_back_to_the_heading_above_it():
    doc = only("某县统计公报\n一、农业\n粮食增产。\n表3 主要农产品产量\n\t产量（吨）\n粮食\t1223\n油料\t77\n林业生产稳定，木材采伐量增加。\n")
    assert paths(doc.sections)[1:] == [("某县统计公报", "一、农业"), ("某县统计公报", "一、农业", "表3主要农产品产量"), ("某县统计公报", "一、农业")]
    assert doc.sections[-1].text == "林业生产稳定，木材采伐量增加。" and doc.sections[2].table_header == "产量（吨）"


def test_rows_marked_other_in_a_table_are_no_markdown_headings():
    """Statistics tables mark an 「其中」 row with 「#」: 「#小麦 508」 is a row of its table, not a heading."""
    doc = only("某县统计公报\n一、农业\n粮食增产。\n表3 主要农产品产量\n\t产量（吨）\n粮食\t1223\n#小麦\t508\n二、工业\n工业增长。\n")
    assert paths(doc.sections)[1:] == [
        ("某县统计公报", "一、农业"), ("某县统计公报", "一、农业", "表3主要农产品产量"), ("某县统计公报", "二、工业"),
    ]
    assert "#小麦" in doc.sections[2].text


def test_heading_broken_over_two_lines():
    doc = only("某市政府工作报告\n各位代表：\n三、持续提升政府\n治理效能和服务水平\n人民满意是衡量政府工作的根本标准。")
    assert paths(doc.sections)[-1] == ("某市政府工作报告", "三、持续提升政府治理效能和服务水平")


def test_long_first_sentence_is_cut_at_its_first_clause():
    doc = document("【计划】\n一是加强项目谋划，目前已谋划开发区项目168个，计划总投资861亿元。")
    assert paths(parse_sections(doc))[-1][-1] == "一是加强项目谋划"


def test_source_modules_hold_no_corpus_specifics():
    for path in (ROOT / "src" / "policy_qa").rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        assert not re.search("临汾|晋城|标准化厂房|工作成绩|工作计划|云岭|澜溪|黔东南|重庆|广东", source), path


# Chunks.


def test_sections_that_fit_are_one_chunk_each(sections):
    chunks = chunk_sections(sections, max_chars=400)
    assert len(chunks) == len(sections) == 27
    assert all(c.text == c.section.text and (c.start, c.end) == (c.section.start, c.section.end) for c in chunks)


@pytest.mark.parametrize("max_chars", [60, 120, 200])
def test_long_sections_are_cut_into_overlapping_runs_of_sentences(corpus, sections, max_chars):
    chunks = chunk_sections(sections, max_chars=max_chars)
    assert len(chunks) > len(sections)
    for section in sections:
        sentences = split_sentences(corpus.text, section.start, section.end)
        starts, ends = {s.start for s in sentences}, {s.end for s in sentences}
        own = [c for c in chunks if c.section is section]
        for chunk in own:
            assert chunk.text == corpus.text[chunk.start : chunk.end]
            assert chunk.start in starts and chunk.end in ends  # never cut inside a sentence
            inside = [s for s in sentences if chunk.start <= s.start and s.end <= chunk.end]
            assert len(chunk.text) <= max_chars or len(inside) == 1
        covered = {s for s in sentences for c in own if c.start <= s.start and s.end <= c.end}
        assert covered == set(sentences)
        for a, b in zip(own, own[1:]):
            in_a = [s for s in sentences if a.start <= s.start and s.end <= a.end]
            shared = [s for s in in_a if b.start <= s.start]
            following = next(s for s in sentences if s.start >= a.end)
            overlap_fits = len(in_a) > 1 and following.end - in_a[-1].start <= max_chars
            assert shared == ([in_a[-1]] if overlap_fits else [])


def test_overlap_is_one_sentence_between_consecutive_chunks():
    doc = document("【计划】\n" + "".join(f"第{n}句内容写在这里。" for n in range(1, 9)))
    section = parse_sections(doc)[0]
    chunks = chunk_sections([section], max_chars=32)
    assert [c.text for c in chunks] == [
        "【计划】\n第1句内容写在这里。第2句内容写在这里。",
        "第2句内容写在这里。第3句内容写在这里。第4句内容写在这里。",
        "第4句内容写在这里。第5句内容写在这里。第6句内容写在这里。",
        "第6句内容写在这里。第7句内容写在这里。第8句内容写在这里。",
    ]


def test_overlong_sentence_is_its_own_chunk():
    long_sentence = "这是一个非常长的句子" * 6 + "。"
    doc = document(f"开头一句。{long_sentence}结尾一句。")
    section = parse_sections(doc)[0]
    chunks = chunk_sections([section], max_chars=30)
    assert [c.text for c in chunks] == ["开头一句。", long_sentence, "结尾一句。"]


def test_separated_news_text_is_chunked_into_readable_sentences():
    doc = only(MATCH_REPORT, "news-1.txt")
    chunks = chunk_sections(list(doc.sections), max_chars=120)
    assert len(chunks) > 2 and all(len(c.text) <= 120 for c in chunks)
    assert all(c.text == document(MATCH_REPORT, "news-1.txt").text[c.start : c.end] for c in chunks)
