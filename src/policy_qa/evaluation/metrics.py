"""Scores of one answer against its QA item, and the summary over a run.

Figures are compared by their numeric value (「12.5」 of 「12.5万平方米」), years left out; text is compared with
all whitespace removed, so PDF line breaks and stray spaces in the corpus do not matter.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass

from ..schema import Answer
from ..text.figures import numbers_of
from .dataset import EvalItem

_MARKER = re.compile(r"\[(\d+)\]")
_SPACE = re.compile(r"\s+")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")


def squeeze(text: str) -> str:
    """``text`` without any whitespace."""
    return _SPACE.sub("", text)


def evidence_rank(item: EvalItem, passage_texts: list[str]) -> int | None:
    """1-based rank at which the retrieved passages hold all of the item's gold evidence, or None."""
    if not item.gold_evidence:
        return None
    squeezed = [squeeze(text) for text in passage_texts]
    ranks = []
    for evidence in item.gold_evidence:
        found = next((rank for rank, text in enumerate(squeezed, start=1) if squeeze(evidence) in text), None)
        if found is None:
            return None
        ranks.append(found)
    return max(ranks)


@dataclass(frozen=True)
class CitationCheck:
    """How the ``[n]`` markers of an answer hold up against the quotes they point to."""

    cited_with_figures: int
    precise: int
    answer_figures: int
    backed: int
    unsupported_figures: tuple[str, ...]


def check_citations(answer: Answer) -> CitationCheck:
    """Each marker backs the text since the previous marker; its quote must hold that text's figures."""
    quotes = {citation.index: citation.quote for citation in answer.citations}
    all_quoted = set().union(*(numbers_of(quote) for quote in quotes.values())) if quotes else set()
    cited_with_figures = precise = answer_figures = backed = 0
    unsupported: set[str] = set()
    position = 0
    segments: list[tuple[str, list[int]]] = []
    for match in _MARKER.finditer(answer.text):
        segment = answer.text[position : match.start()]
        if segment.strip() or not segments:
            segments.append((segment, [int(match.group(1))]))
        else:
            segments[-1][1].append(int(match.group(1)))
        position = match.end()
    segments.append((answer.text[position:], []))
    for segment, markers in segments:
        figures = numbers_of(segment)
        marked = set().union(*(numbers_of(quotes.get(index, "")) for index in markers)) if markers else set()
        for index in markers:
            if figures:
                cited_with_figures += 1
                precise += figures <= numbers_of(quotes.get(index, ""))
        answer_figures += len(figures)
        backed += len(figures & marked)
        unsupported |= figures - all_quoted
    return CitationCheck(cited_with_figures, precise, answer_figures, backed, tuple(sorted(unsupported)))


def holds_number(text: str, number: str) -> bool:
    """Whether ``text`` holds ``number`` as a whole number (「5」 is not in 「51.5」 nor in 「0.5」)."""
    return re.search(rf"(?<![\d.]){re.escape(number)}(?!\d|\.\d)", text) is not None


def is_correct(item: EvalItem, answer: Answer) -> bool:
    """Answerable: not refused, every required string and every number present. Unanswerable: refused."""
    if not item.answerable:
        return answer.refused
    shown = squeeze(_MARKER.sub("", answer.text))
    plain = _THOUSANDS.sub("", shown)  # 「24,348.66」 is the number 24348.66
    return (
        not answer.refused
        and all(squeeze(required) in shown for required in item.required)
        and all(holds_number(plain, number.replace(",", "")) for number in item.numbers)
    )


def _ratio(numerator: float, denominator: float) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def _percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))], 1)


def retrieval_summary(ranks: list[int | None], k_values: tuple[int, ...] = (1, 3)) -> dict[str, float | None]:
    """hit@k and MRR over the answerable items' evidence ranks."""
    summary: dict[str, float | None] = {f"hit@{k}": _ratio(sum(r is not None and r <= k for r in ranks), len(ranks)) for k in k_values}
    summary["mrr"] = _ratio(sum(1 / r for r in ranks if r), len(ranks))
    return summary


def answer_summary(
    items: list[EvalItem], answers: list[Answer], latencies_ms: list[float], first_token_ms: list[float] | None = None
) -> dict[str, float | None]:
    """Accuracy, wrong figures, citation precision and recall, refusals, length and latency of a run."""
    checks = [check_citations(answer) for answer in answers]
    shown = [(check, answer) for check, answer in zip(checks, answers) if not answer.refused]
    answerable = [answer for item, answer in zip(items, answers) if item.answerable]
    unanswerable = [answer for item, answer in zip(items, answers) if not item.answerable]
    refused = [answer for answer in answers if answer.refused]
    correct_refusals = sum(answer.refused for answer in unanswerable)
    near_misses = [answer for item, answer in zip(items, answers) if item.category == "near_miss"]
    return {
        "answer_accuracy": _ratio(sum(is_correct(i, a) for i, a in zip(items, answers)), len(items)),
        "answerable_accuracy": _ratio(sum(is_correct(i, a) for i, a in zip(items, answers) if i.answerable), len(answerable)),
        "wrong_figures": _ratio(sum(bool(c.unsupported_figures) for c, _ in shown), len(shown)),
        "citation_precision": _ratio(sum(c.precise for c, _ in shown), sum(c.cited_with_figures for c, _ in shown)),
        "citation_recall": _ratio(sum(c.backed for c, _ in shown), sum(c.answer_figures for c, _ in shown)),
        "refusal_precision": _ratio(correct_refusals, len(refused)),
        "refusal_recall": _ratio(correct_refusals, len(unanswerable)),
        "false_refusal_rate": _ratio(sum(answer.refused for answer in answerable), len(answerable)),
        "near_miss_refusal": _ratio(sum(answer.refused for answer in near_misses), len(near_misses)),
        "answer_chars_median": statistics.median(len(_MARKER.sub("", a.text)) for a in answers) if answers else None,
        "llm_answers": _ratio(sum(a.answerer == "llm" for a in answers), len(answers)),
        "first_token_ms_p50": _percentile(first_token_ms or [], 0.5),
        "latency_ms_p50": _percentile(latencies_ms, 0.5),
        "latency_ms_p95": _percentile(latencies_ms, 0.95),
    }
