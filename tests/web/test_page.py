"""The page's handlers without a browser: answers and sources, follow-ups, friendly errors, modes, the API."""

from __future__ import annotations

import logging
import time

import gradio as gr
import pytest

from policy_qa import PolicyQA, PolicyQAError
from policy_qa.answer.sources import SourceView
from policy_qa.models.llm_client import LLMSettings
from policy_qa.schema import Answer, Citation
from policy_qa.web.page import UNEXPECTED, ChatPage


def _final(page: ChatPage, message: str, chat=None, turns=None, history=None):
    *_, last = page.respond(message, chat or [], turns or [], history or [])
    return last


class _Failing:
    """An engine whose every question fails with ``error``."""

    answer_mode = "extractive"

    def __init__(self, error: Exception) -> None:
        self.error = error

    def ask_stream(self, question, history=None):
        raise self.error
        yield  # a generator, like the engine's


@pytest.fixture
def page(qa) -> ChatPage:
    return ChatPage(qa.with_answerer("extractive"))


def test_answer_links_its_citation_and_the_panel_highlights_the_quote(page):
    box, chat, sources, turns, history = _final(page, "临汾标准化厂房建了多少？")
    assert box == "" and [m["role"] for m in chat] == ["user", "assistant"]
    assert "37.9万平方米" in chat[1]["content"] and 'href="#src-1-1"' in chat[1]["content"]
    assert 'id="src-1-1"' in sources and "建成标准化厂房37.9万平方米" in sources.split("<mark>")[1].split("</mark>")[0]
    assert history == ["临汾标准化厂房建了多少？"] and len(turns) == 1


def test_follow_up_uses_the_conversation(page):
    state = _final(page, "临汾开发区规上工业增加值同比增长了多少？")
    box, chat, sources, turns, history = _final(page, "那晋城呢？", *state[1:2], *state[3:])
    assert len(chat) == 4 and "按「晋城" in chat[3]["content"]
    assert 'href="#src-2-1"' in chat[3]["content"] and sources.index('id="turn-2"') < sources.index('id="turn-1"')


def test_first_yield_shows_the_question_at_once(page):
    first = next(page.respond("临汾标准化厂房建了多少？", [], [], []))
    assert first[1][-1]["content"] == '<div class="answer pending">正在检索……</div>'


def test_empty_question_warns_and_keeps_the_chat(page):
    with pytest.warns(UserWarning, match="问题为空"):
        results = list(page.respond("   ", [], [], []))
    assert results == [("   ", [], results[0][2], [], [])]


@pytest.mark.parametrize(
    ("error", "shown"),
    [(PolicyQAError("索引文件损坏。"), "抱歉，没能回答：索引文件损坏。"), (RuntimeError("boom"), UNEXPECTED)],
)
def test_engine_errors_become_a_friendly_message_and_the_traceback_goes_to_the_log(error, shown, caplog):
    page = ChatPage(_Failing(error))  # type: ignore[arg-type]
    with caplog.at_level(logging.WARNING, logger="policy_qa.web"):
        _, chat, *_ = _final(page, "临汾标准化厂房建了多少？")
    assert shown in chat[-1]["content"] and "Traceback" not in chat[-1]["content"] and "boom" not in chat[-1]["content"]
    assert caplog.records


def test_modes_offer_the_remote_endpoint_only_when_configured(qa, monkeypatch):
    engine = qa.with_answerer("extractive")
    warmed = []
    monkeypatch.setattr(engine, "warm_up", lambda: warmed.append(True))
    assert [mode for _, mode in ChatPage(engine).mode_choices()] == ["extractive", "local"]
    remote = LLMSettings(base_url="http://127.0.0.1:9/v1", model="m")
    page = ChatPage(engine, remote)
    assert [mode for _, mode in page.mode_choices()] == ["extractive", "local", "remote"]
    assert "远程接口" in page.set_mode("remote") and engine.answer_mode == "remote"
    assert "本地模型" in page.set_mode("local") and engine.answer_mode == "local"
    assert ChatPage(engine).on_load()[:2] == ("local", page.mode_note()), "another user's page shows the mode"
    assert "原文摘录" in page.set_mode("extractive") and engine.answer_mode == "extractive"
    deadline = time.monotonic() + 5
    while len(warmed) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(warmed) == 2, "each LLM mode starts its model in the background, extractive does not"


def test_api_answers_as_json_and_reports_a_bad_question(page):
    answer = page.ask_api("临汾标准化厂房建了多少？")
    assert "37.9" in answer["text"] and answer["citations"][0]["quote"].endswith("。")
    with pytest.raises(gr.Error, match="问题为空"):
        page.ask_api("")


def test_a_refused_upload_is_reported_and_the_corpus_view_is_unchanged(page, monkeypatch):
    def refuse(paths, progress=None):
        raise PolicyQAError("「x.xls」的格式不支持。语料库和索引均未改动。")

    monkeypatch.setattr(page.engine, "add_documents", refuse)
    before = page.corpus_view()
    summary, rows, status, _, cleared = page.upload(["/tmp/x.pdf"], progress=lambda *a, **k: None)
    assert status.startswith("⚠ 「x.xls」的格式不支持") and (summary, rows) == before and cleared is None



def test_deleting_without_a_choice_or_with_a_refused_choice_changes_nothing(page, monkeypatch):
    before = page.corpus_view()
    summary, rows, status, _, choices = page.delete([], progress=lambda *a, **k: None)
    assert status == "请先选择要删除的文件。" and (summary, rows) == before

    def refuse(names, progress=None):
        raise PolicyQAError("语料库中没有文件「x.pdf」。语料库和索引均未改动。")

    monkeypatch.setattr(page.engine, "remove_documents", refuse)
    summary, rows, status, _, choices = page.delete(["x.pdf"], progress=lambda *a, **k: None)
    assert status.startswith("⚠ 语料库中没有文件「x.pdf」") and (summary, rows) == before
    assert choices.choices == [(row[0], row[0]) for row in rows] and choices.value == []

class _Streaming:
    """An engine that streams two pieces of LLM text, then its verified answer."""

    answer_mode = "local"

    def __init__(self, final: Answer) -> None:
        self.final = final

    def ask_stream(self, question, history=None):
        yield "甲市建成"
        yield "5万平方米[1]"
        yield self.final

    def source_view(self, item):
        return SourceView(item.document, item.section, item.quote, 0, len(item.quote), 1, 1)


def test_llm_text_streams_in_then_the_verified_answer_replaces_it():
    citation = Citation(1, "a.txt", "甲市 › 成绩", "甲市建成5万平方米。", 0, 10, 1)
    final = Answer("甲市建了多少？", "甲市建成5万平方米[1]。", False, [citation], [], "llm", None, {"total": 9000.0})
    steps = list(ChatPage(_Streaming(final)).respond("甲市建了多少？", [], [], []))  # type: ignore[arg-type]
    shown = [chat[-1]["content"] for _, chat, *_ in steps]
    assert shown[0].endswith("正在检索……</div>")
    assert "甲市建成<span" in shown[1] and "甲市建成5万平方米[1]<span" in shown[2] and "生成中" in shown[2]
    assert 'href="#src-1-1"' in shown[3] and "本地模型 · 9.00 秒" in shown[3] and "生成中" not in shown[3]
