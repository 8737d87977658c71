"""Simultaneous users on the web page, over loopback only: each asks one question through Gradio's queue.

    .venv/bin/python scripts/load_test.py                      # starts app.py on a free port, 8 users, stops it
    .venv/bin/python scripts/load_test.py --url http://127.0.0.1:7860/ [--users 8] [--auth USER:PASSWORD]

Every user is a ``gradio_client`` connected beforehand; they all send at the same instant (a barrier) to the
page's ``/ask`` endpoint, which shares the chat's queue. Prints each user's latency, then p50 and max; exits 1
when a user got no answer.
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


def _user(client, question: str, barrier: threading.Barrier, results: list, slot: int) -> None:
    barrier.wait()
    started = time.perf_counter()
    try:
        answer = client.predict(question=question, api_name="/ask")
        outcome = "answered" if answer.get("text") else "empty"
        detail = f"{len(answer.get('citations', []))} citations"
    except Exception as error:  # a user's failure is reported, not raised
        outcome, detail = "failed", f"{type(error).__name__}: {error}"
    results[slot] = (question, time.perf_counter() - started, outcome, detail)


def run(url: str, users: int, questions: list[str], auth: tuple[str, str] | None) -> int:
    from gradio_client import Client

    clients = [Client(url, auth=auth, verbose=False) for _ in range(users)]
    barrier = threading.Barrier(users)
    results: list = [None] * users
    threads = [
        threading.Thread(target=_user, args=(clients[i], questions[i % len(questions)], barrier, results, i))
        for i in range(users)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for slot, (question, seconds, outcome, detail) in enumerate(results, start=1):
        print(f"user {slot}: {seconds:6.2f} s  {outcome:8}  {detail:14}  {question}")
    latencies = [seconds for _, seconds, _, _ in results]
    answered = sum(outcome == "answered" for _, _, outcome, _ in results)
    print(f"{answered}/{users} answered; latency p50 {statistics.median(latencies):.2f} s, max {max(latencies):.2f} s")
    return 0 if answered == users else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running page on this machine (default: start app.py on a free port)")
    parser.add_argument("--users", type=int, default=8)
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
        return run(url, args.users, questions, auth)  # type: ignore[arg-type]
    finally:
        if proc is not None:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)


if __name__ == "__main__":
    sys.exit(main())
