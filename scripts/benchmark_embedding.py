"""Embedding throughput of an index build: the old path and ``embed_passages``, on a corpus's real texts.

    .venv/bin/python scripts/benchmark_embedding.py CORPUS [--files N] [--repeats 2] [--paths old,torch,onnx]

The texts are what an index build embeds: every chunk under its heading path, then every sentence under its
context. Paths, run interleaved ``--repeats`` times (medians printed; the machine may be shared):

- ``old``: the build before ``embed_passages``: batches of 32 in corpus order through llama-index's
  ``HuggingFaceEmbedding.get_text_embedding_batch`` (torch, float32);
- ``torch``: ``embed_passages`` with the same model (texts sorted by length; same vectors);
- ``onnx``: ``embed_passages`` with the ONNX Runtime int8 backend, the `onnx` extra (cosine to torch's printed).

"characters/s" counts the characters embedded (chunk and sentence texts with their headings); "corpus
characters/s" the characters of the documents read, which every build embeds about two and a half times.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

OLD_BATCH = 32


def corpus_texts(folder: Path, files: int | None, seed: int) -> tuple[list[str], int, int]:
    """The texts an index build embeds for ``folder`` (or ``files`` of its files, drawn with ``seed``), the
    number of files read and their characters."""
    from policy_qa.errors import UnreadableFileError
    from policy_qa.index.catalog import Catalog, chunk_passage, sentence_passage
    from policy_qa.text.ingest import corpus_files, read_document

    listed, _ = corpus_files(folder)
    if files is not None and files < len(listed):
        listed = sorted(random.Random(seed).sample(listed, files), key=lambda item: item[1])
    sources = []
    for path, name in listed:
        try:
            sources.append(read_document(path, name))
        except UnreadableFileError as error:
            print(f"skipped {name}: {error}", file=sys.stderr)
    catalog = Catalog(sources)
    texts = [chunk_passage(chunk) for chunk in catalog.chunks]
    texts += [sentence_passage(sentence) for sentence in catalog.sentences]
    return texts, len(sources), sum(len(source.text) for source in sources)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path, help="corpus folder")
    parser.add_argument("--files", type=int, default=None, help="embed only N files, drawn at random (seeded)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=2, help="runs of each path, interleaved (default 2)")
    parser.add_argument("--paths", default="old,torch,onnx", help="comma-separated: old, torch, onnx")
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads for old and torch")
    args = parser.parse_args(argv)

    import numpy as np

    from policy_qa.index.embedder import (
        EmbeddingChoice,
        choose_embedding,
        embed_passages,
        load_embedding,
    )
    from policy_qa.models.embedding_model import (
        DEFAULT_MODEL_ID,
        ensure_embedding_model,
    )

    texts, n_files, corpus_chars = corpus_texts(args.corpus, args.files, args.seed)
    text_chars = sum(map(len, texts))
    print(f"{args.corpus}: {n_files} files, {corpus_chars} characters; {len(texts)} texts to embed, "
          f"{text_chars} characters; {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")

    paths = [p.strip() for p in args.paths.split(",") if p.strip()]
    models = {}
    if {"old", "torch"} & set(paths):
        models["torch"] = load_embedding(EmbeddingChoice(str(ensure_embedding_model()), DEFAULT_MODEL_ID))
        if args.threads:
            import torch

            torch.set_num_threads(args.threads)
    if "onnx" in paths:
        previous = os.environ.get("POLICY_QA_EMBEDDING_BACKEND")
        os.environ["POLICY_QA_EMBEDDING_BACKEND"] = "onnx"
        choice = choose_embedding(None)
        if previous is None:
            del os.environ["POLICY_QA_EMBEDDING_BACKEND"]
        else:
            os.environ["POLICY_QA_EMBEDDING_BACKEND"] = previous
        if choice.backend != "onnx":
            parser.error("the ONNX backend is not available (see the log)")
        models["onnx"] = load_embedding(choice)

    def old(model):
        vectors = []
        for first in range(0, len(texts), OLD_BATCH):
            vectors += model.get_text_embedding_batch(texts[first : first + OLD_BATCH])
        return np.asarray(vectors, dtype=np.float32)

    runs = {
        "old": lambda: old(models["torch"]),
        "torch": lambda: embed_passages(models["torch"], texts),
        "onnx": lambda: embed_passages(models["onnx"], texts),
    }
    for model in models.values():  # warm up
        embed_passages(model, texts[:4])
    seconds: dict[str, list[float]] = {path: [] for path in paths}
    vectors: dict[str, np.ndarray] = {}
    for repeat in range(args.repeats):
        for path in paths:
            started = time.perf_counter()
            vectors[path] = runs[path]()
            elapsed = time.perf_counter() - started
            seconds[path].append(elapsed)
            print(f"  run {repeat + 1} {path:6s} {elapsed:7.1f} s  (load {os.getloadavg()[0]:.1f})", flush=True)

    print(f"{'path':8s} {'passages/s':>11s} {'characters/s':>13s} {'corpus chars/s':>15s}  cosine to first path")
    first = vectors[paths[0]]
    for path in paths:
        median = statistics.median(seconds[path])
        cosine = (vectors[path] * first).sum(axis=1)
        print(f"{path:8s} {len(texts) / median:11.1f} {text_chars / median:13.0f} {corpus_chars / median:15.0f}  "
              f"min {cosine.min():.4f}, mean {cosine.mean():.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
