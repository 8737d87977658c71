"""Hybrid retrieval on the real corpus: the right section comes first, scoped to the report a question names."""

import pytest

from policy_qa.retrieval import intent_of, reports_named_in


def test_reports_are_recognised_with_or_without_their_suffix():
    reports = ["临汾市", "晋城市"]
    assert reports_named_in("临汾标准化厂房建了多少", reports) == ["临汾市"]
    assert reports_named_in("临汾和晋城市分别", reports) == ["临汾市", "晋城市"]
    assert reports_named_in("全市开发区", reports) == []


def test_intent_tells_plans_from_results():
    assert intent_of("某市 › 2024年工作计划") == "plan"
    assert intent_of("某市 › 2023年工作成绩") == "result"
    assert intent_of("厂房建了多少") == "result"
    assert intent_of("开发区") is None


@pytest.mark.parametrize(
    ("question", "section"),
    [
        ("临汾标准化厂房建了多少？", "临汾市 › 2023年工作成绩 › 五是要素保障扎实有力"),
        ("临汾2024年计划新建多少标准化厂房？", "临汾市 › 2024年工作计划 › （三）强化要素保障，夯实环境支撑"),
        ("晋城开发区的规上工业增加值是多少？", "晋城市 › 2023年工作成绩 › （一）工业经济平稳运行"),
        ("晋城新增了多少家高新技术企业？", "晋城市 › 2023年工作成绩 › （七）科技生态培优育强"),
        ("临汾的中联恒创项目从摘牌到拿到施工许可用了多久？", "临汾市 › 2023年工作成绩 › 六是营商环境持续优化"),
    ],
)
def test_right_section_first(qa, question, section):
    hits = qa._retriever.retrieve_in(question, reports_named_in(question, qa._retriever.reports) or None)
    assert hits[0].node.metadata["section"] == section


def test_scope_keeps_other_reports_out(qa):
    hits = qa._retriever.retrieve_in("标准化厂房", ["晋城市"], top_k=10)
    assert hits and all(h.node.metadata["heading_path"][0] == "晋城市" for h in hits)
