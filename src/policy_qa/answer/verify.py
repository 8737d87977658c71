"""Checks an LLM answer against the numbered evidence it was shown, and repairs its ``[n]`` citations.

The model sees evidence sentences ``[1]..[N]`` and answers with markers. Small models invent figures and
misplace markers, so every answer goes through :func:`verify_answer` before it is shown:

- Markers: ``[1]`` ``[1][2]`` ``[1,2]`` ``[1、2]`` ``[1-3]`` ``【1】`` ``［1］`` (1–3 digits; ``[2023]`` is text,
  and so is ``（1）``, which Chinese uses to number list items). Spaces before a marker belong to it. A marker
  inside a figure (``37[1].9万``) is moved after the figure. Markers attach to the sentence they are in or that
  they follow. No other character of the answer is changed.
- Figures (``figures.find_figures``, years excluded, list labels such as 「1.」「（2）」 opening a sentence
  excluded) are compared by value: commas dropped, ``12.50`` = ``12.5``. A figure is held by an evidence
  sentence when its value is among the quote's numbers, years included (a bare 「2023」 is held by 「2023年」);
  a figure written with a scale or unit must also appear in the evidence with that scale and unit
  (「279.17%」 is not held by 「279.17亿元」).
- A sentence with figures cites the evidence holding all its held figures: the model's markers to such evidence
  are kept, others dropped, and when none is left the holder with the most bigram overlap is cited (in place of
  the last marker, or before the sentence's full stop). When no one sentence holds them all, one holder per
  figure is cited, greedily, each marker after the clause holding its figures. A figure no evidence holds is a
  problem and makes the answer unsupported.
- A sentence without figures keeps its in-range markers; when it has none, it cites the evidence sharing at least
  ``MIN_OVERLAP`` of its character bigrams (a refusal sentence is never given one).
- A year found in no evidence sentence and no evidence heading is a problem, but not unsupported: years set
  the scene and the retriever already checks the question's years against the evidence.
- ``refused`` when any sentence uses the refusal phrase (「资料中没有提及」, 「未提到」, …), even in an answer that
  also answers part of the question; its figures are checked like any other.
- Words: :func:`unsupported_terms` lists the answer's naming words (nouns, abbreviations) that neither the
  question nor the evidence uses, such as a name the model made up for a measure it lists.
- Labels: :func:`misbound_figures` lists the answer's figures put next to the words the sources put next to
  another figure (a plan's total given as its year's share).
- Sources are renumbered ``[1], [2], …`` in order of first use; ``problems`` lists every correction, naming
  sources by the numbers the model was shown.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation

from ..schema import Citation
from ..text.figures import Figure, find_figures, numbers_of
from ..text.sentences import split_sentences
from ..text.tokens import PLAN_WORDS, RESULT_WORDS, char_bigrams, naming_words

# A sentence without figures cites the evidence sharing at least this share of its character bigrams.
MIN_OVERLAP = 0.3
# A figure's label: the characters just before it that say what it measures (「年度计划投资」).
LABEL_CHARS = 8
# A range marker such as [1-3] is expanded to at most this many sources.
MAX_RANGE = 20

_ITEM = r"\d{1,3}(?:\s*[-–~]\s*\d{1,3})?"
_GROUP = rf"[\[［【]\s*{_ITEM}(?:\s*[,，、]\s*{_ITEM})*\s*[\]］】]"
_MARKERS = re.compile(rf"(?:[ \t\u3000]*{_GROUP})+")
_ITEMS = re.compile(r"(\d{1,3})(?:\s*[-–~]\s*(\d{1,3}))?")
_LIST_LABEL = re.compile(r"[(（]\d{1,2}[)）]|\d{1,2}[.、)）](?!\d)")
_REFUSAL = re.compile(r"(?:没有|未)(?:明确|具体|直接)?(?:提及|提到|涉及)")
_FULL_STOPS = "。！？!?；;"


@dataclass(frozen=True)
class VerifiedAnswer:
    """The answer with corrected, renumbered markers and the evidence they cite, in order of first use."""

    text: str
    citations: list[Citation]
    refused: bool
    problems: list[str] = field(default_factory=list)
    supported: bool = True


@dataclass
class _Run:
    """The markers written together at ``position`` of the answer without markers (source numbers as shown)."""

    position: int
    indices: list[int]


def strip_markers(text: str) -> str:
    """``text`` without citation markers (and the spaces just before them)."""
    return _MARKERS.sub("", text)


def verify_answer(answer: str, evidence: Sequence[Citation]) -> VerifiedAnswer:
    """Check every figure of ``answer`` against ``evidence`` (numbered by ``Citation.index``); repair its markers."""
    sources = {c.index: c for c in evidence}
    held = {i: _values(c.quote) for i, c in sources.items()}
    measured = set().union(*(_measured(c.quote) for c in evidence))
    known_years = set().union(*held.values(), *(_values(c.section) for c in evidence))
    problems: list[str] = []
    plain, runs = _take_markers(answer, problems)
    spans = split_sentences(plain)
    sentences, starts = [plain[s.start : s.end] for s in spans], [s.start for s in spans]
    if not spans:
        runs.clear()  # markers with no text to attach to
    supported = True
    for k, sentence in enumerate(sentences):
        own = [r for r in runs if _sentence_of(r.position, starts) == k]
        given = list(dict.fromkeys(i for r in own for i in r.indices))
        problems += [f"[{i}] points to no evidence (1–{len(sources)}): dropped" for i in given if i not in sources]
        valid = [i for i in given if i in sources]
        wanted, all_held = _check_figures(sentence, held, measured, known_years, problems)
        supported = supported and all_held
        cited = _sources_for(sentence, wanted, valid, sources, held)
        if len(cited) > 1 and not any(set(wanted) <= held[i] for i in cited):
            # Figures from several sources: each marker goes after the clause holding its last figure.
            placed = [_Run(starts[k] + end, [i]) for i, end in _clause_ends(sentence, cited, held)]
            if [(r.position, r.indices) for r in own] != [(r.position, r.indices) for r in placed]:
                problems.append(f"「{sentence}」 now cites {''.join(f'[{i}]' for i in cited)} clause by clause")
            for run in own:
                run.indices = []
            runs += placed
            continue
        problems += [f"[{i}] does not hold the figures of 「{sentence}」: dropped" for i in valid if i not in cited]
        added = [i for i in cited if i not in valid]
        if added:
            problems.append(f"「{sentence}」 now cites {''.join(f'[{i}]' for i in added)}")
        for run in own:
            run.indices = [i for i in dict.fromkeys(run.indices) if i in cited]
        if added and own:
            own[-1].indices += added
        elif added:
            runs.append(_Run(starts[k] + len(sentence.rstrip(_FULL_STOPS)), added))
    runs.sort(key=lambda r: r.position)
    numbering = {old: new for new, old in enumerate(dict.fromkeys(i for r in runs for i in r.indices), start=1)}
    pieces: list[str] = []
    done = 0
    for run in runs:
        pieces += [plain[done : run.position], "".join(f"[{numbering[i]}]" for i in run.indices)]
        done = run.position
    pieces.append(plain[done:])
    return VerifiedAnswer(
        text="".join(pieces),
        citations=[replace(sources[old], index=new) for old, new in numbering.items()],
        refused=_REFUSAL.search(plain) is not None,
        problems=list(dict.fromkeys(problems)),
        supported=supported,
    )


def unsupported_terms(answer: str, sources: Sequence[str]) -> list[str]:
    """Naming words of ``answer`` (nouns, abbreviations) that none of ``sources`` holds, in order; words that
    say whether a figure is a plan or a result (「目标」「成绩」) are the answerer's to add."""
    allowed = set(PLAN_WORDS) | set(RESULT_WORDS)
    return [word for word in naming_words(strip_markers(answer))
            if word not in allowed and not any(word in source for source in sources)]


