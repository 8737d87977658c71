"""Milvus store benchmark: insert rate (embedding excluded: random unit vectors), hybrid query latency (dense + jieba
BM25 fused by RRF in the server, whole collection and scoped to one file), and the server's resident memory.

Starts its own ``milvus-lite server`` on a free loopback port (or uses ``--uri``'s server, whose memory it cannot
see). Chunk texts are pieces of the corpus's own text, shuffled; questions are those of ``eval/qa.jsonl``.

    .venv/bin/python scripts/benchmark_milvus.py [--chunks 100000] [--queries 200] [--uri milvus://host:port/name]
"""

from __future__ import annotations

import argparse
import json
import random
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from policy_qa.errors import StoreError
from policy_qa.index.stores import MilvusLocation
from policy_qa.index.stores.base import RANK_DEPTH
from policy_qa.index.stores.milvus_store import (
    CALL_TIMEOUT_S,
    MilvusConnection,
    MilvusSearch,
    chunk_row,
    create_collection,
    insert_rows,
)
from policy_qa.index.stores.milvus_sync import settle

ROOT = Path(__file__).resolve().parents[1]
CHUNKS_PER_FILE = 100


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start_server(data_dir: str) -> tuple[subprocess.Popen, int]:
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "milvus_lite", "server", "--data-dir", data_dir, "--host", "127.0.0.1",
                               "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server, port
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("milvus-lite server did not start")


def _rss_mib(pid: int) -> tuple[float, float]:
    """Resident and peak resident memory of process ``pid`` in MiB."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def _texts(count: int, rng: random.Random) -> list[str]:
    """``count`` chunk texts of 300–500 characters from the corpus's sentences, shuffled."""
    text = "".join(path.read_text(encoding="utf-8") for path in sorted((ROOT / "corpus").glob("*.txt")))
    sentences = [s + "。" for s in text.replace("\n", "").split("。") if s]
    texts = []
    for _ in range(count):
        chunk = ""
        while len(chunk) < rng.randint(300, 500):
            chunk += rng.choice(sentences)
        texts.append(chunk)
    return texts


def _percentiles(values: list[float]) -> str:
    return f"p50 {np.percentile(values, 50):.0f} ms, p95 {np.percentile(values, 95):.0f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--dimension", type=int, default=384)
    parser.add_argument("--uri", default=None, help="milvus://host:port/collection of a running server (default: start milvus-lite)")
    args = parser.parse_args()
    rng, vectors_rng = random.Random(0), np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as data_dir:
        server, location = None, None
        if args.uri:
            location = MilvusLocation.parse(args.uri)
        else:
            server, port = _start_server(data_dir)
            location = MilvusLocation("127.0.0.1", port, "benchmark")
        try:
            connection = MilvusConnection(location)
            name = f"{location.collection}_bench"
            if connection.client.has_collection(name):
                connection.client.drop_collection(name)
            create_collection(connection, name, args.dimension, {"model": "random"})
            texts = _texts(args.chunks, rng)
            parts = [f"{k:032x}.pkl" for k in range(-(-args.chunks // CHUNKS_PER_FILE))]

            def rows():
                for k, text in enumerate(texts):
                    vector = vectors_rng.standard_normal(args.dimension).astype(np.float32)
                    yield chunk_row(parts[k // CHUNKS_PER_FILE], k % CHUNKS_PER_FILE, text, vector / np.linalg.norm(vector))

            started = time.perf_counter()
            insert_rows(connection, name, rows())
            inserted = time.perf_counter() - started
            settle(connection, name)
            connection.client.load_collection(name)
            settled = time.perf_counter() - started
            search_location = MilvusLocation(location.host, location.port, name)
            offsets = {part: (k * CHUNKS_PER_FILE, min((k + 1) * CHUNKS_PER_FILE, args.chunks)) for k, part in enumerate(parts)}
            searches = {depth: MilvusSearch(MilvusConnection(search_location), offsets, args.chunks, depth) for depth in (RANK_DEPTH, 100)}
            questions = [json.loads(line)["question"] for line in (ROOT / "eval" / "qa.jsonl").read_text(encoding="utf-8").splitlines()]
            every = np.ones(args.chunks, dtype=bool)
            timings: dict[tuple[str, int], list[float]] = {}
            failed: dict[tuple[str, int], int] = {}
            print(f"chunks: {args.chunks:,} ({args.dimension}-d random unit vectors, corpus text 300–500 characters each)")
            print(f"insert: {args.chunks / inserted:,.0f} chunks/s ({inserted:.1f} s); with flush and load {args.chunks / settled:,.0f} chunks/s ({settled:.1f} s)", flush=True)
            for k in range(args.queries):
                question = questions[k % len(questions)]
                vector = vectors_rng.standard_normal(args.dimension).astype(np.float32)
                vector /= np.linalg.norm(vector)
                scoped = np.zeros(args.chunks, dtype=bool)
                start, stop = offsets[parts[k % len(parts)]]
                scoped[start:stop] = True
                for depth, search in searches.items():
                    for label, allowed in (("hybrid", every), ("hybrid, one file", scoped)):
                        began = time.perf_counter()
                        try:
                            search.fused(vector, question, allowed, 60)
                        except StoreError:  # past the deadline, after the retries: counted as failed
                            failed[(label, depth)] = failed.get((label, depth), 0) + 1
                            continue
                        timings.setdefault((label, depth), []).append((time.perf_counter() - began) * 1000)
            for key in dict.fromkeys([*timings, *failed]):
                label, depth = key
                values = timings.get(key, [])
                shown = _percentiles(values) if values else "none answered"
                print(f"{label}, each ranking {min(depth, args.chunks)} deep (RRF in the server), {args.queries} questions: {shown}"
                      f"{f'; {failed[key]} failed at the {CALL_TIMEOUT_S:.0f} s deadline' if key in failed else ''}")
            if server is not None:
                rss, peak = _rss_mib(server.pid)
                print(f"server RSS: {rss:,.0f} MiB (peak {peak:,.0f} MiB)")
        finally:
            if server is not None:
                server.terminate()
                server.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
