"""Sentence and clause spans: terminators, closing quotes, quotations, paragraph breaks, separators, offsets."""

from __future__ import annotations

from pathlib import Path

import pytest

from policy_qa.schema import Span
from policy_qa.text.repair import repair_text
from policy_qa.text.sentences import OVERLONG, split_clauses, split_sentences

CORPUS_FILE = Path(__file__).resolve().parents[2] / "corpus" / "临汾晋城开发区2023年工作情况.txt"


@pytest.fixture(scope="module")
def text() -> str:
    return repair_text(CORPUS_FILE.read_text(encoding="utf-8"))[0]


def texts(text: str, spans: list[Span]) -> list[str]:
    return [text[s.start : s.end] for s in spans]


def test_corpus_sentences_are_non_empty_trimmed_and_ordered(text):
    spans = split_sentences(text)
    assert len(spans) > 100
    for span in spans:
        sentence = text[span.start : span.end]
        assert sentence and sentence == sentence.strip() and "\n" not in sentence
    assert all(a.end <= b.start for a, b in zip(spans, spans[1:]))
    # Everything between sentences is whitespace: nothing is lost.
    gaps = [text[a.end : b.start] for a, b in zip(spans, spans[1:])]
    assert all(not gap.strip() for gap in gaps)


def test_quotation_joined_across_a_page_break_is_one_sentence(text):
    sentence = next(s for s in texts(text, split_sentences(text)) if "活动中" in s and "签约一批" in s)
    assert sentence.startswith("2022年以来“三个一批”活动中，临汾市开发区“签约一批”项目127个")
    assert sentence.endswith("企业达规入库率81.5%。")  # ；does not end a sentence


def test_byline_is_its_own_sentence(text):
    sentences = texts(text, split_sentences(text))
    assert "供稿：临汾市商务局" in sentences
    assert "省年度考核半数以上开发区进入全省第一方阵。" in sentences[sentences.index("供稿：临汾市商务局") - 1]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("甲。乙！丙？丁", ["甲。", "乙！", "丙？", "丁"]),
        ("他说：“要加快。”随后开会。", ["他说：“要加快。”", "随后开会。"]),
        ("提出“吹哨。报到”机制；继续推进！", ["提出“吹哨。报到”机制；继续推进！"]),
        ("完成“三化”改革。（详见附件。）下一步。", ["完成“三化”改革。", "（详见附件。）", "下一步。"]),
        ("【标题】\n  第一段没有句号\n第二段。", ["【标题】", "第一段没有句号", "第二段。"]),
        ("  \n \n", []),
        ("", []),
        ("。。", ["。", "。"]),
    ],
)
def test_split_sentences(source, expected):
    assert texts(source, split_sentences(source)) == expected


def test_unclosed_quotation_does_not_swallow_the_paragraph():
    source = "他说“好。然后走了。"
    assert texts(source, split_sentences(source)) == ["他说“好。", "然后走了。"]


def test_window_offsets_are_absolute():
    source = "前文。甲句。乙句。后文。"
    spans = split_sentences(source, 3, 9)
    assert spans == [Span(3, 6), Span(6, 9)]
    assert split_sentences(source, 3) == [Span(3, 6), Span(6, 9), Span(9, 12)]


def test_split_clauses_tiles_the_sentence():
    source = "前文。甲方面，乙；丙：丁。"
    sentence = split_sentences(source)[1]
    clauses = split_clauses(source, sentence)
    assert texts(source, clauses) == ["甲方面，", "乙；", "丙：", "丁。"]
    assert clauses[0].start == sentence.start and clauses[-1].end == sentence.end


def test_split_clauses_keeps_quotations_whole():
    source = "建立“开发区吹哨，部门报到”机制，定期对接。"
    assert texts(source, split_clauses(source, Span(0, len(source)))) == ["建立“开发区吹哨，部门报到”机制，", "定期对接。"]


def test_split_clauses_keeps_brackets_whole():
    """A bracketed note's 「：」 and 「，」 cut no clause (「（网址：https://…）」「（不含农户，下同）」); a sentence still ends
    where it ends."""
    source = "申请人可在广东省政务服务网（网址：https://www.gdzwfw.gov.cn/）搜索，或到窗口申请。"
    assert texts(source, split_clauses(source, Span(0, len(source)))) == [
        "申请人可在广东省政务服务网（网址：https://www.gdzwfw.gov.cn/）搜索，", "或到窗口申请。",
    ]
    source = "固定资产投资（不含农户，下同）增长10.5%。工业投资增长12.8%。"
    assert texts(source, split_sentences(source)) == ["固定资产投资（不含农户，下同）增长10.5%。", "工业投资增长12.8%。"]


HEADLINE = "北京时间28日晚 2023某某杯小组赛次轮 少一人作战的 某某队1:0战胜对手 延续小组出线希望！"


def test_separators_are_clause_boundaries():
    assert texts(HEADLINE, split_sentences(HEADLINE)) == [HEADLINE]  # short: one sentence
    assert texts(HEADLINE, split_clauses(HEADLINE, Span(0, len(HEADLINE)))) == [
        "北京时间28日晚", "2023某某杯小组赛次轮", "少一人作战的", "某某队1:0战胜对手", "延续小组出线希望！",
    ]


def test_spaces_that_are_no_separators_cut_nothing():
    source = "通过ISO 9001认证，以“推动绿色创新 共建生态文明”为主题。"
    assert texts(source, split_clauses(source, Span(0, len(source)))) == [
        "通过ISO 9001认证，", "以“推动绿色创新 共建生态文明”为主题。",  # between Latin words, inside a quotation
    ]


def test_spaces_that_pad_a_figure_cut_nothing():
    source = "财报显示，2023 年第二季度，总收入为 1.52 亿美元。"
    assert texts(source, split_clauses(source, Span(0, len(source)))) == [
        "财报显示，", "2023 年第二季度，", "总收入为 1.52 亿美元。",
    ]


def test_overlong_run_is_cut_at_separators():
    phrases = [f"第{n}分钟场上风云突变" for n in range(10, 40)]
    source = "前一句。" + " ".join(phrases) + "！后一句。"
    assert len(source) - len("前一句。后一句。") > OVERLONG
    spans = split_sentences(source)
    assert texts(source, spans) == ["前一句。", *phrases[:-1], phrases[-1] + "！", "后一句。"]
    assert all(not source[a.end : b.start].strip() for a, b in zip(spans, spans[1:]))


def test_overlong_sentence_without_separators_stays_whole():
    source = "这是一个非常长的句子，" * 20 + "完。"
    assert texts(source, split_sentences(source)) == [source]


def test_text_without_stops_is_cut_at_clauses_then_at_the_longest_sentence():
    from policy_qa.text.sentences import MAX_SENTENCE

    clauses = "临汾建成标准化厂房37.9万平方米，" * 20_000
    spans = split_sentences(clauses)
    assert len(spans) == 20_000 and {clauses[s.start : s.end] for s in spans} == {"临汾建成标准化厂房37.9万平方米，"}
    words = "word " * 40_000
    spans = split_sentences(words)
    assert max(s.end - s.start for s in spans) <= MAX_SENTENCE
    assert "".join(words[s.start : s.end] for s in spans).replace(" ", "") == words.replace(" ", "")
