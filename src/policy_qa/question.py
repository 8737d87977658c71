"""What a question asks for: its content words, years, places, whether it wants a figure, plan or result."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import InvalidQuestionError
from .settings import MAX_QUESTION_CHARS
from .tokens import content_terms, place_names, years

# Words that only ask for an amount, a duration or a rank; they say nothing about the topic.
_ASK_WORDS = re.compile(r"多少|几[个家项次天年月名期份宗亩倍条]?|多大|多高|多长|多久|第几|排第几|排名第几")
# Words that ask for a figure and also name what is measured: they stay in the question's terms.
_FIGURE_CUES = re.compile(rf"{_ASK_WORDS.pattern}|比例|比重|占比|增速|增长|增幅|率|排名|规模|总量|金额|面积|数量")
_ASPECT_SUFFIX = re.compile(r"(?<=.)[了过着]$")
_WHICH_ONES = re.compile(r"哪几[个种类项条方面]*")  # 「哪几种」 asks for a list, not a number
_LIST_CUES = re.compile(r"哪些|哪几|包括|有什么|都有|措施|举措|做法")


@dataclass(frozen=True)
class QuestionProfile:
    """A question reduced to what retrieval and answering check against the evidence."""

    text: str
    terms: tuple[str, ...]
    years: tuple[str, ...]
    places: tuple[str, ...]
    wants_figure: bool
    wants_list: bool


def validate_question(question: str) -> str:
    """The question stripped of surrounding space; ``InvalidQuestionError`` when empty or too long."""
    if not isinstance(question, str) or not question.strip():
        raise InvalidQuestionError("问题为空：请输入一个问题。")
    question = question.strip()
    if len(question) > MAX_QUESTION_CHARS:
        raise InvalidQuestionError(
            f"问题过长（{len(question)} 字），请控制在 {MAX_QUESTION_CHARS} 字以内。"
        )
    return question


def _topic_terms(question: str) -> tuple[str, ...]:
    """Content words without the words that only ask (「几天」「第几」) and without a verb's 了/过 (「建了」→「建」)."""
    terms = []
    for term in content_terms(question):
        if _ASK_WORDS.fullmatch(term) or "几" in term:
            continue
        term = _ASPECT_SUFFIX.sub("", term)
        if term and term not in terms:
            terms.append(term)
    return tuple(terms)


def profile_question(question: str) -> QuestionProfile:
    """Analyse a validated question."""
    return QuestionProfile(
        text=question,
        terms=_topic_terms(question),
        years=tuple(years(question)),
        places=tuple(place_names(question)),
        wants_figure=bool(_FIGURE_CUES.search(_WHICH_ONES.sub("", question))),
        wants_list=bool(_LIST_CUES.search(question)),
    )

