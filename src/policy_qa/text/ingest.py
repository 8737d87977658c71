"""Reading the corpus folder: list its files safely, decode each ``.txt``/``.md`` file, repair its layout,
fingerprint its bytes.

A file's name is always valid Unicode, whatever bytes the file system holds. A link leading out of the corpus
folder, a file over ``MAX_FILE_BYTES`` and a file that is not text are skipped with a warning naming them.
"""

from __future__ import annotations

import codecs
import hashlib
import logging
import os
import re
import stat
import unicodedata
from collections import Counter
from collections.abc import Sequence
from functools import cache
from pathlib import Path, PurePosixPath

from charset_normalizer.md import mess_ratio

from ..errors import EmptyCorpusError, UnreadableFileError
from ..schema import SourceDocument
from .repair import repair_text
from .variants import fold_variants

log = logging.getLogger("policy_qa.text.ingest")

SUFFIXES = (".txt", ".md")
# Bigger files are skipped (uploads are capped lower, in ``index.corpus_admin``): 20 MB is seven to ten million
# Chinese characters, a thousand times an 18 KB bulletin; more takes hours to embed and seconds to re-read.
MAX_FILE_BYTES = 20 * 1024 * 1024
# Share of control characters (other than tab, newlines and form feed) above which text is binary.
MAX_CONTROL_SHARE = 0.05
# Least share of usual characters (see ``usual_share``) in a GB18030, Big5 or BOM-less UTF-16 reading. Measured on
# the corpus files (simplified as GBK, traditional as Big5, windows of 2 to 1,000 characters): right readings
# scored 1.0; Big5 read as GB18030 at most 0.62 from 20 characters on; random bytes at most 0.4 from 64 bytes on.
MIN_USUAL_SHARE = 0.8
# Characters a reading is judged on: a wrong encoding garbles every part of a file (about 0.05 s an encoding).
PLAUSIBILITY_SAMPLE = 100_000
# Legacy Chinese encodings tried in this order of preference; cp950 is Big5 with Microsoft's additions.
LEGACY_ENCODINGS = ("gb18030", "big5", "cp950")

_MB = 1024 * 1024
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
_JUDGED = re.compile(r"[^\x00-\x7f\s]")


def decode_bytes(data: bytes) -> tuple[str, str]:
    """``(text, encoding)`` of a file's bytes: UTF-8 (BOM allowed), UTF-16 (BOM or not), GB18030 or Big5.

    Decoding is strict; without a BOM, UTF-16 (told by its NUL bytes) and the legacy encodings must also read as
    plausible text. Raises ``UnreadableFileError`` for binary data and for bytes no encoding reads.
    """
    if data.startswith(codecs.BOM_UTF8):
        return _decoded(data, "utf-8-sig", "UTF-8")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _decoded(data, "utf-16", "UTF-16")
    if b"\x00" in data:
        found = _most_plausible(data, _utf16_orders(data))
        if found is None:
            raise UnreadableFileError("是二进制数据（含 NUL 字节）")
        return found
    text = _strict(data, "utf-8")
    if text is not None:
        _reject_binary(text)
        return text, "utf-8"
    found = _most_plausible(data, LEGACY_ENCODINGS)
    if found is None:
        raise UnreadableFileError("无法识别编码（不是 UTF-8、UTF-16、GB18030 或 Big5 文本）")
    return found


def _decoded(data: bytes, encoding: str, label: str) -> tuple[str, str]:
    text = _strict(data, encoding)
    if text is None:
        raise UnreadableFileError(f"以 {label} 的 BOM 开头，却不是有效的 {label} 文本")
    _reject_binary(text)
    return text, encoding