def misbound_figures(answer: str, sources: Sequence[str]) -> list[str]:
    """Figures of ``answer`` labelled as the sources label another figure: the words just before a figure (see
    ``_label_bigrams``) must match the words before that figure in the sources at least as well as those before
    any other figure there (「年度计划投资861亿元」 where the source has
    「计划总投资861亿元，年度计划投资142亿元」)."""
    labels: dict[str, list[set[str]]] = {}
    for source in sources:
        for figure in find_figures(source):
            if not figure.is_year:
                labels.setdefault(_value(figure.number), []).append(_label_bigrams(source, figure.start))
    plain = strip_markers(answer)
    misbound = []
    for figure in find_figures(plain):
        value = _value(figure.number)
        if figure.is_year or value not in labels:
            continue
        said = _label_bigrams(plain, figure.start)
        if not any(labels[value]):
            continue  # the sources name it only through a list (「分别增长51.4%、45.5%」): nothing to compare
        own = max(len(said & label) for label in labels[value])
        other = max((len(said & label) for v, ls in labels.items() if v != value for label in ls), default=0)
        if other > own:
            misbound.append(_raw(plain, figure))
    return misbound


def _label_bigrams(text: str, end: int) -> set[str]:
    """Character bigrams of the ``LABEL_CHARS`` characters before ``end`` (not before the last 「，、；。」), without
    bracketed asides or digits: the words that say what a figure measures."""
    start = max(text.rfind(mark, 0, end) for mark in "，、；。,;") + 1
    label = re.sub(r"[（(][^（()）]*[)）]", "", text[start:end])[-LABEL_CHARS:]
    return {b for b in char_bigrams(label) if not any(c.isdigit() for c in b)}


