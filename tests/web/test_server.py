"""Serving the page: password protection, loopback by default, no connection leaves the machine; the CLI."""

from __future__ import annotations

import ipaddress
import sys

import httpx
import pytest

from policy_qa import PolicyQA, PolicyQAError
from policy_qa.cli import main
from policy_qa.web.server import parse_auth

from .conftest import free_port

_outside: list[tuple[str, object]] | None = None


def _audit(event: str, args: tuple) -> None:
    """Record connections to anything but loopback while ``_outside`` is a list (audit hooks cannot be removed)."""
    if _outside is None or event != "socket.connect":
        return
    address = args[1]
    if isinstance(address, tuple):
        try:
            if ipaddress.ip_address(address[0]).is_loopback:
                return
        except ValueError:
            pass
        _outside.append((event, address))


sys.addaudithook(_audit)


def test_auth_comes_from_the_flag_or_the_environment(monkeypatch):
    monkeypatch.delenv("POLICY_QA_WEB_AUTH", raising=False)
    assert parse_auth(None) is None
    assert parse_auth("anna:s3cret:x") == ("anna", "s3cret:x")
    monkeypatch.setenv("POLICY_QA_WEB_AUTH", "bo:pw")
    assert parse_auth(None) == ("bo", "pw")
    for bad in ("nopassword", ":pw", "user:"):
        with pytest.raises(PolicyQAError, match="用户名:密码"):
            parse_auth(bad)


def test_serve_rejects_a_malformed_password_before_loading_anything(capsys):
    assert main(["serve", "--auth", "just-a-name"]) == 1
    assert "用户名:密码" in capsys.readouterr().err


def test_password_protected_page_answers_only_with_the_password_and_connects_nowhere_else(qa, tmp_path):
    from gradio_client import Client

    from policy_qa.api.keys import KeyStore
    from policy_qa.api.registry import KnowledgeBase, KnowledgeBases
    from policy_qa.api.server import ApiServer
    from policy_qa.models.llm_client import LLMSettings

    global _outside
    _outside = []
    kbs = KnowledgeBases([KnowledgeBase("corpus", qa.with_answerer("extractive"), LLMSettings())])
    server = ApiServer(kbs, KeyStore(tmp_path / "keys.json"), host="127.0.0.1", port=free_port(), auth=("anna", "s3cret"))
    server.start()
    try:
        url = f"{server.url}/"
        with pytest.raises(Exception):
            Client(url, verbose=False)
        login = httpx.post(f"{url}login", data={"username": "anna", "password": "wrong"}, timeout=30)
        assert login.status_code == 400 and "access-token" not in login.headers.get("set-cookie", "")
        with pytest.raises(Exception):
            Client(url, auth=("anna", "wrong"), verbose=False)
        client = Client(url, auth=("anna", "s3cret"), verbose=False)
        answer = client.predict(question="临汾标准化厂房建了多少？", api_name="/ask")
        assert "37.9" in answer["text"] and answer["citations"]
        assert _outside == [], f"connections beyond this machine: {_outside}"
    finally:
        _outside = None
        server.stop()
