"""The public API on the real corpus: answers, citations that hold their figures, refusals, bad input."""

import re

import pytest

from policy_qa import InvalidQuestionError
from policy_qa.text.figures import numbers_of

from .conftest import DOCUMENT


def _assert_citations_hold(qa, answer):
    document = qa.catalog.sources[DOCUMENT]
    for citation in answer.citations:
        assert document.text[citation.start : citation.end] == citation.quote
        assert f"[{citation.index}]" in answer.text
    quoted = "".join(c.quote for c in answer.citations)
    shown = re.sub(r"\[\d+\]", "", answer.text)
    assert numbers_of(shown) <= numbers_of(quoted), "every figure in the answer is in a cited quote"


def test_answer_has_figure_year_status_and_exact_citation(qa):
    answer = qa.ask("临汾标准化厂房建了多少？")
    assert not answer.refused
    assert "37.9万平方米" in answer.text and "29.9万平方米" in answer.text
    assert "2023" in answer.text and "成绩" in answer.text
    first = answer.citations[0]
    assert "37.9万平方米" in first.quote
    assert first.section.startswith("临汾市") and "要素保障" in first.section
    assert first.document == DOCUMENT
    _assert_citations_hold(qa, answer)


def test_plan_question_gets_the_plan_figure(qa):
    answer = qa.ask("2024年临汾计划新建多少标准化厂房？")
    assert "30万平方米" in answer.text and "计划" in answer.citations[0].section
    _assert_citations_hold(qa, answer)


def test_question_naming_two_reports_answers_each(qa):
    answer = qa.ask("临汾和晋城2023年的规上工业增加值分别增长了多少？")
    assert not answer.refused
    assert "16.5%" in answer.text and "22.6%" in answer.text
    assert {c.section.split(" › ")[0] for c in answer.citations} == {"临汾市", "晋城市"}
    _assert_citations_hold(qa, answer)


def test_a_comparison_without_names_answers_for_the_first_retrieved_reports(qa):
    answer = qa.ask("两个市开发区的规上工业增加值增速对比一下")
    assert "16.5%" in answer.text and "22.6%" in answer.text
    assert {c.section.split(" › ")[0] for c in answer.citations} == {"临汾市", "晋城市"}
    _assert_citations_hold(qa, answer)


def test_who_wrote_a_report_is_answered_by_its_byline(qa):
    answer = qa.ask("临汾那份材料是哪个单位写的")
    assert not answer.refused and "临汾市商务局" in answer.text
    assert answer.citations[0].quote.endswith("供稿：临汾市商务局")
    _assert_citations_hold(qa, answer)


def test_answer_is_focused_not_the_whole_paragraph(qa):
    answer = qa.ask("临汾开发区共承接了多少项赋权事项？")
    assert "3827项" in answer.text
    assert len(answer.text) < 120


@pytest.mark.parametrize(
    "question",
    ["太原市开发区2023年签约了多少项目？", "临汾2022年的地区生产总值是多少？", "晋城开发区的外商投资企业有多少家？"],
)
def test_questions_the_bulletin_cannot_answer_are_refused(qa, question):
    answer = qa.ask(question)
    assert answer.refused
    assert answer.text.startswith("资料中没有提及")
    assert answer.citations == []
    assert answer.passages, "a refusal still offers the closest sections"


@pytest.mark.parametrize("question", ["", "   ", "问" * 5000])
def test_bad_questions_raise_a_clear_error(qa, question):
    with pytest.raises(InvalidQuestionError):
        qa.ask(question)


def test_passages_are_ranked_sections_with_scores(qa):
    answer = qa.ask("晋城新增高新技术企业多少家？", top_k=3)
    assert len(answer.passages) == 3
    scores = [p.score for p in answer.passages]
    assert scores == sorted(scores, reverse=True)
    assert "科技生态" in answer.passages[0].section
    assert "8家" in answer.text


def test_info_describes_the_index(qa):
    info = qa.info()
    assert info.reports == ["临汾市", "晋城市"]
    assert info.documents[0]["name"] == DOCUMENT and info.documents[0]["sections"] > 20
    assert info.dimension == 384 and info.chunks >= info.documents[0]["sections"]


@pytest.fixture(scope="module")
def second_qa(tmp_path_factory):
    """The engine over a bulletin of another layout (一、 parts, 1. items, an indicator table), stored as GBK."""
    from policy_qa import PolicyQA

    from .conftest import SECOND_BULLETIN

    corpus = tmp_path_factory.mktemp("gbk_corpus")
    for source in SECOND_BULLETIN.iterdir():
        (corpus / source.name).write_bytes(source.read_text(encoding="utf-8").encode("gbk"))
    return PolicyQA.from_corpus(corpus, index_dir=tmp_path_factory.mktemp("gbk_index") / "idx")


def test_second_bulletin_in_gbk_answers_from_its_indicator_table(second_qa):
    answer = second_qa.ask("云岭县上半年地区生产总值是多少？")
    assert not answer.refused and "128.6亿元" in answer.text
    (name,) = second_qa.catalog.sources
    assert second_qa.catalog.sources[name].encoding == "gb18030"
    document = second_qa.catalog.sources[name]
    citation = answer.citations[0]
    assert document.text[citation.start : citation.end] == citation.quote
    assert citation.section.startswith("云岭县2024年上半年营商环境工作总结 › 一、主要指标完成情况")


def test_second_bulletin_item_question(second_qa):
    answer = second_qa.ask("云岭县企业开办时间压缩到了多少？")
    assert "0.5个工作日" in answer.text
    assert "政务服务" in answer.citations[0].section


def test_second_bulletin_refuses_what_it_does_not_say(second_qa):
    assert second_qa.ask("云岭县上半年的财政收入是多少？").refused
