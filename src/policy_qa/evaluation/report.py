"""The evaluation's reports: a markdown table and JSON summary (kept in the repo), per-question details."""

from __future__ import annotations

import json
from pathlib import Path

from .runner import OURS, EvalRun

_ROWS = (
    ("hit@1", "retrieval hit@1"),
    ("hit@3", "retrieval hit@3"),
    ("mrr", "retrieval MRR"),
    ("answer_accuracy", "answer accuracy (all questions)"),
    ("answerable_accuracy", "accuracy on answerable questions"),
    ("wrong_figures", "answers with a figure in no cited quote ↓"),
    ("citation_precision", "citation precision"),
    ("citation_recall", "citation recall"),
    ("refusal_precision", "refusal precision"),
    ("refusal_recall", "refusal recall"),
    ("false_refusal_rate", "refusals of answerable questions ↓"),
    ("near_miss_refusal", "near-miss questions refused (the figure is another's)"),
    ("answer_chars_median", "answer length, median characters"),
    ("llm_answers", "answers written by the LLM (rest: extractive fallback)"),
    ("first_token_ms_p50", "time to first token p50, ms"),
    ("latency_ms_p50", "latency p50, ms"),
    ("latency_ms_p95", "latency p95, ms"),
)


def _cell(value: object) -> str:
    if value is None:
        return "—"
    return f"{value:.3f}" if isinstance(value, float) and value <= 1 else f"{value}"


def markdown(run: EvalRun, quote_questions: bool = True) -> str:
    """The summary as a markdown table, systems side by side (a peer without answers shows —), then the questions
    answered wrongly, unless ``quote_questions`` is off (a set kept outside the repository: its ids only)."""
    systems = run.summary["systems"]
    names = [OURS, *[name for name in systems if name != OURS]]
    lines = [
        f"# Evaluation: {Path(run.dataset).name} ({run.split}) on {Path(run.corpus).name}",
        "",
        f"{run.summary['questions']} questions ({run.summary['answerable']} answerable), answerer `{run.answerer}`. "
        "Retrieval counts a hit when the top passages hold the gold evidence. ↓: lower is better.",
        "",
        "| metric | " + " | ".join(names) + " |",
        "|---|" + "---|" * len(names),
    ]
    for key, label in _ROWS:
        lines.append(f"| {label} | " + " | ".join(_cell(systems[name].get(key)) for name in names) + " |")
    lines += ["", "| category | accuracy |", "|---|---|"]
    lines += [f"| {category} | {value:.3f} |" for category, value in run.summary["accuracy_by_category"].items()]
    wrong = [r for r in run.records if not r["correct"]]
    if wrong:
        lines += ["", "## Questions answered wrongly", ""]
        if quote_questions:
            lines += [f"- `{r['id']}` {r['question']} → {r['answer'].splitlines()[0][:120]}" for r in wrong]
        else:
            lines.append(", ".join(f"`{r['id']}`" for r in wrong))
    return "\n".join(lines) + "\n"


def write_reports(run: EvalRun, out_dir: Path, quote_questions: bool = True) -> list[Path]:
    """``summary.md`` and ``summary.json`` (committed), ``details.jsonl`` (one record a question, never committed).
    ``quote_questions`` off keeps the questions' text out of the summary (a set kept outside the repository)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / "summary.md", out_dir / "summary.json", out_dir / "details.jsonl"]
    paths[0].write_text(markdown(run, quote_questions), encoding="utf-8")
    summary = {"corpus": Path(run.corpus).name, "dataset": Path(run.dataset).name, "split": run.split, "answerer": run.answerer, **run.summary}
    paths[1].write_text(json.dumps(summary, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    paths[2].write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in run.records), encoding="utf-8")
    return paths
