"""Faults at every write of the index: a full disk, a process killed at each step, two builders at once.

Each leaves an index that loads and answers: the previous one when the new one was not finished.
"""

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from policy_qa.errors import IndexBuildError
from policy_qa.index.store import MANIFEST_NAME, load_or_build, read_manifest

ROOT = Path(__file__).resolve().parents[2]

# Every write of a build, in order: the new files' parts, the chunk and sentence vectors, the term counts, the manifest,
# retiring the old index, moving the new one in.
STEPS = ["parts", "vectors", "keywords", "manifest", "retire", "swap"]


def _patch_point(step: str) -> tuple[object, str]:
    """The object and attribute a step's write goes through."""
    import pickle

    import numpy

    return {
        "parts": (pickle, "dump"),
        "vectors": (numpy, "save"),
        "keywords": (numpy, "savez"),
        "manifest": (Path, "write_text"),
        "retire": (os, "replace"),
        "swap": (os, "replace"),
    }[step]


def _is_step(step: str, args: tuple) -> bool:
    """Whether a call of the step's function is the build's own write (not another write through it)."""
    if step == "manifest":
        return ".building-" in str(args[0])
    if step == "retire":
        return ".retired-" in str(args[1])
    if step == "swap":
        return ".building-" in str(args[0])
    return True


def _build(corpus, index_dir, embedding, **kwargs):
    choice, model = embedding
    return load_or_build(corpus, index_dir, model, choice.model_id, **kwargs)


@pytest.fixture
def built(corpus_copy, tmp_path, embedding):
    """A built index, and the corpus changed since (so the next load must build)."""
    index_dir = tmp_path / "index"
    _build(corpus_copy, index_dir, embedding)
    extra = corpus_copy / "extra.txt"
    extra.write_text("某县2023年工作总结\n\n2023年，某县新增项目5个。\n", encoding="utf-8")
    return corpus_copy, index_dir, extra


def _assert_previous_index_serves(corpus, index_dir, extra, embedding, manifest_before):
    assert (index_dir / MANIFEST_NAME).read_text(encoding="utf-8") == manifest_before
    assert not [p.name for p in index_dir.parent.iterdir() if ".building-" in p.name or ".retired-" in p.name]
    extra.unlink()
    again = _build(corpus, index_dir, embedding)
    assert again.rebuilt_because is None and again.catalog.chunks


@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize("fault", [OSError(28, "No space left on device"), ValueError("a library's own error mid-write")])
def test_a_write_that_fails_leaves_the_previous_index(built, embedding, monkeypatch, step, fault):
    if step in ("retire", "swap") and not isinstance(fault, OSError):
        pytest.skip("os.replace raises only OSError")
    corpus, index_dir, extra = built
    manifest_before = (index_dir / MANIFEST_NAME).read_text(encoding="utf-8")
    owner, name = _patch_point(step)
    original = getattr(owner, name)

    def failing(*args, **kwargs):
        if not _is_step(step, args):
            return original(*args, **kwargs)
        raise fault

    monkeypatch.setattr(owner, name, failing)
    with pytest.raises(IndexBuildError, match="无法写入索引文件夹.*原有索引未改动"):
        _build(corpus, index_dir, embedding)
    monkeypatch.undo()
    _assert_previous_index_serves(corpus, index_dir, extra, embedding, manifest_before)


KILLER = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from tests.index.test_store_faults import _is_step, _patch_point
    from policy_qa.index.embedder import choose_embedding, load_embedding
    from policy_qa.index.store import load_or_build

    step = sys.argv[3]
    owner, name = _patch_point(step)
    original = getattr(owner, name)

    def killed(*args, **kwargs):
        if _is_step(step, args):
            os.kill(os.getpid(), signal.SIGKILL)
        return original(*args, **kwargs)

    setattr(owner, name, killed)
    choice = choose_embedding(None)
    load_or_build(Path(sys.argv[1]), Path(sys.argv[2]), load_embedding(choice), choice.model_id)
    """
)


@pytest.mark.parametrize("step", STEPS)
def test_a_build_killed_at_any_write_leaves_an_index_that_answers(built, embedding, step):
    corpus, index_dir, extra = built
    manifest_before = (index_dir / MANIFEST_NAME).read_text(encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}"}
    killed = subprocess.run(
        [sys.executable, "-c", KILLER, str(corpus), str(index_dir), step], env=env, capture_output=True, timeout=600
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr.decode()[-2000:]
    if step == "swap":  # killed after the old index was retired: the next start puts it back
        assert not index_dir.exists()
    # The next start cleans up what the killed build left and serves the previous index.
    extra.unlink()
    again = _build(corpus, index_dir, embedding)
    assert again.rebuilt_because is None and again.catalog.chunks
    assert (index_dir / MANIFEST_NAME).read_text(encoding="utf-8") == manifest_before
    assert not [p.name for p in index_dir.parent.iterdir() if ".building-" in p.name or ".retired-" in p.name]


def test_two_builds_of_one_index_run_one_after_the_other(corpus_copy, tmp_path):
    """Two processes asked to build the same index: one builds, the other waits and loads what it built."""
    index_dir = tmp_path / "index"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    command = [sys.executable, "-m", "policy_qa.cli", "index", str(corpus_copy), "--index-dir", str(index_dir)]
    processes = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [process.communicate(timeout=600) for process in processes]
    assert [process.returncode for process in processes] == [0, 0], outputs
    stdout = [out for out, _ in outputs]
    assert sum("索引已更新" in out for out in stdout) == 1 and sum("索引已是最新" in out for out in stdout) == 1
    assert read_manifest(index_dir).chunks > 0
