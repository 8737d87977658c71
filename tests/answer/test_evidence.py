"""The evidence stage on the real corpus and index: candidate sentences scored once, with the features the
answerability decision and the answerers read."""

from dataclasses import replace

from policy_qa.answer.evidence import (
    EvidenceFinder,
    TermWeights,
    _kind_first,
    _prose_first,
    _says,
    _tiling,
)
from policy_qa.answer.question import Asks, profile_question, stated_intent
from policy_qa.settings import TUNING
from policy_qa.text.tokens import days

from ..conftest import engine_over


def _scope(qa, question):
    profile, scopes = qa.evidence(question)
    assert len(scopes) == 1
    return profile, scopes[0]


def test_best_sentence_is_an_exact_quote_of_the_section_that_answers(qa):
    profile, scope = _scope(qa, "临汾标准化厂房建了多少？")
    best = scope.best
    text = qa.catalog.sources[best.sentence.file].text
    assert text[best.sentence.start : best.sentence.end] == best.text and "37.9万平方米" in best.text
    assert best.holds_kind and not best.missing and not best.intent_conflict
    assert [e.score for e in scope.ranked] == sorted((e.score for e in scope.ranked), reverse=True)  # it holds a figure
    assert len({e.sentence.number for e in scope.ranked}) == len(scope.ranked)


def test_passages_follow_the_best_sentences(qa):
    _, scope = _scope(qa, "临汾标准化厂房建了多少？")
    assert scope.passages()[0].chunk is scope.best.chunk


def test_a_year_the_evidence_lacks_is_missing(qa):
    _, scope = _scope(qa, "临汾2021年标准化厂房建了多少？")
    assert "2021年" in scope.best.missing


def test_a_place_no_document_names_is_missing(qa):
    _, scope = _scope(qa, "太原市开发区签约了多少个项目？")
    assert "太原市" in scope.best.missing


def test_a_result_asked_of_a_plan_conflicts(qa):
    profile, scope = _scope(qa, "临汾去年建成了多少标准化厂房？")
    assert profile.stated == "result" and not scope.best.intent_conflict
    plans = [e for e in scope.ranked if "2024年工作计划" in e.sentence.section.heading]
    assert plans and all(e.intent_conflict for e in plans)


def test_the_unit_asked_for_must_be_held(qa):
    profile, scope = _scope(qa, "临汾开发区新增规上企业多少家？")
    assert profile.asks is Asks.COUNT and profile.unit == "家"
    assert not any(e.holds_kind for e in scope.ranked if not any(counter in e.text for counter in "个家所座处户"))
    assert any(e.holds_kind for e in scope.ranked) and not all(e.holds_kind for e in scope.ranked)


def test_a_close_sentence_with_the_span_asked_for_comes_first(qa):
    _, scope = _scope(qa, "临汾标准化厂房建了多少？")
    first, second = scope.ranked[:2]
    lacking = replace(first, holds_kind=False, score=5.0)
    close = replace(second, holds_kind=True, score=5.0 - TUNING.kind_margin / 2)
    far = replace(second, holds_kind=True, score=5.0 - TUNING.kind_margin * 2)
    assert _kind_first([lacking, close]) == (close, lacking)
    assert _kind_first([lacking, far]) == (lacking, far)
    missing = replace(first, missing=("2021年",), score=5.0)
    assert _kind_first([missing, close]) == (close, missing)  # lacking the year asked is falling short too


def test_prose_stating_a_table_rows_figure_comes_before_the_row(qa):
    _, scope = _scope(qa, "临汾标准化厂房建了多少？")
    first, second = scope.ranked[:2]
    section = replace(first.sentence.section, table_header="绝对额（万元） 比上年增长（%）")
    row = replace(first, sentence=replace(first.sentence, text="住户存款余额 7506805 13.7", section=section), score=5.0)
    prose = replace(second, sentence=replace(second.sentence, text="住户存款余额750.68亿元，比年初增长13.7%。"), holds_kind=True)
    close, far = replace(prose, score=5.0 - TUNING.kind_margin / 2), replace(prose, score=5.0 - TUNING.kind_margin * 2)
    assert row.sentence.is_table_row and not close.sentence.is_table_row
    assert _prose_first((row, close)) == (close, row)
    assert _prose_first((row, far)) == (row, far)
    other = replace(close, sentence=replace(close.sentence, text="各项存款余额1466.64亿元，增长26.7%。"))
    assert _prose_first((row, other)) == (row, other)  # prose of other figures is another row's


def test_a_region_that_qualifies_a_present_name_is_not_missing(qa):
    _, scope = _scope(qa, "山西临汾开发区签约了多少个项目？")
    assert not scope.best.missing


def test_china_is_the_texts_own_country():
    assert EvidenceFinder._supported("中国", "我国首批智能网联汽车标准", frozenset())
    assert not EvidenceFinder._supported("美国", "我国首批智能网联汽车标准", frozenset())


