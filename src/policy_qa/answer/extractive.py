"""The extractive answerer: the clauses of the best evidence that answer the question, cited, or a refusal.

No model is involved: every word of an answer body is copied from the corpus, so every figure it shows is in
the sentence it cites. It is the embedded default and the fallback for LLM answers.

The answer is shaped by what is asked (``Asks``): a figure question keeps the clause with the figure, the
clauses naming the question's distinctive words and those continuing the figure (「其中……」「同比增长……」); a
date, body or place question keeps the clause holding that span the same way; a list or condition question
keeps the whole sentence, and the enumerated items that follow a sentence ending in 「：」; any other question
keeps the clauses around its best-matching ones; a question about a section as a whole gets the section's opening
(``overview``); a short lead phrase opening a paragraph too long to show, the paragraph's run-in headings
(``run_in_leads``); a question a rule's article answers without a figure, date or place, the whole article
(``whole_article``); a table's row is shown whole with its column header. Every
answer starts with a label naming the document and the heading that gives its year and whether it is a result or
a plan (「某市（2023年工作总结）：」), its article or its table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..index.catalog import Catalog, Sentence
from ..schema import Chunk, Citation, Drafted, Span
from ..text.figures import find_figures, numbers_of
from ..text.headings import BIG_NUMERAL, TABLE_CAPTION
from ..text.repair import ITEM_MARKER
from ..text.sentences import HAN, split_clauses
from ..text.tokens import char_bigrams, years
from .answerability import Decision, decide
from .evidence import Evidence, ScopeEvidence, TermWeights, answered_by_section, answered_part
from .question import Asks, Clause, QuestionProfile, intent_of
from .typed_spans import CAP, answer_spans, bracketed_unit, is_unit

REFUSAL = "资料中没有提及"
# A second sentence of the best one's section joins the answer when its score is within ``SECOND_SENTENCE_MARGIN``
# of the best one's; a list answer takes up to ``LIST_SENTENCES`` sentences within ``LIST_SENTENCE_MARGIN``.
SECOND_SENTENCE_MARGIN = 0.1
LIST_SENTENCES = 3
LIST_SENTENCE_MARGIN = 0.3
# An enumerated item (the text between two 「；」) this short is shown whole; a longer one is narrowed to clauses.
FOCUSED_ITEM_CHARS = 32
MAX_CONTINUATIONS = 2
# Question words at least this heavy (idf) are distinctive: the answer keeps their clauses.
KEY_TERM_WEIGHT = 1.0
# A focused answer spans at most this many clauses; past that only the best and the rarest-word clause count.
MAX_FOCUS_CLAUSES = 5
# A clause's score: weighted question words, plus shared bigrams and the span asked for.
CLAUSE_BIGRAM_WEIGHT = 0.3
CLAUSE_KIND_BONUS = 0.5
# An excerpt for the LLM keeps a long sentence's best 「；」 items up to about this many characters.
EXCERPT_CHARS = 80
# A sentence ending in 「：」 is followed by the items it enumerates, a lead phrase this short (「全方位扩大内需。」)
# by the rest of its paragraph, up to ``LIST_CHARS`` characters.
LIST_CHARS = 300
LEAD_CHARS = 16
# A question whose answer has no recognisable span (what, why, whether) keeps a sentence this short whole; a
# longer one keeps its best clauses and one clause either side.
WHOLE_SENTENCE_CHARS = 200
# A document name longer than this is shortened in an answer's label.
LABEL_NAME_CHARS = 24
# Clauses that continue the figure of the clause before them: 「其中……」「已使用……」「占……」「同比增长……」「单个企业每年不超过……」.
_CONTINUATION = re.compile(
    rf"^(?:其中|已|占|同比|比(?:上年|去年|年初|上月|上季度|同期)|较|分别|均|累计|总投资|总量|合计|共计|增长|高于|超出|达到|力争|位居|排|{CAP})"
)
# A clause that only states the base a figure adds to (「在已承接1141项权限基础上」「在前两批……的基础上」): the
# clause after it says what is new.
_BASE_CLAUSE = re.compile(r"基础上[，,]?$")
_HAN = re.compile(f"[{HAN}]")
# A period from one date to another (「2025年9月下旬至2025年12月20日」): periods in a row are one answer (each group's).
_PERIOD = re.compile(r"[月日旬][^，,；;。]{0,3}[至到—－~～][^，,；;。]{0,8}?\d{1,2}\s*[月日]")
# A rule that takes effect on the day it is issued, and the act (「本办法自发布之日起施行」).
_FROM_ISSUE = re.compile(r"自(发布|印发|公布|颁布)之日起")
# A table's column whose cells name the unit of the row's figures (「单位 万吨」), a column's name that ends in
# brackets (「比上年增长（%）」: its own unit, or none to take), and a cell that is a bare number.
_UNIT_COLUMNS = frozenset({"单位", "计量单位"})
_BRACKETED_END = re.compile(r".[（(][^（）()]{1,6}[)）]$")
_BARE_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
# A chapter's heading (「第三章 政务服务」) and an article's label (「第六十六条」), with the numeral.
_CHAPTER = re.compile(rf"^第({BIG_NUMERAL})章")
_ORDINAL = re.compile(rf"^第({BIG_NUMERAL})条")
# An article's own number opening its text (「第十二条　」): the label says it already.
_ARTICLE_OPENING = re.compile(r"^第[一二三四五六七八九十百零〇]+条\s*")
_LEADING_CONTEXT = re.compile(r"^(?:(?:19|20)\d{2}年(?:以来|底|末|上半年|全年)?|今年以来|截至目前|目前|全年|上半年)$")


@dataclass(frozen=True)
class ScopedAnswer:
    """The answer for one scope, or a refusal (no citation) with the decision's reason."""

    body: str
    citations: tuple[Citation, ...]
    decision: Decision


