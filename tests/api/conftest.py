"""A real API server on a free loopback port, in a thread of the test process, over a writable copy of the
corpus with the real embedding model and its own index; its LLM endpoint is a fake OpenAI server on loopback.

``api`` needs API keys (a reader and a writer of 「政策库」, and a writer of another base); ``open_api`` serves the
same knowledge base with no key configured, as a server on loopback does by default.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from ..conftest import CORPUS
from ..fake_openai import FakeOpenAI
from ..web.conftest import free_port

KB = "政策库"
QUESTION = "临汾标准化厂房建了多少？"
LLM_DRAFT = "2023年，临汾建成标准化厂房37.9万平方米[3]。"


@dataclass(frozen=True)
class Running:
    """A running server: its base URL (``…/v1`` in ``v1``), the knowledge bases, and the keys by role."""

    url: str
    kbs: object
    keys: dict[str, str]
    corpus: Path

    @property
    def v1(self) -> str:
        return f"{self.url}/v1"


@pytest.fixture(scope="session")
def fake_llm():
    with FakeOpenAI(content=LLM_DRAFT, chunk_chars=5) as fake:
        yield fake


@pytest.fixture(scope="session")
def knowledge_bases(tmp_path_factory, fake_llm):
    from policy_qa import PolicyQA
    from policy_qa.api.registry import KnowledgeBase, KnowledgeBases
    from policy_qa.models.llm_client import LLMSettings

    folder = tmp_path_factory.mktemp("api")
    corpus = folder / "corpus"
    shutil.copytree(CORPUS, corpus)
    engine = PolicyQA.from_corpus(corpus, index_dir=folder / "index")
    llm = LLMSettings(base_url=fake_llm.base_url, api_key="x", model=fake_llm.model, timeout_s=10.0)
    return KnowledgeBases([KnowledgeBase(KB, engine, llm)])


def _serve(kbs, keys_file: Path):
    from policy_qa.api.keys import KeyStore
    from policy_qa.api.server import ApiServer

    return ApiServer(kbs, KeyStore(keys_file), host="127.0.0.1", port=free_port()).start()


@pytest.fixture(scope="session")
def api(tmp_path_factory, knowledge_bases):
    from policy_qa.api.keys import KeyStore

    keys_file = tmp_path_factory.mktemp("keys") / "api-keys.json"
    store = KeyStore(keys_file)
    keys = {
        "reader": store.add("reader", [KB], write=False),
        "writer": store.add("writer", [KB], write=True),
        "outsider": store.add("outsider", ["其他库"], write=True),
    }
    server = _serve(knowledge_bases, keys_file)
    yield Running(server.url, knowledge_bases, keys, knowledge_bases.default.engine.settings.corpus_dir)
    server.stop()


@pytest.fixture(scope="session")
def open_api(tmp_path_factory, knowledge_bases):
    server = _serve(knowledge_bases, tmp_path_factory.mktemp("nokeys") / "api-keys.json")
    yield Running(server.url, knowledge_bases, {}, knowledge_bases.default.engine.settings.corpus_dir)
    server.stop()


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}
