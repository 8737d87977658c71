"""LLM answers from sentence-level evidence, verified before they are shown.

The model sees the best evidence sentences (numbered, with their heading paths), never whole chunks: on a CPU
the prompt, not the answer, dominates the time. Its answer is then checked (``verify``): a figure no evidence
sentence holds, a fault of the endpoint, or a refusal that contradicts the evidence all fall back to the
extractive answer, with a note saying why. A refusal from the evidence is never overridden by the model.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import TYPE_CHECKING

from .answer import Citation, Drafted
from .extractive import REFUSAL, ExtractiveAnswerer
from .figures import numbers_of
from .llm import ChatClient, LLMError
from .question import QuestionProfile
from .verify import strip_markers, verify_answer

if TYPE_CHECKING:
    from llama_index.core.schema import NodeWithScore

Scopes = list[tuple[str | None, list["NodeWithScore"]]]
# Evidence sentences shown to the model: on a 2-core CPU every ~80 prompt tokens cost about a second.
EVIDENCE_SENTENCES = 4

SYSTEM_PROMPT = (
    "你是政策公报问答助手，只依据用户给出的资料回答，不使用资料以外的知识。\n"
    "要求：\n"
    "1. 回答简短准确：照抄资料中的数字和单位，写明年份，并说明是已完成的成绩还是计划目标。\n"
    "2. 每句话末尾用方括号注明所依据资料的编号，例如[1]。\n"
    "3. 问题涉及多个地区时，分别回答。\n"
    f"4. 资料中没有答案时，只回答：{REFUSAL}。"
)


class LLMAnswerer:
    """Asks the LLM with numbered evidence sentences and keeps its answer only when verification passes."""

    def __init__(self, extractive: ExtractiveAnswerer, client: Callable[[], ChatClient]) -> None:
        self._extractive = extractive
        self._client = client

    def evidence(self, question: QuestionProfile, scopes: Scopes) -> list[Citation]:
        """The best sentences of each scope, numbered from 1, without repeats."""
        per_scope = max(2, EVIDENCE_SENTENCES // len(scopes))
        chosen: dict[tuple[str, int], Citation] = {}
        for _, hits in scopes:
            for evidence in self._extractive.best_evidence(question, hits)[:per_scope]:
                citation = self._extractive.cite(evidence, 0)
                chosen.setdefault((citation.document, citation.start), citation)
        return [replace(citation, index=index) for index, citation in enumerate(chosen.values(), start=1)]

    @staticmethod
    def messages(question: str, evidence: list[Citation]) -> list[dict[str, str]]:
        """The chat messages: the rules, then the numbered evidence and the question."""
        lines = [f"[{c.index}]（{c.section}）{c.quote}" for c in evidence]
        user = "资料：\n" + "\n".join(lines) + f"\n\n问题：{question}"
        return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user}]

    def answer(self, question: QuestionProfile, scopes: Scopes) -> Drafted:
        """The verified LLM answer, or the extractive one with a note."""
        fallback, evidence = self._prepare(question, scopes)
        if fallback.refused or not evidence:
            return fallback
        try:
            raw = self._client().complete(self.messages(question.text, evidence))
        except LLMError as error:
            return _with_note(fallback, f"{error}已改用原文摘录。")
        return self._checked(raw, evidence, fallback)

    def stream(self, question: QuestionProfile, scopes: Scopes) -> Iterator[str | Drafted]:
        """Text deltas as the model writes, then the verified ``Drafted`` answer (or the fallback)."""
        fallback, evidence = self._prepare(question, scopes)
        if fallback.refused or not evidence:
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
        yield self._checked("".join(parts), evidence, fallback)

    def _prepare(self, question: QuestionProfile, scopes: Scopes) -> tuple[Drafted, list[Citation]]:
        return self._extractive.answer(question, scopes), self.evidence(question, scopes)

    @staticmethod
    def _checked(raw: str, evidence: list[Citation], fallback: Drafted) -> Drafted:
        verified = verify_answer(raw, evidence)
        if not verified.supported:
            return _with_note(fallback, "模型回答中有资料里找不到的数字，已改用原文摘录。")
        answered = numbers_of(strip_markers(verified.text))
        extracted = numbers_of(strip_markers(fallback.text))
        if not fallback.refused and extracted and answered and not answered & extracted:
            # Every figure is real, but none is from the sentence that answers best: the model answered
            # another question (a plan for a result, another city's figure).
            return _with_note(fallback, "模型回答的数字与最相关的原文不一致，已改用原文摘录。")
        if verified.refused and not verified.citations:
            return _with_note(fallback, "模型未能根据资料作答，以下为原文摘录。")
        return Drafted(verified.text, False, verified.citations, None, "llm")


def _with_note(drafted: Drafted, note: str) -> Drafted:
    return replace(drafted, note=note)
