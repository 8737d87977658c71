"""Run a QA set through the engine (and the peers), score it, and check the scores against kept thresholds."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..schema import Answer
from .dataset import EvalItem
from .metrics import (
    answer_summary,
    check_citations,
    evidence_rank,
    is_correct,
    retrieval_summary,
)
from .peers import Bm25Peer, CitationPeer, LlamaIndexPeer, Peer, default_chunks

if TYPE_CHECKING:
    from ..engine import PolicyQA

OURS = "policy-qa"
OURS_EXTRACTIVE = "policy-qa extractive"


@dataclass
class EvalRun:
    """Per-question records and the summary of one run."""

    corpus: str
    dataset: str
    answerer: str
    split: str = "all"
    records: list[dict[str, Any]] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)


def _peers(qa: PolicyQA, corpus_dir: Path) -> list[Peer]:
    """The retrieval peers over the corpus's default chunks; none when the plain pipeline reads nothing of it."""
    chunks = default_chunks(corpus_dir)
    if not chunks:
        return []
    return [Bm25Peer(chunks, qa.settings.top_k), LlamaIndexPeer(chunks, qa.embed_model, qa.settings.top_k)]


def run_evaluation(
    qa: PolicyQA,
    items: list[EvalItem],
    *,
    dataset: str,
    split: str = "all",
    with_peers: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> EvalRun:
    """Ask every question, record answers, citations, retrieved sections and timings, and summarise.
    ``progress(done, total)`` is called after each question."""
    run = EvalRun(corpus=str(qa.settings.corpus_dir), dataset=dataset, answerer=qa.answerer_name, split=split)
    answers, latencies, first_tokens, ranks = [], [], [], []
    qa.ask(items[0].question)  # warm-up: the first call pays one-off costs the latency figures should not show
    for item in items:
        answer, first_token_ms, total_ms = _timed_ask(qa, item.question)
        latencies.append(total_ms)
        first_tokens.append(first_token_ms)
        answers.append(answer)
        rank = evidence_rank(item, [passage.text for passage in answer.passages])
        if item.answerable:
            ranks.append(rank)
        check = check_citations(answer)
        run.records.append({
            "id": item.id,
            "category": item.category,
            "question": item.question,
            "answerable": item.answerable,
            "reference_answer": item.reference_answer,
            "answer": answer.text,
            "refused": answer.refused,
            "correct": is_correct(item, answer),
            "evidence_rank": rank,
            "unsupported_figures": list(check.unsupported_figures),
            "citations": [citation.__dict__ for citation in answer.citations],
            "passages": [{"section": p.section, "score": p.score} for p in answer.passages],
            "answerer": answer.answerer,
            "note": answer.note,
            "first_token_ms": round(first_tokens[-1], 1),
            "latency_ms": round(latencies[-1], 1),
        })
        if progress is not None:
            progress(len(run.records), len(items))
    by_category: dict[str, list[bool]] = defaultdict(list)
    for record in run.records:
        by_category[record["category"]].append(record["correct"])
    run.summary = {
        "questions": len(items),
        "answerable": sum(item.answerable for item in items),
        "systems": {OURS: {**retrieval_summary(ranks), **answer_summary(items, answers, latencies, first_tokens)}},
        "accuracy_by_category": {c: round(sum(v) / len(v), 4) for c, v in sorted(by_category.items())},
    }
    if with_peers:
        for peer in _peers(qa, qa.settings.corpus_dir):
            peer_ranks = [evidence_rank(item, peer.retrieve(item.question)) for item in items if item.answerable]
            run.summary["systems"][peer.name] = retrieval_summary(peer_ranks)
        if qa.answerer_name == "llm":
            run.summary["systems"].update(_answering_peers(qa, items, run.records))
    return run


def _answering_peers(qa: PolicyQA, items: list[EvalItem], records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Beside LLM answers: our extractive answers, and llama-index's ``CitationQueryEngine`` with the same LLM.
    Each record gets the peers' answers."""
    systems: dict[str, dict[str, Any]] = {}
    qa.set_answerer("extractive")
    try:
        timed = [_timed_ask(qa, item.question) for item in items]
    finally:
        qa.set_answerer("llm")
    peer = CitationPeer(default_chunks(qa.settings.corpus_dir), qa.embed_model, qa.llm_client())
    for name, runs in ((OURS_EXTRACTIVE, timed), (peer.name, [peer.answer(item.question) for item in items])):
        answers = [answer for answer, _, _ in runs]
        systems[name] = answer_summary(items, answers, [t for _, _, t in runs], [f for _, f, _ in runs])
        for record, item, answer in zip(records, items, answers):
            record.setdefault("peers", {})[name] = {"answer": answer.text, "correct": is_correct(item, answer)}
    return systems


def _timed_ask(qa: PolicyQA, question: str) -> tuple[Answer, float, float]:
    """The answer, milliseconds to its first streamed text (to the answer when nothing streams), and in all."""
    started = time.perf_counter()
    first_token = None
    for item in qa.ask_stream(question):
        if first_token is None:
            first_token = time.perf_counter()
        if isinstance(item, Answer):
            finished = time.perf_counter()
            return item, (first_token - started) * 1000, (finished - started) * 1000
    raise AssertionError("ask_stream always ends with an Answer")


def check_thresholds(summary: dict[str, Any], thresholds: dict[str, dict[str, float]]) -> list[str]:
    """Metrics of ``policy-qa`` below their ``min`` or above their ``max`` in ``thresholds``."""
    ours = summary["systems"][OURS]
    failures = []
    for metric, floor in thresholds.get("min", {}).items():
        if ours.get(metric) is None or ours[metric] < floor:
            failures.append(f"{metric} = {ours.get(metric)} < {floor}")
    for metric, ceiling in thresholds.get("max", {}).items():
        if ours.get(metric) is None or ours[metric] > ceiling:
            failures.append(f"{metric} = {ours.get(metric)} > {ceiling}")
    return failures