def _take_markers(answer: str, problems: list[str]) -> tuple[str, list[_Run]]:
    """The answer without markers, and its marker runs; a run inside a figure moves to the figure's end."""
    pieces: list[str] = []
    runs: list[_Run] = []
    done = length = 0
    for match in _MARKERS.finditer(answer):
        pieces.append(answer[done : match.start()])
        length += match.start() - done
        done = match.end()
        indices: list[int] = []
        for low, high in _ITEMS.findall(match.group()):
            first = int(low)
            last = min(int(high), first + MAX_RANGE - 1) if high else first
            indices += range(first, max(first, last) + 1)
        runs.append(_Run(length, indices))
    plain = "".join(pieces) + answer[done:]
    for figure in find_figures(plain):
        for run in runs:
            if figure.start < run.position < figure.end:
                problems.append(f"marker inside the figure {plain[figure.start : figure.end]}: moved after it")
                run.position = figure.end
    return plain, runs


def _check_figures(
    sentence: str, held: dict[int, set[str]], measured: set[tuple[str, str]], known_years: set[str], problems: list[str]
) -> tuple[list[str], bool]:
    """Values of the sentence's figures some evidence holds, and whether all are held; problems noted.

    A figure written with a scale or unit (「279.17%」) must be held with that scale and unit: the evidence's
    「279.17亿元」 does not hold it."""
    body = sentence[_label_end(sentence) :]
    figures = find_figures(body)
    for year in dict.fromkeys(f.number for f in figures if f.is_year):
        if _value(year) not in known_years:
            problems.append(f"year {year} is in no evidence sentence or heading: 「{sentence}」")
    wanted: list[str] = []
    all_held = True
    for figure in (f for f in figures if not f.is_year):
        value = _value(figure.number)
        unit = figure.scale + figure.unit
        if unit and (value, unit) not in measured and any(value in numbers for numbers in held.values()):
            all_held = False
            problems.append(f"figure {_raw(body, figure)} is in the evidence only with another unit: 「{sentence}」")
        elif any(value in numbers for numbers in held.values()):
            wanted.append(value)
        else:
            all_held = False
            problems.append(f"figure {_raw(body, figure)} is in no evidence sentence: 「{sentence}」")
    return wanted, all_held