def test_a_word_the_corpus_never_uses_is_spelled_by_its_parts(tmp_path):
    from policy_qa.index.catalog import Catalog
    from policy_qa.text.ingest import read_corpus

    (tmp_path / "公报.txt").write_text(
        "全年粮食总产量达到122.35万吨，比上年增长1.8%。全年地区生产总值达到32193.15亿元，规上工业增加值增长7.3%。\n",
        encoding="utf-8",
    )
    weights = TermWeights(Catalog(read_corpus(tmp_path)[0]))
    assert _tiling("粮食产量") == ["粮食", "产量"] and _tiling("增加值") == []  # 「增加」「加值」 overlap
    spelled = weights.as_spelled(profile_question("粮食产量有多少"))
    assert spelled.terms == ("粮食", "产量")
    # the form the corpus uses of a term of official statistics
    assert weights.as_spelled(profile_question("GDP是多少")).terms == ("地区生产总值",)
    assert weights.as_spelled(profile_question("规模以上工业增加值增长多少")).terms[:3] == ("规上", "工业", "增加值")
    kept = profile_question("粮食总产量有多少")
    assert weights.as_spelled(kept) is kept  # words the corpus uses stay whole


def test_a_year_said_relative_to_now_is_the_documents_own(tmp_path):
    qa = engine_over(
        tmp_path,
        "某市政府工作报告.txt",
        "某市政府工作报告\n——2025年1月19日在某市人民代表大会第三次会议上\n"
        "一、2024年工作回顾\n全年办好重点民生实事15件，新建口袋公园80个，城乡居民收入稳步增长。\n"
        "二、2025年主要任务\n接续办好重点民生实事，新建口袋公园100个，提高城乡居民收入。\n",
    )
    profile, (scope,) = qa.evidence("今年要新建多少个口袋公园")
    assert profile.relative_years == (0,) and "100个" in scope.best.text
    reviewed = [e for e in scope.ranked if "2024年" in e.sentence.section.heading]
    assert reviewed and all(e.missing == ("2025年",) for e in reviewed)
    profile, (scope,) = qa.evidence("去年新建了多少个口袋公园")
    assert profile.relative_years == (-1,) and "80个" in scope.best.text


def test_a_year_of_the_documents_name_is_not_a_sections_that_names_another(tmp_path):
    qa = engine_over(
        tmp_path,
        "某区商务局2024年工作总结和2025年工作打算.txt",
        "某区商务局2024年工作总结和2025年工作打算\n"
        "一、2024年主要商务指标完成情况\n电子商务网络零售额：38.9亿元，同比增长16.4%。\n"
        "二、2025年工作打算\n培育网商30家以上，推动商贸流通体系建设。\n",
    )
    _, (scope,) = qa.evidence("2025年电子商务网络零售额的目标是多少？")
    row = next(e for e in scope.ranked if "38.9亿元" in e.text)
    assert row.missing == ("2025年",)  # the document's name says 2025; the row's heading says 2024
    assert row.intent_conflict  # 「完成情况」 states results; 「目标」 asks for a plan
    assert stated_intent("一、2024年主要商务指标完成情况") == "result"


def test_a_word_most_of_the_corpus_uses_binds_no_figure(tmp_path):
    qa = engine_over(
        tmp_path,
        "开发区工作总结.txt",
        "开发区工作总结\n一、要素保障\n2023年，全市开发区实行承诺制项目113个，出让标准地39宗、4101.2亩。\n"
        "二、项目建设\n全市开发区新开工项目41个。\n三、招商引资\n开发区签约项目86个。\n",
    )
    weights = qa._serving.evidence.weight
    assert weights.is_common("开发区") and not weights.is_common("标准地")
    # 「开发区」 scopes the whole sentence, not only its first figure: the 亩 figure answers
    _, (scope,) = qa.evidence("开发区去年供地多少亩")
    assert "4101.2亩" in scope.best.text and scope.best.holds_kind


def test_a_day_the_question_names_is_one_of_its_words(tmp_path):
    qa = engine_over(
        tmp_path,
        "汛情通报.txt",
        "汛情通报\n受前期降雨影响，海河流域子牙河、永定河、大清河曾相继发生编号洪水，水利部启动应急响应。\n"
        "8月3日，流域各大河系上游骨干河道水位正平稳回落。\n",
    )
    _, (scope,) = qa.evidence("截至8月3日，海河流域中大清河的水位如何？")
    assert "8月3日" in scope.best.text
    assert days("截至2023年8月3日，7月 23 号的周末") == ["8月3日", "7月23日"]


def test_a_word_jieba_guessed_across_a_boundary_is_cut_as_the_corpus_writes(tmp_path):
    qa = engine_over(
        tmp_path,
        "公租房分配通告.txt",
        "公租房分配通告\n公租房常态分配按季度开展，系统根据申请时间的先后顺序依次摇号。\n"
        "申请家庭如需了解本次公共租赁住房分配的相关情况，可前往服务窗口咨询，或致电400-893-9111咨询。\n",
    )
    asked = profile_question("想问公租房分配的事打什么电话？")
    assert "问公" in asked.terms  # jieba's guess across 「问」 and 「公租房」
    profile, (scope,) = qa.evidence(asked.text)
    assert "公租房" in profile.terms and "问公" not in profile.terms
    assert "400-893-9111" in scope.best.text
    assert _says("公租房", "了解公共租赁住房分配的情况") and not _says("公租房", "了解住房分配的情况")  # the full form says it
