"""The evidence stage: the sentences of the retrieved chunks that could answer the question, scored once.

Each candidate sentence gets its features (weighted coverage of the question's words, shared character bigrams,
semantic similarity of its e5 vector to the question's, whether it holds the kind of answer asked for, the
question's years and names it lacks) and a score that ranks it; a close sentence that holds the span asked for
and lacks none of those years and names comes before a best one that falls short, and prose that states a table
row's figure before the row. One ``ScopeEvidence`` per scope is handed to the answerability decision, both
answerers, the passage ranking and the checks. ``TermWeights`` also spells a question's words as the corpus does
(``as_spelled``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np

from ..index.catalog import Catalog, Sentence, chunk_passage
from ..index.frequency import SubstringFrequency
from ..schema import Chunk
from ..settings import TUNING
from ..text.abbreviations import forms_in, spellings
from ..text.figures import numbers_of
from ..text.repair import BYLINE
from ..text.tokens import char_bigrams, days, dictionary_frequency, is_naming_word, segment, years
from .question import Asks, Clause, QuestionProfile, intent_of, stated_intent
from .retrieval import Hit
from .typed_spans import holds_answer_kind, is_signature_line, subject_words

# A place said with a generic suffix is the place: 「某某地区」 is 「某某」, 「某某市」 is 「某某」.
_GENERIC_SUFFIX = re.compile(r"(?:地区|地方|一带|方面|流域|沿线|市|省|县|区|州)$")
# Chinese texts name their own country so: 「中国」 in a question is 「我国」「全国」「国内」 in the evidence.
_OWN_COUNTRY = ("中国", "我国", "全国", "国内")


@dataclass(frozen=True)
class Evidence:
    """A candidate sentence from the chunk ranked ``rank`` (0 first) in its scope, with its features:
    ``uncovered`` the weight of the heaviest question word its context lacks (0: it has them all);
    ``heading_share`` the weighted share of the question's topic words (not the names of its places or document)
    that its headings below the document hold (「营商环境有什么改进」 and the section 「营商环境持续优化」);
    ``missing`` years and names of the question its context lacks; ``intent_conflict`` when the question says it
    asks for a plan and the evidence's headings say it is a result, or the other way round."""

    sentence: Sentence
    chunk: Chunk
    rank: int
    coverage: float
    overlap: float
    similarity: float
    uncovered: float
    heading_share: float
    holds_kind: bool
    missing: tuple[str, ...]
    intent_conflict: bool
    score: float

    @property
    def text(self) -> str:
        return self.sentence.text


@dataclass(frozen=True)
class ScopeEvidence:
    """The evidence of one scope: ``label`` names the document of a comparison's scope (None: one scope)."""

    label: str | None
    hits: tuple[Hit, ...]
    ranked: tuple[Evidence, ...]

    @property
    def best(self) -> Evidence | None:
        return self.ranked[0] if self.ranked else None

    def passages(self) -> list[Hit]:
        """The scope's chunks re-ranked by their best sentence's score, so the first passage is the answer's."""
        best: dict[int, float] = {}
        for evidence in self.ranked:
            best.setdefault(id(evidence.chunk), evidence.score)
        ranked = sorted(self.hits, key=lambda hit: -best.get(id(hit.chunk), 0.0))
        return [Hit(hit.chunk, round(best.get(id(hit.chunk), 0.0), 4)) for hit in ranked]