class ExtractiveAnswerer:
    """Composes a short cited answer from each scope's evidence, or refuses."""

    def __init__(self, catalog: Catalog, weights: TermWeights) -> None:
        self._catalog = catalog
        self.weight = weights

    def answer(self, question: QuestionProfile, scopes: list[ScopeEvidence]) -> Drafted:
        """The answer for one scope, or one line per document when a question compares several."""
        if len(scopes) == 1:
            scoped = self.answer_scope(question, scopes[0], 1)
            if not scoped.citations:
                return Drafted(self.refusal(question, scopes[0]), True, [])
            return Drafted(scoped.body, False, list(scoped.citations))
        lines, citations = [], []
        for scope in scopes:
            scoped = self.answer_scope(question, scope, len(citations) + 1)
            lines.append(scoped.body if scoped.citations else f"{scope.label}：{REFUSAL}。")
            citations += scoped.citations
        return Drafted("\n".join(lines), not citations, citations)

    def refusal(self, question: QuestionProfile, scope: ScopeEvidence) -> str:
        """The refusal, pointing at the closest sections so the reader can check for themselves."""
        text = f"{REFUSAL}与「{question.text}」直接相关的内容。"
        closest = list(dict.fromkeys(hit.chunk.section.heading for hit in scope.passages()[:2]))
        return f"{text}最接近的章节：{'；'.join(closest)}。" if closest else text

    def answer_scope(self, question: QuestionProfile, scope: ScopeEvidence, first_index: int) -> ScopedAnswer:
        """The answer drawn from ``scope``, citations numbered from ``first_index``; a refusal when the decision
        says the evidence does not answer."""
        if question.about_structure and scope.hits:
            structure = self.structure(scope.hits[0].chunk, first_index)
            if structure is not None:
                return ScopedAnswer(*structure, Decision(True, 1.0))
        decision = decide(question, scope)
        if decision.answer and not self._focus_holds_kind(question, scope.ranked[0]):
            decision = Decision(False, decision.confidence, "回答所在的分句没有问题所问的内容")
        if not decision.answer:
            return ScopedAnswer(REFUSAL, (), decision)
        body, citations = self.compose(question, scope, first_index)
        return ScopedAnswer(body, citations, decision)

    def _focus_holds_kind(self, question: QuestionProfile, best: Evidence) -> bool:
        """Whether the part of the best sentence an answer would show still holds a figure in the unit the question
        names: the sentence may hold one only in an item about something else (「新开工改造城镇老旧小区3011万平方米；
        建设100个口袋公园」 for 「改造多少个老旧小区」), which answers nothing."""
        if not (question.wants_figure and question.unit) or answered_by_section(question, best):
            return True
        body, _ = self.focus(question, best)
        table = best.sentence.context if best.sentence.is_table_row else None
        return bool(answer_spans(question.asks, body, question.unit, table, question.speaks_of_change, question.counted))

    def compose(self, question: QuestionProfile, scope: ScopeEvidence, first_index: int = 1) -> tuple[str, tuple[Citation, ...]]:
        """The answer the scope's best evidence gives, whatever the decision: its body with markers and its
        citations numbered from ``first_index``."""
        best = scope.ranked[0]
        if answered_by_section(question, best):
            return self.overview(best, first_index, answered_part(question, best.sentence))
        leads = [] if question.wants_figure else self.run_in_leads(best.sentence)
        if leads:
            return self._headed(best, [best.sentence, *leads], first_index)
        article = self.whole_article(question, best)
        if article:
            citation = self.cite(article[0], first_index, article[-1].end)
            body = _without_article("".join(s.text for s in article), best)
            return f"{self.label(best)}{body.rstrip('。！？；')}[{first_index}]。", (citation,)
        chosen = [best]
        wanted, margin = (LIST_SENTENCES, LIST_SENTENCE_MARGIN) if question.wants_list else (2, SECOND_SENTENCE_MARGIN)
        for other in scope.ranked[1:4]:
            if len(chosen) == LIST_SENTENCES:
                break
            same_section = other.sentence.section is best.sentence.section
            adds = not question.wants_figure or _has_amount(other.text)
            # a question for several figures takes a sentence for each part it asks (up to ``LIST_SENTENCES``)
            more = self._asks_more(question, chosen, other) and best.score - other.score <= LIST_SENTENCE_MARGIN
            close = len(chosen) < wanted and best.score - other.score <= margin
            kept = same_section and (close or more) or self._another_year(question, chosen, other)
            if adds and kept and other.text not in {e.text for e in chosen}:
                chosen.append(other)
        if question.wants_list:
            chosen.sort(key=lambda e: e.sentence.start)  # a list reads in the document's order
        citations, bodies = [], []
        for evidence in chosen:
            if any(c.document == evidence.sentence.file and c.start <= evidence.sentence.start < c.end for c in citations):
                continue  # already quoted with what an earlier sentence introduces
            body, end = self.focus(question, evidence)
            citation = self.cite(evidence.sentence, first_index + len(citations), end)
            citations.append(citation)
            context = self._context(evidence)
            if context and bodies and context != self._context(best):  # another year's or part's sentence says so
                body = f"（{context}）{body}"
            bodies.append(f"{body}[{citation.index}]")
        bodies[0] = _without_article(bodies[0], best)
        issued = self._issue_line(question, best)
        if issued is not None:  # 「自发布之日起施行」 says nothing of the day without the line that dates the issue
            citations.append(self.cite(issued, first_index + len(citations)))
            bodies.append(f"{issued.text.rstrip('。；')}[{citations[-1].index}]")
        return f"{self.label(best)}{'；'.join(bodies)}。", tuple(citations)

    def _issue_line(self, question: QuestionProfile, best: Evidence) -> Sentence | None:
        """For a question on when a document takes effect answered 「自发布之日起施行」 (or 印发, 公布, 颁布), the line of
        its title block that dates that act (「1997年11月19日 国务院令第236号发布」); None when it has none."""
        act = _FROM_ISSUE.search(best.text) if question.clause is Clause.EFFECT else None
        document = self._catalog.document_of(best.chunk)
        if act is None or document.header.date is None:
            return None
        sentences, row = self._catalog.sentences, self._catalog.sentence_row(best.sentence)
        while row > 0 and sentences[row - 1].file == document.file and sentences[row - 1].start >= document.start:
            row -= 1  # back to the document's first sentence: its title block comes first
        for sentence in sentences[row:]:
            if sentence.file != document.file or len(sentence.section.heading_path) > 1:
                return None
            if document.header.date in sentence.text and act.group(1) in sentence.text:
                return sentence
        return None

    def _asks_more(self, question: QuestionProfile, chosen: list[Evidence], other: Evidence) -> bool:
        """Whether ``other`` answers a part of a question for several figures that the ``chosen`` sentences do not:
        it holds a distinctive question word none of them holds (「卫生技术人员」 beside 「医院116个」)."""
        if not question.wants_several_figures:
            return False
        return any(t in other.text and not any(t in e.text for e in chosen) for t in self._topic_keys(question))

    def _another_year(self, question: QuestionProfile, chosen: list[Evidence], other: Evidence) -> bool:
        """Whether ``other`` answers a question on several years (「去年多少，今年目标多少」) for a year the ``chosen``
        sentences' headings do not name, about the same distinctive words as the best one."""
        if len(question.years) + len(question.relative_years) < 2 or not question.wants_figure:
            return False
        named = set().union(*(years(" ".join(e.sentence.section.heading_path[1:])) for e in chosen))
        if not set(years(" ".join(other.sentence.section.heading_path[1:]))) - named:
            return False
        return all(t in other.text for t in self._topic_keys(question) if t in chosen[0].text)

    def _topic_keys(self, question: QuestionProfile) -> list[str]:
        """The question's distinctive topic words (``KEY_TERM_WEIGHT``), its places left out."""
        return [t for t in question.terms if self.weight(t) >= KEY_TERM_WEIGHT and t not in question.places]

    def structure(self, chunk: Chunk, first_index: int = 1) -> tuple[str, tuple[Citation, ...]] | None:
        """How many chapters and articles the document of ``chunk`` has, read from its headings (「共六章、六十六条
        （第一章 总则至第六章 附则；第一条至第六十六条）」) and cited from its last article; None for a document
        without numbered articles."""
        document = self._catalog.document_of(chunk)
        articles = list(dict.fromkeys(s.article for s in document.sections if s.article))
        if not articles:
            return None
        chapters = list(dict.fromkeys(h for s in document.sections for h in s.heading_path[1:] if _CHAPTER.match(h)))
        last = next(s for s in reversed(document.sections) if s.article == articles[-1])
        sentence = next(s for s in self._catalog.sentences if s.file == document.file and s.section == last)
        counted = [f"{_CHAPTER.match(chapters[-1]).group(1)}章"] if chapters else []
        counted.append(f"{_ORDINAL.match(articles[-1]).group(1)}条")
        spans = ([f"{chapters[0]}至{chapters[-1]}"] if chapters else []) + [f"{articles[0]}至{articles[-1]}"]
        citation = self.cite(sentence, first_index, last.end)
        return f"{_shortened(document.name)}：共{'、'.join(counted)}（{'；'.join(spans)}）[{first_index}]。", (citation,)

    def overview(self, evidence: Evidence, first_index: int = 1, depth: int | None = None) -> tuple[str, tuple[Citation, ...]]:
        """The answer to a question about a section as a whole: the section's opening sentences (with ``depth``,
        those of the part under its first ``depth`` headings), up to ``LIST_CHARS`` (its title left out), and the
        best sentence when it comes later."""
        path = evidence.sentence.section.heading_path
        sentences = [  # an item's own heading under the part (「（二）近三年无重大事故。」) is part of what it says
            s for s in self._catalog.section_sentences(evidence.sentence, depth)
            if not s.is_heading or depth is not None and s.as_title not in path[:depth]
        ]
        opening, size = [], 0
        for sentence in sentences:
            if opening and size + len(sentence.text) > LIST_CHARS:
                break
            opening.append(sentence)
            size += len(sentence.text)
        parts = [opening]
        if evidence.sentence.start >= opening[-1].end:
            parts.append([evidence.sentence])
        citations = tuple(self.cite(part[0], first_index + k, part[-1].end) for k, part in enumerate(parts))
        bodies = ["".join(s.text for s in part).rstrip("。！？；") + f"[{c.index}]" for part, c in zip(parts, citations)]
        part = path[depth - 1] if depth is not None and depth < len(path) else None
        if part is None:
            bodies[0] = _without_article(bodies[0], evidence)
        return f"{self.label(evidence, part)}{'……'.join(bodies)}。", citations

    def focus(self, question: QuestionProfile, evidence: Evidence) -> tuple[str, int]:
        """The part of the evidence that answers the question, and where its quote ends (past the sentence when
        enumerated items that follow it are kept).

        A table's row is shown whole, followed by its column header. A sentence is first cut at 「；」 into the
        items it enumerates and the best item kept; a long item is narrowed to the clauses from its best clause
        (the one holding the span asked for) to every clause holding a distinctive word of the question, then to
        the clauses that continue a figure, and given its leading time (「2023年，」).
        """
        sentence = evidence.text.rstrip("。！？；")
        if evidence.sentence.is_table_row:
            return _table_row(sentence, evidence.sentence.section.table_header or ""), evidence.sentence.end
        if question.wants_list or len(sentence) <= LEAD_CHARS:
            items = self._following(evidence)
            if items:
                return f"{evidence.text}{''.join(s.text for s in items)}".rstrip("。！？；"), items[-1].end
        if question.wants_list:
            return sentence, evidence.sentence.end
        clauses = _clauses(sentence)
        spanless = question.asks in (Asks.OTHER, Asks.REASON, Asks.YES_NO)
        items = [clauses] if spanless and len(sentence) <= WHOLE_SENTENCE_CHARS else _group_items(sentence, clauses)
        shared = {t for t in question.terms if all(t in sentence[i[0].start : i[-1].end] for i in items)}
        best_item = max(items, key=lambda item: self._part_score(question, sentence[item[0].start : item[-1].end], shared))
        texts = [sentence[c.start : c.end] for c in best_item]
        if len("".join(texts)) <= (WHOLE_SENTENCE_CHARS if spanless else FOCUSED_ITEM_CHARS):
            start, end = 0, len(texts) - 1
        else:
            start, end = self._clause_range(question, texts, evidence.sentence.section.heading)
            if spanless:
                start, end = max(0, start - 1), min(len(texts) - 1, end + 1)
        first = best_item[start]
        body = sentence[first.start : best_item[end].end].rstrip("，；：,;: ")
        if evidence.sentence.section.article:
            body = _ARTICLE_OPENING.sub("", body)
        head = _leading_time(sentence, clauses)
        body = f"{head}，{body}" if head and first.start > 0 else body
        return body, evidence.sentence.end

    def whole_article(self, question: QuestionProfile, evidence: Evidence) -> list[Sentence]:
        """The sentences of the article ``evidence`` belongs to, when a rule's article is the answer: the question
        asks for no figure, date, place or phone number, and the article is at most ``LIST_CHARS`` long (「政府违约了企业怎么办」
        gets the whole of 「第二十六条」, its duty and its compensation); none otherwise."""
        if evidence.sentence.section.article is None or question.wants_figure or question.asks in (Asks.DATE, Asks.PLACE, Asks.CONTACT):
            return []
        sentences = [s for s in self._catalog.section_sentences(evidence.sentence) if not s.is_heading]
        if len(sentences) < 2 or sum(len(s.text) for s in sentences) > LIST_CHARS:
            return []
        return sentences

    def _headed(self, evidence: Evidence, parts: list[Sentence], first_index: int) -> tuple[str, tuple[Citation, ...]]:
        """A lead phrase and the run-in headings it opens (``run_in_leads``), each cited: 「全方位扩大内需[1]：提高
        投资效益[2]；大力提振消费[3]」."""
        citations = tuple(self.cite(s, first_index + k, s.end) for k, s in enumerate(parts))
        bodies = [f"{s.text.rstrip('。！？；')}[{c.index}]" for s, c in zip(parts, citations)]
        return f"{self.label(evidence)}{bodies[0]}：{'；'.join(bodies[1:])}。", citations

    def run_in_leads(self, sentence: Sentence) -> list[Sentence]:
        """The run-in headings of the paragraph a short lead phrase opens, when the paragraph is too long to show
        (past ``LIST_CHARS``) and the phrase heads them (the next sentence is one): its sentences of at most
        ``LEAD_CHARS`` without a comma that lead more text (「全方位扩大内需。提高投资效益。加强……。大力提振消费。
        紧扣……」 → 「提高投资效益」「大力提振消费」); none when fewer than two. A lead phrase followed by its own
        details is one of several siblings (「“三攻坚一盘活”取得积极成效。提速推进……。民营经济……」): none."""
        if not _is_lead(sentence.text):
            return []
        paragraph_end = self._paragraph_end(sentence)
        rest = [s for s in self._catalog.section_sentences(sentence) if sentence.end <= s.start < paragraph_end]
        if not rest or not _is_lead(rest[0].text) or sum(len(s.text) for s in rest) <= LIST_CHARS:
            return []
        leads = [
            s for s, following in zip(rest, rest[1:])
            if len(s.text) <= LEAD_CHARS and not any(mark in s.text for mark in "，,：:") and len(following.text) > len(s.text)
        ]
        return leads if len(leads) >= 2 else []

    def _paragraph_end(self, sentence: Sentence) -> int:
        """Where the paragraph holding ``sentence`` ends in its file's text."""
        text = self._catalog.sources[sentence.file].text
        end = text.find("\n", sentence.end)
        return len(text) if end < 0 else end

    def _following(self, evidence: Evidence) -> list[Sentence]:
        """What a sentence introduces, when it only introduces: the enumerated items after a sentence ending in
        「：」, or the rest of the paragraph after a short lead phrase (「全方位扩大内需。」), up to ``LIST_CHARS``
        and, when the phrase is followed by its own details, up to the next lead phrase (its sibling)."""
        introduces = evidence.text.rstrip().endswith(("：", ":"))
        if not introduces and not _is_lead(evidence.text):
            return []  # a sentence that says a figure is no lead phrase: it answers by itself
        paragraph_end = self._paragraph_end(evidence.sentence)
        following = [s for s in self._catalog.section_sentences(evidence.sentence) if s.start >= evidence.sentence.end]
        siblings = bool(following) and not introduces and not _is_lead(following[0].text)
        items, size = [], 0
        for sentence in following:
            if size + len(sentence.text) > LIST_CHARS:
                break
            if introduces and not ITEM_MARKER.match(sentence.text):
                break
            if not introduces and (sentence.start > paragraph_end or (siblings and items and _is_lead(sentence.text))):
                break
            items.append(sentence)
            size += len(sentence.text)
        return items

    def excerpt(self, question: QuestionProfile, evidence: Evidence) -> str:
        """What of an evidence sentence to show an LLM: all of it when it is short or a list is asked for; else
        its best 「；」 items in sentence order, about ``EXCERPT_CHARS`` long, or, when one item is all that fits,
        the focused answer (see ``focus``). Fewer prompt tokens, and fewer figures to confuse a small model."""
        sentence = evidence.text
        if question.wants_list or len(sentence) <= EXCERPT_CHARS:
            return sentence
        clauses = _clauses(sentence)
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
            return f"{self.focus(question, evidence)[0]}。"
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
        holding = [i for i in candidates if answer_spans(question.asks, texts[i], question.unit, counted=question.counted)]
        if question.asks is Asks.RATE and question.unit is None:  # 「增长多少」: the change in %, where the text says it so
            holding = [i for i in holding if answer_spans(Asks.RATE, texts[i], "%")] or holding
        if holding:
            candidates = holding
        best = max(candidates, key=lambda i: self._part_score(question, texts[i]))
        key_terms = [t for t in question.terms if t not in heading and self.weight(t) >= KEY_TERM_WEIGHT]
        keys = [i for i, text in enumerate(texts) if any(t in text for t in key_terms)]
        start, end = min([best, *keys]), max([best, *keys])
        if end - start >= MAX_FOCUS_CLAUSES:
            rarest = max(key_terms, key=self.weight, default=None)
            anchor = next((i for i in keys if rarest in texts[i]), best)
            start, end = sorted((best, anchor))
        while end + 1 < len(texts) and end - best < MAX_CONTINUATIONS and (
            _CONTINUATION.match(texts[end + 1]) or _BASE_CLAUSE.search(texts[end]) or _same_measure(texts[end], texts[end + 1])
            or question.asks is Asks.DATE and _PERIOD.search(texts[end]) and _PERIOD.search(texts[end + 1])
        ):
            end += 1
        if end + 1 < len(texts) and texts[end].rstrip().endswith(("：", ":")):
            end += 1  # a label (「联系人：」) is followed by what it labels
        if start > 0 and _CONTINUATION.match(texts[start]):
            start -= 1  # 「总投资……」 alone does not say of what: keep the clause it continues
        return start, end

    def _part_score(self, question: QuestionProfile, text: str, ignore: set[str] = frozenset()) -> float:
        """How well a clause or item matches the question: weighted terms (less ``ignore``), shared bigrams,
        the span asked for."""
        terms = sum(self.weight(t) for t in question.terms if t in text and t not in ignore)
        bigrams = len(char_bigrams(question.text) & char_bigrams(text)) * CLAUSE_BIGRAM_WEIGHT
        return terms + bigrams + (CLAUSE_KIND_BONUS if answer_spans(question.asks, text, question.unit) else 0.0)

    def label(self, evidence: Evidence, part: str | None = None) -> str:
        """Where the answer comes from: the document and the heading that says the year or whether it is a
        result or a plan (「某市（2021年工作总结）：」), the article (「某条例（第十二条）：」) or the table, or the ``part``
        (a chapter) an answer drawn from all of it comes from, instead of an article or table in it. A document
        whose name says nothing to a reader (a file name such as 「news-0123」) gets no label: the citation names
        the file; nor one whose name holds figures (a news title's) that the quote may not hold; a heading with
        figures is left out the same way."""
        name = self._catalog.document_of(evidence.chunk).name
        if not _HAN.search(name) or numbers_of(name):
            return ""
        context = self._context(evidence)
        section = evidence.sentence.section
        if part and (section.article or section.table_header):
            context = part  # an answer drawn from a whole part (a chapter) is labelled by it, not by one article in it
        return f"{_shortened(name)}（{context}）：" if context else f"{_shortened(name)}："

    @staticmethod
    def _context(evidence: Evidence) -> str | None:
        """The part of a label that says the year or result-or-plan (the heading), the article or the table."""
        section = evidence.sentence.section
        table = TABLE_CAPTION.sub("", section.heading_path[-1]).strip() if section.table_header else None
        context = section.article or table or next(
            (h for h in section.heading_path[1:] if years(h) or intent_of(h)), None
        )
        return None if context and numbers_of(context) else context  # a heading's figures are no answer's

    def cite(self, sentence: Sentence, index: int, end: int | None = None) -> Citation:
        """Citation ``[index]`` of a sentence (through ``end`` when the answer keeps what follows it)."""
        end = end or sentence.end
        source = self._catalog.sources[sentence.file]
        return Citation(
            index=index,
            document=sentence.file,
            section=sentence.section.heading,
            quote=source.written[sentence.start : end],
            start=sentence.start,
            end=end,
            line=source.line_of(sentence.start),
            page=source.page_of(sentence.start),
        )


