"""Follow-up questions rewritten into standalone ones, by rules and (with a fake LLM) by the model."""

import pytest

from policy_qa.answer.conversation import is_follow_up, rewrite_by_rules, rewrite_follow_up
from policy_qa.index.catalog import Catalog
from policy_qa.models.llm_client import LLMError
from policy_qa.text.ingest import read_corpus

from ..conftest import CORPUS


@pytest.fixture(scope="module")
def catalog():
    """The seed bulletin's two reports, 临汾市 and 晋城市, as the engine reads them."""
    return Catalog(read_corpus(CORPUS)[0])


@pytest.mark.parametrize(
    ("question", "previous", "expected"),
    [
        ("那晋城呢？", "临汾标准化厂房建了多少？", "晋城市标准化厂房建了多少？"),
        ("那2024年呢？", "2023年临汾市签约了多少项目？", "2024年临汾市签约了多少项目？"),
        ("投产率呢？", "临汾“开工一批”项目入统率是多少？", "临汾“开工一批”项目入统率是多少，投产率？"),
        ("晋城呢", "开发区新增高新技术企业多少家？", "晋城市开发区新增高新技术企业多少家？"),
    ],
)
def test_rules_carry_the_previous_question_over(catalog, question, previous, expected):
    assert rewrite_by_rules(question, previous, catalog) == expected


def test_year_and_topic_together(catalog):
    rewritten = rewrite_by_rules("2024年的目标呢？", "临汾标准化厂房建了多少？", catalog)
    assert rewritten.startswith("2024年临汾标准化厂房") and "目标" in rewritten


def test_standalone_questions_are_left_alone(catalog):
    question = "晋城开发区规上工业增加值同比增长多少？"
    assert not is_follow_up(question)
    assert rewrite_follow_up(question, ["临汾标准化厂房建了多少？"], catalog) == question
    assert rewrite_follow_up("那晋城呢？", [], catalog) == "那晋城呢？"


class _Client:
    def __init__(self, reply=None, error=None):
        self.reply, self.error, self.messages = reply, error, None

    def complete(self, messages):
        self.messages = messages
        if self.error:
            raise self.error
        return self.reply


def test_llm_rewrite_is_used_and_sees_the_history(catalog):
    client = _Client(reply="晋城市标准化厂房建了多少？")
    assert rewrite_follow_up("那晋城呢？", ["临汾标准化厂房建了多少？"], catalog, client) == "晋城市标准化厂房建了多少？"
    assert "临汾标准化厂房建了多少？" in client.messages[-1]["content"]


@pytest.mark.parametrize("client", [_Client(error=LLMError("down")), _Client(reply=""), _Client(reply="很长" * 200)])
def test_llm_failure_or_garbage_falls_back_to_rules(catalog, client):
    assert rewrite_follow_up("那晋城呢？", ["临汾标准化厂房建了多少？"], catalog, client) == "晋城市标准化厂房建了多少？"
