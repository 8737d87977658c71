"""The state files by which the CLI finds a running server of its corpus."""

from __future__ import annotations

import json
import os
import stat
from dataclasses import replace

from policy_qa.api import state

from .conftest import KB


def test_a_server_is_found_for_its_corpus_index_model_and_llm(knowledge_bases, monkeypatch, tmp_path):
    monkeypatch.setenv("POLICY_QA_CACHE", str(tmp_path))
    path = state.record("http://127.0.0.1:1234", 1234, "secret", knowledge_bases)
    assert path == tmp_path / "run" / "servers" / f"{os.getpid()}-1234.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    base = knowledge_bases.default
    settings = base.engine.settings
    assert state.find(settings, None) == state.RunningServer("http://127.0.0.1:1234", "secret", KB)
    assert state.find(settings, base.llm) is not None
    assert state.find(settings, replace(base.llm, model="another")) is None
    assert state.find(replace(settings, index_dir=tmp_path / "other"), None) is None
    assert state.find(replace(settings, embedding_model="another-model"), None) is None
    state.forget(path)
    assert state.find(settings, None) is None


def test_the_file_of_a_server_that_died_is_removed(knowledge_bases, monkeypatch, tmp_path):
    monkeypatch.setenv("POLICY_QA_CACHE", str(tmp_path))
    path = state.record("http://127.0.0.1:1234", 1234, "secret", knowledge_bases)
    record = json.loads(path.read_text(encoding="utf-8"))
    dead = path.with_name("999999999-1234.json")
    dead.write_text(json.dumps({**record, "pid": 999_999_999}), encoding="utf-8")
    path.unlink()
    assert state.find(knowledge_bases.default.engine.settings, None) is None and not dead.exists()
