"""The one server: page and API together, the docs from local files, refusing to be exposed unprotected, its
state file only while it runs."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys

import httpx
import pytest

from policy_qa.api import state
from policy_qa.api.keys import KeyStore
from policy_qa.api.server import ApiServer, check_exposure
from policy_qa.errors import PolicyQAError

from ..conftest import ROOT
from ..web.conftest import CHROMIUM_ARGS, free_port


def test_an_address_beyond_this_machine_needs_keys_or_a_password(tmp_path):
    store = KeyStore(tmp_path / "keys.json")
    for host in ("127.0.0.1", "localhost", "::1"):
        check_exposure(host, store, None)
    with pytest.raises(PolicyQAError, match="policy-qa keys add"):
        check_exposure("0.0.0.0", store, None)
    check_exposure("0.0.0.0", store, ("anna", "pw"))
    store.add("a", ["政策库"], write=False)
    check_exposure("0.0.0.0", store, None)


def test_serve_refuses_an_unprotected_outside_address_before_loading_anything(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "POLICY_QA_WEB_AUTH"}
    result = subprocess.run([sys.executable, "-m", "policy_qa.cli", "serve", "--host", "0.0.0.0", "--keys", str(tmp_path / "none.json")],
                            capture_output=True, text=True, cwd=ROOT, timeout=60, env=env)
    assert result.returncode == 1 and "policy-qa keys add" in result.stderr and "Traceback" not in result.stderr


def test_the_page_and_the_api_share_the_server(open_api):
    page = httpx.get(f"{open_api.url}/", timeout=30)
    assert page.status_code == 200 and "gradio" in page.text.lower()
    schema = httpx.get(f"{open_api.url}/openapi.json", timeout=30).json()
    assert {"/v1/chat/completions", "/v1/models", "/v1/ask", "/v1/documents", "/v1/documents/{name}", "/v1/reindex",
            "/v1/jobs/{job_id}"} <= set(schema["paths"])
    docs = httpx.get(f"{open_api.url}/docs", timeout=30).text
    assets = [part.split('"')[1] for part in docs.split("=")[1:] if part.startswith('"/')]
    assert assets and all(httpx.get(f"{open_api.url}{asset}", timeout=30).status_code == 200 for asset in assets)
    assert "http" not in docs.replace(open_api.url, "").lower().replace("https://github", ""), "the docs load nothing from outside"


def test_the_state_file_exists_while_the_server_runs(knowledge_bases, tmp_path):
    server = ApiServer(knowledge_bases, KeyStore(tmp_path / "keys.json"), host="127.0.0.1", port=free_port()).start()
    path = state.servers_dir() / f"{os.getpid()}-{server.port}.json"
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        assert record["url"] == server.url and stat.S_IMODE(path.stat().st_mode) == 0o600
        assert httpx.get(f"{server.url}/v1/models", headers={"Authorization": f"Bearer {record['token']}"}).status_code == 200
    finally:
        server.stop()
    assert not path.exists()
    with pytest.raises(PolicyQAError, match="端口"):
        ApiServer(knowledge_bases, KeyStore(tmp_path / "keys.json"), host="127.0.0.1", port=_taken_port()).start()


@pytest.mark.slow
def test_the_docs_page_renders_in_a_browser_from_local_files_only(open_api):
    from playwright.sync_api import sync_playwright

    outside = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        tab = browser.new_page()
        tab.on("request", lambda request: outside.append(request.url) if "127.0.0.1" not in request.url else None)
        tab.goto(f"{open_api.url}/docs")
        tab.wait_for_selector(".opblock-summary-path[data-path='/v1/chat/completions']")
        assert tab.locator(".opblock").count() >= 7
        browser.close()
    assert outside == []


_held = []


def _taken_port() -> int:
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    _held.append(sock)
    return sock.getsockname()[1]


def test_several_knowledge_bases_each_with_its_own_keys(knowledge_bases, tmp_path):
    import openai

    from policy_qa import PolicyQA
    from policy_qa.api.registry import KnowledgeBase, KnowledgeBases

    from ..conftest import SECOND_BULLETIN

    first = knowledge_bases.default
    second = KnowledgeBase("营商库", PolicyQA.from_corpus(SECOND_BULLETIN, index_dir=tmp_path / "index"), first.llm)
    store = KeyStore(tmp_path / "keys.json")
    keys = {"both": store.add("both", [first.name, "营商库"], write=False), "second": store.add("second", ["营商库"], write=False)}
    server = ApiServer(KnowledgeBases([first, second]), store, host="127.0.0.1", port=free_port()).start()
    try:
        def ask(key: str, model: str, question: str) -> str:
            api = openai.OpenAI(base_url=f"{server.url}/v1", api_key=keys[key], max_retries=0, timeout=60)
            return api.chat.completions.create(model=model, messages=[{"role": "user", "content": question}]).choices[0].message.content

        assert "128.6亿元" in ask("second", "营商库", "云岭县上半年地区生产总值是多少？")
        assert "37.9万平方米" in ask("both", first.name, "临汾标准化厂房建了多少？")
        with pytest.raises(openai.PermissionDeniedError):
            ask("second", first.name, "临汾标准化厂房建了多少？")
        listed = openai.OpenAI(base_url=f"{server.url}/v1", api_key=keys["second"], max_retries=0).models.list()
        assert [model.id for model in listed.data] == ["营商库", "营商库:extractive", "营商库:llm"]
        documents = httpx.get(f"{server.url}/v1/documents", params={"kb": "营商库"}, headers={"Authorization": f"Bearer {keys['second']}"})
        assert [entry["name"] for entry in documents.json()["data"]] == ["某某县2024年上半年营商环境工作总结.txt"]
    finally:
        server.stop()


def test_serve_takes_several_bases_as_name_equals_folder():
    from policy_qa.cli import _kb_spec

    assert _kb_spec("营商库=eval/second_corpus") == ("营商库", "eval/second_corpus", None)
    for bad in ("营商库", "营商库=", "a:b=dir"):
        with pytest.raises(PolicyQAError):
            _kb_spec(bad)
