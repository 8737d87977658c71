"""What a user may send: one check of the question and the conversation, shared by every front.

The engine calls it, so the CLI, the Python API, the page and any HTTP endpoint get the same limits and the same
messages. A question is cleaned (lone surrogates and control characters dropped, full-width digits and letters
made half-width, traditional characters folded to simplified: ``text.variants``) and bounded; a history is a
list of at most ``MAX_HISTORY_ITEMS`` strings, each bounded like a question, of which the last ``HISTORY_USED``
are used.
"""

from __future__ import annotations

import unicodedata

from ..errors import InvalidQuestionError
from ..settings import MAX_QUESTION_CHARS
from ..text.variants import fold_variants

# Earlier questions a follow-up may lean on; a longer history is cut to its end.
HISTORY_USED = 3
# A conversation longer than this is not a conversation a person had: refused rather than walked through.
MAX_HISTORY_ITEMS = 200

_FULL_WIDTH = {code: code - 0xFEE0 for code in (*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B))}


def clean_text(text: str) -> str:
    """``text`` without lone surrogates and control characters (a newline or tab becomes a space), full-width
    digits and Latin letters made half-width, spaces at both ends stripped."""
    text = text.encode("utf-8", "replace").decode("utf-8") if _has_surrogates(text) else text
    text = "".join(" " if ch in "\t\r\n" else ch for ch in text if ch in "\t\r\n" or unicodedata.category(ch) != "Cc")
    return text.translate(_FULL_WIDTH).strip()


def validate_question(question: object) -> str:
    """The question, cleaned and folded to simplified characters; ``InvalidQuestionError`` when it is not text,
    is empty, or is longer than ``MAX_QUESTION_CHARS``."""
    if not isinstance(question, str):
        raise InvalidQuestionError(f"问题必须是文字，收到的是 {type(question).__name__}。")
    if len(question) > 4 * MAX_QUESTION_CHARS:  # not worth cleaning: too long with or without its spaces
        raise InvalidQuestionError(_too_long(len(question)))
    question = clean_text(question)
    if not question.strip("?？!！。.，, "):
        raise InvalidQuestionError("问题为空：请输入一个问题。")
    if len(question) > MAX_QUESTION_CHARS:
        raise InvalidQuestionError(_too_long(len(question)))
    return fold_variants(question)


def validate_history(history: object) -> list[str]:
    """The last ``HISTORY_USED`` earlier questions, each validated like a question (empty ones dropped);
    ``InvalidQuestionError`` when ``history`` is not a list of strings or is longer than ``MAX_HISTORY_ITEMS``."""
    if history is None:
        return []
    if not isinstance(history, (list, tuple)):
        raise InvalidQuestionError(f"对话历史必须是问题的列表，收到的是 {type(history).__name__}。")
    if len(history) > MAX_HISTORY_ITEMS:
        raise InvalidQuestionError(f"对话历史过长（{len(history)} 条），最多 {MAX_HISTORY_ITEMS} 条。")
    if not all(isinstance(item, str) for item in history):
        raise InvalidQuestionError("对话历史中的每一条都必须是文字。")
    used = []
    for item in history[-HISTORY_USED:]:
        try:
            used.append(validate_question(item))
        except InvalidQuestionError as error:
            if len(item) > MAX_QUESTION_CHARS:
                raise InvalidQuestionError(f"对话历史中的一条{str(error).removeprefix('问题')}") from error
    return used


def _too_long(length: int) -> str:
    return f"问题过长（{length} 字），请控制在 {MAX_QUESTION_CHARS} 字以内。"


def _has_surrogates(text: str) -> bool:
    return any("\ud800" <= ch <= "\udfff" for ch in text)
