"""LLM answers from sentence-level evidence, verified before they are shown.

The model sees excerpts of the best evidence sentences (numbered, under their document and heading), never
whole chunks: on a CPU the prompt, not the answer, dominates the time. Its answer is then checked (``verify``);
a figure no evidence holds, a figure under another figure's label, a figure asked for but left out, an answer
not drawn from the best sentence or naming what no evidence names, a refusal the evidence contradicts, or a
fault of the endpoint (down, garbled, or past its deadline: ``LLMSettings``) all give the extractive answer
instead, with a note saying why.

An answer to a question that asks for no figure must also keep the points of the extract (its figures and quoted
terms): a small model tends to summarise one clause of a list and drop the rest.

A refusal of the extractive decision is final: the model never reads evidence the extract refused. Letting it read
when the decision was unsure (a paraphrase the words miss) was measured on the dev half of the seed set in users'
words with the local 1.5B model: it answered 25 such questions, 3 rightly and 15 of them unanswerable, and no
confidence floor told them apart.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

from ..models.llm_client import ChatClient, LLMError
from ..schema import Citation, Drafted
from ..text.figures import numbers_of
from ..text.sentences import split_sentences
from .evidence import ScopeEvidence
from .extractive import REFUSAL, ExtractiveAnswerer
from .question import QuestionProfile
from .verify import (
    VerifiedAnswer,
    misbound_figures,
    strip_markers,
    unsupported_terms,
    verify_answer,
)

_CITED = re.compile(r"\[(\d+)\]")
# A term the source puts in quotes: a named measure, policy or slogan (「“一意见四办法”」).
_QUOTED = re.compile(r"“([^”]{2,30})”|「([^」]{2,30})」|\"([^\"]{2,30})\"")
# Evidence sentences shown to the model: on a 2-core CPU every ~40 prompt tokens cost about a second.
EVIDENCE_SENTENCES = 3

SYSTEM_PROMPT = (
    "你是政策公报问答助手，只依据用户给出的资料回答，不使用资料以外的知识。\n"
    "要求：\n"
    "1. 回答简短准确：照抄资料中的数字和单位，写明年份，并说明是已完成的成绩还是计划目标。\n"
    "2. 每句话末尾用方括号注明所依据资料的编号，例如[1]。\n"
    "3. 名称和用语照抄资料，不改写，不补充资料以外的内容。\n"
    "4. 问题涉及多个地区时，分别回答。\n"
    f"5. 资料中没有答案时，只回答：{REFUSAL}。"
)
# Worked examples (invented, on no real bulletin): a fixed prefix of every prompt, so the server's prompt
# cache computes them once; they show a 1.5B model which sentence answers, and how to refuse.
EXAMPLES = (
    ("资料：\n[1]（甲市 · 2022年工作总结）2022年，全市新建公租房1200套，已分配980套。\n"
     "[2]（甲市 · 2023年工作安排）2023年，计划新建公租房1500套以上，分配率达到90%。\n\n问题：甲市公租房建了多少？",
     "2022年，甲市新建公租房1200套，已分配980套，这是已完成的成绩[1]。"),
    ("资料：\n[1]（乙县 · 2023年工作安排）2023年，力争引进企业20家。\n\n问题：乙县去年的财政收入是多少？",
     f"{REFUSAL}。"),
)


@dataclass(frozen=True)
class ShownEvidence:
    """An evidence sentence as the model sees it: ``text``, an excerpt of ``citation.quote``, under ``label``
    (report and part, which carry the year and whether it is a result or a plan)."""

    citation: Citation
    label: str
    text: str


class LLMAnswerer:
    """Asks the LLM with numbered evidence sentences and keeps its answer only when verification passes."""

    def __init__(self, extractive: ExtractiveAnswerer, client: Callable[[], ChatClient]) -> None:
        self._extractive = extractive
        self._client = client

    def evidence(self, question: QuestionProfile, scopes: list[ScopeEvidence]) -> list[ShownEvidence]:
        """The best sentences of each scope, numbered from 1, without repeats, each with the excerpt shown."""
        per_scope = max(2, EVIDENCE_SENTENCES // len(scopes))
        chosen: dict[tuple[str, int], ShownEvidence] = {}
        for scope in scopes:
            for evidence in scope.ranked[:per_scope]:
                citation = self._extractive.cite(evidence.sentence, 0)
                label = self._extractive.label(evidence).rstrip("：").replace("（", " · ").rstrip("）")
                shown = ShownEvidence(citation, label, self._extractive.excerpt(question, evidence))
                chosen.setdefault((citation.document, citation.start), shown)
        return [replace(shown, citation=replace(shown.citation, index=index))
                for index, shown in enumerate(chosen.values(), start=1)]

    @staticmethod
    def messages(question: str, evidence: list[ShownEvidence]) -> list[dict[str, str]]:
        """The chat messages: the rules, then the numbered evidence excerpts and the question."""
        lines = [f"[{e.citation.index}]（{e.label}）{e.text}" if e.label else f"[{e.citation.index}]{e.text}" for e in evidence]
        user = "资料：\n" + "\n".join(lines) + f"\n\n问题：{question}"
        shots = [{"role": role, "content": text} for pair in EXAMPLES for role, text in zip(("user", "assistant"), pair)]
        return [{"role": "system", "content": SYSTEM_PROMPT}, *shots, {"role": "user", "content": user}]

    def warm_up(self) -> None:
        """One token's request with the fixed prefix of every prompt (rules and examples), for the server to
        cache. ``LLMError`` when the endpoint fails."""
        self._client().complete(self.messages("", []), max_tokens=1)

    def answer(self, question: QuestionProfile, scopes: list[ScopeEvidence]) -> Drafted:
        """The verified LLM answer, or the extractive one with a note."""
        fallback, evidence = self._prepare(question, scopes)
        if not evidence:
            return fallback
        try:
            raw = self._client().complete(self.messages(question.text, evidence))
        except LLMError as error:
            return _with_note(fallback, f"{error}已改用原文摘录。")
        return self._checked(raw, question, evidence, fallback)

    def stream(self, question: QuestionProfile, scopes: list[ScopeEvidence]) -> Iterator[str | Drafted]:
        """Text deltas as the model writes, then the verified ``Drafted`` answer (or the fallback)."""
        fallback, evidence = self._prepare(question, scopes)
        if not evidence:
            yield fallback
            return
        parts: list[str] = []
        try:
            for delta in self._client().stream(self.messages(question.text, evidence)):
                parts.append(delta)
                yield delta
        except LLMError as error:
            yield _with_note(fallback, f"{error}已改用原文摘录。")
            return
        yield self._checked("".join(parts), question, evidence, fallback)

    def _prepare(self, question: QuestionProfile, scopes: list[ScopeEvidence]) -> tuple[Drafted, list[ShownEvidence]]:
        """The extractive answer, and the evidence to show the model: none when the extract refuses."""
        fallback = self._extractive.answer(question, scopes)
        if fallback.refused:
            return fallback, []
        return fallback, self.evidence(question, scopes)

    def _checked(self, raw: str, question: QuestionProfile, evidence: list[ShownEvidence], fallback: Drafted) -> Drafted:
        """The model's answer if it passes every check, else ``fallback`` (the extractive answer) with a note.
        Checked against what the model was shown; cited with the whole sentences."""
        shown = [replace(e.citation, quote=e.text) for e in evidence]
        verified = verify_answer(raw, shown)
        if not verified.supported:
            return _with_note(fallback, "模型回答中有资料里找不到的数字，已改用原文摘录。")
        if verified.refused and not verified.citations:
            return _with_note(fallback, "模型未能根据资料作答，以下为原文摘录。")
        if question.wants_figure:
            note = self._figure_problem(verified, question, fallback)
            if note:
                return _with_note(fallback, note)
        misbound = misbound_figures(verified.text, [e.text for e in evidence])
        if misbound:
            return _with_note(fallback, f"模型回答把数字（{'、'.join(misbound[:3])}）对应到了别的指标，已改用原文摘录。")
        invented = unsupported_terms(verified.text, [question.text, *(f"{e.label}{e.text}" for e in evidence)])
        if invented:
            return _with_note(fallback, f"模型回答中有资料里没有的说法（{'、'.join(invented[:3])}），已改用原文摘录。")
        miscited = _miscited(verified, question, evidence)
        if miscited:
            return _with_note(fallback, f"模型回答的出处与内容不符（{'、'.join(miscited[:3])}），已改用原文摘录。")
        dropped = None if question.wants_figure else _dropped(verified, fallback)
        if dropped:
            return _with_note(fallback, dropped)
        return self._kept(verified, evidence)

    def _figure_problem(self, verified: VerifiedAnswer, question: QuestionProfile, fallback: Drafted) -> str | None:
        """Why a figure question's answer is not kept, if it is not: its figures are none of the best sentence's
        (it answered another question: a plan for a result, another city's figure), it leaves out a figure the
        question asks for, or it does not draw on the best sentence. A question that asks for no figure may be
        answered from any evidence: its sentences are checked against what they cite instead (``_miscited``)."""
        answered = numbers_of(strip_markers(verified.text))
        extract = strip_markers(fallback.text)
        extracted = numbers_of(extract)
        if extracted and not answered & extracted:
            return "模型回答的数字与最相关的原文不一致，已改用原文摘录。"
        missing = self._extractive.key_figures(question, extract) - answered
        if missing:
            return f"模型回答漏掉了问题所问的数字（{'、'.join(sorted(missing)[:3])}），已改用原文摘录。"
        best = fallback.citations[0]
        if all((c.document, c.start) != (best.document, best.start) for c in verified.citations):
            return "模型回答没有依据最相关的原文，已改用原文摘录。"
        return None

    @staticmethod
    def _kept(verified: VerifiedAnswer, evidence: list[ShownEvidence]) -> Drafted:
        """The verified answer, cited with the whole sentences the model was shown excerpts of."""
        whole = {e.citation.index: e.citation for e in evidence}
        citations = [replace(whole[_shown_index(c, evidence)], index=c.index) for c in verified.citations]
        return Drafted(verified.text, False, citations, None, "llm")


def _shown_index(citation: Citation, evidence: list[ShownEvidence]) -> int:
    """The number the model was shown for a verified (renumbered) citation."""
    return next(e.citation.index for e in evidence
                if (e.citation.document, e.citation.start) == (citation.document, citation.start))


def _miscited(verified: VerifiedAnswer, question: QuestionProfile, evidence: list[ShownEvidence]) -> list[str]:
    """Naming words of the answer's sentences that the evidence they cite does not hold (its whole sentence and
    heading path, nor the question): a sentence drawn from one source but cited to another."""
    shown = {e.citation.index: e for e in evidence}
    quotes = {}
    for c in verified.citations:
        whole = shown[_shown_index(c, evidence)].citation
        quotes[c.index] = f"{whole.section}{whole.quote}"
    wrong: list[str] = []
    for span in split_sentences(verified.text):
        sentence = verified.text[span.start : span.end]
        cited = [quotes[int(n)] for n in _CITED.findall(sentence) if int(n) in quotes]
        if cited:
            wrong += unsupported_terms(strip_markers(sentence), [question.text, *cited])
    return list(dict.fromkeys(wrong))


def _dropped(verified: VerifiedAnswer, extract: Drafted) -> str | None:
    """Why an answer to a question that asks for no figure is not kept, if it is not: it leaves out a figure or a
    quoted term of the extract."""
    answer = strip_markers(verified.text)
    shown = strip_markers(extract.text)
    quoted = {next(filter(None, match.groups())) for match in _QUOTED.finditer(shown)}
    dropped = sorted(numbers_of(shown) - numbers_of(answer)) + sorted(term for term in quoted if term not in answer)
    if not dropped:
        return None
    return f"模型回答漏掉了原文中的要点（{'、'.join(dropped[:3])}），已改用原文摘录。"


def _with_note(drafted: Drafted, note: str) -> Drafted:
    return replace(drafted, note=note)