class TermWeights:
    """Inverse chunk frequency of words over the corpus (heading path and text), cached per word.

    A word the corpus never uses weighs most when it names a topic (「税收」: the corpus does not cover it), and
    little when it is a filler of spoken Chinese (「现在」「真正」「找」).
    """

    def __init__(self, catalog: Catalog) -> None:
        self._frequency = SubstringFrequency([chunk_passage(chunk) for chunk in catalog.chunks])
        self._weight = lru_cache(maxsize=65536)(self._compute)

    def _compute(self, term: str) -> float:
        frequency = self._frequency.count(term)
        if frequency == 0 and not is_naming_word(term):
            return TUNING.filler_weight
        return math.log((self._frequency.size + 1) / (frequency + 0.5)) + 0.1

    def __call__(self, term: str) -> float:
        return self._weight(term)

    def is_common(self, term: str) -> bool:
        """Whether more than ``TUNING.distinctive_share`` of the chunks use ``term``: it scopes the whole corpus
        (「开发区」 in a library about development zones) and tells no figure from another."""
        return self._frequency.count(term) > TUNING.distinctive_share * self._frequency.size

    def as_spelled(self, question: QuestionProfile) -> QuestionProfile:
        """``question`` with each topic word the corpus never uses spelled as the corpus does: its other form
        (``spellings``: 「GDP」 → 「地区生产总值」), else the parts it uses (「粮食产量」 → 「粮食」「产量」 where the
        corpus writes 「粮食总产量」); names are kept whole."""
        words = list(question.terms)
        for form in forms_in(question.text):
            other = None if self._frequency.count(form) else next((o for o in spellings(form) if self._frequency.count(o)), None)
            pieces = [k for k, t in enumerate(words) if t in form]
            if other and pieces:
                words[pieces[0]] = other
                words = [t for k, t in enumerate(words) if k not in pieces[1:]]
        words = self._rejoined(words, question.text)
        terms: list[str] = []
        for term in words:
            parts = [] if term in question.places or self._frequency.count(term) else _tiling(term)
            whole = len(parts) > 1 and all(self._frequency.count(part) for part in parts)
            terms += [t for t in (parts if whole else [term]) if t not in terms]
        return replace(question, terms=tuple(terms)) if tuple(terms) != question.terms else question

    def _rejoined(self, words: list[str], text: str) -> list[str]:
        """``words`` with a word jieba guessed across a boundary (its dictionary lacks it, the corpus never uses it)
        cut again where its tail and the next word make a word the corpus uses: 「问公」「租房」 of 「想问公租房」 →
        「公租房」."""
        words = list(words)
        for k in range(len(words) - 1):
            word, following = words[k], words[k + 1]
            if len(word) < 2 or word + following not in text or dictionary_frequency(word) or self._frequency.count(word):
                continue
            cut = next((c for c in range(1, len(word)) if self._frequency.count(word[c:] + following)), None)
            if cut is not None:  # a head of one character left over says nothing (「问」「批」)
                words[k], words[k + 1] = (word[:cut] if cut > 1 else ""), word[cut:] + following
        return list(dict.fromkeys(word for word in words if word))


