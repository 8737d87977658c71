"""The extractive answerer: picks the clauses that answer a question from the retrieved sections and cites them.

No model is involved: every word of an answer body is copied from the corpus, so every figure it shows is in
the sentence it cites. It is the embedded default and the fallback for LLM answers.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .answer import Citation, Drafted
from .documents import SourceDocument, Span
from .figures import find_figures, numbers_of
from .question import QuestionProfile
from .retrieval import intent_of
from .sentences import split_clauses, split_sentences
from .tokens import char_bigrams, is_naming_word

if TYPE_CHECKING:
    from llama_index.core.schema import NodeWithScore, TextNode

REFUSAL = "资料中没有提及"
# Share of the question's (idf-weighted) content the best evidence must cover.
MIN_COVERAGE = 0.55
# A second sentence joins the answer when it scores at least this share of the best one.
SECOND_SENTENCE_RATIO = 0.95
# An enumerated item (the text between two 「；」) this short is shown whole; a longer one is narrowed to clauses.
FOCUSED_ITEM_CHARS = 32
MAX_CONTINUATIONS = 2
# Question words used by fewer than about 40% of the nodes are distinctive: the answer keeps their clauses.
KEY_TERM_WEIGHT = 1.0
# A focused answer spans at most this many clauses; past that only the best and the rarest-word clause count.
MAX_FOCUS_CLAUSES = 5
EVIDENCE_NODES = 5
# A question word found in the sentence's section (its heading or another sentence) but not the sentence itself.
CONTEXT_CREDIT = 0.6
# A word the corpus does not use and that names nothing (「现在」「真正」) weighs this much.
FILLER_WEIGHT = 0.3
# A question word absent from the section whose characters the sentence still holds (「用掉」 / 「使用」).
PARTIAL_CREDIT = 0.5
# A sentence's score: coverage, plus shared character bigrams (paraphrase), its node's retrieval rank, a figure
# when one is asked for, and agreement on plan versus result.
OVERLAP_WEIGHT = 0.5
RANK_PRIOR = 0.15
FIGURE_BONUS = 0.25
INTENT_BONUS = 0.1
# A clause's score: weighted question words, plus shared bigrams and a quantity when one is asked for.
CLAUSE_BIGRAM_WEIGHT = 0.3
CLAUSE_FIGURE_BONUS = 0.5
# An indicator line 「地区生产总值：128.6亿元」 whose label the question names answers it directly.
LABEL_BONUS = 0.5
# An excerpt for the LLM keeps a long sentence's best 「；」 items up to about this many characters.
EXCERPT_CHARS = 80
# Clauses that continue the figure of the clause before them: 「其中……」「已使用……」「占……」「同比增长……」.
_CONTINUATION = re.compile(r"^(?:其中|已|占|同比|比上年|较|分别|均|累计|总投资|总量|合计|共计|增长|高于|超出|达到|力争|位居|排)")
_CHINESE_QUANTITY = re.compile(r"第[一二三四五六七八九十]+|[一二两三四五六七八九十百千万]+[个次月年天倍名位家项条成]")
_LEADING_CONTEXT = re.compile(r"^(?:(?:19|20)\d{2}年(?:以来|底|末|上半年|全年)?|今年以来|截至目前|目前|全年|上半年)$")


@dataclass(frozen=True)
class Evidence:
    """One candidate sentence and how well it answers the question."""

    node: TextNode
    span: Span
    text: str
    coverage: float
    score: float


@dataclass(frozen=True)
class ScopedAnswer:
    """The answer for one scope (a report named in the question, or the whole corpus)."""

    body: str
    citation: Citation | None
    extra: tuple[Citation, ...] = ()


class ExtractiveAnswerer:
    """Scores the sentences of the retrieved nodes against the question and composes a short cited answer."""

    def __init__(self, nodes: list[TextNode], documents: dict[str, SourceDocument]) -> None:
        self._documents = documents
        self._texts = [f"{n.metadata['section']}\n{n.text}" for n in nodes]
        self._corpus = "\n".join(self._texts)
        self._weights: dict[str, float] = {}

    def weight(self, term: str) -> float:
        """Inverse document frequency of ``term`` over the nodes.

        A word the corpus never uses weighs most when it names a topic (「税收」: the corpus does not cover it),
        and little when it is a filler of spoken Chinese (「现在」「真正」「找」).
        """
        if term not in self._weights:
            frequency = sum(term in text for text in self._texts)
            weight = math.log((len(self._texts) + 1) / (frequency + 0.5)) + 0.1
            if frequency == 0 and not is_naming_word(term):
                weight = FILLER_WEIGHT
            self._weights[term] = weight
        return self._weights[term]

    def absent_facts(self, question: QuestionProfile, evidence: Evidence) -> list[str]:
        """Years and names the question asks about that the evidence does not support.

        A name is the question's first content word (its subject: a place, an organisation) or a place word;
        it is supported when the corpus uses it, or the evidence's section spells it out (「经开区」 in
        「经济技术开发区」: an abbreviation keeps its characters in order).
        """
        context = f"{evidence.node.metadata['section']}\n{evidence.node.text}"
        missing = [f"{year}年" for year in question.years if year not in context]
        names = {question.terms[0]} if question.terms else set()
        names |= set(question.places) & set(question.terms)
        for name in names:
            if len(name) >= 2 and not name.isdigit() and name not in self._corpus and not _abbreviates(name, context):
                missing.append(name)
        return missing

    def best_evidence(self, question: QuestionProfile, hits: list[NodeWithScore]) -> list[Evidence]:
        """Candidate sentences from the top nodes, best first."""
        terms = [t for t in question.terms if not t.isdigit()]
        weights = {term: self.weight(term) for term in terms}
        total = sum(weights.values()) or 1.0
        question_bigrams = char_bigrams(question.text)
        wanted_intent = intent_of(question.text)
        candidates = []
        for rank, hit in enumerate(hits[:EVIDENCE_NODES]):
            node = hit.node
            heading = node.metadata["section"]
            titles = set(node.metadata["heading_path"])
            for span in split_sentences(node.text):
                sentence = node.text[span.start : span.end]
                if sentence.rstrip("。：:") in titles:
                    continue  # a heading line says where, not what
                covered = sum(w for t, w in weights.items() if t in sentence)
                context = f"{heading}\n{node.text}"
                covered += CONTEXT_CREDIT * sum(w for t, w in weights.items() if t not in sentence and t in context)
                covered += PARTIAL_CREDIT * sum(
                    w * _char_share(t, sentence) for t, w in weights.items() if t not in context
                )
                coverage = covered / total
                overlap = len(question_bigrams & char_bigrams(sentence)) / (len(question_bigrams) or 1)
                score = coverage + OVERLAP_WEIGHT * overlap + RANK_PRIOR / (1 + rank)
                if _labelled_by_question(sentence, question.text):
                    score += LABEL_BONUS
                if question.wants_figure and _has_amount(sentence):
                    score += FIGURE_BONUS
                if wanted_intent and intent_of(f"{heading}{sentence}") == wanted_intent:
                    score += INTENT_BONUS
                candidates.append(Evidence(node, span, sentence, coverage, score))
        return sorted(candidates, key=lambda e: -e.score)

    def answer(self, question: QuestionProfile, scopes: list[tuple[str | None, list[NodeWithScore]]]) -> Drafted:
        """The answer for one scope, or one line per report when a question names several."""
        if len(scopes) == 1:
            scoped = self.answer_scope(question, scopes[0][1], 1)
            if scoped.citation is None:
                return Drafted(self._refusal(question, scopes[0][1]), True, [])
            return Drafted(scoped.body, False, [scoped.citation, *scoped.extra])
        lines, citations = [], []
        for report, hits in scopes:
            scoped = self.answer_scope(question, hits, len(citations) + 1)
            if scoped.citation is None:
                lines.append(f"{report}：{REFUSAL}。")
            else:
                lines.append(scoped.body)
                citations += [scoped.citation, *scoped.extra]
        return Drafted("\n".join(lines), not citations, citations)

    @staticmethod
    def _refusal(question: QuestionProfile, hits: list[NodeWithScore]) -> str:
        """The refusal, pointing at the closest sections so the reader can check for themselves."""
        text = f"{REFUSAL}与「{question.text}」直接相关的内容。"
        closest = list(dict.fromkeys(hit.node.metadata["section"] for hit in hits[:2]))
        return f"{text}最接近的章节：{'；'.join(closest)}。" if closest else text

    def rank_passages(self, question: QuestionProfile, hits: list[NodeWithScore]) -> list[NodeWithScore]:
        """The retrieved nodes re-ranked by their best sentence's score: a sentence-level lexical reranker,
        so the passage shown first is the one the answer draws on."""
        from llama_index.core.schema import NodeWithScore

        best: dict[str, float] = {}
        for evidence in self.best_evidence(question, hits):
            best.setdefault(evidence.node.node_id, evidence.score)
        ranked = sorted(hits, key=lambda hit: -best.get(hit.node.node_id, 0.0))
        return [NodeWithScore(node=hit.node, score=round(best.get(hit.node.node_id, 0.0), 4)) for hit in ranked]

    def answer_scope(self, question: QuestionProfile, hits: list[NodeWithScore], first_index: int) -> ScopedAnswer:
        """The answer drawn from ``hits``, citations numbered from ``first_index``; a refusal when evidence is weak."""
        ranked = self.best_evidence(question, hits)
        if not ranked or ranked[0].coverage < MIN_COVERAGE or self.absent_facts(question, ranked[0]):
            return ScopedAnswer(REFUSAL, None)
        if question.wants_figure and not _has_quantity(ranked[0].text):
            return ScopedAnswer(REFUSAL, None)  # asked for a figure, the best sentence gives none
        chosen = [ranked[0]]
        for other in ranked[1:3]:
            same_section = other.node.metadata["section"] == ranked[0].node.metadata["section"]
            adds_figure = not question.wants_figure or _has_amount(other.text)
            if same_section and adds_figure and other.score >= SECOND_SENTENCE_RATIO * ranked[0].score and other.text != ranked[0].text:
                chosen.append(other)
                break
        citations = [self.cite(evidence, first_index + n) for n, evidence in enumerate(chosen)]
        bodies = [self._focus(question, evidence) + f"[{c.index}]" for evidence, c in zip(chosen, citations)]
        return ScopedAnswer(f"{self._label(chosen[0])}{'；'.join(bodies)}。", citations[0], tuple(citations[1:]))

    def _focus(self, question: QuestionProfile, evidence: Evidence) -> str:
        """The part of the sentence that answers the question.

        A sentence is first cut at 「；」 into the items it enumerates and the best item kept; a long item is
        narrowed to the clauses from its best clause (the one with a figure when one is asked for) to every
        clause holding a distinctive word of the question (「入统率和投产率」 asks for two), then to the clauses
        that continue a figure (「其中……」「同比增长……」), and given its leading time (「2023年，」).
        """
        sentence = evidence.text.rstrip("。！？；")
        if question.wants_list:
            return sentence
        clauses = split_clauses(sentence, Span(0, len(sentence)))
        items = _group_items(sentence, clauses)
        shared = {t for t in question.terms if all(t in sentence[i[0].start : i[-1].end] for i in items)}
        best_item = max(items, key=lambda item: self._part_score(question, sentence[item[0].start : item[-1].end], shared))
        texts = [sentence[c.start : c.end] for c in best_item]
        if len("".join(texts)) <= FOCUSED_ITEM_CHARS:
            start, end = 0, len(texts) - 1
        else:
            start, end = self._clause_range(question, texts, evidence.node.metadata["section"])
        first = best_item[start]
        body = sentence[first.start : best_item[end].end].rstrip("，；：")
        head = _leading_time(sentence, clauses)
        return f"{head}，{body}" if head and first.start > 0 else body

    def excerpt(self, question: QuestionProfile, evidence: Evidence) -> str:
        """What of an evidence sentence to show an LLM: all of it when it is short or a list is asked for; else
        its best 「；」 items in sentence order, about ``EXCERPT_CHARS`` long, or, when one item is all that fits,
        the focused answer (see ``_focus``). Fewer prompt tokens, and fewer figures to confuse a small model."""
        sentence = evidence.text
        if question.wants_list or len(sentence) <= EXCERPT_CHARS:
            return sentence
        clauses = split_clauses(sentence, Span(0, len(sentence)))
        texts = [sentence[item[0].start : item[-1].end] for item in _group_items(sentence, clauses)]
        shared = {t for t in question.terms if all(t in text for text in texts)}
        scores = [self._part_score(question, text, shared) for text in texts]
        order = sorted(range(len(texts)), key=lambda k: -scores[k])
        keep, size = {order[0]}, len(texts[order[0]])
        for k in order[1:]:
            if scores[k] <= 0 or size + len(texts[k]) > EXCERPT_CHARS:
                break
            keep.add(k)
            size += len(texts[k])
        if len(keep) == 1:
            return f"{self._focus(question, evidence)}。"
        body = "".join(texts[k] for k in sorted(keep)).rstrip("；，")
        head = _leading_time(sentence, clauses)
        return f"{head}，{body}。" if head and 0 not in keep else f"{body}。"

    def key_figures(self, question: QuestionProfile, text: str) -> set[str]:
        """Figures (values) of the clauses of ``text`` that hold a distinctive word of the question: what an
        answer to it must keep (「出让“标准地”39宗、4101.2亩」 for a question on 「标准地」)."""
        key_terms = [t for t in question.terms if self.weight(t) >= KEY_TERM_WEIGHT]
        clauses = (text[c.start : c.end] for c in split_clauses(text, Span(0, len(text))))
        return set().union(*(numbers_of(c) for c in clauses if any(t in c for t in key_terms)))

    def _clause_range(self, question: QuestionProfile, texts: list[str], heading: str) -> tuple[int, int]:
        """First and last clause (indices into ``texts``) of the focused answer."""
        candidates = range(len(texts))
        if question.wants_figure and any(_has_quantity(text) for text in texts):
            candidates = [i for i in candidates if _has_quantity(texts[i])]
        best = max(candidates, key=lambda i: self._part_score(question, texts[i]))
        key_terms = [t for t in question.terms if t not in heading and self.weight(t) >= KEY_TERM_WEIGHT]
        keys = [i for i, text in enumerate(texts) if any(t in text for t in key_terms)]
        start, end = min([best, *keys]), max([best, *keys])
        if end - start >= MAX_FOCUS_CLAUSES:
            rarest = max(key_terms, key=self.weight, default=None)
            anchor = next((i for i in keys if rarest in texts[i]), best)
            start, end = sorted((best, anchor))
        while end + 1 < len(texts) and end - best < MAX_CONTINUATIONS and _CONTINUATION.match(texts[end + 1]):
            end += 1
        if start > 0 and _CONTINUATION.match(texts[start]):
            start -= 1  # 「总投资……」 alone does not say of what: keep the clause it continues
        return start, end

    def _part_score(self, question: QuestionProfile, text: str, ignore: set[str] = frozenset()) -> float:
        """How well a clause or item matches the question: weighted terms (less ``ignore``), shared bigrams,
        a quantity if one is asked for."""
        terms = sum(self.weight(t) for t in question.terms if t in text and t not in ignore)
        bigrams = len(char_bigrams(question.text) & char_bigrams(text)) * CLAUSE_BIGRAM_WEIGHT
        return terms + bigrams + (CLAUSE_FIGURE_BONUS if question.wants_figure and _has_quantity(text) else 0.0)

    @staticmethod
    def _label(evidence: Evidence) -> str:
        """Where the answer comes from: the heading path (report and part), e.g. 「某市（2021年工作总结）：」."""
        path = evidence.node.metadata.get("heading_path") or []
        if len(path) >= 2:
            return f"{path[0]}（{path[1]}）："
        return f"{path[0]}：" if path else ""

    def cite(self, evidence: Evidence, index: int) -> Citation:
        """Citation ``[index]`` of an evidence sentence: document, heading path, exact quote, offsets, line."""
        node = evidence.node
        start = node.metadata["start"] + evidence.span.start
        return Citation(
            index=index,
            document=node.metadata["document"],
            section=node.metadata["section"],
            quote=evidence.text,
            start=start,
            end=node.metadata["start"] + evidence.span.end,
            line=self._documents[node.metadata["document"]].line_of(start),
        )


def _has_amount(text: str) -> bool:
    """Whether ``text`` holds a figure with a unit or a scale (「60万/亩」) that is not a year."""
    return any((figure.unit or figure.scale) and not figure.is_year for figure in find_figures(text))


def _has_quantity(text: str) -> bool:
    """A figure, or a quantity in Chinese numerals (「一月一次」「全省第一」「两倍」)."""
    return _has_amount(text) or _CHINESE_QUANTITY.search(text) is not None


def _leading_time(sentence: str, clauses: list[Span]) -> str | None:
    """The sentence's opening clause when it only sets the time (「2023年」「今年以来」), to keep with a later part."""
    head = sentence[clauses[0].start : clauses[0].end].rstrip("，")
    return head if _LEADING_CONTEXT.match(head) else None


def _group_items(sentence: str, clauses: list[Span]) -> list[list[Span]]:
    """Clauses grouped into the items a sentence enumerates, split after each 「；」."""
    items: list[list[Span]] = [[]]
    for clause in clauses:
        items[-1].append(clause)
        if sentence[clause.start : clause.end].endswith("；"):
            items.append([])
    return [item for item in items if item]


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
