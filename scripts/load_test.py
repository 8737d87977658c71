"""Simultaneous users on the web page, over loopback only: each asks one question through Gradio's queue.

    .venv/bin/python scripts/load_test.py                      # starts app.py on a free port, 8 users, stops it
    .venv/bin/python scripts/load_test.py --users 32 --hostile 8   # 8 of the 32 send maximal inputs
    .venv/bin/python scripts/load_test.py --url http://127.0.0.1:7860/ [--users 8] [--auth USER:PASSWORD]

Every user is a ``gradio_client`` connected beforehand; they all send at the same instant (a barrier) to the
page's ``/ask`` endpoint, which shares the chat's queue. A hostile user sends the largest inputs a client can
(a 1 MB history item, 10,000 history items, a question over the limit, a history of wrong types): each must be
refused with a message, not hold a slot. Prints each user's latency, the normal users' p50/p95/max and the
page's peak resident memory; exits 1 when a normal user got no answer or a hostile one got no refusal.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

from policy_qa.settings import enforce_offline

ROOT = Path(__file__).resolve().parents[1]

enforce_offline()  # gradio_client's telemetry is off only through the environment


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_app(corpus: str) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    proc = subprocess.Popen([sys.executable, str(ROOT / "app.py"), "--corpus", corpus, "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    started = time.perf_counter()
    while True:
        if proc.poll() is not None:
            sys.exit(f"app.py exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                break
        except OSError:
            time.sleep(0.5)
    print(f"app.py up in {time.perf_counter() - started:.1f} s at {url}")
    return proc, url


# The largest inputs a hostile client sends: (label, question, history).
HOSTILE = [
    ("1 MB history item", "那晋城呢？", ["临汾标准化厂房建了多少" * 50_000]),
    ("10,000 history items", "那晋城呢？", ["临汾标准化厂房建了多少？"] * 10_000),
    ("question over the limit", "临汾" * 100_000, []),
    ("history of wrong types", "那晋城呢？", [123, None]),
]


def _user(client, question, history, barrier: threading.Barrier, results: list, slot: int, label: str) -> None:
    barrier.wait()
    started = time.perf_counter()
    try:
        answer = client.predict(question=question, history=history, api_name="/ask")
        outcome = "answered" if answer.get("text") else "empty"
        detail = f"{len(answer.get('citations', []))} citations"
    except Exception as error:  # a user's failure is reported, not raised
        outcome, detail = "refused", f"{type(error).__name__}: {str(error)[:60]}"
    results[slot] = (label, time.perf_counter() - started, outcome, detail)


def run(url: str, users: int, hostile: int, questions: list[str], auth: tuple[str, str] | None) -> int:
    from gradio_client import Client

    clients = [Client(url, auth=auth, verbose=False) for _ in range(users)]
    barrier = threading.Barrier(users)
    results: list = [None] * users
    plain = [(question, question, []) for question in questions]
    work = [HOSTILE[i % len(HOSTILE)] if i < hostile else plain[i % len(plain)] for i in range(users)]
    threads = [
        threading.Thread(target=_user, args=(clients[i], work[i][1], work[i][2], barrier, results, i, work[i][0]))
        for i in range(users)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for slot, (label, seconds, outcome, detail) in enumerate(results, start=1):
        print(f"user {slot}: {seconds:6.2f} s  {outcome:8}  {detail:60}  {label[:40]}")
    normal = results[hostile:]
    latencies = sorted(seconds for _, seconds, _, _ in normal)
    answered = sum(outcome == "answered" for _, _, outcome, _ in normal)
    refused = sum(outcome == "refused" for _, _, outcome, _ in results[:hostile])
    p95 = latencies[max(0, round(0.95 * len(latencies)) - 1)] if latencies else 0.0
    print(f"normal users: {answered}/{len(normal)} answered; latency p50 {statistics.median(latencies) if latencies else 0:.2f} s, "
          f"p95 {p95:.2f} s, max {max(latencies, default=0):.2f} s")
    if hostile:
        print(f"hostile users: {refused}/{hostile} refused with a message; slowest {max(s for _, s, _, _ in results[:hostile]):.2f} s")
    return 0 if answered == len(normal) and refused == hostile else 1


def _peak_rss_mib(pid: int) -> float:
    """Peak resident memory of process ``pid`` (Linux ``VmHWM``), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running page on this machine (default: start app.py on a free port)")
    parser.add_argument("--users", type=int, default=8)
    parser.add_argument("--hostile", type=int, default=0, help="how many of the users send maximal inputs")
    parser.add_argument("--questions", default=str(ROOT / "eval" / "benchmark_questions.txt"))
    parser.add_argument("--corpus", default=str(ROOT / "corpus"), help="corpus of the app started without --url")
    parser.add_argument("--auth", default=None, metavar="USER:PASSWORD")
    args = parser.parse_args()
    questions = [line.strip() for line in Path(args.questions).read_text(encoding="utf-8").splitlines() if line.strip()]
    auth = tuple(args.auth.split(":", 1)) if args.auth else None
    proc = None
    url = args.url
    if url is None:
        proc, url = _start_app(args.corpus)
    elif urlparse(url).hostname not in ("127.0.0.1", "localhost", "::1"):
        sys.exit("load tests run over loopback only: give a http://127.0.0.1:PORT/ URL")
    try:
        return run(url, args.users, args.hostile, questions, auth)  # type: ignore[arg-type]
    finally:
        if proc is not None:
            print(f"page's peak resident memory: {_peak_rss_mib(proc.pid):.0f} MiB")
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)


if __name__ == "__main__":
    sys.exit(main())
