"""Reading the corpus folder: decode each ``.txt``/``.md`` file, repair its layout, fingerprint its bytes."""

from __future__ import annotations

import codecs
import hashlib
import logging
import unicodedata
from pathlib import Path

from ..errors import EmptyCorpusError, UnreadableFileError
from ..schema import SourceDocument
from .repair import repair_text

log = logging.getLogger("policy_qa.text.ingest")

SUFFIXES = (".txt", ".md")
# Share of control characters (other than tab, newlines and form feed) above which text is binary.
MAX_CONTROL_SHARE = 0.05
_ALLOWED_CONTROLS = frozenset("\t\n\r\f")


def decode_bytes(data: bytes) -> tuple[str, str]:
    """``(text, encoding)`` of a file's bytes: UTF-8 (BOM allowed), UTF-16 with BOM, else GB18030.

    Decoding is strict. Raises ``UnreadableFileError`` for binary data (NUL bytes or many
    control characters) and for bytes no candidate encoding accepts.
    """
    if data.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ["utf-16"]
    elif b"\x00" in data:
        raise UnreadableFileError("binary data (NUL bytes)")
    else:
        candidates = ["utf-8", "gb18030"]
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        _reject_binary(text)
        return text, encoding
    raise UnreadableFileError(f"not decodable as {' or '.join(candidates)}")


def _reject_binary(text: str) -> None:
    """Raise ``UnreadableFileError`` when decoded text holds NULs or too many control characters."""
    controls = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in _ALLOWED_CONTROLS)
    if "\x00" in text or (text and controls / len(text) > MAX_CONTROL_SHARE):
        raise UnreadableFileError("binary data (control characters)")


def read_document(path: Path, name: str) -> SourceDocument:
    """The repaired document at ``path``, called ``name``; ``UnreadableFileError`` when unusable."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise UnreadableFileError(f"cannot read: {error.strerror or error}") from error
    text, encoding = decode_bytes(data)
    repaired, origin_lines = repair_text(text)
    if not repaired:
        raise UnreadableFileError("no text")
    return SourceDocument(
        name=name,
        text=repaired,
        encoding=encoding,
        fingerprint=hashlib.sha256(data).hexdigest(),
        origin_lines=origin_lines,
    )


def corpus_files(folder: Path) -> list[tuple[Path, str]]:
    """``(path, name)`` of every non-hidden ``.txt``/``.md`` file under ``folder``, sorted by name."""
    found = []
    for path in folder.rglob("*"):
        relative = path.relative_to(folder)
        if path.suffix.lower() in SUFFIXES and path.is_file() and not any(p.startswith(".") for p in relative.parts):
            found.append((path, relative.as_posix()))
    return sorted(found, key=lambda item: item[1])


def read_corpus(folder: Path) -> tuple[list[SourceDocument], list[str]]:
    """Documents of the corpus at ``folder`` and warnings for the files skipped.

    Raises ``EmptyCorpusError`` when the folder is missing or no file could be read.
    """
    if not folder.is_dir():
        raise EmptyCorpusError(f"corpus folder {folder} does not exist")
    documents: list[SourceDocument] = []
    warnings: list[str] = []
    for path, name in corpus_files(folder):
        try:
            documents.append(read_document(path, name))
        except UnreadableFileError as error:
            message = f"skipped {name}: {error}"
            log.warning("%s", message)
            warnings.append(message)
    if not documents:
        detail = f" ({len(warnings)} skipped)" if warnings else ""
        raise EmptyCorpusError(f"no readable .txt or .md file in {folder}{detail}")
    return documents, warnings
