import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policy_qa.answer.inputs import HISTORY_USED, MAX_HISTORY_ITEMS, clean_text, validate_history, validate_question
from policy_qa.errors import InvalidQuestionError, PolicyQAError
from policy_qa.settings import MAX_QUESTION_CHARS

# The fuzz runs' sizes: CI's default; `POLICY_QA_FUZZ=10000` for the long run (see README, Robustness).
FUZZ_EXAMPLES = int(os.environ.get("POLICY_QA_FUZZ", "0")) or None

# Text a hostile or careless user can send: any code point (lone surrogates included), often Chinese.
any_text = st.one_of(
    st.text(st.characters(codec=None, exclude_categories=()), max_size=2 * MAX_QUESTION_CHARS),
    st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), max_size=80),
    st.text(st.sampled_from("临汾晋城厂房建了多少？2023年万平方米%\x00\ud800\t\n 　，"), max_size=60),
)
any_value = st.one_of(any_text, st.none(), st.integers(), st.floats(), st.binary(max_size=20), st.lists(st.integers(), max_size=3))


@pytest.mark.parametrize("question", ["", "   ", "\n\t", "？", "\x00\x01"])
def test_empty_questions_are_rejected(question):
    with pytest.raises(InvalidQuestionError, match="问题为空"):
        validate_question(question)


@pytest.mark.parametrize("question", [None, 123, b"bytes", ["a"]])
def test_a_question_that_is_not_text_is_rejected_by_its_type(question):
    with pytest.raises(InvalidQuestionError, match="必须是文字"):
        validate_question(question)


@pytest.mark.parametrize("length", [MAX_QUESTION_CHARS + 1, 1_000_000])
def test_overlong_question_is_rejected_with_its_length(length):
    with pytest.raises(InvalidQuestionError, match=str(length)):
        validate_question("问" * length)


def test_question_is_cleaned_and_folded_to_simplified():
    assert validate_question("  厂房建了多少？ \n") == "厂房建了多少？"
    assert validate_question("臨汾標準化廠房建了多少") == "临汾标准化厂房建了多少"
    assert validate_question("２０２３年建了多少\ud800？") == "2023年建了多少?？"
    assert clean_text("一\t二\x07三") == "一 二三"


def test_history_is_bounded_and_typed():
    assert validate_history(None) == []
    assert validate_history(["一问", "", "二问", "三问", "四问"]) == ["二问", "三问", "四问"][-HISTORY_USED:]
    for bad in ([123, None], "临汾", {"q": 1}):
        with pytest.raises(InvalidQuestionError, match="对话历史"):
            validate_history(bad)
    with pytest.raises(InvalidQuestionError, match="对话历史过长"):
        validate_history(["问"] * (MAX_HISTORY_ITEMS + 1))
    with pytest.raises(InvalidQuestionError, match="对话历史中的一条过长"):
        validate_history(["问" * 1_000_000])


@settings(max_examples=FUZZ_EXAMPLES or 3000, deadline=None, suppress_health_check=list(HealthCheck))
@given(question=any_value, history=st.one_of(st.none(), st.lists(any_value, max_size=6), any_value))
def test_any_input_is_accepted_as_bounded_text_or_refused_with_a_policy_qa_error(question, history):
    try:
        cleaned = validate_question(question)
    except InvalidQuestionError:
        pass
    else:
        assert 0 < len(cleaned) <= MAX_QUESTION_CHARS
        cleaned.encode("utf-8")
    try:
        used = validate_history(history)
    except InvalidQuestionError:
        return
    assert len(used) <= HISTORY_USED
    assert all(0 < len(item) <= MAX_QUESTION_CHARS for item in used)


@settings(max_examples=FUZZ_EXAMPLES or 300, deadline=None, suppress_health_check=list(HealthCheck))
@given(question=any_value, history=st.one_of(st.none(), st.lists(any_text, max_size=4)))
def test_the_engine_answers_or_refuses_any_input_with_a_policy_qa_error(qa, question, history):
    """The real engine over the real index: every input ends in an answer or a ``PolicyQAError``, never a crash."""
    try:
        answer = qa.ask(question, history=history)
    except PolicyQAError:
        return
    assert answer.text.encode("utf-8")
    assert len(answer.question) <= MAX_QUESTION_CHARS
