"""The verification layer: figures an LLM answer shows must be in the evidence, and its markers must point there."""

from __future__ import annotations

import pytest

from policy_qa.answer.verify import (
    misbound_figures,
    strip_markers,
    unsupported_terms,
    verify_answer,
)
from policy_qa.schema import Citation

DOCUMENT = "临汾晋城开发区2023年工作情况.txt"
HEADING = "临汾市 › 2023年工作成绩 › "
LAND = "2023年，全市开发区实行“承诺制”项目113个，出让“标准地”39宗、4101.2亩，完成“全代办”项目309个，建成标准化厂房37.9万平方米，已使用29.9万平方米，确保企业“即住即投即产”。"
GROWTH = "2023年，全市9家工业类开发区规上工业增加值同比增长16.5%，占全市比重28.9%，对全省开发区、全市贡献率分别为13.5%和49.8%。"
INVESTMENT = "2023年，临汾市开发区“三个一批”活动共签约项目86个，总投资358.77亿元，其中亿元以上项目68个，总投资350.48亿元，数量及投资额占比分别达到79.1%、97.7%。"
# Evidence as the prompt numbers it: [1] land, [2] growth, [3] investment.
EVIDENCE = [
    Citation(1, DOCUMENT, HEADING + "五是要素保障扎实有力", LAND, 1259, 1259 + len(LAND), 87),
    Citation(2, DOCUMENT, HEADING + "一是引擎作用日益彰显", GROWTH, 200, 200 + len(GROWTH), 16),
    Citation(3, DOCUMENT, HEADING + "三是招商引资成效显著", INVESTMENT, 900, 900 + len(INVESTMENT), 48),
]


def quotes(result):
    return [c.quote for c in result.citations]


def test_correct_answer_passes_unchanged():
    answer = "2023年，临汾建成标准化厂房37.9万平方米，已使用29.9万平方米[1]。"
    result = verify_answer(answer, EVIDENCE)
    assert (result.text, result.supported, result.refused, result.problems) == (answer, True, False, [])
    assert result.citations == [EVIDENCE[0]]


def test_sources_are_renumbered_in_order_of_first_use():
    result = verify_answer("签约项目86个[3]。建成厂房37.9万平方米[1]。", EVIDENCE)
    assert result.text == "签约项目86个[1]。建成厂房37.9万平方米[2]。"
    assert quotes(result) == [INVESTMENT, LAND]
    assert [c.index for c in result.citations] == [1, 2]
    assert (result.citations[0].document, result.citations[0].start, result.citations[0].line) == (DOCUMENT, 900, 48)
    assert result.problems == []


def test_a_single_cited_source_becomes_one():
    result = verify_answer("规上工业增加值同比增长16.5%[2]。", EVIDENCE)
    assert (result.text, quotes(result), result.problems) == ("规上工业增加值同比增长16.5%[1]。", [GROWTH], [])


def test_invented_figure_is_unsupported_and_named():
    result = verify_answer("建成标准化厂房40万平方米[1]。", EVIDENCE)
    assert result.supported is False
    assert any("40万平方米" in problem for problem in result.problems)


def test_invented_figure_beside_held_ones_is_still_unsupported():
    result = verify_answer("建成标准化厂房37.9万平方米，已使用31.2万平方米[1]。", EVIDENCE)
    assert result.supported is False
    assert [p for p in result.problems if "figure 31.2" in p] and not [p for p in result.problems if "figure 37.9" in p]
    assert result.text == "建成标准化厂房37.9万平方米，已使用31.2万平方米[1]。"
    assert quotes(result) == [LAND]


def test_wrong_marker_is_corrected_to_the_evidence_holding_the_figure():
    result = verify_answer("增长16.5%[2]。签约项目86个[2]。", EVIDENCE)
    assert result.text == "增长16.5%[1]。签约项目86个[2]。"
    assert quotes(result) == [GROWTH, INVESTMENT]
    assert result.supported is True
    assert any("[2]" in p and "86个" in p for p in result.problems)


def test_missing_marker_is_added_before_the_full_stop():
    result = verify_answer("建成标准化厂房37.9万平方米。占全市比重28.9%", EVIDENCE)
    assert result.text == "建成标准化厂房37.9万平方米[1]。占全市比重28.9%[2]"
    assert quotes(result) == [LAND, GROWTH]