def _strict(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


def _utf16_orders(data: bytes) -> tuple[str, str]:
    """Both UTF-16 byte orders, the likelier first: ASCII and line breaks put NULs at odd offsets in little-endian."""
    odd = data[1::2].count(0)
    return ("utf-16-le", "utf-16-be") if odd >= data[0::2].count(0) else ("utf-16-be", "utf-16-le")


def _most_plausible(data: bytes, encodings: tuple[str, ...]) -> tuple[str, str] | None:
    """The strict reading of ``data`` in ``encodings`` with the most usual characters (then the least mess, as
    charset-normalizer measures it, then the earlier encoding) in its first ``PLAUSIBILITY_SAMPLE`` characters;
    ``None`` when none is plausible text."""
    best: tuple[tuple[float, float, int], str, str] | None = None
    for rank, encoding in enumerate(encodings):
        text = _strict(data, encoding)
        if text is None or _is_binary(text):
            continue
        sample = text[:PLAUSIBILITY_SAMPLE]
        key = (usual_share(sample), -mess_ratio(sample, maximum_threshold=1.0), -rank)
        if best is None or key > best[0]:
            best = (key, text, encoding)
    if best is None or best[0][0] < MIN_USUAL_SHARE:
        return None
    return best[1], best[2]


def usual_share(text: str) -> float:
    """Share of usual characters among the non-ASCII, non-space ones (1.0 when there are none).

    Usual are the common Chinese characters (GB2312 level 1 and Big5's frequent characters, simplified and
    traditional), fullwidth Latin letters and every character that is not a letter (punctuation, digits, symbols);
    unusual are other letters (rare characters, kana, Greek, ...), private-use and unassigned code points.
    """
    counts = Counter(_JUDGED.findall(text))
    total = sum(counts.values())
    if not total:
        return 1.0
    return sum(n for ch, n in counts.items() if _is_usual(ch)) / total


def _is_usual(ch: str) -> bool:
    category = unicodedata.category(ch)
    if category.startswith("L"):
        return ch in _common_hanzi() or "Ａ" <= ch <= "Ｚ" or "ａ" <= ch <= "ｚ"
    return category not in ("Co", "Cn", "Cs")


@cache
def _common_hanzi() -> frozenset[str]:
    """GB2312 level 1 (3,755 simplified characters) and Big5's frequent characters (5,401 traditional ones)."""
    big5_trails = [*range(0x40, 0x7F), *range(0xA1, 0xFF)]
    return frozenset(
        _characters("gb2312", range(0xB0, 0xD8), range(0xA1, 0xFF))
        | _characters("big5", range(0xA4, 0xC6), big5_trails)
        | _characters("big5", [0xC6], range(0x40, 0x7F))
    )


def _characters(encoding: str, leads: Sequence[int], trails: Sequence[int]) -> set[str]:
    pairs = (bytes((lead, trail)) for lead in leads for trail in trails)
    return {text for pair in pairs if (text := _strict(pair, encoding)) is not None}


def _is_binary(text: str) -> bool:
    """Whether decoded text holds NULs or more than ``MAX_CONTROL_SHARE`` control characters."""
    return "\x00" in text or (bool(text) and len(_CONTROLS.findall(text)) / len(text) > MAX_CONTROL_SHARE)


def _reject_binary(text: str) -> None:
    if _is_binary(text):
        raise UnreadableFileError("是二进制数据（含 NUL 或过多的控制字符）")


def read_document(path: Path, name: str) -> SourceDocument:
    """The repaired document at ``path``, called ``name``; ``UnreadableFileError`` when unusable."""
    data = _read_capped(path)
    text, encoding = decode_bytes(data)
    repaired, origin_lines = repair_text(text)
    if not repaired:
        raise UnreadableFileError("没有文字")
    return SourceDocument(
        name=name,
        text=fold_variants(repaired),
        written=repaired,
        encoding=encoding,
        fingerprint=hashlib.sha256(data).hexdigest(),
        origin_lines=origin_lines,
        path=path,
    )


def file_sha256(path: os.PathLike[str] | str) -> str:
    """The SHA-256 of the file at ``path``, read in blocks (the fingerprint ``read_document`` gives its bytes)."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while block := file.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _read_capped(path: Path) -> bytes:
    """The bytes of ``path``; ``UnreadableFileError`` when it cannot be read or exceeds ``MAX_FILE_BYTES``."""
    try:
        with path.open("rb") as file:
            size = os.fstat(file.fileno()).st_size
            if size > MAX_FILE_BYTES:
                raise UnreadableFileError(f"有 {size / _MB:.1f} MB，超过 {MAX_FILE_BYTES // _MB} MB 的上限")
            data = file.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise UnreadableFileError(f"无法读取（{error.strerror or error}）") from error
    if len(data) > MAX_FILE_BYTES:
        raise UnreadableFileError(f"超过 {MAX_FILE_BYTES // _MB} MB 的上限")
    return data


def unicode_name(raw: bytes) -> str:
    """A file name's bytes as text: UTF-8, else GB18030 (zips made on Chinese Windows), else UTF-8 with ``�``."""
    for encoding in ("utf-8", "gb18030"):
        text = _strict(raw, encoding)
        if text is not None:
            return text
    return raw.decode("utf-8", errors="replace")


def shown(path: Path) -> str:
    """``path`` as valid Unicode (each part read by ``unicode_name``): a document's name, a path in a message."""
    return "/".join(unicode_name(part) for part in os.fsencode(path).split(b"/"))


def corpus_files(folder: Path) -> tuple[list[tuple[Path, str]], list[str]]:
    """``(path, name)`` of every non-hidden ``.txt``/``.md`` file under ``folder``, sorted by name, and warnings.

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
    _check_folder(folder)
    files, warnings = corpus_files(folder)
    documents: list[SourceDocument] = []
    for path, name in files:
        try:
            documents.append(read_document(path, name))
        except UnreadableFileError as error:
            warnings.append(f"跳过「{name}」：{error}")
    for message in warnings:
        log.warning("%s", message)
    if not documents:
        detail = f"（跳过了 {len(warnings)} 个）" if warnings else ""
        raise EmptyCorpusError(f"语料文件夹「{shown(folder)}」中没有可读的 .txt 或 .md 文件{detail}。")
    return documents, warnings


def _check_folder(folder: Path) -> None:
    try:
        mode = folder.stat().st_mode
    except FileNotFoundError as error:
        raise EmptyCorpusError(f"语料文件夹「{shown(folder)}」不存在。") from error
    except OSError as error:
        raise EmptyCorpusError(f"无法访问语料文件夹「{shown(folder)}」（{error.strerror or error}）。") from error
    if stat.S_ISREG(mode):
        raise EmptyCorpusError(f"「{shown(folder)}」是一个文件，不是文件夹：语料应是存放 .txt 或 .md 文件的文件夹。")
    if not stat.S_ISDIR(mode):
        raise EmptyCorpusError(f"「{shown(folder)}」不是文件夹：语料应是存放 .txt 或 .md 文件的文件夹。")