def _clauses(sentence: str) -> list[Span]:
    """The clauses of ``sentence``, a figure cut from the words before it at a space of web text (not at a stop)
    kept with them: 「开发者人数超过 220万」 is one clause."""
    clauses: list[Span] = []
    for clause in split_clauses(sentence, Span(0, len(sentence))):
        if clauses and sentence[clause.start : clause.start + 1].isdigit() and _HAN.fullmatch(sentence[clauses[-1].end - 1]):
            clauses[-1] = Span(clauses[-1].start, clause.end)
        else:
            clauses.append(clause)
    return clauses


def _same_measure(clause: str, following: str) -> bool:
    """Whether ``following`` is a short clause stating a figure in a unit ``clause`` states one in: the next of a
    run of figures of one kind (「达成贷款意向171.53亿元，授信130.41亿元，完成投放83.66亿元」)."""
    if len(following) > FOCUSED_ITEM_CHARS:
        return False
    units = {f.scale + f.unit for f in find_figures(clause) if f.unit and not f.is_year}
    return any(f.scale + f.unit in units for f in find_figures(following) if f.unit and not f.is_year)


def _shortened(name: str) -> str:
    """A document's name as an answer's label shows it: cut to ``LABEL_NAME_CHARS`` with 「…」."""
    return name if len(name) <= LABEL_NAME_CHARS else name[: LABEL_NAME_CHARS - 1] + "…"


