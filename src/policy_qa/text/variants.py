"""Traditional and simplified characters matched alike: text is folded to simplified wherever words are
compared, never where text is quoted.

The table is OpenCC's (``TSCharacters.txt``, shipped in the ``opencc-python-reimplemented`` wheel), applied
character by character: a fold never changes the length, so a position found in the fold holds in the original.
Phrase rules are not needed for matching: both sides are folded the same way.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources


@lru_cache(maxsize=1)
def _table() -> dict[int, str]:
    text = resources.files("opencc").joinpath("dictionary", "TSCharacters.txt").read_text(encoding="utf-8")
    table = {}
    for line in text.splitlines():
        key, _, values = line.partition("\t")
        simplified = values.split()[0] if values.strip() else key
        if len(key) == 1 and len(simplified) == 1 and simplified != key:
            table[ord(key)] = simplified
    return table


@lru_cache(maxsize=1)
def _traditional() -> frozenset[str]:
    return frozenset(map(chr, _table()))


def fold_variants(text: str) -> str:
    """``text`` with each traditional character replaced by its simplified form; the same length."""
    return text if _traditional().isdisjoint(text) else text.translate(_table())
