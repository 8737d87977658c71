"""HTML and text for the page, from the engine's answers, source views and index info. Pure functions: no Gradio.

Every string from the corpus or the user is escaped. An answer's ``[n]`` becomes a link to ``#src-<turn>-<n>``,
the source card of that citation in the source panel, where the quote is highlighted inside its section's text;
the page's script (``style.SCRIPT``) marks the clicked card and scrolls it into view.
"""

from __future__ import annotations

import base64
import re
import time
from datetime import datetime
from html import escape
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..answer.sources import SourceView
    from ..engine import IndexInfo
    from ..schema import Answer

MODE_LABELS = {"extractive": "原文摘录", "local": "本地模型", "remote": "远程接口"}
SOURCES_PLACEHOLDER = '<div class="sources empty">提问后，这里会列出答案引用的段落，并高亮被引用的原句。</div>'
_MARKER = re.compile(r"\[(\d+)\]")


def pending_html(draft: str = "") -> str:
    """The assistant's message while it is being written: the provisional text, or a searching notice."""
    if not draft:
        return '<div class="answer pending">正在检索……</div>'
    return f'<div class="answer pending">{_lines(draft)}<span class="writing">（生成中……）</span></div>'


def answer_html(answer: Answer, turn: int, asked: str, mode_label: str) -> str:
    """The final answer as one HTML block: text with citation links, the note, what wrote it and how fast."""
    cited = {c.index for c in answer.citations}
    text = _MARKER.sub(
        lambda m: f'<a class="cite" href="#src-{turn}-{m[1]}">[{m[1]}]</a>' if int(m[1]) in cited else m[0],
        _lines(answer.text),
    )
    parts = ['<div class="answer">']
    if answer.question != asked.strip():
        parts.append(f'<p class="understood">按「{escape(answer.question)}」理解</p>')
    parts.append(f'<p class="text">{text}</p>')
    if answer.note:
        parts.append(f'<p class="note">⚠ {escape(answer.note)}</p>')
    seconds = answer.timings_ms.get("total", 0) / 1000
    wrote = "原文摘录" if answer.answerer == "extractive" else mode_label
    meta = f"{wrote} · {seconds:.2f} 秒"
    if answer.citations:
        meta += f" · 引用 {len(answer.citations)} 处，点击 [编号] 查看原文"
    elif answer.refused:
        meta += " · 右侧列出了最接近的段落"
    parts.append(f'<p class="meta">{meta}</p></div>')
    return "".join(parts)


def message_html(message: str, kind: str = "error") -> str:
    """A friendly message in the chat (an error, or a notice)."""
    return f'<div class="answer {kind}"><p>{escape(message)}</p></div>'


def turn_sources_html(turn: int, question: str, cited: list[tuple[int, SourceView]], others: list[SourceView]) -> str:
    """One question's source cards: the cited sections, then the retrieved but uncited ones, folded."""
    cards = [_card(view, f"src-{turn}-{index}", f"[{index}]") for index, view in cited]
    if not cited:
        cards.append('<p class="none">这个回答没有引用段落。</p>')
    if others:
        folded = "".join(_card(view, None, "") for view in others)
        cards.append(f'<details class="uncited"><summary>其他检索到、未被引用的段落（{len(others)}）</summary>{folded}</details>')
    return (
        f'<details class="turn" id="turn-{turn}" open><summary>第 {turn} 问：{escape(question)}</summary>'
        + "".join(cards)
        + "</details>"
    )


def sources_html(turns: list[str]) -> str:
    """The source panel: every turn's cards, the newest first and the others folded."""
    if not turns:
        return SOURCES_PLACEHOLDER
    newest_first = [turns[-1]] + [t.replace('class="turn"', 'class="turn earlier"', 1).replace(" open>", ">", 1) for t in reversed(turns[:-1])]
    return '<div class="sources">' + "".join(newest_first) + "</div>"


def _card(view: SourceView, anchor: str | None, badge: str) -> str:
    before, quote, after = view.parts
    body = escape(before) + (f"<mark>{escape(quote)}</mark>" if quote else "") + escape(after)
    anchor_attr = f' id="{anchor}"' if anchor else ""
    badge_html = f'<span class="badge">{badge}</span>' if badge else ""
    return (
        f'<article class="source"{anchor_attr}><header>{badge_html}<span class="path">{escape(view.section)}</span></header>'
        f'<p class="where">{escape(view.document)} · {view.place}</p><p class="section-text">{body}</p>{_page_image(view)}</article>'
    )


def _page_image(view: SourceView) -> str:
    """The cited page as an image with the quote highlighted, folded open under the text (PDF citations)."""
    if not view.page_image:
        return ""
    data = base64.b64encode(view.page_image).decode("ascii")
    return (
        f'<details class="page-image" open><summary>原页：第 {view.page} 页（引文已标出）</summary>'
        f'<img src="data:image/jpeg;base64,{data}" alt="第 {view.page} 页"></details>'
    )


def _lines(text: str) -> str:
    return escape(text).replace("\n", "<br>")


def corpus_summary(info: IndexInfo, now: float | None = None) -> str:
    """Markdown: documents, sections, index age, model and folders."""
    sections = sum(int(d.get("sections", 0)) for d in info.documents)
    built = datetime.fromtimestamp(info.built_at).strftime("%Y-%m-%d %H:%M:%S")
    lines = [
        f"**{len(info.documents)} 个文件 · {sections} 个章节 · {info.chunks} 个检索段落**",
        f"索引建于 {built}（{age_text((now or time.time()) - info.built_at)}）",
        f"报告：{'、'.join(info.reports)}",
        f"语料文件夹 `{info.corpus_dir}` · 索引 `{info.index_dir}` · 向量模型 `{info.model}`",
    ]
    lines += [f"⚠ {warning}" for warning in info.warnings]
    return "\n\n".join(lines)


def corpus_rows(info: IndexInfo) -> list[list[object]]:
    """The documents table: name, sections, encoding."""
    return [[d["name"], d.get("sections", 0), d.get("encoding", "")] for d in info.documents]


def age_text(seconds: float) -> str:
    """「刚刚」, 「5 分钟前」, 「3 小时前」, 「2 天前」."""
    if seconds < 60:
        return "刚刚"
    for unit, size in (("天", 86400), ("小时", 3600), ("分钟", 60)):
        if seconds >= size:
            return f"{int(seconds // size)} {unit}前"
    return "刚刚"
