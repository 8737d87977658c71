"""Scoping: a question names documents by whole names and aliases; it ranks them up, excludes only when sure."""

import pytest

from policy_qa.answer.scoping import (
    MAX_COMPARED,
    compared_documents,
    names_in,
    scopes_for,
)
from policy_qa.index.catalog import Catalog
from policy_qa.text.ingest import read_corpus


def _report(place: str, area: int, projects: int) -> str:
    """A report of several paragraphs closed by its byline, as a compiled bulletin holds them."""
    body = "".join(
        f"2023年，全市新建厂房{area + k}万平方米，签约项目{projects + k}个，全力打造开发区升级版，推动高质量发展。\n"
        for k in range(6)
    )
    return f"{body}供稿：{place}商务局\n"


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    corpus = tmp_path_factory.mktemp("corpus")
    (corpus / "两市公报.txt").write_text(
        _report("长河市", 12, 30) + _report("青山市", 8, 20), encoding="utf-8"
    )
    (corpus / "条例.md").write_text("# 长河市开发区条例\n\n第一条 为了规范开发区建设，制定本条例。\n", encoding="utf-8")
    (corpus / "其他.txt").write_text("国家级经开区是改革开放的排头兵，全国共有230家。\n", encoding="utf-8")
    return Catalog(read_corpus(corpus)[0])


def _named(scope):
    return [d.name for d in scope.named]


def test_a_whole_name_or_alias_scopes_the_question(catalog):
    (scope,) = scopes_for("青山新建了多少厂房？", catalog)
    assert [d.name for d in scope.within] == ["青山市"] and _named(scope) == ["青山市"]
    (scope,) = scopes_for("青山市新建了多少厂房？", catalog)
    assert [d.name for d in scope.within] == ["青山市"]


def test_two_names_give_one_scope_each_for_a_comparison(catalog):
    scopes = scopes_for("长河市和青山市分别签约了多少项目？", catalog)
    assert [s.label for s in scopes] == ["长河市", "青山市"]
    assert all(len(s.within) == 1 for s in scopes)


def test_a_name_inside_a_longer_word_is_no_match(catalog):
    assert scopes_for("国家级经开区有多少家？", catalog)[0].named == ()
    assert names_in("长河湾的厂房", catalog) == []


def test_an_ambiguous_name_ranks_up_without_excluding(catalog):
    # 「长河」 is the compiled report's alias and the start of the 条例's title: both carry it.
    (scope,) = scopes_for("长河新建了多少厂房？", catalog)
    assert scope.within is None and sorted(_named(scope)) == ["长河市", "长河市开发区条例"]


def test_a_place_another_documents_name_says_elsewhere_ranks_up_without_excluding(tmp_path):
    # 「天河」 is the place the 办法's title starts with (its alias) and is also said inside the 公告's title
    (tmp_path / "办法.md").write_text("# 广州市天河区支持青年创业办法\n\n第一条 符合条件的青年可申请住房补贴。\n", encoding="utf-8")
    (tmp_path / "公告.md").write_text("# 关于受理天河区人才公寓申请的公告\n\n本批次人才公寓共66套。\n", encoding="utf-8")
    catalog = Catalog(read_corpus(tmp_path)[0])
    (scope,) = scopes_for("天河人才公寓一共有多少套？", catalog)
    assert scope.within is None
    assert sorted(_named(scope)) == ["关于受理天河区人才公寓申请的公告", "广州市天河区支持青年创业办法"]


def test_a_name_shared_by_documents_asked_of_each_gives_one_scope_each(catalog):
    scopes = scopes_for("长河那两个文件分别是什么时候写的？", catalog)  # 「长河」 names the report and the 条例
    assert sorted(s.label for s in scopes) == ["长河市", "长河市开发区条例"] and all(len(s.within) == 1 for s in scopes)


def test_no_name_no_scope(catalog):
    (scope,) = scopes_for("开发区建设情况如何？", catalog)
    assert scope.within is None and scope.named == () and scope.label is None and not scope.compares


def test_an_unnamed_comparison_takes_its_first_retrieved_documents(catalog):
    (scope,) = scopes_for("两个市新建厂房对比一下", catalog)
    assert scope.within is None and scope.compares == 2
    assert scopes_for("各市签约项目是多少", catalog)[0].compares == MAX_COMPARED
    assert scopes_for("市场化改革有什么进展", catalog)[0].compares == 0  # 「市场」 compares nothing
    documents = {d.name: d for d in catalog.documents}
    ranked = [documents["青山市"], documents["青山市"], documents["长河市"], documents["其他"]]
    assert [s.label for s in compared_documents(scope, ranked)] == ["青山市", "长河市"]
    assert compared_documents(scope, [documents["青山市"]]) == [scope]  # one document: nothing to compare
