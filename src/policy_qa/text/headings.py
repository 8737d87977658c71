"""Heading lines of Chinese official documents (which numbering family a paragraph opens, its rank and title),
and the patterns of header lines (dates, timestamps, 文号).

Ranks follow the conventional order of official documents, outermost first:

    Markdown ``#`` … ``######``  >  第X编 / 第X部分 / 第X篇  >  第X章  >  第X节  >  第X条 (article)
    >  【…】 part title  >  一、  >  （一）  >  1. / 1、  >  （1）  >  ①  >  一是  >  表N (a table's caption)

A paragraph opens a heading when it starts with one of these markers, with the usual guards: 「一、二季度」 is
no 一、 (「三、一次性补贴」 is), 「3.5万」 and 「1、2月」 are no 1., a 【…】 or 第X章/节/编 heading is a whole short line, a table row
(「1.食品烟酒 2.6」) is no heading, and inline 一是…二是… never starts a paragraph (repair keeps it inside its
paragraph). A heading's title is the label and name of a 编/章/节 (「第三章 市场主体保护」), the label alone of an
article (「第十四条」), the content of 【…】, a table's whole caption line, a Markdown heading's text, else the
paragraph's title clause (its
first sentence, cut at its first clause or separator when long), marker included (「（一）在项目建设上快马加鞭」,
「一是引擎作用日益彰显」).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .sentences import HAN, SEPARATOR, WORD

NUMERAL = "(?:[二三四五六七八九]?十[一二三四五六七八九]?|[一二三四五六七八九])"  # 1–99
BIG_NUMERAL = r"(?:[一二三四五六七八九十百千零〇两]{1,7}|\d{1,4})"
_SPACE = "[ \u3000\t]*"

MARKDOWN = re.compile(r"(#{1,6})(?!#)")
_DIVISION = re.compile(rf"(?:\*\*)?(第{BIG_NUMERAL}(?:编|部分|篇|章|节))(?:\*\*)?{_SPACE}")
ARTICLE = re.compile(rf"(?:\*\*)?(第{BIG_NUMERAL}条(?:之[一二三四五六七八九十]{{1,3}})?)(?:\*\*)?{_SPACE}")
BRACKET_HEADING = re.compile(r"【[^【】\n：:]{1,40}】")
# A table's caption on a line of its own: 「表3 主要农产品产量」, 「表十 ……」 (not 「表明」, not a sentence).
TABLE_CAPTION = re.compile(r"表\s*(?:\d{1,2}|[一二三四五六七八九十]{1,3})(?![\d.．、])")
TABLE_RANK = 30
_FAMILIES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("一、", re.compile(rf"{NUMERAL}[、．.]")),
    ("（一）", re.compile(rf"[（(]{NUMERAL}[）)]")),
    ("1.", re.compile(r"\d{1,2}[.．、](?!\d)")),
    ("（1）", re.compile(r"[（(]\d{1,2}[）)]")),
    ("①", re.compile("[\u2460-\u2473]")),
    ("一是", re.compile(rf"{NUMERAL}是")),
)
INLINE_ENUMERATION = re.compile(rf"{NUMERAL}是")
_NUMERAL_START = re.compile(NUMERAL)
_DIGITS = "一二三四五六七八九"
# A table row (「1.食品烟酒 2.6」, cells separated by spaces, the last a figure) is no heading.
TABLE_ROW = re.compile(r"\S\s+[-+]?\d[\d.,%]*$")
_FIGURE_END = re.compile(r"\D(?:[-+]?\d+\.\d+|[-+]\d+(?:\.\d+)?)%?$")
# Dates as written: 2023-07-28, 2023/7/28, 2023.07.28, 2023年7月28日, 二〇二三年七月二十八日; 7-28 with a time.
DATE = re.compile(
    r"(?:19|20)\d{2}(?:-\d{1,2}-\d{1,2}|/\d{1,2}/\d{1,2}|\.\d{1,2}\.\d{1,2}|年\d{1,2}月\d{1,2}日)"
    r"|[〇零一二三四五六七八九]{4}年[一二三四五六七八九十]{1,2}月[一二三四五六七八九十]{1,3}日"
)
# A 文号: 「国办发〔2023〕12号」, also with [] 【】 () brackets.
NUMBER = re.compile(rf"[{HAN}]{{1,12}}[〔\[【(（]\s*(?:19|20)\d{{2}}\s*[〕\]】)）]\s*\d{{1,4}}\s*号")
_TIME = r"\d{1,2}:\d{2}(?::\d{2})?"
# A timestamp line (news files start with one): 「2023-07-28 21:38」, 「7-21 14:51」, 「发布时间:2023-08-16 09:35:29」,
# 「2023年07月28日 21:38:07 来自北京市」.
TIMESTAMP = re.compile(
    rf"(?:(?:发布)?时间[:：]\s*)?(?P<date>{DATE.pattern}|\d{{1,2}}[-/]\d{{1,2}}(?=\s*{_TIME}))(?:\s*{_TIME})?"
    r"(?:\s*[^\s，。；！？,;:：]{1,8})?"
)
# Item markers (（一） （1） 1. ① 一是), as the web page strips them from an item's title to name its topic.
ITEM_MARKER = re.compile("|".join(pattern.pattern for family, pattern in _FAMILIES if family != "一、"))
_DIVISION_RANKS = {"编": 10, "部分": 10, "篇": 10, "章": 11, "节": 12}
ARTICLE_RANK = 13
_RANKS = {"【】": 14, "一、": 20, "（一）": 21, "1.": 22, "（1）": 23, "①": 24, "一是": 25}

_SENTENCE_STOP = re.compile(r"[。！？!?]")
_CLAUSE_STOP = re.compile(rf"[，；：,;]|{SEPARATOR.pattern}")
_CLAUSE_PUNCTUATION = "，。；：！？,;!?"
# Unchanged from the first structure stage: a first sentence longer than LONG_TITLE is cut at its first clause
# (the seed's titles that keep two clauses, 「（一）开展有效招商，夯实动力支撑」, have 16 characters), a title has at
# most MAX_TITLE, and a marker stands alone on its line with a title of at most SHORT_HEADING characters (those
# of the bulletins and eval/corpora have at most 15).
LONG_TITLE = 20
MAX_TITLE = 30
SHORT_HEADING = 25


@dataclass(frozen=True)
class Heading:
    """A heading a paragraph opens: its numbering ``family`` (「（一）」, 「第X章」, 「#」…), ``rank`` (smaller is
    outer), ``title`` for the heading path, ``article`` (「第十四条」) when it is a numbered article, and the
    ``ordinal`` of a 一、 …… 一是 marker (「（三）」 → 3)."""

    family: str
    rank: int
    title: str
    article: str | None = None
    ordinal: int | None = None


def _short_title(text: str) -> bool:
    return 0 < len(text) <= SHORT_HEADING and not any(ch in _CLAUSE_PUNCTUATION for ch in text)


def title_clause(text: str) -> str:
    """The title clause of a paragraph: its first sentence, cut at its first clause when long (a question, the
    title of a Q&A item, only when longer than ``MAX_TITLE``), at most 30 chars."""
    title = _SENTENCE_STOP.split(text, maxsplit=1)[0]
    asks = text[len(title) : len(title) + 1] in ("？", "?")
    if len(title) > (MAX_TITLE if asks else LONG_TITLE):
        title = _CLAUSE_STOP.split(title, maxsplit=1)[0]
    return title[:MAX_TITLE].strip()


def _division(text: str) -> Heading | None:
    """第X编/部分/篇/章/节 on a short line of its own: 「第三章 市场主体保护」."""
    match = _DIVISION.match(text)
    if match is None:
        return None
    name = re.sub(r"[\s\u3000*]+", "", text[match.end() :])
    if name and not _short_title(name):
        return None
    label = match.group(1)
    unit = next(unit for unit in _DIVISION_RANKS if label.endswith(unit))
    return Heading(f"第X{unit}", _DIVISION_RANKS[unit], f"{label} {name}".strip())


def _markdown(text: str) -> Heading | None:
    match = MARKDOWN.match(text)
    if match is None or _FIGURE_END.search(text):  # 「#粮食 101.9」「#铁路-6.6」: a statistics table's 其中 row
        return None
    rest = text[match.end() :].strip().rstrip("#").strip()
    if not rest:
        return None
    division = _division(rest)
    level = len(match.group(1))
    return Heading("#" * level, level - 1, division.title if division else title_clause(rest))


def _chinese_number(numeral: str) -> int:
    """「三」 → 3, 「十二」 → 12, 「二十一」 → 21."""
    if "十" not in numeral:
        return _DIGITS.index(numeral) + 1
    tens, _, ones = numeral.partition("十")
    return 10 * (_DIGITS.index(tens) + 1 if tens else 1) + (_DIGITS.index(ones) + 1 if ones else 0)


def _ordinal(marker: str) -> int:
    """The number a 一、 …… 一是 marker stands for: 「（十二）」 → 12, 「3.」 → 3, 「②」 → 2."""
    if circled := re.search("[\u2460-\u2473]", marker):
        return ord(circled.group()) - 0x2460 + 1
    if digits := re.search(r"\d+", marker):
        return int(digits.group())
    return _chinese_number(re.search(NUMERAL, marker).group())


def _marker(text: str) -> tuple[str, re.Match[str]] | None:
    """``(family, marker)`` of a paragraph starting with a 一、 …… 一是 marker; 「一、二季度」「二、三产业」 (the next
    number after it) are numbers, but 「三、一次性求职补贴」 is a heading."""
    for family, pattern in _FAMILIES:
        if match := pattern.match(text):
            counts_on = family == "一、" and (following := _NUMERAL_START.match(text, match.end()))
            if counts_on and _chinese_number(following.group()) == _ordinal(match.group()) + 1:
                return None
            return family, match
    return None


def inline_ordinals(text: str, family: str) -> set[int]:
    """Ordinals of ``family`` markers inside ``text`` after a punctuation mark (「注：1.……」, 「如下：（一）……」)."""
    pattern = dict(_FAMILIES)[family]
    found = set()
    for match in pattern.finditer(text, 1):
        if not WORD.match(text[match.start() - 1]):
            found.add(_ordinal(match.group()))
    return found


def parse_heading(text: str) -> Heading | None:
    """The heading the paragraph ``text`` opens, or ``None`` for body text."""
    if heading := _markdown(text) or _division(text):
        return heading
    if article := ARTICLE.match(text):
        return Heading("第X条", ARTICLE_RANK, article.group(1), article.group(1))
    if BRACKET_HEADING.fullmatch(text):
        return Heading("【】", _RANKS["【】"], text[1:-1].strip())
    if TABLE_CAPTION.match(text) and len(text) <= MAX_TITLE + 10 and not _SENTENCE_STOP.search(text):
        return Heading("表", TABLE_RANK, text.strip())
    if (marker := _marker(text)) and not TABLE_ROW.search(text):
        family = marker[0]
        return Heading(family, _RANKS[family], title_clause(text), ordinal=_ordinal(marker[1].group()))
    return None


def opens_heading(line: str) -> bool:
    """Whether ``line`` starts with a heading marker that begins a paragraph (inline 一是 excepted)."""
    return parse_heading(line) is not None and not INLINE_ENUMERATION.match(line)


def heading_like(line: str) -> bool:
    """A line that is a whole heading: Markdown, 【…】, 第X章-like, or a 一、 …… ① marker followed by a short
    title without punctuation (never 一是 nor an article, whose text follows on the line)."""
    if _markdown(line) or _division(line) or BRACKET_HEADING.fullmatch(line):
        return True
    marker = _marker(line)
    return marker is not None and marker[0] != "一是" and _short_title(line[marker[1].end() :])