def _sources_for(
    sentence: str, wanted: list[str], valid: list[int], sources: dict[int, Citation], held: dict[int, set[str]]
) -> list[int]:
    """The sources a sentence should cite, given its held figure values and its in-range markers."""
    overlap = {i: _overlap(sentence, c.quote) for i, c in sources.items()}
    if wanted:
        return _figure_sources(wanted, valid, held, overlap)
    if valid or _REFUSAL.search(sentence) or not sources:
        return valid
    best = max(sources, key=lambda i: (overlap[i], -i))
    return [best] if overlap[best] >= MIN_OVERLAP else []


def _figure_sources(
    values: list[str], valid: list[int], held: dict[int, set[str]], overlap: dict[int, float]
) -> list[int]:
    """Sources for a sentence's held figure ``values``: the model's that hold them all, else the best single
    holder, else one holder per figure (greedy: most figures still uncovered, then the model's, then overlap)."""
    needed = set(values)
    whole = [i for i in held if needed <= held[i]]
    if whole:
        kept = [i for i in valid if i in whole]
        return kept or [max(whole, key=lambda i: (overlap[i], -i))]
    cited: list[int] = []
    remaining = list(dict.fromkeys(values))
    while remaining:
        holders = [i for i in held if remaining[0] in held[i]]
        best = max(holders, key=lambda i: (len(held[i] & set(remaining)), i in valid, overlap[i], -i))
        cited.append(best)
        remaining = [v for v in remaining if v not in held[best]]
    return cited


def _clause_ends(sentence: str, cited: list[int], held: dict[int, set[str]]) -> list[tuple[int, int]]:
    """``(source, offset)`` for a marker per cited source: the end of the clause (before its 「，；。」) holding
    the last figure that source is the first cited holder of."""
    body = sentence.rstrip(_FULL_STOPS)
    last: dict[int, int] = {}
    for figure in find_figures(body):
        holder = next((i for i in cited if _value(figure.number) in held[i]), None)
        if holder is not None and not figure.is_year:
            last[holder] = figure.end
    ends = []
    for source, figure_end in last.items():
        stop = re.search(r"[，,；;：:]", body[figure_end:])
        ends.append((source, figure_end + stop.start() if stop else len(body)))
    return sorted(ends, key=lambda pair: pair[1])


def _sentence_of(position: int, starts: list[int]) -> int:
    """The sentence a marker at ``position`` belongs to: the one it is in or follows (the first, if before all)."""
    return max((k for k, start in enumerate(starts) if start < position), default=0)


def _label_end(sentence: str) -> int:
    """Length of the list label (「1.」「2、」「（3）」) that opens ``sentence``, or 0."""
    match = _LIST_LABEL.match(sentence)
    return match.end() if match else 0


def _value(number: str) -> str:
    """A number's value as text: commas dropped, ``12.50`` → ``12.5``, ``0100`` → ``100``."""
    number = number.replace(",", "")
    try:
        return format(Decimal(number).normalize(), "f")
    except InvalidOperation:
        return number


def _values(text: str) -> set[str]:
    """Values of every number in ``text``, years included."""
    return {_value(n) for n in numbers_of(text, include_years=True)}


def _measured(text: str) -> set[tuple[str, str]]:
    """``(value, scale + unit)`` of every figure in ``text`` that has a scale or unit."""
    return {(_value(f.number), f.scale + f.unit) for f in find_figures(text) if f.scale or f.unit}


def _raw(text: str, figure: Figure) -> str:
    """A figure as written (number, scale and unit)."""
    return text[figure.start : figure.end].strip()


def _overlap(sentence: str, quote: str) -> float:
    """Share of the sentence's character bigrams without digits (figures are matched by value) that ``quote`` holds."""
    bigrams = {b for b in char_bigrams(sentence) if not any(c.isdigit() for c in b)}
    return len(bigrams & char_bigrams(quote)) / len(bigrams) if bigrams else 0.0
