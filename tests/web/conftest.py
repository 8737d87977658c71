"""The real page: ``python app.py`` in a subprocess over a temporary copy of the corpus, on a free loopback port.

Its remote LLM endpoint is a closed port, so the 「远程接口」 mode is offered and is always down.
Screenshots and the measured start time go to ``tests/artifacts/`` (kept by CI as test artifacts).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from ..conftest import CORPUS, ROOT

ARTIFACTS = ROOT / "tests" / "artifacts"
START_TIMEOUT_S = 180
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A running ``app.py``: its URL, corpus folder and log."""

    def __init__(self, url: str, corpus: Path, log: Path, start_s: float) -> None:
        self.url, self.corpus, self.log, self.start_s = url, corpus, log, start_s


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def server(tmp_path_factory, artifacts) -> Server:
    folder = tmp_path_factory.mktemp("web")
    corpus = folder / "corpus"
    shutil.copytree(CORPUS, corpus)
    port = free_port()
    log = artifacts / "server.log"
    command = [
        sys.executable, str(ROOT / "app.py"), "--corpus", str(corpus), "--index-dir", str(folder / "index"),
        "--port", str(port), "--llm-base-url", f"http://127.0.0.1:{free_port()}/v1", "--llm-model", "down",
        "--llm-timeout", "2",
    ]
    env = {k: v for k, v in os.environ.items() if k != "POLICY_QA_WEB_AUTH"}
    started = time.perf_counter()
    with open(log, "wb") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail(f"app.py exited with {proc.returncode}:\n{log.read_text(encoding='utf-8')[-3000:]}")
            if time.perf_counter() - started > START_TIMEOUT_S:
                pytest.fail(f"app.py not up after {START_TIMEOUT_S} s:\n{log.read_text(encoding='utf-8')[-3000:]}")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.5)
        start_s = time.perf_counter() - started
        (artifacts / "start_time.txt").write_text(f"app.py start to first page: {start_s:.1f} s\n", encoding="utf-8")
        yield Server(url, corpus, log, start_s)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, server):
    """A fresh Chinese-locale tab on the page; ``page.outside`` lists requests to hosts other than loopback."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 900})
    tab = context.new_page()
    tab.outside = []
    tab.on("request", lambda request: _record_outside(tab, request.url))
    tab.goto(server.url)
    tab.wait_for_selector("#question textarea")
    tab.wait_for_selector("#examples button")
    yield tab
    context.close()


def _record_outside(tab, url: str) -> None:
    from urllib.parse import urlparse

    if urlparse(url).hostname not in ("127.0.0.1", "localhost") and not url.startswith(("data:", "blob:")):
        tab.outside.append(url)
