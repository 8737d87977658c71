"""Reading the corpus folder: list its files safely, read each with the reader of its format, repair its layout,
fingerprint its bytes.

A file's name is always valid Unicode, whatever bytes the file system holds. A link leading out of the corpus
folder, a file over its size cap and a file no reader can use are skipped with a warning naming them.
"""

from __future__ import annotations

import hashlib
import logging
import os
import stat
from collections import Counter
from pathlib import Path, PurePosixPath

from ..errors import EmptyCorpusError, UnreadableFileError
from ..schema import SourceDocument
from .readers import SUFFIXES, TEXT_SUFFIXES, read_file
from .readers.plain import MAX_TEXT_BYTES
from .repair import repair_text
from .variants import fold_variants

log = logging.getLogger("policy_qa.text.ingest")

# Bigger PDF, Word, HTML and OFD files are skipped: 200 MB is thousands of pages of text, or a few hundred scanned
# ones (hours of OCR); such a file is better split. Text files have their own cap (``readers.plain``).
MAX_FILE_BYTES = 200 * 1024 * 1024
KINDS = "PDF、Word（.docx/.doc/.wps）、网页（.html）、OFD、.txt 或 .md"
_MB = 1024 * 1024


def read_document(path: Path, name: str, fingerprint: str | None = None) -> SourceDocument:
    """The repaired document at ``path``, called ``name``; ``UnreadableFileError`` when unusable.

    ``fingerprint`` is the file's sha256 when the caller has just computed it (else it is computed here).
    """
    _check_size(path)
    read = read_file(path)
    repaired, origin_lines = repair_text(read.text, read.wrapped)
    if not repaired:
        raise UnreadableFileError("没有文字")
    return SourceDocument(
        name=name,
        text=fold_variants(repaired),
        written=repaired,
        encoding=read.form,
        fingerprint=fingerprint or file_sha256(path),
        line_runs=line_runs(origin_lines),
        path=path,
        line_pages=read.line_pages,
        warnings=read.warnings,
    )


def line_runs(origin_lines: tuple[int, ...]) -> tuple[tuple[int, int], ...]:
    """``(offset, line)`` where each run of characters from one line starts (``SourceDocument.line_runs``)."""
    return tuple((k, line) for k, line in enumerate(origin_lines) if not k or origin_lines[k - 1] != line)


def _check_size(path: Path) -> None:
    """``UnreadableFileError`` when ``path`` cannot be looked at or is over the cap of its kind."""
    try:
        size = path.stat().st_size
    except OSError as error:
        raise UnreadableFileError(f"无法读取（{error.strerror or error}）") from error
    limit = MAX_TEXT_BYTES if path.suffix.lower() in TEXT_SUFFIXES else MAX_FILE_BYTES
    if size > limit:
        raise UnreadableFileError(f"有 {size / _MB:.1f} MB，超过 {limit // _MB} MB 的上限")


def file_sha256(path: os.PathLike[str] | str) -> str:
    """The SHA-256 of the file at ``path``, read in blocks (the fingerprint ``read_document`` gives its bytes)."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while block := file.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def unicode_name(raw: bytes) -> str:
    """A file name's bytes as text: UTF-8, else GB18030 (zips made on Chinese Windows), else UTF-8 with ``�``."""
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", errors="replace")


def shown(path: Path) -> str:
    """``path`` as valid Unicode (each part read by ``unicode_name``): a document's name, a path in a message."""
    return "/".join(unicode_name(part) for part in os.fsencode(path).split(b"/"))