class EvidenceFinder:
    """Scores the sentences of a scope's top chunks against a question."""

    def __init__(self, catalog: Catalog, sentence_vectors: np.ndarray, weights: TermWeights) -> None:
        self._catalog = catalog
        self._vectors = sentence_vectors
        self.weight = weights
        # Names of documents whose headings carry years other than the name's (「2024年工作回顾」 in a report named
        # for 2025): their name's year is not the evidence's.
        self._dated_by_headings = {
            document.name
            for document in catalog.documents
            if {y for section in document.sections for y in years(" ".join(section.heading_path[1:]))} - set(years(document.name))
        }
        # The year each dated document was written in (its header's date): 「今年」 in a question is that year.
        self._written = {
            document.name: int(found[0])
            for document in catalog.documents
            if document.header and document.header.date and (found := years(document.header.date))
        }

    def find(
        self,
        question: QuestionProfile,
        query_vector: np.ndarray,
        hits: list[Hit],
        label: str | None = None,
        document_names: frozenset[str] = frozenset(),
    ) -> ScopeEvidence:
        """The scope's candidate sentences, best first (a sentence shared by overlapping chunks counted once).

        ``document_names``: the names of documents the question uses, which scoping has dealt with: the evidence
        need not repeat them (a comparison's scope holds one of the two cities it names)."""
        terms = [t for t in question.terms if not t.isdigit()] + days(question.text)  # 「截至8月3日」 is a word too
        weights = {term: self.weight(term) for term in terms}
        total = sum(weights.values()) or 1.0
        question_bigrams = char_bigrams(question.text)
        # The words a figure must be said of: the question's topic words less its places. Only a distinctive one
        # asks for it; a word most of the corpus uses scopes whole sentences (「开发区」), though it may say it.
        subject_terms = tuple(t for t in question.terms if t not in question.places)
        distinctive = frozenset(t for t in subject_terms if not self.weight.is_common(t))
        seen: set[int] = set()
        candidates = []
        for rank, hit in enumerate(hits[: TUNING.evidence_chunks]):
            chunk = hit.chunk
            context = f"{_below_document(chunk)}\n{chunk.text}\n{self._catalog.document_of(chunk).name}"
            heading_share = _heading_share(question, chunk, weights)
            for sentence in self._catalog.sentences_of(chunk):
                row = self._catalog.sentence_row(sentence)
                byline = BYLINE.fullmatch(sentence.text) and not question.about_document
                addressee = question.about_document and _ADDRESSEE.fullmatch(sentence.text)
                header = sentence.text.split() == (sentence.section.table_header or "").split()
                if row in seen or sentence.is_heading or header or byline or addressee:
                    continue  # counted already, a heading, a table's header or byline: it says where, not what (but who
                    # wrote it); a notice's addressee line (「各区县商务局：」) is not who issued it
                seen.add(row)
                evidence = self._score(
                    question, sentence, chunk, rank, context, weights, total, question_bigrams, query_vector,
                    document_names, heading_share, subject_terms, distinctive,
                )
                candidates.append(evidence)
        ranked = _kind_first(sorted(candidates, key=lambda e: -e.score))
        ranked = _kind_heading_first(question, _document_first(question, _prose_first(ranked)))
        return ScopeEvidence(label, tuple(hits), _section_first(question, ranked))

    def _score(
        self,
        question: QuestionProfile,
        sentence: Sentence,
        chunk: Chunk,
        rank: int,
        context: str,
        weights: dict[str, float],
        total: float,
        question_bigrams: set[str],
        query_vector: np.ndarray,
        document_names: frozenset[str],
        heading_share: float,
        subject_terms: tuple[str, ...],
        distinctive: frozenset[str],
    ) -> Evidence:
        text = sentence.text
        if sentence.section.table_header:
            context = f"{sentence.section.table_header}\n{context}"
        in_text = {t for t in weights if _says(t, text)}
        in_context = {t for t in weights if t in in_text or _says(t, context)}
        covered = sum(w for t, w in weights.items() if t in in_text)
        covered += TUNING.context_credit * sum(w for t, w in weights.items() if t in in_context and t not in in_text)
        covered += TUNING.partial_credit * sum(w * _char_share(t, text) for t, w in weights.items() if t not in in_context)
        says_itself = question.about_document and _describes_document(sentence)
        states_clause = question.clause is not None and CLAUSES[question.clause].search(text) is not None
        coverage = 1.0 if says_itself or states_clause else covered / total
        uncovered = max((w for t, w in weights.items() if t not in in_context and _char_share(t, text) < 1), default=0.0)
        overlap = len(question_bigrams & char_bigrams(text)) / (len(question_bigrams) or 1)
        similarity = float(self._vectors[self._catalog.sentence_row(sentence)] @ query_vector)
        held = subject_words(subject_terms, text)
        subject = held if distinctive.intersection(held) else ()
        holds_kind = holds_answer_kind(
            question.asks, text, question.unit, subject, sentence.context if sentence.is_table_row else None,
            question.speaks_of_change, question.counted,
        )
        headings = _below_document(chunk)
        intent = intent_of(headings) or intent_of(text)
        stated = stated_intent(headings)
        conflict = question.stated is not None and stated is not None and stated != question.stated
        score = (
            coverage
            + TUNING.overlap_weight * overlap
            + TUNING.similarity_weight * similarity
            + TUNING.rank_prior / (1 + rank)
            + TUNING.label_bonus * _labelled_by_question(text, question.text)
            + TUNING.kind_bonus * holds_kind
            + TUNING.intent_bonus * (question.intent is not None and intent == question.intent)
        )
        missing = self._missing(question, context, document_names, headings)
        return Evidence(
            sentence, chunk, rank, coverage, overlap, similarity, uncovered, heading_share, holds_kind, missing, conflict, score
        )

    def _missing(
        self, question: QuestionProfile, context: str, document_names: frozenset[str], headings: str
    ) -> tuple[str, ...]:
        """Years and names the question asks about that the evidence's context does not support.

        ``context`` is the evidence's section headings below the document and its chunk's text, then the
        document's name. A year must be in the first part, or in the document's name when neither the evidence's
        headings name a year nor the document's headings one other than the name's (a statistics bulletin's year is
        its figures'; a report named 「2024年工作总结和2025年工作打算」 gives 2024's figures under a heading that
        says 2024, and they are not 2025's). A name (a place, body or other proper name of the question, without a generic
        suffix such as 「市」 「地区」) may be anywhere, in full or spelled out (「经开区」 in 「经济技术开发区」:
        an abbreviation of three characters or more keeps its characters in order). A year said relative to now
        (「今年」「去年」) is the document's own (the year of its header's date) moved by that much, and is missing
        only where the evidence's ``headings`` name other years and not it (「今年要办的实事」 are not under
        「2024年工作回顾」 of a report written in 2025). Of a question for a figure of each of several years, one is
        enough (a comparison, 「2023年和2024年相比」, needs them all).
        """
        own, _, name = context.rpartition("\n")
        said = years(headings)
        missing = [
            f"{year}年"
            for year in question.years
            if year not in own and (name in self._dated_by_headings or said or year not in name)
        ]
        written = self._written.get(name)
        if written and said:
            missing += [f"{written + shift}年" for shift in question.relative_years if str(written + shift) not in said]
        asked = len(question.years) + len(question.relative_years)
        if question.wants_several_figures and asked > 1 and len(missing) < asked:
            missing = []  # a question for a figure of each of several years (「去年多少，今年目标多少」): one at a time
        present = [entity for entity in question.places if self._supported(entity, context, document_names)]
        for entity in question.places:
            if entity in present:
                continue
            # A region that only qualifies the next name (「山东泰安」): that name, when present, says it.
            follows = question.text[question.text.find(entity) + len(entity) :]
            if not any(follows.startswith(other) for other in present):
                missing.append(entity)
        return tuple(missing)

    @staticmethod
    def _supported(entity: str, context: str, document_names: frozenset[str]) -> bool:
        """Whether ``context`` names ``entity``: in full, without its generic suffix, spelled out, or (China) as the
        speaker's own country (「我国」「全国」「国内」)."""
        core = _GENERIC_SUFFIX.sub("", entity) if len(entity) > 2 else entity
        if entity in document_names or core in document_names or entity.isdigit():
            return True
        if core in context or (len(core) >= 3 and _abbreviates(core, context)):
            return True
        return core in _OWN_COUNTRY and any(word in context for word in _OWN_COUNTRY)


