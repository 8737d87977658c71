"""Which documents a question names, and so where to look.

A document is named when the question uses its name or an alias as a whole word: the match starts and ends on
jieba word boundaries (or runs into an administrative suffix: 「某市」 for the alias 「某」), and no longer name
found in the question covers it. A name stands for the documents called exactly that, else for those having it
as an alias. A named document is ranked up; the others are excluded only when the naming is unambiguous (the
name stands for one document). A question that names several documents unambiguously, or by a name they share
while it asks of each (「河南那两个办法分别……」), gets one scope per document, so a comparison answers for each;
one that compares places or documents without naming them (「两个市……对比一下」「各地」) asks the whole corpus,
and its first documents by retrieval rank become its scopes (``compared_documents``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..index.catalog import Catalog
from ..schema import Document
from ..text.tokens import word_boundaries

_ADMIN_SUFFIXES = "省市县区州旗盟"
# Places or documents compared without their names: 「两个市」「两地」「两份报告」 (two), 「三个区」 (three),
# 「各市」「几个地方」 (up to ``MAX_COMPARED``).
_UNNAMED = re.compile(
    r"(?P<count>[两二三四各几])(?:个|份|家|部)?(?:市|地|区|县|省|州|城市|地方|地区|文件|报告|材料|文档|开发区|园区"
    r"|办法|条例|规定|细则|通知|意见|政策)(?!场|点|位|域|方面|法)"
)
# A question that asks of each of several documents (「那两个办法分别是哪年通过的」「两者对比」).
_EACH = re.compile(r"分别|各自|两者|二者|对比|比较")
MAX_COMPARED = 4


@dataclass(frozen=True)
class Scope:
    """Where to look: only ``within`` (None: the whole corpus), ranking ``named`` documents up; ``label`` names
    the document of one scope of a comparison; ``compares``: the number of unnamed documents a comparison asks
    for (0: none), to be taken from the retrieved ones (``compared_documents``)."""

    within: tuple[Document, ...] | None
    named: tuple[Document, ...]
    label: str | None = None
    compares: int = 0


@dataclass(frozen=True)
class _Match:
    document: Document
    name: str
    start: int
    end: int


def _matches(question: str, catalog: Catalog) -> list[_Match]:
    """Whole-word uses of document names and aliases in ``question``, longest first, none inside another."""
    boundaries = word_boundaries(question)
    carriers = catalog.name_carriers
    longest = catalog.longest_name
    uses = []  # (the name's place among the catalog's names, start, name): every substring that is a name
    for start in range(len(question)):
        for end in range(start + 2, min(len(question), start + longest) + 1):
            if question[start:end] in carriers:
                uses.append((carriers[question[start:end]][0], start, question[start:end]))
    found = []
    for _, start, name in sorted(uses):
        end = start + len(name)
        ends_word = end in boundaries or (end < len(question) and question[end] in _ADMIN_SUFFIXES)
        if start in boundaries and ends_word:
            found += [_Match(document, name, start, end) for document in carriers[name][1]]
    found.sort(key=lambda m: -(m.end - m.start))
    kept: list[_Match] = []
    for match in found:
        inside = any(k.start <= match.start and match.end <= k.end and k.name != match.name for k in kept)
        if not inside:
            kept.append(match)
    return kept


def names_in(question: str, catalog: Catalog) -> list[tuple[str, Document]]:
    """``(name as written, document)`` for each document the question names, in order of appearance."""
    return [(m.name, m.document) for m in sorted(_matches(question, catalog), key=lambda m: m.start)]


def scopes_for(question: str, catalog: Catalog) -> list[Scope]:
    """The scopes to answer ``question`` in (see the module docstring)."""
    matches = _matches(question, catalog)
    named = list({id(m.document): m.document for m in matches}.values())
    if not named:
        unnamed = _UNNAMED.search(question)
        count = {"两": 2, "二": 2, "三": 3, "四": 4}.get(unnamed.group("count"), MAX_COMPARED) if unnamed else 0
        return [Scope(None, (), compares=count if len(catalog.documents) > 1 else 0)]
    sure = {id(m.document): m.document for m in matches if len(catalog.name_carriers[m.name][1]) == 1}
    each = len(sure) == len(named) or _UNNAMED.search(question) is not None or _EACH.search(question) is not None
    if each and 2 <= len(named) <= MAX_COMPARED:
        return [Scope((document,), (document,), document.name) for document in named]
    if len(sure) == 1 and len(named) == 1:
        return [Scope((named[0],), tuple(named))]
    return [Scope(None, tuple(named))]


def compared_documents(scope: Scope, ranked: list[Document]) -> list[Scope]:
    """An unnamed comparison's scopes: one per document among its first ``scope.compares`` distinct ``ranked``
    (the documents of its retrieved chunks, best first); the scope itself when fewer than two are found."""
    documents = list({id(document): document for document in ranked}.values())[: scope.compares]
    if len(documents) < 2:
        return [scope]
    return [Scope((document,), (document,), document.name) for document in documents]
