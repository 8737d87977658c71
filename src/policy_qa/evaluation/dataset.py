"""The hand-written QA set: one JSON object a line, checked when loaded."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..errors import PolicyQAError

CATEGORIES = ("fact", "result_vs_plan", "which_report", "colloquial", "list", "comparison", "unanswerable")


class DatasetError(PolicyQAError):
    """A QA set file is missing, not JSON lines, or has an item that breaks the format."""


@dataclass(frozen=True)
class EvalItem:
    """One question with what a correct answer must hold and where the answer is in the corpus."""

    id: str
    question: str
    category: str
    answerable: bool
    reference_answer: str
    required: tuple[str, ...]
    gold_sections: tuple[str, ...]
    gold_evidence: tuple[str, ...]


def _as_tuple(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    return tuple(value) if isinstance(value, list) else (str(value),)


def _item(record: dict, where: str) -> EvalItem:
    try:
        item = EvalItem(
            id=str(record["id"]),
            question=str(record["question"]),
            category=str(record["category"]),
            answerable=bool(record["answerable"]),
            reference_answer=str(record["reference_answer"]),
            required=_as_tuple(record["required"]),
            gold_sections=_as_tuple(record["gold_section"]),
            gold_evidence=_as_tuple(record["gold_evidence"]),
        )
    except KeyError as missing:
        raise DatasetError(f"{where}: missing field {missing}") from None
    if item.category not in CATEGORIES:
        raise DatasetError(f"{where}: unknown category {item.category!r}")
    if item.answerable != bool(item.gold_evidence):
        raise DatasetError(f"{where}: an answerable item needs gold_evidence, an unanswerable one none")
    return item


def load_dataset(path: Path) -> list[EvalItem]:
    """Items of a JSON-lines QA set; ``DatasetError`` names the file and line of the first bad one."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise DatasetError(f"cannot read the QA set {path}: {error}") from error
    items = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise DatasetError(f"{path}:{number}: not JSON ({error.msg})") from error
        items.append(_item(record, f"{path}:{number}"))
    if not items:
        raise DatasetError(f"the QA set {path} holds no questions")
    if len({item.id for item in items}) != len(items):
        raise DatasetError(f"{path}: ids are not unique")
    return items


def spread_sample(items: list[EvalItem], size: int | None) -> list[EvalItem]:
    """``size`` items spread evenly over the set (every category keeps its share), or all of them."""
    if not size or size >= len(items):
        return items
    return [items[i * len(items) // size] for i in range(size)]
