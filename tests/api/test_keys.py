"""The keys file: only hashes, read-write or read-only keys per knowledge base, re-read when it changes; the CLI."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys

import pytest

from policy_qa.api.keys import KEY_PREFIX, KeyStore, key_hash
from policy_qa.errors import PolicyQAError

from ..conftest import ROOT


def test_a_new_key_is_found_by_its_hash_and_the_file_holds_no_key(tmp_path):
    store = KeyStore(tmp_path / "keys.json")
    assert store.keys() == [] and store.find("pqa-anything") is None
    key = store.add("财政局", ["政策库", "预算库", "政策库"], write=True)
    assert key.startswith(KEY_PREFIX) and len(key) > 40
    found = store.find(key)
    assert found is not None and (found.name, found.kbs, found.write) == ("财政局", ("政策库", "预算库"), True)
    text = (tmp_path / "keys.json").read_text(encoding="utf-8")
    assert key not in text and key_hash(key) in text
    assert stat.S_IMODE(os.stat(tmp_path / "keys.json").st_mode) == 0o600
    assert store.find(key + "x") is None and store.find(key.upper()) is None


def test_names_are_unique_and_a_key_needs_a_base(tmp_path):
    store = KeyStore(tmp_path / "keys.json")
    store.add("a", ["政策库"], write=False)
    with pytest.raises(PolicyQAError, match="已有名为「a」"):
        store.add("a", ["政策库"], write=False)
    with pytest.raises(PolicyQAError, match="--kb"):
        store.add("b", [], write=False)
    with pytest.raises(PolicyQAError, match="没有名为「c」"):
        store.remove("c")


def test_a_change_by_another_process_applies_at_once(tmp_path):
    server_view, cli_view = KeyStore(tmp_path / "keys.json"), KeyStore(tmp_path / "keys.json")
    key = cli_view.add("a", ["政策库"], write=False)
    assert server_view.find(key) is not None
    cli_view.remove("a")
    assert server_view.find(key) is None and server_view.keys() == []


def test_a_corrupt_file_is_an_error_not_an_empty_store(tmp_path):
    path = tmp_path / "keys.json"
    path.write_text('{"keys": [{"name": 1}]}', encoding="utf-8")
    with pytest.raises(PolicyQAError, match="已损坏"):
        KeyStore(path).keys()


def test_the_cli_prints_a_new_key_once_and_lists_names_only(tmp_path):
    keys = tmp_path / "keys.json"

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "policy_qa.cli", "keys", *args, "--keys", str(keys)],
                              capture_output=True, text=True, cwd=ROOT, timeout=60)

    added = run("add", "审计处", "--kb", "政策库", "--write")
    assert added.returncode == 0, added.stderr
    key = added.stdout.split()[-1]
    assert key.startswith(KEY_PREFIX) and "只显示这一次" in added.stdout
    assert json.loads(keys.read_text(encoding="utf-8"))["keys"][0]["sha256"] == key_hash(key)
    listed = run("list")
    assert listed.stdout == "审计处\t读写\t政策库\n" and key not in listed.stdout
    assert run("add", "审计处", "--kb", "政策库").returncode == 1
    assert run("remove", "审计处").returncode == 0 and run("list").stdout == ""
