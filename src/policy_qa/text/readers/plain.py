"""Plain text files (``.txt``, ``.md``): decoded strictly from UTF-8, UTF-16, GB18030 or Big5, never guessed
into mojibake; a file that is binary or no encoding reads is refused."""

from __future__ import annotations

import codecs
import os
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from functools import cache
from pathlib import Path

from charset_normalizer.md import mess_ratio

from ...errors import UnreadableFileError
from . import ReadText

# Bigger text files are refused (uploads are capped lower, in ``index.corpus_admin``): 20 MB is seven to ten million
# Chinese characters, a thousand times an 18 KB bulletin; more takes hours to embed and seconds to re-read.
MAX_TEXT_BYTES = 20 * 1024 * 1024
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




def read_plain(path: Path) -> ReadText:
    """The decoded text of the text file at ``path`` (no pages)."""
    text, encoding = decode_bytes(read_capped(path, MAX_TEXT_BYTES))
    return ReadText(text, encoding)


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


def read_capped(path: Path, limit: int) -> bytes:
    """The bytes of ``path``; ``UnreadableFileError`` when it cannot be read or exceeds ``limit`` bytes."""
    try:
        with path.open("rb") as file:
            size = os.fstat(file.fileno()).st_size
            if size > limit:
                raise UnreadableFileError(f"有 {size / _MB:.1f} MB，超过 {limit // _MB} MB 的上限")
            data = file.read(limit + 1)
    except OSError as error:
        raise UnreadableFileError(f"无法读取（{error.strerror or error}）") from error
    if len(data) > limit:
        raise UnreadableFileError(f"超过 {limit // _MB} MB 的上限")
    return data


