"""The evaluation run end to end on the real engine, with both peers, reports and threshold checks."""

import json

import pytest

from policy_qa.evaluation.dataset import EvalItem
from policy_qa.evaluation.report import write_reports
from policy_qa.evaluation.runner import OURS, check_thresholds, run_evaluation

ITEMS = [
    EvalItem("f1", "临汾标准化厂房建了多少？", "colloquial", True, "37.9万平方米", ("37.9万平方米",),
             ("建成标准化厂房37.9万平方米",)),
    EvalItem("f2", "晋城新增高新技术企业多少家？", "fact", True, "8家", ("8家",), ("新增高新技术企业8家",)),
    EvalItem("n1", "太原市开发区2023年签约了多少项目？", "unanswerable", False, "资料中没有提及", (), ()),
]


@pytest.fixture(scope="module")
def run(qa):
    return run_evaluation(qa, ITEMS, dataset="mini.jsonl", with_peers=True)


def test_run_records_every_question(run):
    assert [r["id"] for r in run.records] == ["f1", "f2", "n1"]
    assert [r["correct"] for r in run.records] == [True, True, True]
    assert run.records[0]["evidence_rank"] == 1 and run.records[2]["evidence_rank"] is None
    assert run.records[0]["citations"][0]["quote"].count("37.9") == 1


def test_summary_puts_peers_beside_ours(run):
    systems = run.summary["systems"]
    assert set(systems) == {OURS, "BM25 over jieba tokens", "llama-index default (SentenceSplitter + FAISS)"}
    assert systems[OURS]["answer_accuracy"] == 1.0 and systems[OURS]["refusal_recall"] == 1.0
    assert "answer_accuracy" not in systems["BM25 over jieba tokens"]
    for peer in systems.values():
        assert 0.0 <= peer["hit@1"] <= peer["hit@3"] <= 1.0


def test_a_corpus_the_plain_pipeline_cannot_read_has_no_peers(tmp_path):
    from docx import Document

    from policy_qa import PolicyQA

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    document = Document()
    document.add_paragraph("关于开展检查的通知")
    document.add_paragraph("本次检查自2024年5月1日起施行。")
    document.save(corpus / "通知.docx")
    qa = PolicyQA.from_corpus(corpus, index_dir=tmp_path / "index")
    item = EvalItem("d1", "检查什么时候施行？", "fact", True, "2024年5月1日", ("2024年5月1日",), ("2024年5月1日",))
    run = run_evaluation(qa, [item], dataset="mini.jsonl", with_peers=True)
    assert set(run.summary["systems"]) == {OURS}  # the plain pipeline reads .txt/.md only: no peer, no crash


def test_reports_are_written(run, tmp_path):
    summary_md, summary_json, details = write_reports(run, tmp_path / "out")
    assert "| retrieval hit@1 |" in summary_md.read_text(encoding="utf-8")
    assert json.loads(summary_json.read_text(encoding="utf-8"))["questions"] == 3
    assert len(details.read_text(encoding="utf-8").splitlines()) == 3


def test_thresholds_fail_when_a_metric_is_missed(run):
    assert check_thresholds(run.summary, {"min": {"answer_accuracy": 0.9}, "max": {"wrong_figures": 0.0}}) == []
    failures = check_thresholds(run.summary, {"min": {"answer_accuracy": 1.01}, "max": {"latency_ms_p50": 0.0}})
    assert len(failures) == 2 and failures[0].startswith("answer_accuracy = 1.0 < 1.01")


def test_llm_run_puts_extractive_and_citation_query_engine_beside_ours(qa):
    from policy_qa import PolicyQA
    from policy_qa.evaluation.peers import CitationPeer
    from policy_qa.evaluation.runner import OURS_EXTRACTIVE
    from policy_qa.models.llm_client import LLMSettings

    from ..fake_openai import FakeOpenAI

    with FakeOpenAI(content="2023年，临汾市开发区建成标准化厂房37.9万平方米[1]。") as fake:
        settings = LLMSettings(base_url=fake.base_url, model="fake-model", timeout_s=5.0, max_retries=0)
        engine = qa.with_answerer("llm", settings)
        run = run_evaluation(engine, ITEMS[:1], dataset="mini.jsonl", with_peers=True)
        peer_prompts = [r["messages"][-1]["content"] for r in fake.requests if "Source 1:" in r["messages"][-1]["content"]]
    systems = run.summary["systems"]
    assert systems[OURS_EXTRACTIVE]["answer_accuracy"] == 1.0 and systems[OURS_EXTRACTIVE]["llm_answers"] == 0.0
    peer = systems[CitationPeer.name]
    assert peer["answer_accuracy"] == 1.0 and peer["first_token_ms_p50"] <= peer["latency_ms_p50"]
    assert run.records[0]["peers"][CitationPeer.name]["answer"] == "2023年，临汾市开发区建成标准化厂房37.9万平方米[1]。"
    assert len(peer_prompts) == 1 and "标准化厂房" in peer_prompts[0]
    assert engine.answerer_name == "llm"
