"""Whether the evidence answers the question: a calibrated decision, not a word-coverage threshold.

Three things refuse outright, because no wording can make up for them: the best sentence's context lacks a year
or place the question names (the figure is another year's or another entity's); it is a result where the
question asks for a plan, or the other way round; or it holds no span of the kind asked for (a figure in the
unit asked for, a date, a body, a place). Otherwise a logistic model of the best sentence's features (weighted
coverage of the question's words, shared character bigrams, e5 similarity with the question, its chunk's retrieval
rank, the weight of the heaviest question word its context lacks) gives the probability that the extracted answer
is right, and the engine answers when that probability is above the threshold where a wrong answer costs as much
as three refusals, or when the question asks about the best sentence's section as a whole
(``answered_by_section``). Its coefficients and threshold are fitted on dev halves
(``scripts/fit_answerability.py``; ``settings.ANSWERABILITY``).
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

from ..settings import ANSWERABILITY
from .evidence import ScopeEvidence, answered_by_section
from .question import QuestionProfile


@dataclass(frozen=True)
class Decision:
    """Whether to answer from a scope's best evidence, how likely the answer is right, and why not, if not."""

    answer: bool
    confidence: float
    reason: str | None = None


def features(scope: ScopeEvidence) -> tuple[float, ...]:
    """The model's inputs, in ``ANSWERABILITY.coefficients`` order: the best sentence's coverage, bigram overlap,
    e5 similarity above the scope's median (how much it stands out), retrieval rank prior, and the weight of the
    heaviest question word its context lacks. (The share of the question's words its headings hold, added as a
    sixth, raised the cost on held-out dev halves from 79 to 93: it decides only through ``answered_by_section``.)"""
    best = scope.ranked[0]
    median = statistics.median(e.similarity for e in scope.ranked)
    return (best.coverage, best.overlap, best.similarity - median, 1.0 / (1 + best.rank), best.uncovered)


def confidence(scope: ScopeEvidence) -> float:
    """The fitted probability that an answer drawn from the scope's best evidence is right."""
    logit = ANSWERABILITY.intercept + sum(w * x for w, x in zip(ANSWERABILITY.coefficients, features(scope)))
    return 1.0 / (1.0 + math.exp(-logit))


def decide(question: QuestionProfile, scope: ScopeEvidence) -> Decision:
    """Answer or refuse, from the scope's best evidence (see the module docstring)."""
    best = scope.best
    if best is None:
        return Decision(False, 0.0, "没有检索到相关段落")
    p = confidence(scope)
    if best.missing:
        return Decision(False, p, f"资料中没有关于「{'、'.join(best.missing)}」的内容")
    if best.intent_conflict:
        wanted = "计划目标" if question.intent == "plan" else "完成情况"
        return Decision(False, p, f"资料中最相关的内容不是问题所问的{wanted}")
    if not best.holds_kind:
        return Decision(False, p, "最相关的句子没有问题所问的内容")
    if p < ANSWERABILITY.threshold and not answered_by_section(question, best):
        return Decision(False, p, "资料与问题的对应不够明确")
    return Decision(True, p)
