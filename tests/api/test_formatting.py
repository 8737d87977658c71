"""The chat text: the answer, a note when the LLM's answer was replaced, then numbered sources with page or line."""

from __future__ import annotations

from policy_qa.api.formatting import chat_text, document_json
from policy_qa.schema import Answer, Citation

QUOTE = "建成标准化厂房37.9万平方米。"


def test_sources_follow_the_answer_with_page_or_line_and_quote():
    citations = [Citation(1, "公报.pdf", "临汾市 › 成绩", QUOTE, 10, 26, 40, page=3), Citation(2, "公报.txt", "晋城市", QUOTE, 0, 16, 7)]
    text = chat_text(Answer("建了多少？", "37.9万平方米[1][2]。", False, citations, note="LLM 的回答未通过核对。"))
    assert text == (
        "37.9万平方米[1][2]。\n\n（LLM 的回答未通过核对。）\n\n来源：\n\n"
        f"[1] 临汾市 › 成绩（公报.pdf，第 3 页）\n> 「{QUOTE}」\n\n"
        f"[2] 晋城市（公报.txt，第 7 行）\n> 「{QUOTE}」"
    )


def test_a_refusal_has_no_sources():
    assert chat_text(Answer("税收呢？", "资料中没有提及。", True)) == "资料中没有提及。"


def test_a_listed_document_shows_no_index_bookkeeping():
    entry = {"name": "a.txt", "encoding": "utf-8", "sha256": "ab", "size": 3, "mtime_ns": 1, "sections": 2, "part": "x"}
    assert document_json(entry) == {"name": "a.txt", "encoding": "utf-8", "sha256": "ab", "size": 3, "sections": 2}
