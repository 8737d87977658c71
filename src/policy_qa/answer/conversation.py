"""Follow-up questions (「那长河呢？」「2024年的目标呢？」) rewritten into standalone questions.

With an LLM the model rewrites, and its output is kept only when it looks like a question of sane length;
otherwise, and without an LLM, rules carry the previous question over: a report or year the follow-up names
replaces the one asked before, anything else is added to it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..models.llm_client import ChatClient, LLMError
from ..text.tokens import years
from .scoping import names_in

if TYPE_CHECKING:
    from ..index.catalog import Catalog

# A follow-up leans on the previous question: short, or opening with 那/那么/这/其, or closing with 呢.
_FOLLOW_UP = re.compile(r"^(?:那么?|这|其|它|还有|另外)|呢[？?]?$")
_LEAD = re.compile(r"^(?:那么?|还有|另外)[，,]?")
_TAIL = re.compile(r"呢?[？?。]*$")
SHORT_FOLLOW_UP = 8

REWRITE_PROMPT = (
    "根据对话中用户之前的问题，把用户最后一个问题改写成一个意思完整、可以单独理解的问题。"
    "保留地名、年份和指标名称。只输出改写后的问题，不要回答。"
)


def is_follow_up(question: str) -> bool:
    """Whether ``question`` needs the conversation to be understood."""
    return len(question) <= SHORT_FOLLOW_UP or bool(_FOLLOW_UP.search(question))


def rewrite_by_rules(question: str, previous: str, catalog: Catalog) -> str:
    """The previous question with the follow-up's documents or year put in, and whatever else it says added."""
    rewritten = previous
    found_now = names_in(question, catalog)
    named_now = [name for name, _ in found_now]
    if named_now:
        named_before = [name for name, _ in names_in(previous, catalog)]
        new = "和".join(dict.fromkeys(document.name for _, document in found_now))
        if named_before:
            rewritten = rewritten.replace(named_before[0], new)
            for old in named_before[1:]:
                rewritten = rewritten.replace(old, "")
        else:
            rewritten = new + rewritten
    years_now = years(question)
    if years_now:
        before = years(rewritten)
        rewritten = rewritten.replace(f"{before[0]}年", f"{years_now[0]}年") if before else f"{years_now[0]}年{rewritten}"
    rest = _TAIL.sub("", _LEAD.sub("", question))
    for name in named_now:
        rest = rest.replace(name, "")
    for year in years_now:
        rest = re.sub(rf"{year}\s*年的?", "", rest)
    rest = rest.strip("，,的 和与及")
    return f"{_TAIL.sub('', rewritten)}，{rest}？" if rest else rewritten


def rewrite_follow_up(question: str, history: list[str], catalog: Catalog, client: ChatClient | None = None) -> str:
    """A standalone form of ``question`` given the user's earlier questions (oldest first)."""
    if not history or not is_follow_up(question):
        return question
    if client is not None:
        try:
            rewritten = client.complete(_messages(question, history)).strip().strip("「」\"'")
        except LLMError:
            rewritten = ""
        if 0 < len(rewritten) <= 3 * (len(question) + len(history[-1])) and "\n" not in rewritten:
            return rewritten
    return rewrite_by_rules(question, history[-1], catalog)


def _messages(question: str, history: list[str]) -> list[dict[str, str]]:
    earlier = "\n".join(f"- {q}" for q in history[-3:])
    return [
        {"role": "system", "content": REWRITE_PROMPT},
        {"role": "user", "content": f"之前的问题：\n{earlier}\n最后一个问题：{question}"},
    ]
