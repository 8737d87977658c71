"""The page's API through ``gradio_client``, against the real ``app.py``; the load script over loopback."""

from __future__ import annotations

import subprocess
import sys

import pytest

from ..conftest import ROOT

pytestmark = pytest.mark.slow


def test_gradio_client_gets_the_answer_with_its_citation(server):
    from gradio_client import Client

    client = Client(server.url, verbose=False)
    answer = client.predict(question="临汾标准化厂房建了多少？", api_name="/ask")
    assert "37.9万平方米" in answer["text"] and "[1]" in answer["text"]
    citation = answer["citations"][0]
    assert "37.9万平方米" in citation["quote"] and citation["section"].startswith("临汾市 › 2023年工作成绩")
    follow_up = client.predict(question="那晋城呢？", history=["临汾标准化厂房建了多少？"], api_name="/ask")
    assert follow_up["question"].startswith("晋城")
    with pytest.raises(Exception, match="问题为空"):
        client.predict(question=" ", api_name="/ask")


def test_load_script_answers_eight_simultaneous_users(server, artifacts):
    run = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "load_test.py"), "--url", server.url, "--users", "8"],
        capture_output=True, text=True, timeout=300,
    )
    (artifacts / "load_test.txt").write_text(run.stdout + run.stderr, encoding="utf-8")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "8/8 answered" in run.stdout