# A question that asks for no span (a list, conditions, a reason, a generic what) whose topic words a
# sentence's headings hold to at least this weighted share (``Evidence.heading_share``) is about that section, and
# is answered by it (「营商环境去年有什么改进」 by the section 「六是营商环境持续优化」). Set on the dev halves of the
# suite's sets with headings (bulletin, users' words, second bulletin, regulation, work report, statistics;
# 2026-11-28): of the 64 such questions past the hard rules, the one unanswerable question above 0.18 has 0.401,
# the answerable ones above it start at 0.426 (15 of them); the value is the middle of that gap.
SECTION_HEADING_SHARE = 0.41
_SPANLESS = (Asks.LIST, Asks.CONDITION, Asks.REASON, Asks.OTHER)


# The title of a Q&A item: a question (its 「？」 is cut off with the title clause).
_ASKING_TITLE = re.compile(r"什么|多少|哪|如何|怎么|怎样|吗$|是否|多久|多长|能否|可否")
# Headings of the part of a policy document that says who or what qualifies (「一、支持对象」「申报条件」「适用范围」).
_CONDITION_HEADING = re.compile(r"条件|对象|资格|适用范围|申报范围|支持范围|准入")
# A question on whom or what a rule applies to, and the sentence of a rule that says it (「本办法适用于……」).
_APPLIES = re.compile(r"适用")
_STATES_SCOPE = re.compile(r"适用于|适用本(?:条例|办法|规定|细则|意见|通知|规则|方案)")
# A sentence of a rule that says when it takes effect (「本办法自2020年5月1日起施行」「自发布之日起实施」), and one
# of a rule that states what it is for and on what grounds (「……，制定本办法」).
CLAUSES = {
    Clause.EFFECT: re.compile(r"自[^。；;，,]{0,24}?起(?:施行|实施|执行|实行|生效)|(?:施行|生效|实施)日期"),
    Clause.BASIS: re.compile(r"制定本(?:条例|办法|规定|细则|实施细则|措施|意见|方案|规则|决定|通知|准则)"),
}
# A notice's addressee line: the bodies it is sent to, then a colon (「各区县商务局：」「各区县工业和信息化局，各有关企业：」).
_ADDRESSEE = re.compile(r"[^。；;]{2,80}[：:]")


