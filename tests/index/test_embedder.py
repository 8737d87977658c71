"""embed_passages and the embedding backends, with the real model: torch float32 (the default) and the ONNX int8
export (``POLICY_QA_EMBEDDING_BACKEND=onnx``)."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest

from policy_qa.index.embedder import (
    BACKEND_ENV,
    EmbeddingChoice,
    choose_embedding,
    embed_passages,
    load_embedding,
)
from policy_qa.models import onnx_embedding as oe
from policy_qa.models.embedding_model import DEFAULT_MODEL_ID, ensure_embedding_model

from ..conftest import CORPUS


@pytest.fixture(scope="module")
def texts() -> list[str]:
    """Real chunk and sentence texts of the corpus as a build embeds them, shuffled, with extremes of length:
    one character, whitespace around, and one far past the 512-token limit."""
    from policy_qa.index.catalog import Catalog, chunk_passage, sentence_passage
    from policy_qa.text.ingest import read_corpus

    sources, _ = read_corpus(CORPUS)
    catalog = Catalog(sources)
    found = [chunk_passage(chunk) for chunk in catalog.chunks[:12]]
    found += [sentence_passage(sentence) for sentence in catalog.sentences[:28]]
    found += ["税", "  前后有空格的句子。  ", "\n".join(found[:12]) * 2]
    random.Random(7).shuffle(found)
    return found


def _needs_onnx_extra() -> None:
    for module in ("onnx", "onnxruntime"):
        pytest.importorskip(module, reason="the onnx extra is not installed (CI installs it)")


@pytest.fixture(scope="module")
def onnx_model():
    _needs_onnx_extra()
    return load_embedding(EmbeddingChoice(str(oe.ensure_onnx_model()), DEFAULT_MODEL_ID + oe.BACKEND_SUFFIX, "onnx"))


@pytest.fixture(scope="module")
def torch_model(embedding):
    choice, model = embedding
    assert choice.backend == "torch", "the default embedding should run on torch"
    return model


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(axis=1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)


def test_the_default_is_torch_and_onnx_has_its_own_model_id(embedding, monkeypatch):
    choice, model = embedding
    assert choice == EmbeddingChoice(str(ensure_embedding_model()), DEFAULT_MODEL_ID, "torch")
    _needs_onnx_extra()
    monkeypatch.setenv(BACKEND_ENV, "onnx")
    choice = choose_embedding(None)
    assert choice.model_id == DEFAULT_MODEL_ID + oe.BACKEND_SUFFIX and choice.backend == "onnx"
    assert choice.location.endswith(oe.ONNX_DIR_NAME)
    assert type(load_embedding(choice)).__name__ == "OnnxEmbedding"


def test_the_backend_variable_selects_torch_or_is_refused(monkeypatch):
    monkeypatch.setenv(BACKEND_ENV, "torch")
    assert choose_embedding(None) == EmbeddingChoice(str(ensure_embedding_model()), DEFAULT_MODEL_ID, "torch")
    monkeypatch.setenv(BACKEND_ENV, "gpu")
    with pytest.raises(ValueError, match=BACKEND_ENV):
        choose_embedding(None)
    assert choose_embedding("some/model") == EmbeddingChoice("some/model", "some/model", "torch")


@pytest.mark.parametrize("backend", ["onnx", "torch"])
def test_embed_passages_equals_the_llama_index_path_in_input_order(backend, onnx_model, torch_model, texts):
    model = onnx_model if backend == "onnx" else torch_model
    done: list[tuple[int, int]] = []
    vectors = embed_passages(model, texts, lambda k, characters: done.append((k, characters)))
    assert vectors.dtype == np.float32 and vectors.shape == (len(texts), 384)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    # one text at a time through llama-index: no batch, no sorting, so any mix-up of rows would show
    single = np.asarray([model.get_text_embedding(text) for text in texts], dtype=np.float32)
    assert _cosines(vectors, single).min() >= 0.999
    # rows are not interchangeable: each matches its own text far better than its neighbours'
    assert (_cosines(vectors, np.roll(single, 1, axis=0)) < 0.99).all()
    assert done == sorted(done) and done[-1] == (len(texts), sum(map(len, texts))) and len(set(done)) == len(done)


def test_batched_onnx_vectors_do_not_depend_on_the_batch(onnx_model, texts):
    whole = embed_passages(onnx_model, texts)
    alone = embed_passages(onnx_model, texts[3:4])
    np.testing.assert_array_equal(alone[0], whole[3])


def test_int8_vectors_stay_close_to_the_float32_model(onnx_model, torch_model, texts):
    cosines = _cosines(embed_passages(onnx_model, texts), embed_passages(torch_model, texts))
    assert cosines.min() >= 0.99 and cosines.mean() >= 0.997
    question = "开发区2023年的固定资产投资增长了多少？"
    query = np.asarray([onnx_model.get_query_embedding(question)])
    reference = np.asarray([torch_model.get_query_embedding(question)])
    assert _cosines(query, reference)[0] >= 0.99


def test_the_export_keeps_only_the_ffn_outputs_in_float32(embedding):
    import onnx

    graph = onnx.load(str(oe.ensure_onnx_model() / oe.ONNX_FILE), load_external_data=False).graph
    float_products = [node.name for node in graph.node if node.op_type == "MatMul"]
    assert len(float_products) == 12 and all(oe._is_ffn_output(name) for name in float_products)
    kinds = [node.op_type for node in graph.node]
    assert kinds.count("QAttention") == 12 and kinds.count("MatMulInteger") == 24  # Q/K/V; attention out, FFN in


def test_questions_use_the_query_prompt_and_passages_the_passage_prompt(onnx_model):
    encoder = onnx_model.encoder
    question = "固定资产投资增长了多少？"
    as_query = encoder.encode([question], "query")[0]
    np.testing.assert_allclose(onnx_model.get_query_embedding(question), as_query, atol=1e-6)
    np.testing.assert_allclose(onnx_model.get_text_embedding(question), encoder.encode([question], "passage")[0],
                               atol=1e-6)
    assert float(as_query @ encoder.encode([question], "passage")[0]) < 0.999


def test_token_ids_are_sentence_transformers_ids(onnx_model, torch_model, texts):
    st = torch_model._model
    for prompt, name in (("passage", "text"), ("query", "query")):
        mine = onnx_model.encoder.token_ids(texts, prompt)
        theirs = st.preprocess(texts, prompt=st.prompts[name])
        expected = [[t for t, keep in zip(row, mask) if keep]
                    for row, mask in zip(theirs["input_ids"].tolist(), theirs["attention_mask"].tolist())]
        assert mine == expected
    assert max(map(len, mine)) == 512  # the long text is truncated like the source model's


def test_empty_input(onnx_model, torch_model):
    assert embed_passages(onnx_model, []).shape == (0, 384)
    assert embed_passages(torch_model, []).shape[0] == 0


def test_the_export_is_checked_by_its_marker(embedding):
    onnx_dir = oe.ensure_onnx_model()
    source = ensure_embedding_model()
    assert oe._is_complete(onnx_dir, source)
    oe.verify_onnx_model(onnx_dir)
    marker = json.loads((onnx_dir / oe.MARKER_NAME).read_text(encoding="utf-8"))
    assert marker["source"] == json.loads((source / "policy_qa_source.json").read_text(encoding="utf-8"))
    assert marker["onnx_bytes"] == (onnx_dir / oe.ONNX_FILE).stat().st_size


def test_a_stale_or_damaged_export_is_not_complete(tmp_path):
    source = ensure_embedding_model()
    onnx_dir = oe.ensure_onnx_model()
    copy = tmp_path / oe.ONNX_DIR_NAME
    copy.mkdir()
    for name in (oe.MARKER_NAME, oe.SETTINGS_FILE, "tokenizer.json"):
        (copy / name).write_bytes((onnx_dir / name).read_bytes())
    (copy / oe.ONNX_FILE).symlink_to(onnx_dir / oe.ONNX_FILE)
    assert oe._is_complete(copy, source)
    marker = json.loads((copy / oe.MARKER_NAME).read_text(encoding="utf-8"))
    for key, value in (("export_version", -1), ("onnx_bytes", 1), ("source", {"converter_version": 0})):
        (copy / oe.MARKER_NAME).write_text(json.dumps({**marker, key: value}), encoding="utf-8")
        assert not oe._is_complete(copy, source), key
    (copy / oe.MARKER_NAME).write_text("{not json", encoding="utf-8")
    assert not oe._is_complete(copy, source)
