"""QA sets: one JSON object a line, checked when loaded, split into a dev half and a test half.

Two schemas are read:

- ours: ``id, question, category, answerable, reference_answer, required, gold_evidence`` (``gold_section``
  optional);
- the news set's (CRUD-RAG, see ``../shared/eval/news/README.md``): ``id, question, answer, numbers, texts,
  type, source``. Its ``numbers`` must appear as whole numbers, its ``texts`` as strings; its gold evidence is
  the answer string, its gold documents the ``source`` files.

The split is fixed by a hash, never by hand: an item's *group* (its first source document when it names one, so
that questions on one article never straddle the halves; else its id) decides ``dev`` or ``test``. Tune on dev;
report on test.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from ..errors import PolicyQAError

CATEGORIES = (
    "fact", "result_vs_plan", "which_report", "colloquial", "list", "comparison",
    "date", "who", "what", "condition", "yes_no", "multi", "unanswerable", "near_miss",
)
SPLITS = ("dev", "test", "all")


class DatasetError(PolicyQAError):
    """A QA set file is missing, not JSON lines, or has an item that breaks the format."""


@dataclass(frozen=True)
class EvalItem:
    """One question with what a correct answer must hold and where the answer is in the corpus.

    ``required`` strings must appear in the answer (whitespace ignored); ``numbers`` must appear as whole
    numbers; ``gold_documents`` are the files that hold the answer, when the set says.
    """

    id: str
    question: str
    category: str
    answerable: bool
    reference_answer: str
    required: tuple[str, ...]
    gold_evidence: tuple[str, ...]
    numbers: tuple[str, ...] = ()
    gold_documents: tuple[str, ...] = ()

    @property
    def split(self) -> str:
        """``dev`` or ``test``, from a hash of the item's group (see the module docstring)."""
        group = self.gold_documents[0] if self.gold_documents else self.id
        return "dev" if hashlib.sha1(group.encode("utf-8")).digest()[0] % 2 == 0 else "test"


def _as_tuple(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    return tuple(str(v) for v in value) if isinstance(value, list) else (str(value),)


def _ours(record: dict) -> EvalItem:
    return EvalItem(
        id=str(record["id"]),
        question=str(record["question"]),
        category=str(record["category"]),
        answerable=bool(record["answerable"]),
        reference_answer=str(record["reference_answer"]),
        required=_as_tuple(record["required"]),
        gold_evidence=_as_tuple(record["gold_evidence"]),
    )


def _news(record: dict) -> EvalItem:
    return EvalItem(
        id=str(record["id"]),
        question=str(record["question"]),
        category=str(record["type"]),
        answerable=True,
        reference_answer=str(record["answer"]),
        required=_as_tuple(record["texts"]),
        gold_evidence=(str(record["answer"]),),
        numbers=_as_tuple(record["numbers"]),
        gold_documents=tuple(sorted(_as_tuple(record["source"]))),
    )


def _item(record: dict, where: str) -> EvalItem:
    try:
        item = _news(record) if "source" in record and "category" not in record else _ours(record)
    except KeyError as missing:
        raise DatasetError(f"{where}：缺少字段 {missing}") from None
    if item.category not in CATEGORIES:
        raise DatasetError(f"{where}：未知的类别 {item.category!r}")
    if item.answerable != bool(item.gold_evidence):
        raise DatasetError(f"{where}：可回答的问题需要 gold_evidence，不可回答的问题不能有")
    return item


def load_dataset(path: Path, split: str = "all") -> list[EvalItem]:
    """Items of a JSON-lines QA set, those of ``split`` only (``dev``, ``test`` or ``all``);
    ``DatasetError`` names the file and line of the first bad one."""
    if split not in SPLITS:
        raise DatasetError(f"未知的划分 {split!r}，可选：{'、'.join(SPLITS)}")
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise DatasetError(f"无法读取问答集 {path}：{error}") from error
    items = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise DatasetError(f"{path}:{number}：不是 JSON（{error.msg}）") from error
        items.append(_item(record, f"{path}:{number}"))
    if not items:
        raise DatasetError(f"问答集 {path} 中没有问题")
    if len({item.id for item in items}) != len(items):
        raise DatasetError(f"{path}：id 有重复")
    return items if split == "all" else [item for item in items if item.split == split]


def spread_sample(items: list[EvalItem], size: int | None) -> list[EvalItem]:
    """``size`` items spread evenly over the set (every category keeps its share), or all of them."""
    if not size or size >= len(items):
        return items
    return [items[i * len(items) // size] for i in range(size)]
