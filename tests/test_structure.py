"""Reports, parts and items on the real corpus and on a bulletin with another layout; chunking."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from policy_qa.documents import Section, SourceDocument
from policy_qa.ingest import read_document
from policy_qa.repair import repair_text
from policy_qa.sentences import split_sentences
from policy_qa.structure import chunk_sections, parse_sections

ROOT = Path(__file__).resolve().parents[1]
CORPUS_FILE = ROOT / "corpus" / "临汾晋城开发区2023年工作情况.txt"
BULLETIN_FILE = Path(__file__).parent / "data" / "second_bulletin" / "某某县2024年上半年营商环境工作总结.txt"
OWN_MODULES = ("errors.py", "ingest.py", "repair.py", "sentences.py", "structure.py")
DONE, PLAN = "2023年工作成绩", "2024年工作计划"


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
    return SourceDocument(name, repaired, "utf-8", "0", origins)


def paths(sections: list[Section]) -> list[tuple[str, ...]]:
    return [s.heading_path for s in sections]


def items(sections: list[Section], report: str, part: str) -> list[str]:
    return [s.heading_path[2] for s in sections if s.heading_path[:2] == (report, part) and len(s.heading_path) == 3]


def assert_well_formed(doc: SourceDocument, sections: list[Section]) -> None:
    """Sections are exact, trimmed, ordered, disjoint and together cover all the text."""
    assert sections
    for section in sections:
        assert section.document == doc.name
        assert section.text == doc.text[section.start : section.end] == section.text.strip()
        assert section.line_start == doc.line_of(section.start) <= section.line_end == doc.line_of(section.end - 1)
    assert sections[0].start == 0 and sections[-1].end == len(doc.text)
    assert all(a.end < b.start and not doc.text[a.end : b.start].strip() for a, b in zip(sections, sections[1:]))


def test_corpus_reports_parts_and_items(sections):
    assert list(dict.fromkeys(p[0] for p in paths(sections))) == ["临汾市", "晋城市"]
    for report in ("临汾市", "晋城市"):
        assert (report,) in paths(sections)
        assert (report, DONE) not in paths(sections)  # no intro of its own: the heading opens the first item
        assert (report, PLAN) in paths(sections)
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


def test_section_holds_its_item_text(sections):
    section = next(s for s in sections if s.heading_path == ("临汾市", DONE, "五是要素保障扎实有力"))
    assert "建成标准化厂房37.9万平方米，已使用29.9万平方米" in section.text
    assert section.text.startswith("五是要素保障扎实有力。")
    assert (section.line_start, section.line_end) == (84, 96)


def test_heading_line_belongs_to_the_section_it_opens(sections):
    first_item = next(s for s in sections if s.heading_path == ("临汾市", DONE, "一是引擎作用日益彰显"))
    assert first_item.text.startswith("【2023年工作成绩】\n一是引擎作用日益彰显。")
    plan_intro = next(s for s in sections if s.heading_path == ("晋城市", PLAN))
    assert plan_intro.text.startswith("【2024年工作计划】\n2024年，晋城市将坚决贯彻")
    assert "（一）" not in plan_intro.text


def test_inline_enumerations_stay_in_their_item(sections):
    item = next(s for s in sections if s.heading_path == ("晋城市", PLAN, "（一）在项目建设上快马加鞭"))
    assert "二是精准招商引资" in item.text and "三是狠抓项目建设" in item.text
    assert not any(p[-1].startswith(("一是", "二是")) for p in paths(sections) if p[0] == "晋城市")


def test_bylines_stay_in_their_own_report(sections):
    lin_last = [s for s in sections if s.heading_path[0] == "临汾市"][-1]
    assert lin_last.text.endswith("进入全省第一方阵。供稿：临汾市商务局")
    for section in sections:
        if section.heading_path[0] == "晋城市":
            assert "临汾市商务局" not in section.text
        else:
            assert "晋城市商务局" not in section.text
    jin_intro = next(s for s in sections if s.heading_path == ("晋城市",))
    assert jin_intro.text.startswith("今年以来，晋城市")


def test_corpus_sections_are_well_formed(corpus, sections):
    assert_well_formed(corpus, sections)


def test_every_sentence_is_inside_exactly_one_section(corpus, sections):
    for sentence in split_sentences(corpus.text):
        holders = [s for s in sections if s.start <= sentence.start and sentence.end <= s.end]
        assert len(holders) == 1, corpus.text[sentence.start : sentence.end]


def test_second_bulletin_structure(bulletin):
    sections = parse_sections(bulletin)
    assert_well_formed(bulletin, sections)
    assert {p[0] for p in paths(sections)} == {"云岭县"}
    parts = list(dict.fromkeys(p[1] for p in paths(sections) if len(p) > 1))
    assert parts == ["一、主要指标完成情况", "二、重点工作开展情况", "三、存在问题及下一步打算"]
    assert items(sections, "云岭县", parts[1]) == [
        "1.政务服务提速增效",
        "2.要素保障持续强化",
        "3.经营主体培育壮大",
        "4.法治环境不断优化",
        "5.招商服务精准有力",
        "6.创新生态加快构建",
    ]
    assert [t[:2] for t in items(sections, "云岭县", parts[2])] == ["1.", "2.", "3.", "4."]
    by_path = {s.heading_path: s for s in sections}
    assert by_path[("云岭县",)].text.startswith("云岭县2024年上半年营商环境工作总结\n今年上半年")
    indicators = by_path[("云岭县", parts[0])].text.split("\n")
    assert "地区生产总值：128.6亿元，同比增长5.2%" in indicators and len(indicators) == 9
    assert by_path[("云岭县", parts[2])].text.endswith("下半年，我县将重点做好以下工作：")
    factors = by_path[("云岭县", parts[1], "2.要素保障持续强化")].text
    assert "\n（1）用地保障。" in factors and "\n（3）用工保障。" in factors  # nested list stays in its item
    assert sections[-1].text.endswith("\n来源：云岭县营商环境建设局")


def test_report_name_from_the_opening_sentence_without_byline():
    doc = document("今年以来，全市经济平稳。\n\n我们继续努力。")
    assert paths(parse_sections(doc)) == [("测试文件",)]  # 全市 is no place: falls back to the file stem
    doc = document("2024年，全市上下齐心，河源市经济平稳。")
    assert paths(parse_sections(doc)) == [("河源市",)]


def test_report_name_falls_back_to_the_organisation():
    doc = document("今年以来，各项工作平稳推进。供稿：经济开发区管委会")
    assert paths(parse_sections(doc)) == [("经济开发区管委会",)]


def test_bylines_split_reports_without_known_names():
    text = (
        "2023年，甲乙县经济平稳。\n【工作成效】\n一是项目建设加快。内容。\n二是服务优化。内容。来源：甲乙县发改局\n"
        "丙丁市全年增长。\n【工作成效】\n（一）项目建设。内容。\n撰稿：某某"
    )
    doc = document(text)
    sections = parse_sections(doc)
    assert paths(sections) == [
        ("甲乙县",),
        ("甲乙县", "工作成效", "一是项目建设加快"),
        ("甲乙县", "工作成效", "二是服务优化"),
        ("丙丁市",),
        ("丙丁市", "工作成效", "（一）项目建设"),
    ]
    assert sections[2].text.endswith("来源：甲乙县发改局")
    assert_well_formed(doc, sections)


def test_long_first_sentence_is_cut_at_its_first_clause():
    doc = document("【计划】\n一是加强项目谋划，目前已谋划开发区项目168个，计划总投资861亿元。")
    assert paths(parse_sections(doc))[-1][-1] == "一是加强项目谋划"


def test_source_modules_hold_no_corpus_specifics():
    for name in OWN_MODULES:
        source = (ROOT / "src" / "policy_qa" / name).read_text(encoding="utf-8")
        assert not re.search("临汾|晋城|标准化厂房|工作成绩|工作计划|云岭", source), name


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
