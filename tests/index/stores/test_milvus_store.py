"""The chunks in a real Milvus server (milvus-lite on loopback): the same retrieval and answers as FAISS, the
collection following incremental updates, full builds swapped in by an alias, migration without embedding,
clear errors when the server is down."""

from __future__ import annotations

import json

import numpy as np
import pytest

from policy_qa import PolicyQA
from policy_qa.errors import StoreError
from policy_qa.evaluation.dataset import load_dataset
from policy_qa.evaluation.runner import run_evaluation
from policy_qa.index.store import load_or_build
from policy_qa.index.stores import MilvusLocation, parse_store
from policy_qa.index.stores.milvus_store import MilvusConnection
from tests.conftest import CORPUS, ROOT

QUESTIONS = [json.loads(line)["question"] for line in (ROOT / "eval" / "qa.jsonl").read_text(encoding="utf-8").splitlines()]


def _physical(store: str) -> str:
    """The collection the alias of ``store`` points at."""
    location = MilvusLocation.parse(store)
    connection = MilvusConnection(location)
    try:
        return connection.client.describe_alias(location.collection)["collection_name"]
    finally:
        connection.close()


def _open(corpus, index_dir, embedding, store=None, **kwargs):
    choice, model = embedding
    return load_or_build(corpus, index_dir, model, choice.model_id, store=parse_store(store), **kwargs)


@pytest.fixture(scope="module")
def both(milvus, embedding, tmp_path_factory):
    """The engine over the real corpus on FAISS, and on Milvus over the same local index."""
    index_dir = tmp_path_factory.mktemp("both") / "index"
    faiss_qa = PolicyQA.from_corpus(CORPUS, index_dir=index_dir)
    milvus_qa = PolicyQA.from_corpus(CORPUS, index_dir=index_dir, store=milvus.store("both"), share_model_of=faiss_qa)
    return faiss_qa, milvus_qa


def test_store_addresses_are_parsed_or_refused():
    assert parse_store(None) is None and parse_store("faiss") is None
    assert parse_store("milvus://10.0.0.5:19531/policy_qa") == MilvusLocation("10.0.0.5", 19531, "policy_qa")
    assert str(parse_store("milvus://db/kb")) == "milvus://db:19530/kb"
    for bad in ("milvus://host:1/", "milvus://host:1/a-b", "qdrant://host/x", "milvus://host:x/kb"):
        with pytest.raises(StoreError):
            parse_store(bad)


def test_milvus_ranks_and_answers_as_faiss(both):
    faiss_qa, milvus_qa = both
    assert milvus_qa.info().store.startswith("milvus://127.0.0.1:")
    dense, keyword = faiss_qa._serving.loaded.search, milvus_qa._serving.loaded.search
    every = np.ones(len(faiss_qa.catalog.chunks), dtype=bool)
    scoped = every.copy()
    scoped[::3] = False
    for question in QUESTIONS[:20]:
        vector = faiss_qa._serving.retriever.embed(question)
        for allowed in (every, scoped):
            assert (dense.dense_ranks(vector, allowed) == keyword.dense_ranks(vector, allowed)).all()
            assert (dense.keyword_ranks(question, allowed) == keyword.keyword_ranks(question, allowed)).all(), question
            assert np.abs(dense.fused(vector, question, allowed, 60) - keyword.fused(vector, question, allowed, 60)).max() < 1e-6
    for question in QUESTIONS[:30]:
        on_faiss, on_milvus = faiss_qa.ask(question), milvus_qa.ask(question)
        assert on_milvus.text == on_faiss.text
        assert [(p.section, p.text) for p in on_milvus.passages] == [(p.section, p.text) for p in on_faiss.passages]
        assert [c.quote for c in on_milvus.citations] == [c.quote for c in on_faiss.citations]


def test_the_test_half_of_the_seed_set_scores_as_on_faiss(both):
    items = load_dataset(ROOT / "eval" / "qa.jsonl", "test")
    on_faiss, on_milvus = (run_evaluation(qa, items, dataset="qa.jsonl", split="test").summary["systems"]["policy-qa"] for qa in both)
    for metric in ("answer_accuracy", "hit@3"):
        assert abs(on_milvus[metric] - on_faiss[metric]) <= 0.01, metric


