"""Fit the answerability model (``settings.ANSWERABILITY``) on the dev halves of the evaluation suite.

For every dev question with one scope, the best evidence's features are recorded with its label: whether the
corpus answers the question. Questions the rules decide (a year or place missing, plan for result, no span of
the kind asked, a question about a section as a whole) are left out: the model never sees them. A logistic regression (numpy, L2) is fitted, then
the threshold that minimises the cost of its decisions, answering a question the corpus does not answer costing
three refusals of one it does. It also prints the refusal precision–recall curve and the extracts' accuracy at the chosen point.

    .venv/bin/python scripts/fit_answerability.py [--suite eval/suite.json] [--out /tmp/answerability.jsonl]
        [--report eval/reports/answerability.md]

It prints the fitted values to paste into ``settings.py`` with the data they came from, and writes the curve and the
chosen point to the report.
"""

from __future__ import annotations

import argparse
import json
import zlib
from pathlib import Path

import numpy as np

from policy_qa import Answer, PolicyQA
from policy_qa.answer.answerability import features
from policy_qa.answer.evidence import answered_by_section
from policy_qa.evaluation.dataset import load_dataset
from policy_qa.evaluation.metrics import is_correct
from policy_qa.evaluation.suite import load_suite

WRONG_COST = 3.0  # a wrong answer costs three refusals


def collect(suite: Path) -> list[dict]:
    """One record per dev question that reaches the model: set, id, features, label."""
    sets, skipped = load_suite(suite)
    for note in skipped:
        print(note)
    records, datasets = [], set()
    for eval_set in sets:
        if eval_set.dataset in datasets:
            continue  # the same questions over another format of the same corpus (the PDF and DOCX bulletins)
        datasets.add(eval_set.dataset)
        qa = PolicyQA.from_corpus(eval_set.corpus)
        for item in load_dataset(eval_set.dataset, "dev"):
            profile, scopes = qa.evidence(item.question)
            if len(scopes) != 1 or scopes[0].best is None:
                continue
            best = scopes[0].best
            if best.missing or best.intent_conflict or not best.holds_kind or answered_by_section(profile, best):
                continue
            body, citations = qa.extractive.compose(profile, scopes[0])
            forced = Answer(item.question, body, False, list(citations))
            records.append({
                "set": eval_set.name,
                "id": item.id,
                "answerable": item.answerable,
                "features": list(features(scopes[0])),
                "label": int(item.answerable),
                "extract_correct": bool(item.answerable and is_correct(item, forced)),
            })
        print(f"{eval_set.name}: {sum(r['set'] == eval_set.name for r in records)} questions")
    return records


def fit(x: np.ndarray, y: np.ndarray, l2: float = 1.0, steps: int = 20000, rate: float = 0.1) -> tuple[float, np.ndarray]:
    """Logistic regression by gradient descent on standardised features; returns (intercept, weights) in the
    original units."""
    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-9
    z = (x - mean) / std
    w, b = np.zeros(x.shape[1]), 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(z @ w + b)))
        w -= rate * ((z.T @ (p - y)) / len(y) + l2 * w / len(y))
        b -= rate * float(np.mean(p - y))
    return b - float((w * mean / std).sum()), w / std


def choose_threshold(p: np.ndarray, answerable: np.ndarray) -> tuple[float, float]:
    """The threshold with the least cost, and that cost: each unanswerable question answered costs three, each
    answerable one refused one."""
    best = (np.inf, 0.5)
    for t in np.unique(np.concatenate([p, [0.0, 1.0]])):
        answer = p >= t
        cost = WRONG_COST * np.sum(answer & ~answerable) + np.sum(~answer & answerable)
        best = min(best, (float(cost), float(t)))
    return best[1], best[0]


def refusal_curve(p: np.ndarray, answerable: np.ndarray) -> list[tuple[float, float, float]]:
    """(threshold, refusal precision, refusal recall) at a spread of thresholds."""
    curve = []
    for t in np.quantile(p, np.linspace(0.02, 0.6, 15)):
        refused = p < t
        precision = float(np.sum(refused & ~answerable) / max(refused.sum(), 1))
        recall = float(np.sum(refused & ~answerable) / max((~answerable).sum(), 1))
        curve.append((float(t), precision, recall))
    return curve


def held_out(x: np.ndarray, y: np.ndarray, ids: list[str]) -> list[str]:
    """Fit on one half of the questions (split by a hash of their ids), choose its threshold, and score the
    other half, both ways round: the figures of a model on questions it was not fitted on."""
    half = np.array([zlib.crc32(i.encode("utf-8")) % 2 for i in ids])
    lines = []
    for fitted in (0, 1):
        on, off = half == fitted, half != fitted
        intercept, weights = fit(x[on], y[on])
        threshold, _ = choose_threshold(1 / (1 + np.exp(-(x[on] @ weights + intercept))), y[on] == 1)
        answered = 1 / (1 + np.exp(-(x[off] @ weights + intercept))) >= threshold
        answerable = y[off] == 1
        lines.append(
            f"- fitted on half {fitted} ({int(on.sum())}), scored on the other ({int(off.sum())}): answered "
            f"{int((answered & ~answerable).sum())}/{int((~answerable).sum())} unanswerable, refused "
            f"{int((~answered & answerable).sum())}/{int(answerable.sum())} answerable, cost "
            f"{WRONG_COST * np.sum(answered & ~answerable) + np.sum(~answered & answerable):.0f}"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--suite", default="eval/suite.json")
    parser.add_argument("--out", default="/tmp/answerability.jsonl")
    parser.add_argument("--report", default="eval/reports/answerability.md")
    args = parser.parse_args()
    records = collect(Path(args.suite))
    Path(args.out).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    x = np.array([r["features"] for r in records])
    y = np.array([r["label"] for r in records], dtype=float)
    answerable = y == 1
    right = np.array([r["extract_correct"] for r in records])
    intercept, weights = fit(x, y)
    p = 1 / (1 + np.exp(-(x @ weights + intercept)))
    threshold, cost = choose_threshold(p, answerable)
    answered = p >= threshold
    halves = held_out(x, y, [f"{r['set']}/{r['id']}" for r in records])
    lines = [
        "# Answerability: the refusal decision fitted on dev halves",
        "",
        f"{len(records)} dev questions past the hard rules ({int(answerable.sum())} answerable), sets: "
        + ", ".join(sorted({r['set'] for r in records})) + ". A refusal's precision: the share of refused questions "
        "the corpus does not answer; its recall: the share of such questions refused.",
        "",
        "| threshold | refusal precision | refusal recall |",
        "|---|---|---|",
        *(f"| {t:.3f} | {precision:.3f} | {recall:.3f} |" for t, precision, recall in refusal_curve(p, answerable)),
        "",
        f"Chosen (answering an unanswerable question costs {WRONG_COST:.0f} refusals of answerable ones): threshold "
        f"{threshold:.3f}, cost {cost:.0f}; answered {int(answered.sum())} ({int((answered & ~answerable).sum())} "
        f"unanswerable), refused {int((~answered).sum())} ({int((~answered & answerable).sum())} answerable); "
        f"extracts right among the answered answerable: {int((answered & right).sum())}/{int((answered & answerable).sum())}.",
        "",
        "Fitted on one half of these questions and scored on the other:",
        "",
        *halves,
        "",
        f"    ANSWERABILITY = AnswerabilityModel(intercept={intercept:.3f}, "
        f"coefficients=({', '.join(f'{w:.3f}' for w in weights)}), threshold={threshold:.3f})",
    ]
    print("\n".join(lines))
    Path(args.report).write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
