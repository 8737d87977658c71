"""The ``policy-qa`` command line, run as a real subprocess against a real index."""

import json
import os
import shutil
import socket
import subprocess
import sys
import time

import pytest

from .conftest import CORPUS, DOCUMENT, ROOT


def _run(*args, index_dir=None, timeout=300):
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    if index_dir:
        env["POLICY_QA_INDEX"] = str(index_dir)
    return subprocess.run(
        [sys.executable, "-m", "policy_qa.cli", *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=timeout
    )


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "index"
    result = _run("index", str(CORPUS), index_dir=path)
    assert result.returncode == 0, result.stderr
    assert "索引已更新（还没有索引）" in result.stdout and "新增 1 · 改动 0 · 删除 0 · 未变 0 个文件" in result.stdout
    assert "向量 " in result.stderr and "字/秒" in result.stderr and "100%|" in result.stderr, "the build's bar"
    return path


def test_help_is_instant_and_loads_no_model():
    started = time.perf_counter()
    result = _run("--help")
    assert result.returncode == 0 and "ask" in result.stdout
    code = "import sys, policy_qa.cli; print(any(m.startswith(('torch', 'llama_index', 'sentence_transformers')) for m in sys.modules))"
    imported = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    assert imported.stdout.strip() == "False"
    assert time.perf_counter() - started < 30  # generous: the point is the import check above


def test_ask_prints_answer_and_numbered_citations(index_dir):
    result = _run("ask", "临汾标准化厂房建了多少？", index_dir=index_dir)
    assert result.returncode == 0, result.stderr
    assert "37.9万平方米" in result.stdout.splitlines()[0]
    assert "[1] 临汾市 › 2023年工作成绩" in result.stdout
    assert "临汾晋城开发区2023年工作情况.txt:" in result.stdout


def test_ask_json_is_the_full_answer(index_dir):
    result = _run("ask", "晋城新增高新技术企业多少家？", "--json", "--top-k", "2", index_dir=index_dir)
    answer = json.loads(result.stdout)
    assert answer["refused"] is False and len(answer["passages"]) == 2
    assert {"index", "document", "section", "quote", "start", "end", "line"} <= set(answer["citations"][0])


def test_index_again_is_up_to_date(index_dir):
    result = _run("index", str(CORPUS), index_dir=index_dir)
    assert result.returncode == 0 and "索引已是最新" in result.stdout


def test_info_reports_documents_sections_model_and_age(index_dir):
    info = json.loads(_run("info", index_dir=index_dir).stdout)
    assert info["documents"][0]["sections"] > 20 and info["model"] and info["age_seconds"] >= 0


@pytest.mark.parametrize("question", ["", "   "])
def test_empty_question_exits_2_with_a_message(question):
    result = _run("ask", question)
    assert result.returncode == 2 and "问题为空" in result.stderr and "Traceback" not in result.stderr


def test_missing_corpus_folder_is_a_clear_error(tmp_path):
    result = _run("index", str(tmp_path / "nowhere"), index_dir=tmp_path / "index")
    assert result.returncode == 1 and "错误" in result.stderr and "Traceback" not in result.stderr


def test_eval_writes_reports_and_fails_on_a_missed_threshold(index_dir, tmp_path):
    dataset = tmp_path / "qa.jsonl"
    dataset.write_text(
        json.dumps({"id": "a", "question": "临汾标准化厂房建了多少？", "category": "colloquial", "answerable": True,
                    "reference_answer": "37.9万平方米", "required": ["37.9万平方米"], "gold_section": "临汾市",
                    "gold_evidence": "建成标准化厂房37.9万平方米"}, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    thresholds = tmp_path / "thresholds.json"
    thresholds.write_text(json.dumps({"min": {"answer_accuracy": 1.0}, "max": {"wrong_figures": 0.0}}))
    out = tmp_path / "reports"
    passed = _run("eval", "--dataset", str(dataset), "--out", str(out), "--thresholds", str(thresholds), index_dir=index_dir)
    assert passed.returncode == 0, passed.stderr
    assert "评测 qa：1/1 题" in passed.stderr, "the run shows its progress"
    assert "| answer accuracy (all questions) | 1.000 |" in (out / "summary.md").read_text(encoding="utf-8")
    thresholds.write_text(json.dumps({"min": {"hit@1": 1.5}}))
    failed = _run("eval", "--dataset", str(dataset), "--out", str(out), "--thresholds", str(thresholds), index_dir=index_dir)
    assert failed.returncode == 1 and "threshold missed: hit@1 = 1.0 < 1.5" in failed.stderr


def test_eval_names_a_broken_dataset(index_dir, tmp_path):
    dataset = tmp_path / "qa.jsonl"
    dataset.write_text("{not json\n", encoding="utf-8")
    result = _run("eval", "--dataset", str(dataset), index_dir=index_dir)
    assert result.returncode == 1 and f"{dataset}:1：不是 JSON" in result.stderr


def test_ask_with_a_remote_llm_streams_then_prints_the_verified_answer(index_dir):
    from .fake_openai import FakeOpenAI

    with FakeOpenAI(content="2023年，临汾建成标准化厂房37.9万平方米[3]。", chunk_chars=5) as fake:
        result = _run("ask", "临汾标准化厂房建了多少？", "--answerer", "llm", "--llm-base-url", fake.base_url,
                      "--llm-model", "fake-model", "--stream", index_dir=index_dir)
    assert result.returncode == 0, result.stderr
    assert "2023年，临汾建成标准化厂房37.9万平方米[3]。" in result.stderr  # the draft, as it streamed
    assert result.stdout.splitlines()[0] == "2023年，临汾建成标准化厂房37.9万平方米[1]。"
    assert "[1] 临汾市 › 2023年工作成绩 › 五是要素保障扎实有力" in result.stdout


def test_ask_with_an_unreachable_llm_falls_back_and_says_so(index_dir):
    result = _run("ask", "临汾标准化厂房建了多少？", "--answerer", "llm", "--llm-base-url", "http://127.0.0.1:9/v1",
                  "--llm-model", "m", "--llm-timeout", "2", index_dir=index_dir)
    assert result.returncode == 0 and "37.9万平方米" in result.stdout and "无法连接" in result.stdout


def test_a_question_typed_on_a_gbk_terminal_is_read_as_gbk(index_dir):
    result = _run("ask", "临汾标准化厂房建了多少？".encode("gbk"), index_dir=index_dir)
    assert result.returncode == 0, result.stderr
    assert "37.9万平方米" in result.stdout.splitlines()[0]


def test_argument_bytes_that_are_no_text_exit_2_with_a_message():
    result = _run("ask", b"\x80\xff\x80\xff")
    assert result.returncode == 2 and "终端的编码" in result.stderr and "Traceback" not in result.stderr


def test_a_file_name_that_is_not_utf8_is_indexed_and_answered(tmp_path):
    """A Windows zip unpacked on Linux: the name's bytes are GBK (「忻州」)."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(CORPUS / DOCUMENT, corpus)
    (corpus / os.fsdecode(b"\xd0\xc3\xd6\xdd.txt")).write_text("忻州开发区2023年工作情况\n\n2023年，忻州开发区新建厂房5万平方米。\n", encoding="gbk")
    result = _run("ask", "--corpus", str(corpus), "忻州开发区新建厂房多少？", index_dir=tmp_path / "index")
    assert result.returncode == 0, result.stderr
    assert "5万平方米" in result.stdout and "忻州.txt" in result.stdout


def test_a_citation_of_a_paged_file_names_its_page():
    from policy_qa.cli import _format_answer
    from policy_qa.schema import Answer, Citation

    quote = "建成标准化厂房37.9万平方米。"
    citations = [Citation(1, "公报.pdf", "临汾市 › 成绩", quote, 10, 26, 40, page=3), Citation(2, "公报.txt", "晋城市", quote, 0, 16, 7)]
    text = _format_answer(Answer("建了多少？", "37.9万平方米[1][2]。", False, citations))
    assert "公报.pdf 第 3 页:40  (字符 10–26)" in text and "公报.txt:7  (字符 0–16)" in text


def test_a_milvus_store_that_is_down_or_a_migration_without_one_is_a_clear_error(index_dir, tmp_path):
    pytest.importorskip("pymilvus")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    down = _run("index", str(CORPUS), "--store", f"milvus://127.0.0.1:{port}/kb", index_dir=index_dir)
    assert down.returncode == 1 and f"无法连接向量库 milvus://127.0.0.1:{port}/kb" in down.stderr
    alone = _run("index", str(CORPUS), "--from-faiss", index_dir=index_dir)
    assert alone.returncode == 1 and "--from-faiss 需要 --store" in alone.stderr