def _names_conditions(question: QuestionProfile, sentence: Sentence) -> int | None:
    """How well ``sentence`` says who or what qualifies, for a condition question: 0 best, 1 next, None not at all.
    A sentence under a heading that names it (``_CONDITION_HEADING``) comes first, and then one of a rule that says
    whom it applies to (「本办法适用于……的企业」); the other way round for a question on whom a rule applies to
    (「适用范围」)."""
    heading = _conditions_depth(sentence.section.heading_path) is not None
    scope = _STATES_SCOPE.search(sentence.text) is not None
    if not (heading or scope):
        return None
    return 0 if (scope if _APPLIES.search(question.text) else heading) else 1


def answered_part(question: QuestionProfile, sentence: Sentence) -> int | None:
    """How many headings of ``sentence``'s path lead to the part a question about a section asks about, so the answer
    is that whole part with its items: the part that names the conditions for a condition question (「二、申报条件」
    above its 「（一）」「（二）」), else the highest heading that holds every topic word of the question its headings
    hold (「一、支持方向」 above 「（一）数字化改造项目」 for 「支持哪些方向」); None: no heading does."""
    path = sentence.section.heading_path
    if question.asks is Asks.CONDITION:
        return _conditions_depth(path)
    if (asked := _asked_depth(path)) is not None:
        return asked
    below = " ".join(path[1:])
    held = [t for t in question.terms if t in below and t not in path[0] and t not in question.places]
    return next((k + 1 for k in range(1, len(path)) if held and all(t in path[k] for t in held)), None)


def _asked_depth(path: tuple[str, ...]) -> int | None:
    """How many headings of ``path`` lead to the first below the document's name that is a question (the item of a
    Q&A page, 「三、失业保险金能领多久」); None: none is."""
    return next((k + 1 for k in range(1, len(path)) if _ASKING_TITLE.search(path[k])), None)


def _conditions_depth(path: tuple[str, ...]) -> int | None:
    """How many headings of ``path`` lead to the first below the document's name that names who or what qualifies
    (``_CONDITION_HEADING``); None: none does."""
    return next((k + 1 for k in range(1, len(path)) if _CONDITION_HEADING.search(path[k])), None)


def answered_by_section(question: QuestionProfile, evidence: Evidence) -> bool:
    """Whether the question asks about the section of ``evidence`` as a whole: a question for no span whose topic
    words its headings hold (``SECTION_HEADING_SHARE``), any question whose words a Q&A item's question holds so
    (「创业担保贷款利率多少」 and 「四、创业担保贷款的贷款利率和贴息利率分别是多少」: the item answers it), or a
    condition question under a heading that names who or what qualifies (「哪些企业可以申请」 and 「一、支持对象」)
    or answered by a rule's scope (「本办法适用于……」)."""
    if question.asks is Asks.CONDITION and _names_conditions(question, evidence.sentence) is not None:
        return True
    if evidence.heading_share < SECTION_HEADING_SHARE:
        return False
    return question.asks in _SPANLESS or _asked_depth(evidence.sentence.section.heading_path) is not None


