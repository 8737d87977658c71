"""The evaluation suite: the sets present are run, the absent skipped with a note, results in one table."""

import json

from policy_qa.evaluation.runner import OURS, EvalRun
from policy_qa.evaluation.suite import load_suite, suite_markdown

from ..conftest import ROOT


def test_the_kept_suite_lists_every_set_with_its_corpus():
    sets, skipped = load_suite(ROOT / "eval" / "suite.json")
    names = [s.name for s in sets] + [note.split(":")[0] for note in skipped]
    assert {"bulletin", "bulletin-users", "regulation", "work-report", "statistics", "news"} <= set(names)
    assert all(s.corpus.is_dir() and s.dataset.is_file() for s in sets)


def test_absent_sets_are_skipped_with_a_note(tmp_path):
    (tmp_path / "c").mkdir()
    (tmp_path / "q.jsonl").write_text("{}\n", encoding="utf-8")
    suite = tmp_path / "suite.json"
    suite.write_text(json.dumps([{"name": "here", "corpus": "c", "dataset": "q.jsonl"},
                                 {"name": "gone", "corpus": "nowhere", "dataset": "q.jsonl"}]), encoding="utf-8")
    sets, skipped = load_suite(suite)
    assert [s.name for s in sets] == ["here"] and skipped[0].startswith("gone: skipped")


def test_table_has_a_row_per_set_and_system():
    run = EvalRun("c", "q.jsonl", "extractive", "test")
    run.summary = {"questions": 3, "answerable": 2, "systems": {OURS: {"answer_accuracy": 0.5, "hit@1": 1.0},
                                                                 "BM25": {"hit@1": 0.5}}}
    from pathlib import Path

    from policy_qa.evaluation.suite import EvalSet

    table = suite_markdown([(EvalSet("news", Path("c"), Path("q.jsonl")), run)], ["x: skipped"], "test")
    assert "| news | policy-qa | 3 | 0.500 |" in table and "| news | BM25 |  | — |" in table and "- x: skipped" in table


def test_a_set_kept_outside_the_repository_is_reported_without_its_questions():
    from policy_qa.evaluation.report import markdown

    run = EvalRun("c", "q.jsonl", "extractive", "test")
    run.summary = {"questions": 1, "answerable": 1, "systems": {OURS: {}}, "accuracy_by_category": {}}
    run.records = [{"id": "n-1", "question": "某某问题？", "answer": "某某回答", "correct": False}]
    assert "某某问题" in markdown(run)
    external = markdown(run, quote_questions=False)
    assert "`n-1`" in external and "某某问题" not in external and "某某回答" not in external
