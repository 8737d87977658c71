import pytest

from policy_qa.errors import InvalidQuestionError
from policy_qa.question import profile_question, validate_question
from policy_qa.settings import MAX_QUESTION_CHARS


@pytest.mark.parametrize("question", ["", "   ", "\n\t", None])
def test_empty_questions_are_rejected(question):
    with pytest.raises(InvalidQuestionError):
        validate_question(question)


def test_overlong_question_is_rejected_with_its_length():
    with pytest.raises(InvalidQuestionError, match=str(MAX_QUESTION_CHARS + 1)):
        validate_question("问" * (MAX_QUESTION_CHARS + 1))


def test_question_is_stripped():
    assert validate_question("  厂房建了多少？ \n") == "厂房建了多少？"


def test_profile_finds_years_places_and_figure_cue():
    profile = profile_question("2024年太原市计划新建多少标准化厂房？")
    assert profile.years == ("2024",)
    assert "太原市" in profile.places
    assert profile.wants_figure
    assert not profile_question("有哪些改革措施？").wants_figure
    assert profile_question("有哪些改革措施？").wants_list