def _section_first(question: QuestionProfile, ranked: tuple[Evidence, ...]) -> tuple[Evidence, ...]:
    """``ranked`` with the best sentence of a section the question is about (``answered_by_section``) first, when
    the best one is of no such section and it scores within ``TUNING.kind_margin`` of it: 「明年要素保障有什么打算」
    is answered from the section 「强化要素保障」, not from a plan's overview that names it. A condition question
    takes the sentence that best says who qualifies (``_names_conditions``) wherever it ranks among the top chunks."""
    if question.asks is Asks.CONDITION:
        said = [(level, k) for k, e in enumerate(ranked) if (level := _names_conditions(question, e.sentence)) is not None]
        if said:
            return _promoted(ranked, ranked[min(said)[1]])
    if ranked and not answered_by_section(question, ranked[0]):
        about = next((e for e in ranked if answered_by_section(question, e)), None)
        if about is not None and ranked[0].score - about.score <= TUNING.kind_margin:
            return _promoted(ranked, about)
    return ranked


# Headings of the part of a notice or rule that states the kind of answer a question asks for (「三、参保缴费时间」
# for 「什么时候缴费」, 「二、缴费标准」 for 「交多少钱」, 「五、联系方式」 for 「咨询电话」).
_KIND_HEADINGS = {
    Asks.DATE: re.compile(r"时间|日期|期限|时限|截止"),
    Asks.AMOUNT: re.compile(r"标准|金额|额度|费用"),
    Asks.CONTACT: re.compile(r"联系|咨询|电话"),
    Asks.PLACE: re.compile(r"地点|地址|场所"),
    Asks.WHO: re.compile(r"部门|单位|机构|受理"),
}


def _kind_heading_first(question: QuestionProfile, ranked: tuple[Evidence, ...]) -> tuple[Evidence, ...]:
    """``ranked`` with the best sentence of a part whose heading names the kind asked for and one of the question's
    topic words (「三、参保缴费时间」 for 「集中缴费是什么时候」) first, when it holds that kind, lacks none of the
    question's years and names, and scores within ``TUNING.kind_margin`` of the best, which is of no such part."""
    pattern = _KIND_HEADINGS.get(question.asks)
    topic = [t for t in question.terms if t not in question.places]
    if pattern is None or not ranked or not topic:
        return ranked

    def names_kind(evidence: Evidence) -> bool:
        heading = evidence.sentence.section.heading_path[-1] if len(evidence.sentence.section.heading_path) > 1 else ""
        return pattern.search(heading) is not None and any(t in heading for t in topic)

    if names_kind(ranked[0]):
        return ranked
    about = next((e for e in ranked if names_kind(e) and e.holds_kind and not e.missing), None)
    if about is None or ranked[0].score - about.score > TUNING.kind_margin:
        return ranked
    return _promoted(ranked, about)


def _promoted(ranked: tuple[Evidence, ...] | list[Evidence], first: Evidence | None) -> tuple[Evidence, ...]:
    """``ranked`` with ``first`` moved to the front (unchanged when ``first`` is None)."""
    return tuple(ranked) if first is None else (first, *(e for e in ranked if e is not first))


def _kind_first(ranked: list[Evidence]) -> tuple[Evidence, ...]:
    """``ranked`` with the best sentence that holds the span asked for and lacks none of the question's years and
    names first, when the best one falls short and it scores within ``TUNING.kind_margin`` of it: the answer is
    the figure's, date's or body's sentence, of the year asked."""
    if ranked and (not ranked[0].holds_kind or ranked[0].missing):
        holding = next((e for e in ranked if e.holds_kind and not e.missing), None)
        if holding is not None and ranked[0].score - holding.score <= TUNING.kind_margin:
            return _promoted(ranked, holding)
    return tuple(ranked)


def _says(term: str, text: str) -> bool:
    """Whether ``text`` says ``term``, in its form or another (「公租房」 as 「公共租赁住房」, ``spellings``)."""
    return term in text or any(other in text for other in spellings(term))


