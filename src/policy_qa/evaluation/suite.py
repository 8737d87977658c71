"""Every QA set at once: each set's corpus indexed and asked, results side by side in one table.

A suite is a JSON list of sets, ``{"name", "corpus", "dataset"}`` (``"external": true`` for a set kept outside the
repository, whose questions its committed reports must not quote), paths relative to the suite file; a set whose
corpus or dataset is absent (the news set outside this machine's ``../shared``) is skipped with a note.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from .dataset import DatasetError, load_dataset
from .runner import OURS, EvalRun, run_evaluation

# Columns of the suite's table: (metric key, header).
_COLUMNS = (
    ("answer_accuracy", "accuracy"),
    ("false_refusal_rate", "answerable refused ↓"),
    ("refusal_recall", "refusal recall"),
    ("near_miss_refusal", "near-miss refused"),
    ("wrong_figures", "wrong figures ↓"),
    ("hit@1", "hit@1"),
    ("hit@3", "hit@3"),
    ("latency_ms_p50", "p50 ms"),
)


@dataclass(frozen=True)
class EvalSet:
    """One QA set and the corpus it asks about."""

    name: str
    corpus: Path
    dataset: Path
    external: bool = False


def load_suite(path: Path) -> tuple[list[EvalSet], list[str]]:
    """The sets of the suite at ``path`` that are present here, and a note for each that is not."""
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise DatasetError(f"无法读取评测套件 {path}：{error}") from error
    sets, skipped = [], []
    for entry in entries:
        found = EvalSet(
            entry["name"],
            (path.parent / entry["corpus"]).resolve(),
            (path.parent / entry["dataset"]).resolve(),
            bool(entry.get("external")),
        )
        if found.corpus.is_dir() and found.dataset.is_file():
            sets.append(found)
        else:
            skipped.append(f"{found.name}: skipped, {found.corpus if not found.corpus.is_dir() else found.dataset} is not here")
    return sets, skipped


def run_suite(
    sets: list[EvalSet],
    engine_for: Callable[[Path], Any],
    *,
    split: str,
    with_peers: bool,
    progress: Callable[[str, int, int], None] | None = None,
) -> list[tuple[EvalSet, EvalRun]]:
    """Each set's run, with the engine ``engine_for(corpus)`` returns (one per corpus: sets on the same corpus
    share it); ``progress(set name, done, total)`` after each question."""
    runs, engines = [], {}
    for eval_set in sets:
        items = load_dataset(eval_set.dataset, split)
        if eval_set.corpus not in engines:
            engines[eval_set.corpus] = engine_for(eval_set.corpus)
        report = None if progress is None else partial(progress, eval_set.name)
        run = run_evaluation(
            engines[eval_set.corpus], items, dataset=str(eval_set.dataset), split=split, with_peers=with_peers,
            progress=report,
        )
        runs.append((eval_set, run))
    return runs


def suite_markdown(runs: list[tuple[EvalSet, EvalRun]], skipped: list[str], split: str) -> str:
    """One table: a row per set (and per peer's retrieval on it), a column per metric."""
    lines = [
        f"# Evaluation suite ({split} halves)",
        "",
        "| set | system | questions | " + " | ".join(header for _, header in _COLUMNS) + " |",
        "|---|---|---|" + "---|" * len(_COLUMNS),
    ]
    for eval_set, run in runs:
        for name, metrics in run.summary["systems"].items():
            count = run.summary["questions"] if name == OURS else ""
            cells = [_cell(metrics.get(key)) for key, _ in _COLUMNS]
            lines.append(f"| {eval_set.name} | {name} | {count} | " + " | ".join(cells) + " |")
    lines += ["", *[f"- {note}" for note in skipped]] if skipped else []
    return "\n".join(lines) + "\n"


def _cell(value: object) -> str:
    if value is None:
        return "—"
    return f"{value:.3f}" if isinstance(value, float) and value <= 1 else f"{value}"
