"""An answer as a chat client shows it: the text with its ``[n]`` markers, then the numbered sources."""

from __future__ import annotations

from typing import Any

from ..schema import Answer, Citation

SOURCES_TITLE = "来源："
# What the document list shows of an index entry (the rest is the index's own bookkeeping).
DOCUMENT_FIELDS = ("name", "encoding", "sha256", "size", "sections")


def chat_text(answer: Answer) -> str:
    """The answer's text, its note when the LLM's answer was replaced, then one block per citation: number,
    heading path, file with page (or line), and the quoted sentence (as a Markdown quote, readable as plain text)."""
    parts = [answer.text]
    if answer.note:
        parts.append(f"（{answer.note}）")
    if answer.citations:
        parts.append(SOURCES_TITLE)
        parts += [_source(citation) for citation in answer.citations]
    return "\n\n".join(parts)


def _source(citation: Citation) -> str:
    place = f"第 {citation.page} 页" if citation.page is not None else f"第 {citation.line} 行"
    return f"[{citation.index}] {citation.section}（{citation.document}，{place}）\n> 「{citation.quote}」"


def document_json(entry: dict[str, Any]) -> dict[str, Any]:
    """A corpus file of ``PolicyQA.info().documents`` as the API lists it."""
    return {field: entry.get(field) for field in DOCUMENT_FIELDS}
