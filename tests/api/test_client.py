"""``policy-qa ask`` through a running server (found by its state file): the same output as in-process, fast."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time

from policy_qa.api import state

from ..conftest import CORPUS, ROOT
from .conftest import LLM_DRAFT, QUESTION

TEXT_FIELDS = ("question", "text", "refused", "citations", "passages", "answerer", "note")


def cli(api, *args: str, env: dict[str, str] | None = None) -> tuple[subprocess.CompletedProcess[str], float]:
    settings = api.kbs.default.engine.settings
    command = [sys.executable, "-m", "policy_qa.cli", "ask", "--corpus", str(settings.corpus_dir),
               "--index-dir", str(settings.index_dir), *args]
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "POLICY_QA_LLM_"))}
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=300, env={**clean, **(env or {})})
    return result, time.perf_counter() - started


def test_ask_uses_the_running_server_and_prints_what_it_prints_alone(api):
    served, served_s = cli(api, QUESTION)
    alone, alone_s = cli(api, QUESTION, "--no-server")
    assert served.returncode == alone.returncode == 0, served.stderr + alone.stderr
    assert served.stdout == alone.stdout and "37.9万平方米" in served.stdout and served.stderr == alone.stderr == ""
    assert served_s < 3 < alone_s, (served_s, alone_s)  # ~0.2 s against ~8 s on 2 cores
    (ROOT / "tests" / "artifacts").mkdir(exist_ok=True)
    (ROOT / "tests" / "artifacts" / "cli_via_server.txt").write_text(
        f"policy-qa ask: {served_s:.2f} s through the server, {alone_s:.1f} s in-process\n", encoding="utf-8")


def test_json_top_k_and_a_bad_question_behave_as_in_process(api):
    served, _ = cli(api, QUESTION, "--json", "--top-k", "2")
    alone, _ = cli(api, QUESTION, "--json", "--top-k", "2", "--no-server")
    mine, theirs = json.loads(served.stdout), json.loads(alone.stdout)
    assert {k: mine[k] for k in TEXT_FIELDS} == {k: theirs[k] for k in TEXT_FIELDS} and len(mine["passages"]) == 2
    empty, _ = cli(api, "  ")
    assert empty.returncode == 2 and "问题为空" in empty.stderr


def test_llm_answers_stream_through_the_server_when_it_has_the_same_llm(api, fake_llm):
    llm = ["--answerer", "llm", "--llm-base-url", fake_llm.base_url, "--llm-model", fake_llm.model, "--llm-timeout", "10"]
    asked = len(fake_llm.requests)
    served, served_s = cli(api, QUESTION, *llm, "--stream", env={"POLICY_QA_LLM_API_KEY": "x"})
    assert served.returncode == 0, served.stderr
    assert LLM_DRAFT in served.stderr and served.stdout.startswith("2023年，临汾建成标准化厂房37.9万平方米[1]。")
    assert len(fake_llm.requests) > asked and served_s < 3


def test_a_server_that_has_gone_leaves_the_cli_answering_alone(api, tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    index = tmp_path / "index"
    gone = state.servers_dir() / f"{os.getpid()}-9.json"  # a live pid, a port nobody listens on
    entry = {"name": "x", "corpus_dir": str(corpus.resolve()), "index_dir": str(index.resolve()), "embedding_model": None, "llm": ""}
    gone.write_text(json.dumps({"pid": os.getpid(), "url": "http://127.0.0.1:9", "token": "t", "kbs": [entry]}), encoding="utf-8")
    try:
        result = subprocess.run([sys.executable, "-m", "policy_qa.cli", "ask", "--corpus", str(corpus), "--index-dir", str(index), QUESTION],
                                capture_output=True, text=True, cwd=ROOT, timeout=300)
    finally:
        gone.unlink()
    assert result.returncode == 0 and "37.9万平方米" in result.stdout, result.stderr