def corpus_files(folder: Path) -> tuple[list[tuple[Path, str]], list[str]]:
    """``(path, name)`` of every non-hidden file of a readable kind (``SUFFIXES``) under ``folder``, sorted by name, and warnings.

    ``name`` is the path relative to ``folder`` as ``shown`` (see ``unique_names``). A link to a file is read
    when it resolves inside ``folder``, else skipped with a warning; links to folders are not followed (a warning
    when they lead out of ``folder``). What cannot be looked at is skipped with a warning.
    """
    root = folder.resolve()
    found: list[tuple[Path, Path]] = []
    warnings: list[str] = []

    def unreadable(error: OSError) -> None:
        warnings.append(f"跳过文件夹「{shown(Path(error.filename))}」：无法读取（{error.strerror or error}）")

    def admitted(path: Path, is_file: bool) -> bool:
        """Whether ``path`` is a file (or a folder) not linking out of the corpus; a warning when it is skipped."""
        try:
            if is_file and not path.is_file():  # a dangling link, a link loop, a pipe: skipped silently
                return False
            if not path.is_symlink() or path.resolve().is_relative_to(root):
                return True
            reason = "是指向语料文件夹之外的链接"
        except OSError as error:
            reason = f"无法读取（{error.strerror or error}）"
        warnings.append(f"跳过「{shown(path.relative_to(folder))}」：{reason}")
        return False

    for directory, subfolders, files in os.walk(folder, onerror=unreadable):  # not into links to folders
        here = Path(directory)
        subfolders[:] = [d for d in sorted(subfolders) if not d.startswith(".") and admitted(here / d, is_file=False)]
        for name in sorted(files):
            path = here / name
            if not name.startswith(".") and path.suffix.lower() in SUFFIXES and admitted(path, is_file=True):
                found.append((path, path.relative_to(folder)))
    return sorted(unique_names(found), key=lambda item: item[1]), warnings


def unique_names(found: list[tuple[Path, Path]]) -> list[tuple[Path, str]]:
    """``(path, name)`` for each ``(path, relative path)``, ``name`` the relative path as ``shown``.

    Names that read alike (different bytes, one text) get a short hash of their bytes before the suffix, except
    the one whose bytes are that text in UTF-8; so two files never share a name and each keeps its name.
    """
    names = [shown(relative) for _, relative in found]
    counts = Counter(names)
    return [
        (path, name if counts[name] == 1 or os.fsencode(relative) == name.encode("utf-8") else _hashed(name, relative))
        for (path, relative), name in zip(found, names)
    ]


def _hashed(name: str, relative: Path) -> str:
    digest = hashlib.sha256(os.fsencode(relative)).hexdigest()[:8]
    posix = PurePosixPath(name)
    return str(posix.with_name(f"{posix.stem}~{digest}{posix.suffix}"))


def read_corpus(folder: Path) -> tuple[list[SourceDocument], list[str]]:
    """Documents of the corpus at ``folder`` and warnings for the files skipped (each logged).

    Raises ``EmptyCorpusError`` when ``folder`` is missing or not a folder, or when no file could be read.
    """
    files, warnings = list_corpus(folder)
    documents: list[SourceDocument] = []
    for path, name in files:
        try:
            document = read_document(path, name)
        except UnreadableFileError as error:
            warnings.append(f"跳过「{name}」：{error}")
            continue
        documents.append(document)
        warnings += [f"「{name}」{note}" for note in document.warnings]
    for message in warnings:
        log.warning("%s", message)
    if not documents:
        raise no_readable_files(folder, len(warnings))
    return documents, warnings


def list_corpus(folder: Path) -> tuple[list[tuple[Path, str]], list[str]]:
    """``corpus_files`` of the corpus folder ``folder``; ``EmptyCorpusError`` when it is missing or no folder."""
    _check_folder(folder)
    return corpus_files(folder)


def no_readable_files(folder: Path, skipped: int) -> EmptyCorpusError:
    """The error of a corpus folder without one readable file (``skipped`` files could not be read)."""
    detail = f"（跳过了 {skipped} 个）" if skipped else ""
    return EmptyCorpusError(f"语料文件夹「{shown(folder)}」中没有可读的文件（{KINDS}）{detail}。")


def _check_folder(folder: Path) -> None:
    try:
        mode = folder.stat().st_mode
    except FileNotFoundError as error:
        raise EmptyCorpusError(f"语料文件夹「{shown(folder)}」不存在。") from error
    except OSError as error:
        raise EmptyCorpusError(f"无法访问语料文件夹「{shown(folder)}」（{error.strerror or error}）。") from error
    if stat.S_ISREG(mode):
        raise EmptyCorpusError(f"「{shown(folder)}」是一个文件，不是文件夹：语料应是存放文件的文件夹。")
    if not stat.S_ISDIR(mode):
        raise EmptyCorpusError(f"「{shown(folder)}」不是文件夹：语料应是存放文件的文件夹。")