def test_out_of_range_marker_is_dropped():
    result = verify_answer("规上工业增加值同比增长16.5%[9]。总体来看成效明显[9]。", EVIDENCE)
    assert result.text == "规上工业增加值同比增长16.5%[1]。总体来看成效明显。"
    assert quotes(result) == [GROWTH]
    assert any("[9]" in p for p in result.problems)


def test_sentence_without_figures_keeps_valid_markers_and_gains_a_close_one():
    kept = verify_answer("各开发区积极推进改革[3]。", EVIDENCE)
    assert (kept.text, quotes(kept)) == ("各开发区积极推进改革[1]。", [INVESTMENT])
    gained = verify_answer("全市开发区实行承诺制、标准地和全代办改革。", EVIDENCE)
    assert (gained.text, quotes(gained)) == ("全市开发区实行承诺制、标准地和全代办改革[1]。", [LAND])


def test_figures_with_units_and_decimals_compare_by_value():
    result = verify_answer("建成37.90万平方米，出让4,101.2亩[1]；增长16.50%[2]；总投资358.770亿元[3]。", EVIDENCE)
    assert result.supported is True
    assert result.text == "建成37.90万平方米，出让4,101.2亩[1]；增长16.50%[2]；总投资358.770亿元[3]。"
    assert quotes(result) == [LAND, GROWTH, INVESTMENT]
    assert result.problems == []
    assert verify_answer("总投资358.78亿元[3]。", EVIDENCE).supported is False


def test_sentence_whose_figures_no_one_source_holds_cites_one_holder_each():
    result = verify_answer("占全市比重28.9%，签约项目86个[2]。", EVIDENCE)
    assert result.text == "占全市比重28.9%[1]，签约项目86个[2]。"
    assert quotes(result) == [GROWTH, INVESTMENT]
    assert result.supported is True


def test_year_missing_from_evidence_is_a_problem_but_not_unsupported():
    result = verify_answer("2021年，建成标准化厂房37.9万平方米[1]。", EVIDENCE)
    assert result.supported is True
    assert any("2021" in p for p in result.problems)


def test_year_in_a_heading_only_is_no_problem():
    quote = "全市开发区共承接省市县赋权事项3827项。"
    evidence = [Citation(1, DOCUMENT, HEADING + "二是体制改革不断深化", quote, 0, len(quote), 30)]
    result = verify_answer("2023年，全市开发区共承接赋权事项3827项[1]。", evidence)
    assert (result.problems, result.supported) == ([], True)


def test_refusal_is_detected():
    for answer in ("资料中没有提及临汾的税收收入。", "所给资料未提及外资企业数量。", "资料中没有提到这一点。"):
        result = verify_answer(answer, EVIDENCE)
        assert (result.text, result.refused, result.supported, result.citations) == (answer, True, True, [])
    assert verify_answer("建成标准化厂房37.9万平方米[1]。", EVIDENCE).refused is False


def test_refusal_stating_an_invented_figure_is_unsupported():
    result = verify_answer("资料中没有提及具体数字，但约有50家企业入驻。", EVIDENCE)
    assert (result.refused, result.supported) == (True, False)
    assert any("50家" in p for p in result.problems)


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("增长16.5%【2】。", "增长16.5%[1]。"),
        ("增长16.5%［2］。", "增长16.5%[1]。"),
        ("增长16.5% [2]。", "增长16.5%[1]。"),
        ("占全市比重28.9%，签约项目86个[2][3]。", "占全市比重28.9%[1]，签约项目86个[2]。"),
        ("占全市比重28.9%，签约项目86个[2, 3]。", "占全市比重28.9%[1]，签约项目86个[2]。"),
        ("占全市比重28.9%，签约项目86个[2,3]。", "占全市比重28.9%[1]，签约项目86个[2]。"),
        ("占全市比重28.9%，签约项目86个【2，3】。", "占全市比重28.9%[1]，签约项目86个[2]。"),
        ("占全市比重28.9%，签约项目86个[2-3]。", "占全市比重28.9%[1]，签约项目86个[2]。"),
    ],
)
def test_marker_formats_are_normalised(answer, expected):
    result = verify_answer(answer, EVIDENCE)
    assert result.text == expected
    assert all("clause by clause" in problem for problem in result.problems)  # the only correction: placement


def test_marker_inside_a_number_moves_after_the_figure():
    result = verify_answer("建成标准化厂房37[1].9万平方米。", EVIDENCE)
    assert result.text == "建成标准化厂房37.9万平方米[1]。"
    assert result.supported is True


