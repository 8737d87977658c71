"""The engine at library scale (issue 11): load, add a file, remove it and answer, over ~100k chunks.

    # one article per line in each file of SOURCE (e.g. the CRUD-RAG corpus's data/80000_docs), one .txt each:
    .venv/bin/python scripts/benchmark_scale.py prepare SOURCE WORK --articles 40000
    # build WORK/index once (corpus vectors random: the store's own cost), then time the steps:
    .venv/bin/python scripts/benchmark_scale.py run WORK FILE [--questions FILE]

Passage vectors are random unit vectors (``--stub-embeddings`` of ``benchmark_ingest.py``): embedding 40,000
articles takes hours here and is measured by ``benchmark_embedding.py``; what embedding FILE costs is measured on
its own and printed beside the update. Everything else is real: questions are embedded by the model and answered
by the extractive engine, FILE is read, parsed, segmented and indexed by a running engine.
Prints one figure a line for the README; the corpus and index stay in WORK (never in the repository).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import resource
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from policy_qa.engine import PolicyQA  # noqa: E402
from policy_qa.index.embedder import choose_embedding, load_embedding  # noqa: E402
from policy_qa.index.store import load_or_build  # noqa: E402
from policy_qa.settings import EngineSettings  # noqa: E402

_DATE = re.compile(r"^\[?\s*(\d{4}-\d{2}-\d{2})[^，,]*[，,]\s*正文[:：]")


def _rss_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024


def _current_rss_gib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024 / 1024
    return float("nan")


def prepare(source: Path, work: Path, articles: int) -> None:
    """``articles`` distinct articles of the files in ``source`` as ``work/corpus/NNN/NNNNN.txt`` (date line, body)."""
    corpus = work / "corpus"
    seen: set[str] = set()
    written = characters = 0
    for path in sorted(source.iterdir()):
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            line = line.strip()
            digest = hashlib.sha1(line.encode("utf-8")).hexdigest()
            if len(line) < 100 or digest in seen:
                continue
            seen.add(digest)
            match = _DATE.match(line)
            text = f"{match.group(1)}\n{line[match.end():]}" if match else line
            target = corpus / f"{written // 1000:03d}" / f"{written:05d}.txt"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text + "\n", encoding="utf-8")
            written += 1
            characters += len(text)
            if written == articles:
                print(f"prepared {written} articles, {characters:,} characters in {corpus}")
                return
    print(f"prepared {written} articles (all there were), {characters:,} characters in {corpus}")


class _Model:
    """The real model for questions, random unit vectors for passages."""

    def __init__(self) -> None:
        choice = choose_embedding(None)
        self.model_id = choice.model_id + "@stub"
        self.real = load_embedding(choice)
        self.stub = _stub_class()(embed_dim=len(self.real.get_query_embedding("维度")), real=self.real)


def _stub_class():
    from llama_index.core.embeddings import MockEmbedding

    random = np.random.default_rng(0)

    class Stub(MockEmbedding):
        real: object = None

        def _get_query_embedding(self, query: str) -> list[float]:
            return self.real.get_query_embedding(query)

        def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
            vectors = random.standard_normal((len(texts), self.embed_dim)).astype(np.float32)
            return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).tolist()

    return Stub


def _questions(path: Path) -> list[str]:
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if path.suffix == ".jsonl":
        return [json.loads(line)["question"] for line in lines]
    return lines


def run(work: Path, extra: Path, questions: list[str]) -> None:
    model = _Model()
    corpus, index_dir = work / "corpus", work / "index"
    (corpus / extra.name).unlink(missing_ok=True)

    def timed(step: str) -> object:
        started = time.perf_counter()
        loaded = load_or_build(corpus, index_dir, model.stub, model.model_id)
        seconds = time.perf_counter() - started
        changes = loaded.changes.summary() if loaded.changes else "未更新"
        print(f"{step}: {seconds:.2f} s ({changes}); {len(loaded.catalog.sources)} files, "
              f"{len(loaded.catalog.chunks)} chunks, {len(loaded.catalog.sentences)} sentences; "
              f"RSS {_current_rss_gib():.2f} GiB (max {_rss_gib():.2f})", flush=True)
        return loaded

    if not (index_dir / "manifest.json").is_file():
        timed("build (random corpus vectors)")
    loaded = timed("load unchanged (a new process: every file's part read)")
    settings = EngineSettings.resolve(corpus, index_dir, None, None)
    started = time.perf_counter()
    engine = PolicyQA(settings, loaded, model.stub, "extractive")
    print(f"engine over the loaded index: {time.perf_counter() - started:.2f} s; RSS {_current_rss_gib():.2f} GiB",
          flush=True)
    _ask_all(engine, questions)
    _embedding_of(extra, model)
    for step, change in ((f"add {extra.name} (its vectors random: the index's own cost)", lambda: engine.add_documents([extra])),
                         (f"remove {extra.name}", lambda: engine.remove_documents([extra.name]))):
        started = time.perf_counter()
        info = change()
        print(f"engine.{step}: {time.perf_counter() - started:.2f} s to answer from the new index "
              f"({info.changes.summary() if info.changes else ''}); {info.chunks} chunks; "
              f"RSS {_current_rss_gib():.2f} GiB (max {_rss_gib():.2f})", flush=True)
    _ask_all(engine, questions)


def _embedding_of(extra: Path, model: _Model) -> None:
    """What embedding ``extra`` costs with the real model (its chunks and sentences, as a build embeds them)."""
    from policy_qa.index.catalog import chunk_passage, sentence_passage
    from policy_qa.index.embedder import embed_passages
    from policy_qa.index.parts import FilePart
    from policy_qa.text.ingest import read_document

    started = time.perf_counter()
    part = FilePart.of(read_document(extra, extra.name))
    read = time.perf_counter() - started
    texts = [chunk_passage(c) for c in part.catalog.chunks] + [sentence_passage(s) for s in part.catalog.sentences]
    started = time.perf_counter()
    embed_passages(model.real, texts)
    seconds = time.perf_counter() - started
    characters = sum(map(len, texts))
    print(f"{extra.name}: {len(part.source.text):,} characters, {len(part.catalog.chunks)} chunks, "
          f"{len(part.catalog.sentences)} sentences; read, parsed and segmented in {read:.2f} s; "
          f"embedded by the model in {seconds:.1f} s ({characters / seconds:,.0f} embedded characters/s)", flush=True)


def _ask_all(engine: PolicyQA, questions: list[str]) -> None:
    engine.ask(questions[0])
    latencies = []
    for question in questions:
        started = time.perf_counter()
        engine.ask(question)
        latencies.append(time.perf_counter() - started)
    latencies.sort()
    print(f"warm ask, {len(latencies)} questions: p50 {1000 * statistics.median(latencies):.0f} ms, "
          f"p95 {1000 * latencies[round(0.95 * (len(latencies) - 1))]:.0f} ms; RSS {_current_rss_gib():.2f} GiB "
          f"(max {_rss_gib():.2f})", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    prepare_command = commands.add_parser("prepare")
    prepare_command.add_argument("source", type=Path)
    prepare_command.add_argument("work", type=Path)
    prepare_command.add_argument("--articles", type=int, default=40000)
    run_command = commands.add_parser("run")
    run_command.add_argument("work", type=Path)
    run_command.add_argument("file", type=Path)
    run_command.add_argument("--questions", type=Path, default=ROOT / "eval" / "benchmark_questions.txt")
    args = parser.parse_args()
    if args.command == "prepare":
        prepare(args.source, args.work, args.articles)
    else:
        run(args.work, args.file, _questions(args.questions))


if __name__ == "__main__":
    main()
