"""The page's HTML from answers and source views: citation links, escaping, the source panel's order."""

from __future__ import annotations

from policy_qa.answer.sources import SourceView
from policy_qa.schema import Answer, Citation
from policy_qa.web import render


def _answer(**values) -> Answer:
    citation = Citation(1, "a.txt", "甲市 › 成绩", "建成厂房5万平方米。", 10, 20, 3)
    base = dict(question="甲市建了多少？", text="甲市：建成厂房5万平方米[1]。见[9]", refused=False, citations=[citation],
                timings_ms={"total": 42.0})
    return Answer(**{**base, **values})


def _view(highlight: tuple[int, int] | None = (5, 7)) -> SourceView:
    start, end = highlight or (None, None)
    return SourceView("a.txt", "甲市 › 成绩", "一是<b>建成</b>。", start, end, 3, 5)


def test_cited_markers_link_to_their_source_card_and_others_stay_text():
    html = render.answer_html(_answer(), 2, "甲市建了多少？", "原文摘录")
    assert '<a class="cite" href="#src-2-1">[1]</a>' in html
    assert "见[9]" in html and "src-2-9" not in html
    assert "原文摘录 · 0.04 秒 · 引用 1 处" in html
    assert "理解" not in html


def test_answer_text_is_escaped_and_the_note_and_rewrite_are_shown():
    html = render.answer_html(_answer(text="<script>x</script>[1]", note="模型不可用，已改用原文摘录。", question="乙市建了多少？"),
                              1, "那乙市呢？", "本地模型")
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "⚠ 模型不可用，已改用原文摘录。" in html
    assert "按「乙市建了多少？」理解" in html


def test_a_refusal_points_to_the_closest_passages():
    html = render.answer_html(_answer(text="资料中没有答案。", refused=True, citations=[]), 1, "甲市建了多少？", "原文摘录")
    assert "最接近的段落" in html


def test_source_card_highlights_the_quote_and_escapes_the_section():
    html = render.turn_sources_html(1, "甲市<建了>多少？", [(1, _view())], [_view(None)])
    assert '<article class="source" id="src-1-1">' in html
    assert "一是&lt;b&gt;<mark>建成</mark>&lt;/b&gt;。" in html
    assert html.count("<mark>") == 1, "an uncited passage has no highlight"
    assert "甲市&lt;建了&gt;多少？" in html
    assert "a.txt · 第 3–5 行" in html
    assert "其他检索到、未被引用的段落（1）" in html


def test_source_panel_shows_the_newest_question_first_and_folds_the_others():
    turns = [render.turn_sources_html(n, f"问{n}", [], []) for n in (1, 2, 3)]
    html = render.sources_html(turns)
    assert html.index('id="turn-3"') < html.index('id="turn-2"') < html.index('id="turn-1"')
    assert html.count(" open>") == 1 and 'class="turn" id="turn-3" open' in html
    assert render.sources_html([]) == render.SOURCES_PLACEHOLDER


def test_index_age_in_words():
    assert render.age_text(5) == "刚刚"
    assert render.age_text(3 * 60 + 5) == "3 分钟前"
    assert render.age_text(2 * 3600) == "2 小时前"
    assert render.age_text(3 * 86400) == "3 天前"



def test_a_card_of_a_paged_file_names_its_pages_not_its_lines():
    view = SourceView("a.pdf", "甲市 › 成绩", "建成。", 0, 3, 30, 42, page_start=3, page_end=4)
    html = render.turn_sources_html(1, "问", [(1, view)], [])
    assert "a.pdf · 第 3–4 页" in html and "行" not in html.split("a.pdf · ")[1].split("</p>")[0]
