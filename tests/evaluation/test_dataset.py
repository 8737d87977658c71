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
    assert {item.category for item in items} == {
        "fact", "result_vs_plan", "which_report", "colloquial", "list", "comparison", "unanswerable"
    }


def test_users_words_set_has_answerable_and_near_miss_questions_in_both_halves():
    dev = load_dataset(ROOT / "eval" / "seed_users_qa.jsonl", "dev")
    test = load_dataset(ROOT / "eval" / "seed_users_qa.jsonl", "test")
    for half in (dev, test):
        assert sum(item.answerable for item in half) >= 30
        assert sum(item.category == "near_miss" for item in half) >= 10
    assert not {item.id for item in dev} & {item.id for item in test}


def test_news_schema_loads_numbers_texts_and_sources(tmp_path):
    record = {"id": "n1", "question": "q", "answer": "3万辆", "numbers": ["3"], "texts": [], "type": "fact",
              "source": ["b.txt", "a.txt"]}
    (item,) = load_dataset(_write(tmp_path, record))
    assert item.answerable and item.numbers == ("3",) and item.gold_evidence == ("3万辆",)
    assert item.gold_documents == ("a.txt", "b.txt")


def test_split_is_fixed_by_hash_and_keeps_an_article_in_one_half(tmp_path):
    records = [
        {"id": f"n{k}", "question": "q", "answer": "a", "numbers": [], "texts": ["a"], "type": "fact",
         "source": [f"doc{k % 7}.txt"]}
        for k in range(60)
    ]
    path = _write(tmp_path, *records)
    dev, test = load_dataset(path, "dev"), load_dataset(path, "test")
    assert len(dev) + len(test) == 60 and dev and test
    assert not {i.gold_documents for i in dev} & {i.gold_documents for i in test}
    assert [i.id for i in load_dataset(path, "dev")] == [i.id for i in dev]
    with pytest.raises(DatasetError, match="未知的划分"):
        load_dataset(path, "train")


def test_bad_lines_are_named(tmp_path):
    with pytest.raises(DatasetError, match=":2：不是 JSON"):
        load_dataset(_write(tmp_path, raw=json.dumps(GOOD) + "\n{oops\n"))
    with pytest.raises(DatasetError, match="缺少字段 'question'"):
        load_dataset(_write(tmp_path, {k: v for k, v in GOOD.items() if k != "question"}))
    with pytest.raises(DatasetError, match="未知的类别"):
        load_dataset(_write(tmp_path, {**GOOD, "category": "trivia"}))
    with pytest.raises(DatasetError, match="需要 gold_evidence"):
        load_dataset(_write(tmp_path, {**GOOD, "gold_evidence": None}))
    with pytest.raises(DatasetError, match="id 有重复"):
        load_dataset(_write(tmp_path, GOOD, GOOD))
    with pytest.raises(DatasetError, match="没有问题"):
        load_dataset(_write(tmp_path, raw="\n"))


def test_spread_sample_keeps_every_category():
    from policy_qa.evaluation.dataset import spread_sample

    items = load_dataset(ROOT / "eval" / "qa.jsonl")
    sample = spread_sample(items, 21)
    assert len(sample) == 21 and len({i.id for i in sample}) == 21
    assert {i.category for i in sample} == {i.category for i in items}
    assert spread_sample(items, None) == items and spread_sample(items, 10_000) == items
