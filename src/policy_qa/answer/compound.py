"""A question that asks two or three things of different kinds (「一次性求职补贴给多少，谁能领？」「这批公租房一共多少
套，都在哪？」): asked as one question per part, each later part given the topic of the first when it lacks it
(「一次性求职补贴谁能领？」), and the parts' answers joined into one, their citations numbered on.

Parts that each ask for a figure (「引进多少个项目、多少资金」) stay one question: the evidence stage takes a sentence
for each of them (``QuestionProfile.wants_several_figures``). So does a question with a yes-or-no part: it narrows
the other part (「有啥扶持，财政上给钱吗」), which alone would lose what it narrows to.
"""

from __future__ import annotations

import re
from dataclasses import replace

from ..schema import Drafted
from ..text.tokens import tagged_words
from .question import Asks, asks_of

# Where a question's parts meet.
_PART_BREAK = re.compile(r"[，,；;？?]")
# A part asks something: a question word, or a sentence-final 吗.
_ASKING = re.compile(r"多少|几|什么|啥|怎么|怎样|如何|哪|谁|吗|是否|有没有|能不能|能否|可不可以|何时|为什么|为何")
_MAX_PARTS = 3
# Words that may end a topic: nouns, verbal nouns, names and abbreviations (「一次性求职补贴」「居民医保」), but not
# the adverbs jieba tags as abbreviations (「一共」).
_TOPIC_FLAGS = ("n", "vn", "j")
_ADVERBS = frozenset("一共 总共 共计 一起 大概 大约 到底 究竟 具体".split())
_MARKER = re.compile(r"\[(\d+)\]")


def split_compound(question: str) -> list[str]:
    """The questions ``question`` asks, one per part, or ``[question]`` when it asks one thing (or only figures)."""
    parts = [part.strip() for part in _PART_BREAK.split(question) if part.strip()]
    if not 1 < len(parts) <= _MAX_PARTS or not all(_ASKING.search(part) for part in parts):
        return [question]
    kinds = [asks_of(part) for part in parts]
    if all(kind.figure for kind in kinds) or Asks.YES_NO in kinds:
        return [question]
    topic = _topic(parts[0])
    return [f"{parts[0]}？"] + [f"{part if not topic or topic in part else topic + part}？" for part in parts[1:]]


def _topic(part: str) -> str:
    """What ``part`` asks about: its words before the first question word, up to the last noun (「一次性求职补贴给多少」
    → 「一次性求职补贴」, 「这批公租房一共多少套」 → 「这批公租房」)."""
    lead = part[: _ASKING.search(part).start()]
    words = tagged_words(lead)
    last = max(
        (k for k, (_, word, flag) in enumerate(words) if flag.startswith(_TOPIC_FLAGS) and word not in _ADVERBS),
        default=None,
    )
    if last is None:
        return ""
    position, word, _ = words[last]
    return lead[: position + len(word)]


def _said(text: str, shown: str) -> bool:
    """Whether every part of an answer's ``text`` (its label and markers aside) is already in ``shown``: 「王清宪作政府
    工作报告」 does not say 「2025年1月20日」 of the same title line."""
    unmarked = _MARKER.sub("", text)
    body = unmarked.partition("：")[2] or unmarked
    return all(part in shown for part in re.split(r"[；。\n]", body) if part)


def joined(drafts: list[Drafted]) -> Drafted:
    """The answers to a question's parts as one answer: their texts one per line, each part's ``[n]`` markers and
    citations numbered after the earlier parts'; refused only when every part is. Beside an answered part, a
    refused one says only that the library does not say (its pointer to the closest headings, 「6.高层次人才」, could
    be read as part of the answer)."""
    if len(drafts) == 1:
        return drafts[0]
    lines, citations = [], []
    answered = not all(draft.refused for draft in drafts)
    quoted: set[str] = set()
    for draft in drafts:
        shown = "".join(_MARKER.sub("", line) for line in lines)
        if draft.citations and quoted.issuperset(c.quote for c in draft.citations) and _said(draft.text, shown):
            continue  # answered by what an earlier part shows of the same sentences (「租金怎么算，一平米多少钱」)
        quoted.update(c.quote for c in draft.citations)
        offset = len(citations)
        text = draft.text.split("。")[0] + "。" if draft.refused and answered else draft.text
        lines.append(_MARKER.sub(lambda m: f"[{int(m.group(1)) + offset}]", text))
        citations += [replace(citation, index=citation.index + offset) for citation in draft.citations]
    notes = [draft.note for draft in drafts if draft.note]
    return Drafted(
        text="\n".join(lines),
        refused=not answered,
        citations=citations,
        note="；".join(notes) or None,
        source="llm" if any(draft.source == "llm" for draft in drafts) else drafts[0].source,
    )