def test_clause_markers_stay_where_the_model_put_them():
    answer = "建成厂房37.9万平方米[1]，增长16.5%[2]。"
    assert verify_answer(answer, EVIDENCE).text == answer


def test_list_labels_and_bracketed_years_are_text_not_figures_or_markers():
    answer = "（1）建成标准化厂房37.9万平方米[1]。\n2. 规上工业增加值同比增长16.5%[2]"
    result = verify_answer(answer, EVIDENCE)
    assert (result.text, result.supported) == (answer, True)
    bracketed = verify_answer("增长16.5%，见[2023]年报[2]。", EVIDENCE)
    assert (bracketed.text, bracketed.problems) == ("增长16.5%，见[2023]年报[1]。", [])


def test_no_other_character_changes():
    answers = [
        "签约项目86个[3]。建成厂房37.9万平方米[1]。",
        "规上工业增加值同比增长16.5%[9]！总体来看成效明显【1、2】？",
        "临汾市（2023年工作成绩）：\n“三个一批”签约86个[1,2]；建成37.9万平方米",
        "建成标准化厂房40万平方米[1]。",
    ]
    for answer in answers:
        assert strip_markers(verify_answer(answer, EVIDENCE).text) == strip_markers(answer)


def test_strip_markers():
    assert (
        strip_markers("建成37.9万平方米[1]，增长16.5%【2】 [3, 4]。见[2023]号文（1）。")
        == "建成37.9万平方米，增长16.5%。见[2023]号文（1）。"
    )


def test_markers_without_text_are_dropped():
    result = verify_answer(" [1]\n", EVIDENCE)
    assert (result.text, result.citations) == ("\n", [])


def test_a_real_number_with_the_wrong_unit_is_unsupported():
    evidence = [Citation(1, "d.txt", "乙市 › 成绩", "经济技术开发区规上工业增加值达到279.17亿元。", 0, 10, 1)]
    result = verify_answer("乙市：279.17%[1]。", evidence)
    assert not result.supported and any("another unit" in p for p in result.problems)
    assert verify_answer("乙市：279.17亿元[1]。", evidence).supported


def test_unsupported_terms_names_the_nouns_no_source_uses():
    sources = ["出台了发展意见和考核评价奖惩、财税扶持等“一意见四办法”。", "某市 · 2023年工作成绩"]
    assert unsupported_terms("出台了考核评价奖惩办法和财政金融支持办法[1]。", sources) == ["财政金融"]
    assert unsupported_terms("2023年出台了考核评价奖惩、财税扶持等办法，这是已完成的成绩[1]。", sources) == []


def test_figures_from_two_sources_are_cited_clause_by_clause():
    first = Citation(1, DOCUMENT, HEADING + "一", "2023年，全市9家工业类开发区规上工业增加值同比增长16.5%，占全市比重28.9%。", 0, 10, 1)
    second = Citation(2, DOCUMENT, HEADING + "二", "全市4个工业类开发区累计完成规上工业增加值489.69亿元，同比增长22.6%。", 20, 40, 2)
    verified = verify_answer("临汾同比增长16.5%，晋城同比增长22.6%。[1][2]", [first, second])
    assert verified.supported and verified.text == "临汾同比增长16.5%[1]，晋城同比增长22.6%[2]。"
    assert [c.index for c in verified.citations] == [1, 2]


PLAN = "一是加强项目谋划，目前已谋划开发区项目168个，计划总投资861亿元，年度计划投资142亿元，项目个数和年度投资额分别增长51.4%、45.5%。"
SPEEDS = "全市4个工业类开发区累计完成规上工业增加值489.69亿元，同比增长22.6%，高于全市增速（7.7%）14.9个百分点、全省增速（10.4%）12.2个百分点。"


@pytest.mark.parametrize(
    ("answer", "sources", "misbound"),
    [
        ("已谋划项目年度计划投资861亿元，项目个数增长51.4%，年度投资额增长45.5%[1]。", [PLAN], ["861亿元"]),
        ("已谋划项目年度计划投资142亿元，项目个数和年度投资额分别增长51.4%、45.5%[1]。", [PLAN], []),
        ("开发区增速比全省增速高出14.9个百分点[1]。", [SPEEDS], ["14.9个百分点"]),
        ("开发区增速比全省增速高出12.2个百分点，比全市高出14.9个百分点[1]。", [SPEEDS], []),
    ],
)
def test_misbound_figures_are_those_labelled_as_another_figure(answer, sources, misbound):
    assert misbound_figures(answer, sources) == misbound
