"""Load on the HTTP API of a running ``policy-qa serve``, over loopback only, through the official ``openai`` client.

    .venv/bin/policy-qa serve &                                   # the page and the API on 127.0.0.1:7860
    .venv/bin/python scripts/load_api.py [--url http://127.0.0.1:7860] [--key pqa-…] [--clients 32] [--rounds 5]

First one warm client asks ``--single`` questions of ``eval/benchmark_questions.txt`` one after another with
``/v1/chat/completions`` (extractive answers): the latency includes HTTP and the client. Then ``--clients``
clients, each with its own connection, start at the same instant (a barrier) and each asks ``--rounds``
questions. Prints p50/p95/max and the errors; exits 1 when any request failed. Bounded: a fixed number of
requests, a 120 s timeout each, loopback addresses only.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import openai

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT_S = 120.0


def client(url: str, key: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{url.rstrip('/')}/v1", api_key=key, max_retries=0, timeout=TIMEOUT_S)


def ask(api: openai.OpenAI, model: str, question: str) -> float:
    """Seconds to the whole completion; raises when it is not an answer."""
    started = time.perf_counter()
    completion = api.chat.completions.create(model=model, messages=[{"role": "user", "content": question}])
    if not completion.choices[0].message.content:
        raise RuntimeError("empty answer")
    return time.perf_counter() - started


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(share * len(ordered)) - 1)]


def summary(label: str, seconds: list[float], errors: list[str], total: int) -> str:
    if not seconds:
        return f"{label}: 0/{total} answered, {len(errors)} errors"
    ms = [s * 1000 for s in seconds]
    return (f"{label}: {len(seconds)}/{total} answered, {len(errors)} errors; p50 {statistics.median(ms):.0f} ms, "
            f"p95 {percentile(ms, 0.95):.0f} ms, max {max(ms):.0f} ms")


def single(url: str, key: str, model: str, questions: list[str], count: int) -> list[float]:
    api = client(url, key)
    for question in questions[:5]:  # warm: connection, caches
        ask(api, model, question)
    return [ask(api, model, questions[k % len(questions)]) for k in range(count)]


def concurrent(url: str, key: str, model: str, questions: list[str], clients: int, rounds: int) -> tuple[list[float], list[str], float]:
    apis = [client(url, key) for _ in range(clients)]
    barrier = threading.Barrier(clients)
    seconds: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def user(slot: int) -> None:
        barrier.wait()
        for k in range(rounds):
            question = questions[(slot * rounds + k) % len(questions)]
            try:
                took = ask(apis[slot], model, question)
            except Exception as error:  # every failure is counted and shown, none is lost
                with lock:
                    errors.append(f"client {slot + 1}: {type(error).__name__}: {error}")
                continue
            with lock:
                seconds.append(took)

    threads = [threading.Thread(target=user, args=(slot,)) for slot in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return seconds, errors, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:7860", help="a running server on this machine")
    parser.add_argument("--key", default="none", help="an API key (needed when the server has keys)")
    parser.add_argument("--model", default=None, help="knowledge base (default: the first the server lists)")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=5, help="questions each client asks")
    parser.add_argument("--single", type=int, default=50, help="questions the single warm client asks")
    parser.add_argument("--questions", default=str(ROOT / "eval" / "benchmark_questions.txt"))
    args = parser.parse_args()
    host = urlsplit(args.url).hostname or ""
    if host not in ("127.0.0.1", "localhost", "::1"):
        parser.error("only a server on this machine (loopback) may be loaded")
    questions = [line.strip() for line in Path(args.questions).read_text(encoding="utf-8").splitlines() if line.strip()]
    base = args.model or client(args.url, args.key).models.list().data[0].id
    model = f"{base.partition(':')[0]}:extractive"

    warm = single(args.url, args.key, model, questions, args.single)
    print(summary(f"1 warm client, {model}, /v1/chat/completions incl. HTTP", warm, [], args.single))
    seconds, errors, wall = concurrent(args.url, args.key, model, questions, args.clients, args.rounds)
    total = args.clients * args.rounds
    print(summary(f"{args.clients} simultaneous clients × {args.rounds} questions", seconds, errors, total)
          + f"; {total / wall:.1f} answers/s over {wall:.1f} s")
    for error in errors[:10]:
        print(f"  {error}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