def _has_amount(text: str) -> bool:
    """Whether ``text`` holds a figure with a unit or a scale (「60万/亩」) that is not a year."""
    return any(
        (figure.unit or figure.scale) and not figure.is_year and not figure.is_calendar_day for figure in find_figures(text)
    )


def _without_article(body: str, evidence: Evidence) -> str:
    """``body`` without the article number its label already names (「某条例（第二条）：本条例……」)."""
    article = evidence.sentence.section.article
    return body[len(article) :].lstrip() if article and body.startswith(article) else body


def _is_lead(text: str) -> bool:
    """A lead phrase: a short sentence without a figure that opens what follows it (「全方位扩大内需。」)."""
    return len(text) <= LEAD_CHARS and not numbers_of(text) and not text.rstrip().endswith(("：", ":"))


def _table_row(row: str, header: str) -> str:
    """A table's row with each cell under its column's name (「某项：产量 12，比上年增长（%） 3.4」) when the header
    names as many columns as the row has values, else the row followed by the header in brackets."""
    columns = [cell for cell in header.split() if not cell.startswith("单位：")]
    label, *values = row.split()
    if values and len(columns) == len(values) + 1:
        columns = columns[1:]  # the first column names the labels (「产品名称」「指标」)
    if values and len(columns) == len(values):
        unit = next((v for c, v in zip(columns, values) if c in _UNIT_COLUMNS), None)
        cells = [_cell(c, v, unit) for c, v in zip(columns, values) if c not in _UNIT_COLUMNS or unit is None]
        return f"{label}：" + "，".join(cells)
    return f"{row}（{header}）"


