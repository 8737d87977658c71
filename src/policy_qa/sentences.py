"""Sentence and clause spans of repaired text, with absolute offsets.

A sentence ends after 。！？ (and ASCII ! ?) plus any closing quotes/brackets that follow, or
at a paragraph break. ；ends no sentence: quotes are whole sentences. A stop inside a
matched quotation (“…。…”) ends no sentence either, unless the quotation closes right
after it. Clauses split a sentence after ，；： outside quotations.
"""

from __future__ import annotations

from .documents import Span

SENTENCE_STOPS = "。！？!?"
CLAUSE_STOPS = "，；："
CLOSERS = "”’」』）》〉】)]\"'"
_QUOTES = {"“": "”", "‘": "’", "「": "」", "『": "』"}


def _quoted(text: str, start: int, end: int) -> list[bool]:
    """``quoted[i - start]``: whether ``text[i]`` lies strictly inside a quotation closed in the same paragraph."""
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
        elif ch in _QUOTES:
            stack.append((_QUOTES[ch], i))
    return quoted


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


def _split(text: str, start: int, end: int, stops: str, at_newline: bool) -> list[Span]:
    """Spans of ``text[start:end]`` cut after each unquoted stop (and its closers), and at newlines if asked."""
    quoted = _quoted(text, start, end)
    spans: list[Span] = []
    begin = i = start
    while i < end:
        ch = text[i]
        cut = None
        if ch == "\n" and at_newline:
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
    return _split(text, start, end, SENTENCE_STOPS, at_newline=True)


def split_clauses(text: str, span: Span) -> list[Span]:
    """Clause spans of the sentence ``span`` of ``text``, cut after ，；： (and sentence stops) outside quotations."""
    return _split(text, span.start, span.end, CLAUSE_STOPS + SENTENCE_STOPS, at_newline=True)