def test_an_update_changes_only_the_files_rows_in_the_same_collection(milvus, corpus_copy, tmp_path, embedding):
    store, index_dir = milvus.store("updates"), tmp_path / "index"
    first = _open(corpus_copy, index_dir, embedding, store)
    collection = _physical(store)
    (corpus_copy / "丙县.md").write_text("# 丙县\n\n2023年，丙县新建学校2所，新建公园5个。\n", encoding="utf-8")
    added = _open(corpus_copy, index_dir, embedding, store)
    assert added.changes.added == ["丙县.md"] and _physical(store) == collection, "updated in place, not rebuilt"
    vector = embedding[1].get_query_embedding("丙县新建学校几所？")
    every = np.ones(len(added.catalog.chunks), dtype=bool)
    nearest = int(np.argmin(np.where(added.search.dense_ranks(np.asarray(vector), every) > 0, added.search.dense_ranks(np.asarray(vector), every), 1 << 30)))
    assert added.catalog.chunks[nearest].section.document == "丙县.md"
    assert added.search.keyword_ranks("丙县新建学校几所？", every)[nearest] > 0
    (corpus_copy / "丙县.md").unlink()
    removed = _open(corpus_copy, index_dir, embedding, store)
    assert removed.changes.removed == ["丙县.md"] and _physical(store) == collection
    every = np.ones(len(removed.catalog.chunks), dtype=bool)
    assert (removed.search.dense_ranks(np.asarray(vector), every) == first.search.dense_ranks(np.asarray(vector), every)).all()
    for question in QUESTIONS[:10]:
        assert (removed.search.keyword_ranks(question, every) == first.search.keyword_ranks(question, every)).all(), question
    connection = MilvusConnection(MilvusLocation.parse(store))
    count = connection.client.query(MilvusLocation.parse(store).collection, filter="", output_fields=["count(*)"])
    assert int(count[0]["count(*)"]) == len(removed.catalog.chunks)


def test_a_full_build_fills_a_new_collection_then_switches_the_alias(milvus, corpus_copy, tmp_path, embedding):
    store, index_dir = milvus.store("rebuilds"), tmp_path / "index"
    reader = PolicyQA.from_corpus(corpus_copy, index_dir=index_dir, store=store)
    before = _physical(store)
    expected = reader.ask(QUESTIONS[0]).text
    _open(corpus_copy, index_dir, embedding, store, force=True)
    after = _physical(store)
    assert after != before
    connection = MilvusConnection(MilvusLocation.parse(store))
    assert before not in connection.client.list_collections(), "the replaced collection is dropped"
    assert reader.ask(QUESTIONS[0]).text == expected, "a reader opened before searches the new collection by its alias"
    connection.client.alter_collection_properties(after, properties={"policy_qa.chunking_version": "0"})
    _open(corpus_copy, index_dir, embedding, store)
    assert _physical(store) != after, "a collection of another chunking is written anew"


def test_migration_from_faiss_embeds_nothing(milvus, corpus_copy, tmp_path, embedding):
    index_dir = tmp_path / "index"
    faiss_index = _open(corpus_copy, index_dir, embedding)

    class NoEmbedding:
        def __getattr__(self, name):
            raise AssertionError("the migration embedded something")

    migrated = load_or_build(corpus_copy, index_dir, NoEmbedding(), embedding[0].model_id,
                             store=parse_store(milvus.store("migrated")), republish=True)
    every = np.ones(len(migrated.catalog.chunks), dtype=bool)
    vector = np.asarray(embedding[1].get_query_embedding(QUESTIONS[1]))
    assert (migrated.search.dense_ranks(vector, every) == faiss_index.search.dense_ranks(vector, every)).all()


def test_a_server_that_is_down_is_named_in_a_clear_error(lite_server, corpus_copy, tmp_path, embedding):
    store, index_dir = lite_server.store("faults"), tmp_path / "index"
    loaded = _open(corpus_copy, index_dir, embedding, store)
    lite_server.stop()
    every = np.ones(len(loaded.catalog.chunks), dtype=bool)
    with pytest.raises(StoreError, match=f"向量库 milvus://127.0.0.1:{lite_server.port}/faults"):
        loaded.search.keyword_ranks("开发区", every)
    with pytest.raises(StoreError, match=f"milvus://127.0.0.1:{lite_server.port}/faults"):
        _open(corpus_copy, index_dir, embedding, store)
