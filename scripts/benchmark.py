"""Speed and memory of the engine: index build, cold start to first answer, warm ask latency, resident memory.

    .venv/bin/python scripts/benchmark.py [--corpus corpus] [--questions eval/benchmark_questions.txt]

Prints one figure a line; the README quotes its output.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


_CHILD = """
import sys
from policy_qa.cli import main
code = main(sys.argv[1:])
peak = next(line for line in open("/proc/self/status") if line.startswith("VmHWM"))
print(peak.split()[1], file=sys.stderr)
sys.exit(code)
"""


def _cold_start(corpus: Path, index_dir: Path, question: str) -> tuple[float, float]:
    """Seconds from a new process's start to its first printed answer (index already built), and that
    process's peak resident memory in MiB (VmHWM, which a new program image starts afresh)."""
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", _CHILD, "ask", question, "--corpus", str(corpus), "--index-dir", str(index_dir)],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )
    return time.perf_counter() - started, int(result.stderr.split()[-1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    parser.add_argument("--questions", type=Path, default=ROOT / "eval" / "benchmark_questions.txt")
    args = parser.parse_args()
    questions = [line.strip() for line in args.questions.read_text(encoding="utf-8").splitlines() if line.strip()]

    from policy_qa import PolicyQA

    with tempfile.TemporaryDirectory() as scratch:
        index_dir = Path(scratch) / "index"
        PolicyQA.from_corpus(args.corpus, index_dir=index_dir)  # first build; warms the page cache
        started = time.perf_counter()
        PolicyQA.from_corpus(args.corpus, index_dir=index_dir)
        opened = time.perf_counter() - started
        started = time.perf_counter()
        qa = PolicyQA.from_corpus(args.corpus, index_dir=index_dir, rebuild=True)
        rebuilt = time.perf_counter() - started
        info = qa.info()
        print(f"corpus: {len(info.documents)} documents, {info.chunks} chunks")
        print(f"open engine on a built index (load model + index + BM25): {opened:.2f} s")
        print(f"open engine with a rebuild: {rebuilt:.2f} s, so index build (embed + FAISS + persist) ≈ {rebuilt - opened:.2f} s")

        qa.ask(questions[0])
        latencies = []
        for question in questions:
            started = time.perf_counter()
            qa.ask(question)
            latencies.append((time.perf_counter() - started) * 1000)
        print(f"warm ask over {len(latencies)} questions: p50 {statistics.median(latencies):.1f} ms, "
              f"p95 {_percentile(latencies, 0.95):.1f} ms, max {max(latencies):.1f} ms")
        print(f"peak resident memory of this process (three engines opened): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")

        colds = [_cold_start(args.corpus, index_dir, questions[0]) for _ in range(3)]
        seconds = [cold[0] for cold in colds]
        print(f"cold start to first answer (CLI, 3 runs): median {statistics.median(seconds):.2f} s, max {max(seconds):.2f} s")
        print(f"peak resident memory of a CLI ask process: {max(cold[1] for cold in colds):.0f} MiB")

if __name__ == "__main__":
    main()
