"""Adding files to the corpus folder and taking them out: every file checked before the folder is touched.

A file is accepted when it is of a kind a reader takes (``text.readers.SUFFIXES``), at most ``MAX_UPLOAD_BYTES``
(``MAX_TEXT_UPLOAD_BYTES`` for text files), reads (the same readers and repair as the corpus), yields at least one section to index, and neither its name nor its bytes are
already in the corpus. Its name is read as the corpus's names are (valid Unicode whatever its bytes) and it is
copied in under that name. One bad file rejects the whole batch, with a message naming it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..errors import PolicyQAError, UnreadableFileError
from ..text.ingest import (
    KINDS,
    corpus_files,
    file_sha256,
    read_document,
    unicode_name,
)
from ..text.readers import SUFFIXES, TEXT_SUFFIXES
from ..text.structure import chunk_sections, parse_sections

# A text file of 5 MB is two million characters; a PDF or Word file of 50 MB is hundreds of pages with images.
MAX_TEXT_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
UNCHANGED = "语料库和索引均未改动。"


@dataclass(frozen=True)
class Upload:
    """A checked file: where it is now and the name it will have in the corpus."""

    path: Path
    name: str
    sections: int


def check_uploads(paths: list[Path], corpus_dir: Path) -> list[Upload]:
    """The files of ``paths``, checked; ``PolicyQAError`` (naming the file) for the first that cannot be added."""
    if not paths:
        raise PolicyQAError("没有收到文件。")
    existing = {name: path for path, name in corpus_files(corpus_dir)[0]}
    accepted: list[Upload] = []
    for path in paths:
        upload = _check(Path(path), existing)
        if any(upload.name == other.name for other in accepted):
            raise PolicyQAError(f"「{upload.name}」上传了两次。{UNCHANGED}")
        existing[upload.name] = upload.path
        accepted.append(upload)
    return accepted


def _check(path: Path, existing: dict[str, Path]) -> Upload:
    name = unicode_name(os.fsencode(path.name))
    if name.startswith(".") or path.suffix.lower() not in SUFFIXES:
        raise PolicyQAError(f"「{name}」的格式不支持，可上传 {KINDS} 文件。{UNCHANGED}")
    try:
        size = path.stat().st_size
    except OSError as error:
        raise UnreadableFileError(f"「{name}」无法读取（{error.strerror or error}）。{UNCHANGED}") from error
    if not path.is_file():
        raise UnreadableFileError(f"「{name}」不是普通文件。{UNCHANGED}")
    limit = MAX_TEXT_UPLOAD_BYTES if path.suffix.lower() in TEXT_SUFFIXES else MAX_UPLOAD_BYTES
    if size > limit:
        raise PolicyQAError(f"「{name}」有 {size / 1024 / 1024:.1f} MB，超过 {limit // 1024 // 1024} MB 的上限。{UNCHANGED}")
    if name in existing:
        raise PolicyQAError(f"语料库中已有同名文件「{name}」，请改名后再上传。{UNCHANGED}")
    try:
        document = read_document(path, name)
    except UnreadableFileError as error:
        raise UnreadableFileError(f"「{name}」无法读取：{error}。{UNCHANGED}") from error
    twin = _twin(path, document.fingerprint, existing)
    if twin:
        raise PolicyQAError(f"「{name}」与已有文件「{twin}」内容相同。{UNCHANGED}")
    sections = parse_sections(document)
    if not chunk_sections(sections):
        raise UnreadableFileError(f"「{name}」中没有可以建立索引的正文。{UNCHANGED}")
    return Upload(path, name, len(sections))


def copy_into(uploads: list[Upload], corpus_dir: Path) -> list[Path]:
    """Copy ``uploads`` into ``corpus_dir`` (each via a hidden temporary name, then renamed); the new paths.

    On failure the files already copied are removed again and ``PolicyQAError`` is raised.
    """
    copied: list[Path] = []
    for upload in uploads:
        staging = corpus_dir / f".{upload.name}.uploading"
        try:
            shutil.copyfile(upload.path, staging)
            os.replace(staging, corpus_dir / upload.name)
        except OSError as error:
            remove([*copied, staging])
            raise PolicyQAError(f"无法写入语料库文件夹 {corpus_dir}（{error.strerror or error}）。{UNCHANGED}") from error
        copied.append(corpus_dir / upload.name)
    return copied


def withdraw(names: list[str], corpus_dir: Path) -> list[tuple[Path, Path]]:
    """Move the corpus files called ``names`` into a hidden folder of ``corpus_dir`` (skipped by every listing);
    ``(held, original)`` pairs, for ``restore`` when the update that follows fails, or ``discard`` after it.

    Only names the corpus lists are taken (a name is never read as a path); ``PolicyQAError`` for any other, before
    anything is moved.
    """
    listed = dict((name, path) for path, name in corpus_files(corpus_dir)[0])
    unknown = [name for name in names if name not in listed]
    if not names or unknown:
        raise PolicyQAError(f"语料库中没有文件「{'、'.join(unknown) or '（未选择）'}」。{UNCHANGED}")
    holding = Path(tempfile.mkdtemp(prefix=".removing-", dir=corpus_dir))
    moved: list[tuple[Path, Path]] = []
    try:
        for k, name in enumerate(dict.fromkeys(names)):
            held = holding / f"{k}{listed[name].suffix}"
            os.replace(listed[name], held)
            moved.append((held, listed[name]))
    except OSError as error:
        restore(moved)
        raise PolicyQAError(f"无法删除「{name}」（{error.strerror or error}）。{UNCHANGED}") from error
    return moved


def restore(moved: list[tuple[Path, Path]]) -> None:
    """Put files taken out by ``withdraw`` back where they were."""
    for held, original in moved:
        with contextlib.suppress(OSError):
            os.replace(held, original)
    _drop_holding(moved)


def discard(moved: list[tuple[Path, Path]]) -> None:
    """Delete files taken out by ``withdraw`` for good."""
    remove([held for held, _ in moved])
    _drop_holding(moved)


def _drop_holding(moved: list[tuple[Path, Path]]) -> None:
    for folder in {held.parent for held, _ in moved}:
        with contextlib.suppress(OSError):
            folder.rmdir()


def remove(paths: list[Path]) -> None:
    """Delete ``paths`` (files copied in by a batch that then failed to index)."""
    for path in paths:
        with contextlib.suppress(OSError):
            path.unlink()


def _twin(path: Path, fingerprint: str, existing: dict[str, Path]) -> str | None:
    """The name of a file of ``existing`` with the same bytes as ``path`` (only files of its size are hashed)."""
    size = path.stat().st_size
    for name, other in existing.items():
        try:
            same_size = other.stat().st_size == size
        except OSError:
            continue
        if same_size and _sha256_of(other) == fingerprint:
            return name
    return None


def _sha256_of(path: Path) -> str | None:
    """The SHA-256 of the file at ``path``; ``None`` when it is bigger than any upload or cannot be read (it then
    matches no upload)."""
    try:
        return None if path.stat().st_size > MAX_UPLOAD_BYTES else file_sha256(path)
    except OSError:
        return None
