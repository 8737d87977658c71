"""Scoring rules of the evaluation, on hand-made answers: each rule can fail."""

from policy_qa.evaluation.dataset import EvalItem
from policy_qa.evaluation.metrics import (
    answer_summary,
    check_citations,
    evidence_rank,
    is_correct,
    retrieval_summary,
)
from policy_qa.schema import Answer, Citation


def _item(answerable=True, required=("37.9万平方米",), evidence=("建成标准化厂房37.9万平方米",)):
    return EvalItem("x", "厂房建了多少？", "fact", answerable, "", tuple(required), tuple(evidence) if answerable else ())


def _citation(index, quote):
    return Citation(index=index, document="d.txt", section="甲市 › 成绩", quote=quote, start=0, end=len(quote), line=1)


def _answer(text, citations=(), refused=False):
    return Answer(question="q", text=text, refused=refused, citations=list(citations))


def test_evidence_rank_ignores_pdf_whitespace_and_needs_all_evidence():
    item = _item()
    assert evidence_rank(item, ["无关", "建成标准化厂房 37.9 万平方\n米"]) == 2
    assert evidence_rank(item, ["无关"]) is None
    both = EvalItem("y", "q", "comparison", True, "", (), ("甲16.5%", "乙22.6%"))
    assert evidence_rank(both, ["甲16.5%", "x", "乙22.6%"]) == 3


def test_retrieval_summary():
    assert retrieval_summary([1, 3, None, 2]) == {"hit@1": 0.25, "hit@3": 0.75, "mrr": round((1 + 1 / 3 + 1 / 2) / 4, 4)}


def test_correctness_needs_every_required_figure_and_no_refusal():
    item = _item(required=("37.9万平方米", "29.9万平方米"))
    assert is_correct(item, _answer("建成37.9万平方米，已使用29.9 万平方米[1]"))
    assert not is_correct(item, _answer("建成37.9万平方米[1]"))
    assert not is_correct(item, _answer("资料中没有提及 37.9万平方米 29.9万平方米", refused=True))
    assert is_correct(_item(answerable=False), _answer("资料中没有提及", refused=True))
    assert not is_correct(_item(answerable=False), _answer("建成5个[1]"))


def test_numbers_must_appear_whole():
    from policy_qa.evaluation.dataset import EvalItem
    from policy_qa.evaluation.metrics import holds_number

    assert holds_number("每年出口3万辆至5万辆", "5") and holds_number("增长51.5%", "51.5")
    assert not holds_number("增长51.5%", "5") and not holds_number("0.5倍", "5") and not holds_number("15个", "5")
    item = EvalItem("n", "q", "fact", True, "5万辆", (), ("5万辆",), numbers=("5",))
    assert is_correct(item, _answer("出口5万辆[1]")) and not is_correct(item, _answer("出口15万辆[1]"))
    # thousands separators: 「24,348.66」 is 24348.66, while 「3,5」 is two numbers
    item = EvalItem("c", "q", "fact", True, "", (), (), numbers=("24348.66",))
    assert is_correct(item, _answer("较原计划少24,348.66万元[1]")) and not is_correct(item, _answer("少2,4348.66万元[1]"))


def test_citation_check_finds_misplaced_and_invented_figures():
    quote_a, quote_b = "建成厂房37.9万平方米。", "新增企业8家。"
    good = check_citations(_answer("甲：厂房37.9万平方米[1]；企业8家[2]。", [_citation(1, quote_a), _citation(2, quote_b)]))
    assert (good.cited_with_figures, good.precise, good.answer_figures, good.backed) == (2, 2, 2, 2)
    swapped = check_citations(_answer("甲：厂房37.9万平方米[2]；企业8家[1]。", [_citation(1, quote_a), _citation(2, quote_b)]))
    assert swapped.precise == 0 and swapped.backed == 0 and swapped.unsupported_figures == ()
    invented = check_citations(_answer("甲：厂房40万平方米[1]。", [_citation(1, quote_a)]))
    assert invented.unsupported_figures == ("40",) and invented.precise == 0


def test_years_and_markers_are_not_figures():
    check = check_citations(_answer("2023年，建成厂房37.9万平方米[1]。", [_citation(1, "2022年建成厂房37.9万平方米。")]))
    assert check.answer_figures == 1 and check.unsupported_figures == ()


def test_answer_summary_counts_refusals_both_ways():
    items = [_item(), _item(answerable=False), _item(answerable=False)]
    answers = [
        _answer("资料中没有提及", refused=True),
        _answer("资料中没有提及", refused=True),
        _answer("厂房50万平方米[1]", [_citation(1, "厂房37.9万平方米")]),
    ]
    summary = answer_summary(items, answers, [10.0, 20.0, 30.0])
    assert summary["answer_accuracy"] == round(1 / 3, 4)
    assert summary["refusal_precision"] == 0.5 and summary["refusal_recall"] == 0.5
    assert summary["false_refusal_rate"] == 1.0
    assert summary["wrong_figures"] == 1.0
    assert summary["latency_ms_p50"] == 20.0
