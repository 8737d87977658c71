"""Loading the QA sets: the kept sets load, a broken line is named."""

import json

import pytest

from policy_qa.evaluation.dataset import CATEGORIES, DatasetError, load_dataset

from ..conftest import ROOT

GOOD = {
    "id": "a", "question": "q", "category": "fact", "answerable": True, "reference_answer": "r",
    "required": ["1个"], "gold_section": "甲市", "gold_evidence": "共1个",
}


def _write(tmp_path, *records, raw=None):
    path = tmp_path / "qa.jsonl"
    path.write_text(raw if raw is not None else "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


@pytest.mark.parametrize("name", ["qa.jsonl", "second_qa.jsonl"])
def test_kept_sets_load_and_cover_every_category(name):
    items = load_dataset(ROOT / "eval" / name)
    assert {item.category for item in items} <= set(CATEGORIES)
    assert sum(not item.answerable for item in items) >= 5


def test_bulletin_set_is_large_enough():
    items = load_dataset(ROOT / "eval" / "qa.jsonl")
    assert len(items) >= 80 and sum(not item.answerable for item in items) >= 12
    assert {item.category for item in items} == set(CATEGORIES)


def test_bad_lines_are_named(tmp_path):
    with pytest.raises(DatasetError, match=":2: not JSON"):
        load_dataset(_write(tmp_path, raw=json.dumps(GOOD) + "\n{oops\n"))
    with pytest.raises(DatasetError, match="missing field 'question'"):
        load_dataset(_write(tmp_path, {k: v for k, v in GOOD.items() if k != "question"}))
    with pytest.raises(DatasetError, match="unknown category"):
        load_dataset(_write(tmp_path, {**GOOD, "category": "trivia"}))
    with pytest.raises(DatasetError, match="needs gold_evidence"):
        load_dataset(_write(tmp_path, {**GOOD, "gold_evidence": None}))
    with pytest.raises(DatasetError, match="not unique"):
        load_dataset(_write(tmp_path, GOOD, GOOD))
    with pytest.raises(DatasetError, match="no questions"):
        load_dataset(_write(tmp_path, raw="\n"))


def test_spread_sample_keeps_every_category():
    from policy_qa.evaluation.dataset import spread_sample

    items = load_dataset(ROOT / "eval" / "qa.jsonl")
    sample = spread_sample(items, 21)
    assert len(sample) == 21 and len({i.id for i in sample}) == 21
    assert {i.category for i in sample} == {i.category for i in items}
    assert spread_sample(items, None) == items and spread_sample(items, 10_000) == items
