"""The page in a real browser (Debian's chromium, driven by playwright): ask, click a citation, see the quote
highlighted in its section; follow-ups; errors; upload; the LLM-down fallback; nothing fetched from outside."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from ..conftest import SECOND_BULLETIN

pytestmark = pytest.mark.slow

ANSWER_TIMEOUT_MS = 60_000


def ask(page, question: str, turn: int) -> None:
    """Type ``question``, send it and wait for the final answer of ``turn`` (1-based)."""
    page.fill("#question textarea", question)
    page.click("#send")
    page.wait_for_function(
        "n => document.querySelectorAll('#chat .answer:not(.pending)').length >= n", arg=turn, timeout=ANSWER_TIMEOUT_MS
    )


def last_answer(page) -> str:
    return page.locator("#chat .answer:not(.pending)").last.inner_text()


def test_answer_citation_click_shows_the_quote_highlighted_in_its_section(page, artifacts):
    page.screenshot(path=artifacts / "01-start.png")
    ask(page, "临汾标准化厂房建了多少？", 1)
    answer = last_answer(page)
    assert "37.9万平方米" in answer and "[1]" in answer
    page.locator("#chat a.cite").first.click()
    card = page.locator("#src-1-1.active")
    card.wait_for()
    page.wait_for_timeout(600)  # the smooth scroll
    assert card.is_visible() and page.evaluate("window.scrollY") == 0, "the panel scrolls, not the window"
    assert "临汾市 › 2023年工作成绩" in card.locator(".path").inner_text()
    quote = card.locator("mark")
    assert "建成标准化厂房37.9万平方米" in quote.inner_text()
    assert quote.is_visible() and quote.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(255, 212, 59)"
    section = card.locator(".section-text").inner_text()
    assert section.startswith("五是要素保障扎实有力") and len(section) > len(quote.inner_text())
    assert page.locator("#sources details.uncited summary").first.inner_text().startswith("其他检索到")
    page.screenshot(path=artifacts / "02-answer-with-highlighted-source.png")
    assert page.outside == []


def test_follow_up_and_new_chat(page, artifacts):
    ask(page, "临汾标准化厂房建了多少？", 1)
    ask(page, "那晋城呢？", 2)
    answer = last_answer(page)
    assert "按「" in answer and "晋城" in answer
    assert page.locator("#sources details.turn > summary").first.inner_text().startswith("第 2 问")
    assert not page.locator("#src-1-1 mark").is_visible(), "an earlier question's sources are folded"
    page.locator("#chat a.cite").first.click()  # a citation of the first answer opens its folded turn
    page.locator("#src-1-1.active").wait_for()
    page.wait_for_timeout(600)
    assert page.locator("#src-1-1 mark").is_visible()
    page.screenshot(path=artifacts / "03-follow-up.png")
    page.click("#new-chat")
    page.wait_for_function("() => document.querySelectorAll('#chat .answer').length === 0")
    assert "提问后" in page.locator("#sources").inner_text()


def test_empty_question_gets_a_friendly_message(page):
    page.click("#send")
    toast = page.get_by_text("问题为空：请输入一个问题。")
    toast.first.wait_for(timeout=10_000)
    assert page.locator("#chat .answer").count() == 0
    assert "Traceback" not in page.content()


def test_example_question_is_answered_on_click(page):
    example = page.locator("#examples button").first
    text = example.inner_text().strip()
    example.click()
    page.wait_for_function("() => document.querySelectorAll('#chat .answer:not(.pending)').length >= 1", timeout=ANSWER_TIMEOUT_MS)
    assert text in page.locator("#chat").inner_text()
    assert page.locator("#chat a.cite").count() >= 1


def test_llm_down_falls_back_and_says_so(page, artifacts):
    page.locator("#mode label", has_text="远程接口").click()
    page.get_by_text("远程 LLM 接口").wait_for()
    try:
        ask(page, "临汾标准化厂房建了多少？", 1)
        answer = last_answer(page)
        assert "37.9万平方米" in answer and "已改用原文摘录" in answer
        page.screenshot(path=artifacts / "04-llm-down-fallback.png")
    finally:
        page.locator("#mode label", has_text="原文摘录").click()
        page.get_by_text("直接摘录原文句子作答").wait_for()


def test_bad_upload_changes_nothing_then_a_good_one_is_searchable(page, server, artifacts, tmp_path):
    page.get_by_role("tab", name="语料库").click()
    summary = page.locator("#corpus-summary")
    summary.get_by_text("1 个文件").wait_for()
    binary = tmp_path / "扫描件.txt"
    binary.write_bytes(bytes(range(256)) * 8)
    page.set_input_files("#upload input[type=file]", str(binary))
    page.locator("#corpus-status").get_by_text("无法读取").wait_for(timeout=30_000)
    assert "语料库和索引均未改动" in page.locator("#corpus-status").inner_text()
    assert "1 个文件" in summary.inner_text() and not (server.corpus / binary.name).exists()

    bulletin = _as_pdf(next(SECOND_BULLETIN.iterdir()), tmp_path)
    page.set_input_files("#upload input[type=file]", str(bulletin))
    page.locator("#corpus-status").get_by_text("已加入").wait_for(timeout=120_000)
    assert "2 个文件" in summary.inner_text() and bulletin.name in page.locator("#documents").inner_text()
    page.screenshot(path=artifacts / "05-corpus-after-upload.png", full_page=True)

    page.get_by_role("tab", name="问答").click()
    ask(page, "云岭县企业开办时间压缩到了多少？", 1)
    assert "0.5个工作日" in last_answer(page)
    page.locator("#chat a.cite").first.click()
    assert page.locator("#src-1-1 .where").inner_text() == f"{bulletin.name} · 第 1 页"
    image = page.locator("#src-1-1 .page-image img")
    image.wait_for()
    assert page.locator("#src-1-1 .page-image summary").inner_text() == "原页：第 1 页（引文已标出）"
    assert image.evaluate("e => e.complete && e.naturalWidth") > 800, "the page is rendered, not a broken image"
    page.screenshot(path=artifacts / "06-uploaded-pdf-answer-with-its-page.png")


def _as_pdf(text_file: Path, folder: Path) -> Path:
    """``text_file`` written as a PDF by LibreOffice, as an office would upload it."""
    profile = (folder / "lo-profile").as_uri()
    subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation={profile}", "--convert-to", "pdf", "--outdir", str(folder), str(text_file)],
        check=True, capture_output=True, timeout=120,
    )
    return folder / f"{text_file.stem}.pdf"


def test_reindex_button_rebuilds_and_the_page_keeps_answering(page):
    page.get_by_role("tab", name="语料库").click()
    page.click("#reindex")
    page.locator("#corpus-status").get_by_text("索引已重建。").wait_for(timeout=120_000)
    assert "（刚刚）" in page.locator("#corpus-summary").inner_text()
    page.get_by_role("tab", name="问答").click()
    ask(page, "临汾标准化厂房建了多少？", 1)
    assert "37.9万平方米" in last_answer(page)
