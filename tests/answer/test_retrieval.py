"""Hybrid retrieval on the real corpus: the right section comes first; scoping keeps other documents out."""

import pytest

from policy_qa.answer.question import profile_question
from policy_qa.answer.scoping import scopes_for


def _search(qa, question, **kwargs):
    profile = profile_question(question)
    retriever = qa._serving.retriever
    return retriever.search(profile, retriever.embed(question), **kwargs)


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
    (scope,) = scopes_for(question, qa.catalog)
    hits = _search(qa, question, within=list(scope.within or []), named=list(scope.named))
    assert hits[0].chunk.section.heading == section


def test_scope_keeps_other_documents_out(qa):
    jincheng = next(d for d in qa.catalog.documents if d.name == "晋城市")
    hits = _search(qa, "标准化厂房", within=[jincheng], top_k=10)
    assert hits and all(qa.catalog.document_of(h.chunk) is jincheng for h in hits)


def test_named_document_is_ranked_up_without_excluding_others(qa):
    linfen = next(d for d in qa.catalog.documents if d.name == "临汾市")
    plain = _search(qa, "标准化厂房", top_k=27)
    ranked_up = _search(qa, "标准化厂房", named=[linfen], top_k=27)
    assert len(ranked_up) == len(plain)
    assert qa.catalog.document_of(ranked_up[0].chunk) is linfen
    assert {qa.catalog.document_of(h.chunk).name for h in ranked_up} == {"临汾市", "晋城市"}


def test_llama_index_retriever_interface(qa):
    nodes = qa._serving.retriever.retrieve("临汾标准化厂房建了多少？")
    assert nodes and nodes[0].node.metadata["section"].startswith("临汾市")


def test_keywords_are_also_searched_as_the_corpus_spells_them(tmp_path):
    """A question's short form the corpus never writes (「高校」) is searched by keywords in the form it does write
    (「高等教育学校」), so the passage that says it is found among many alike."""
    from ..conftest import engine_over

    kinds = ["幼儿园", "普通小学", "初级中学", "普通高中", "中等职业学校", "特殊教育学校", "民办学校", "技工学校"]
    parts = [f"{k + 1}、{kind}\n\n全市共有{kind}{(k + 3) * 37}所，在校生{(k + 2) * 1.7:.2f}万人，教职工{k + 1.5}万人。\n"
             for k, kind in enumerate(kinds)]
    parts.insert(5, "6、科学技术\n\n全年新增省级工程技术研究中心29家，获批高新技术企业112家。高等教育学校5所，招生4.26万人。\n")
    qa = engine_over(tmp_path, "公报.txt", "某市2023年教育事业统计公报\n\n" + "\n".join(parts))
    profile = qa._serving.evidence.weight.as_spelled(profile_question("全市有几所高校"))
    retriever = qa._serving.retriever
    hits = retriever.search(profile, retriever.embed("全市有几所高校"), top_k=1)
    assert "高等教育学校5所" in hits[0].chunk.text
