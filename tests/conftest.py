"""Shared fixtures: the real corpus, the real embedding model, a real FAISS index on disk."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
DOCUMENT = "临汾晋城开发区2023年工作情况.txt"
SECOND_BULLETIN = Path(__file__).parent / "data" / "second_bulletin"


@pytest.fixture(scope="session")
def embedding():
    """The offline multilingual-e5-small, built once into the shared cache, loaded through llama-index."""
    from policy_qa.index.embedder import choose_embedding, load_embedding

    choice = choose_embedding(None)
    return choice, load_embedding(choice)


@pytest.fixture(scope="session")
def qa(tmp_path_factory):
    """The engine over the real corpus, its index built in a fresh folder."""
    from policy_qa import PolicyQA

    return PolicyQA.from_corpus(CORPUS, index_dir=tmp_path_factory.mktemp("index") / "idx")


def engine_over(tmp_path: Path, name: str, text: str):
    """The engine over a corpus of one file ``name`` holding ``text``, its index built under ``tmp_path``."""
    from policy_qa import PolicyQA

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / name).write_text(text, encoding="utf-8")
    return PolicyQA.from_corpus(corpus, index_dir=tmp_path / "index")


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    """A writable copy of the corpus folder."""
    target = tmp_path / "corpus"
    shutil.copytree(CORPUS, target)
    return target
