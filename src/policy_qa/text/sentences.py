"""Sentence and clause spans of repaired text, with absolute offsets.

A sentence ends after 。！？ (and ASCII ! ?) plus any closing quotes/brackets that follow, or
at a paragraph break. ；ends no sentence: quotes are whole sentences. A stop inside a
matched quotation (“…。…”) ends no sentence either, unless the quotation closes right
after it. Clauses split a sentence after ，；： outside quotations.

A *separator* is a single space between two word characters, one of them a CJK ideograph
(「少一人作战的 中国女足」): repair keeps such spaces only in web text that uses them where
punctuation was lost (see ``repair``). A separator ends a clause, and it ends a sentence
inside a sentence longer than ``OVERLONG`` characters, so that a quote stays readable. No sentence is longer
than ``MAX_SENTENCE``.
"""

from __future__ import annotations

import re

from ..schema import Span

SENTENCE_STOPS = "。！？!?"
CLAUSE_STOPS = "，；："
CLOSERS = "”’」』）》〉】)]\"'"
_QUOTES = {"“": "”", "‘": "’", "「": "」", "『": "』"}
_BRACKETS = {"（": "）", "(": ")"}
_BRACKETED = {**_QUOTES, **_BRACKETS}
HAN = "\u4e00-\u9fff"
WORD = re.compile(rf"[{HAN}0-9A-Za-z%]")
# A space between words that stands for a stop in scraped text (「北京时间28日晚 2023某某杯小组赛次轮 少一人作战的」).
# A space that pads a figure is typography (「2023 年第二季度」「为 1.52 亿美元」): none after a figure, nor before
# one that is padded on both sides.
SEPARATOR = re.compile(
    rf"(?<=[{HAN}]) (?=[{HAN}A-Za-z]|\d[\d.,]*(?![\d.,]| ))|(?<=[A-Za-z]) (?=[{HAN}])"
)
# Longer sentences are cut at separators. Fitted on sentences ended by stops: the longest of the seed and the
# two bulletins has 169 characters and 99% of the news articles' (/work/shared/eval/news) without separators
# at most 174; of the 648 news sentences holding separators 14 are longer, up to 465 (a scraped match report).
OVERLONG = 180
# No sentence is longer: text without stops or separators (a 200,000-character line of 「…，…，」) is cut at its
# clauses, and a clause still longer is cut at this length. The longest sentence of every eval corpus, the
# news set included, has 471 characters, so this cuts only text that is not prose.
MAX_SENTENCE = 500


def _quoted(text: str, start: int, end: int, pairs: dict[str, str] = _QUOTES) -> list[bool]:
    """``quoted[i - start]``: whether ``text[i]`` lies strictly inside a quotation (or another of ``pairs``) closed in
    the same paragraph."""
    quoted = [False] * (end - start)
    stack: list[tuple[str, int]] = []
    for i in range(start, end):
        ch = text[i]
        if ch == "\n":
            stack.clear()
        elif stack and ch == stack[-1][0]:
            opened = stack.pop()[1]
            for j in range(opened + 1, i):
                quoted[j - start] = True
        elif ch in pairs:
            stack.append((pairs[ch], i))
    return quoted


def in_brackets(text: str) -> list[bool]:
    """``in_brackets(text)[i]``: whether ``text[i]`` lies strictly inside brackets closed in the same paragraph
    (「（不含农户，下同）」)."""
    return _quoted(text, 0, len(text), _BRACKETS)


def _closes_quotation(text: str, i: int, end: int, quoted: list[bool], start: int) -> bool:
    """Whether ``text[i]`` closes the outermost quotation (as in “…。”), so the stop before it ends a sentence."""
    return i < end and text[i] in CLOSERS and not quoted[i - start]


def _trimmed(text: str, start: int, end: int) -> Span | None:
    """``[start, end)`` without surrounding whitespace, or ``None`` when nothing is left."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end) if start < end else None


def _split(
    text: str, start: int, end: int, stops: str, at_separators: bool = False, cut_in_brackets: bool = True
) -> list[Span]:
    """Spans of ``text[start:end]`` cut at newlines, after each unquoted stop (and its closers) and, if asked,
    at each unquoted separator; without ``cut_in_brackets``, no cut inside brackets either (「（网址：https://…）」)."""
    quoted = _quoted(text, start, end, _QUOTES if cut_in_brackets else _BRACKETED)
    spans: list[Span] = []
    begin = i = start
    while i < end:
        ch = text[i]
        cut = None
        if ch == "\n" or (at_separators and ch == " " and not quoted[i - start] and SEPARATOR.match(text, i)):
            cut = i
        elif ch in stops and (not quoted[i - start] or _closes_quotation(text, i + 1, end, quoted, start)):
            cut = i + 1
            while cut < end and text[cut] in CLOSERS:
                cut += 1
        if cut is None:
            i += 1
            continue
        span = _trimmed(text, begin, cut)
        if span:
            spans.append(span)
        begin = i = max(cut, i + 1)
    span = _trimmed(text, begin, end)
    if span:
        spans.append(span)
    return spans


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Non-empty sentence spans of ``text[start:end]``, offsets absolute in ``text``."""
    end = len(text) if end is None else end
    spans = []
    for span in _split(text, start, end, SENTENCE_STOPS):
        overlong = span.end - span.start > OVERLONG
        for part in _split(text, span.start, span.end, "", at_separators=True) if overlong else [span]:
            spans.extend(_bounded(text, part))
    return spans


def _bounded(text: str, span: Span) -> list[Span]:
    """``span`` as it is when at most ``MAX_SENTENCE`` long, else its clauses, each cut to that length."""
    if span.end - span.start <= MAX_SENTENCE:
        return [span]
    pieces = []
    for clause in _split(text, span.start, span.end, CLAUSE_STOPS):
        for first in range(clause.start, clause.end, MAX_SENTENCE):
            piece = _trimmed(text, first, min(first + MAX_SENTENCE, clause.end))
            if piece:
                pieces.append(piece)
    return pieces


def split_clauses(text: str, span: Span) -> list[Span]:
    """Clause spans of the sentence ``span`` of ``text``, cut after ，；： (and sentence stops) and at separators,
    outside quotations and brackets."""
    return _split(text, span.start, span.end, CLAUSE_STOPS + SENTENCE_STOPS, at_separators=True, cut_in_brackets=False)