def _tiling(term: str) -> list[str]:
    """The jieba search-mode words of ``term`` (other than itself) that spell it end to end, longest first at each
    place; none when they do not (「粮食产量」 → 「粮食」「产量」; 「增加值」 → none: 「增加」「加值」 overlap)."""
    pieces = {piece for piece in segment(term) if piece != term}
    parts, position = [], 0
    while position < len(term):
        piece = max((p for p in pieces if term.startswith(p, position)), key=len, default=None)
        if piece is None:
            return []
        parts.append(piece)
        position += len(piece)
    return parts


def _describes_document(sentence: Sentence) -> bool:
    """Whether ``sentence`` is what a document says about itself: its byline (「供稿：某市商务局」), a line of its
    signature (「某市商务局」, 「2024年4月15日」 alone on their lines), or a line of its title block (no heading above
    it, no sentence stop: 「——2025年1月19日在某市人民代表大会上」)."""
    if BYLINE.fullmatch(sentence.text) or is_signature_line(sentence.text.strip()):
        return True
    return len(sentence.section.heading_path) == 1 and not any(stop in sentence.text for stop in "。！？!?")


def _document_first(question: QuestionProfile, ranked: tuple[Evidence, ...]) -> tuple[Evidence, ...]:
    """``ranked`` with the best line that describes the document (``_describes_document``) and holds the span asked
    for first, for a question about the document itself: 「报告是谁作的」 is answered by 「市长 王建国」 under the
    title, not by 「我代表市人民政府，向大会报告工作」. A question for a clause a rule states of itself (when it takes
    effect, what for) gets the best sentence that states it first (``CLAUSES``)."""
    if question.clause is not None:
        return _promoted(ranked, next((e for e in ranked if CLAUSES[question.clause].search(e.text)), None))
    if not question.about_document or not ranked or _describes_document(ranked[0].sentence):
        return ranked
    return _promoted(ranked, next((e for e in ranked if _describes_document(e.sentence) and e.holds_kind), None))


def _prose_first(ranked: tuple[Evidence, ...]) -> tuple[Evidence, ...]:
    """``ranked`` with a sentence of prose first when the best is a table's row and the prose states one of the
    row's figures (not a small whole number) and scores within ``TUNING.kind_margin``: the prose says the figure
    with its unit (「住户存款余额750.68亿元，比年初增长13.7%」 for the row 「住户存款余额 7506805 13.7」)."""
    if not ranked or not ranked[0].sentence.is_table_row:
        return ranked
    best = ranked[0]
    figures = {n for n in numbers_of(best.text) if "." in n or len(n) >= 3}
    prose = next(
        (
            e for e in ranked[1:]
            if best.score - e.score <= TUNING.kind_margin and not e.sentence.is_table_row and e.holds_kind
            and figures & numbers_of(e.text)
        ),
        None,
    )
    return _promoted(ranked, prose)


def _heading_share(question: QuestionProfile, chunk: Chunk, weights: dict[str, float]) -> float:
    """The weighted share of the question's topic words (not its places, not words of the document's name) that
    the chunk's headings below the document hold."""
    topic = {t: w for t, w in weights.items() if t not in chunk.section.heading_path[0] and t not in question.places}
    headings = _below_document(chunk)
    return sum(w for t, w in topic.items() if t in headings) / (sum(topic.values()) or 1.0)


def _below_document(chunk: Chunk) -> str:
    """The chunk's heading path without the document's name."""
    return " ".join(chunk.section.heading_path[1:])


def _char_share(term: str, text: str) -> float:
    """Share of the characters of ``term`` that ``text`` holds."""
    return sum(char in text for char in term) / len(term)


def _labelled_by_question(sentence: str, question: str) -> bool:
    """Whether ``sentence`` is a 「label：value」 line whose label the question uses."""
    label, colon, _ = sentence.partition("：")
    return bool(colon) and 2 <= len(label) <= 16 and label in question


def _abbreviates(name: str, text: str) -> bool:
    """Whether ``text`` holds the characters of ``name`` in order within a short window (an abbreviation)."""
    pattern = "[^，。；\n]{0,4}".join(map(re.escape, name))
    return re.search(pattern, text) is not None
