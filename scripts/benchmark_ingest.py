"""Benchmark reading, building and updating an index; prints figures for the README.

    .venv/bin/python scripts/benchmark_ingest.py read CORPUS            # readers only: characters/s, pages/s
    .venv/bin/python scripts/benchmark_ingest.py build CORPUS           # a full build with the real model
    .venv/bin/python scripts/benchmark_ingest.py update CORPUS FILE [--copies N] [--stub-embeddings]

``update`` builds the index of CORPUS (its files copied N times under other names, for scale), then adds FILE,
changes nothing, removes FILE, timing each step and the RSS. ``--stub-embeddings`` replaces the model by random
unit vectors of its dimension (the embedding of the corpus excluded, as for a store benchmark): only FILE's own
text is then not embedded for real either, and the figure is the index's own cost.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from policy_qa.index.embedder import choose_embedding, load_embedding  # noqa: E402
from policy_qa.index.store import load_or_build  # noqa: E402
from policy_qa.text.ingest import corpus_files, read_document  # noqa: E402


def _rss_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024


def read(corpus: Path) -> None:
    files = corpus_files(corpus)[0]
    started = time.perf_counter()
    characters = pages = 0
    for path, name in files:
        document = read_document(path, name)
        characters += len(document.text)
        pages += max(document.line_pages, default=0)
    seconds = time.perf_counter() - started
    print(f"read {len(files)} files, {characters} characters, {pages} pages in {seconds:.2f} s: "
          f"{characters / seconds:,.0f} characters/s, {pages / seconds:,.0f} pages/s")


def _model(stub: bool):
    choice = choose_embedding(None)
    model = load_embedding(choice)
    if not stub:
        return model, choice.model_id
    from llama_index.core.embeddings import MockEmbedding

    random = np.random.default_rng(0)

    class Stub(MockEmbedding):
        """Random unit vectors of the model's dimension."""

        def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
            vectors = random.standard_normal((len(texts), self.embed_dim)).astype(np.float32)
            return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).tolist()

    return Stub(embed_dim=len(model.get_query_embedding("维度"))), choice.model_id + "@stub"


def build(corpus: Path) -> None:
    model, model_id = _model(stub=False)
    characters = sum(len(read_document(p, n).text) for p, n in corpus_files(corpus)[0])
    with tempfile.TemporaryDirectory() as work:
        started = time.perf_counter()
        loaded = load_or_build(corpus, Path(work) / "index", model, model_id)
        seconds = time.perf_counter() - started
    print(f"build: {len(loaded.catalog.sources)} files, {characters} characters, {len(loaded.catalog.chunks)} chunks, "
          f"{len(loaded.catalog.sentences)} sentences in {seconds:.1f} s: {characters / seconds:,.0f} characters/s; "
          f"max RSS {_rss_gib():.2f} GiB")


def update(corpus: Path, extra: Path, copies: int, stub: bool) -> None:
    model, model_id = _model(stub)
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work) / "corpus"
        folder.mkdir()
        for copy in range(copies):
            for path, name in corpus_files(corpus)[0]:
                target = folder / f"{copy:03d}" / name
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target)
        index_dir = Path(work) / "index"

        def timed(step: str) -> None:
            started = time.perf_counter()
            loaded = load_or_build(folder, index_dir, model, model_id)
            seconds = time.perf_counter() - started
            changes = loaded.changes.summary() if loaded.changes else "未更新"
            print(f"{step}: {seconds:.2f} s ({changes}); {len(loaded.catalog.chunks)} chunks, "
                  f"{len(loaded.catalog.sentences)} sentences; max RSS {_rss_gib():.2f} GiB", flush=True)

        timed("build")
        shutil.copyfile(extra, folder / extra.name)
        timed(f"add {extra.name}")
        timed("load unchanged")
        (folder / extra.name).unlink()
        timed(f"remove {extra.name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("read", "build", "update"):
        command = commands.add_parser(name)
        command.add_argument("corpus", type=Path)
        if name == "update":
            command.add_argument("file", type=Path)
            command.add_argument("--copies", type=int, default=1)
            command.add_argument("--stub-embeddings", action="store_true")
    args = parser.parse_args()
    if args.command == "read":
        read(args.corpus)
    elif args.command == "build":
        build(args.corpus)
    else:
        update(args.corpus, args.file, args.copies, args.stub_embeddings)


if __name__ == "__main__":
    main()