def _cell(column: str, value: str, unit: str | None) -> str:
    """A table's cell under its column's name, a bare number with the unit its column's name brackets
    (「比上年增长（%）」 and 「3.4」 → 「比上年增长3.4%」) or the row's unit column names (「产量」 and 「1022.88」 with
    「单位 万吨」 → 「产量1022.88万吨」)."""
    named = bracketed_unit(column)
    if _BARE_NUMBER.fullmatch(value):
        if named:
            return f"{named[0]}{value}{named[1]}"
        if unit and is_unit(unit) and not _BRACKETED_END.search(column):
            return f"{column}{value}{unit}"
    return f"{column} {value}"


def _leading_time(sentence: str, clauses: list[Span]) -> str | None:
    """The sentence's opening clause when it only sets the time (「2023年」「今年以来」), to keep with a later part."""
    head = sentence[clauses[0].start : clauses[0].end].rstrip("，,")
    return head if _LEADING_CONTEXT.match(head) else None


def _group_items(sentence: str, clauses: list[Span]) -> list[list[Span]]:
    """Clauses grouped into the items a sentence enumerates, split after each 「；」."""
    items: list[list[Span]] = [[]]
    for clause in clauses:
        items[-1].append(clause)
        if sentence[clause.start : clause.end].endswith("；"):
            items.append([])
    return [item for item in items if item]
