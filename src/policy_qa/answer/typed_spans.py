"""Spans of text that can answer a kind of question: a date or period, a figure, a person or body, a place, a
phone number or address.

``answer_spans(asks, text)`` finds them; an answer to a date question must keep its date, a who-question its
body. Kinds without a recognisable span (lists, reasons, a generic what) have none: their answer is the clauses
that match the question.
"""

from __future__ import annotations

import re

from ..schema import Span
from ..text.figures import COUNTERS, CURRENCIES, UNITS, find_figures
from ..text.sentences import in_brackets
from ..text.tokens import COMMON_WORD_FREQUENCY, dictionary_frequency, noun_head, tagged_words
from .question import Asks

_CN_NUMBER = "[〇零一二三四五六七八九十百两]"
# The unit of a length of time: 「10个工作日」「3个月」「2年」.
_TIME_UNIT = r"(?:个)?(?:工作日|小时|天|日|周|个月|月|年)"
# The hour a day's date may name: 「7月28日12时」「26日24时起」「11日2时10分」「8日上午10:30」.
_HOUR = r"(?:[上下]午|晚|凌晨|早|中午)?(?:\s*\d{1,2}\s*(?:[时点](?:\s*\d{1,2}\s*分)?|[:：]\d{2}))?"
_DATE = re.compile(
    rf"(?:(?:19|20)\d{{2}}|{_CN_NUMBER}{{4}})\s*年(?:\s*\d{{1,2}}\s*月(?:\s*\d{{1,2}}\s*日{_HOUR}|[上中下]旬)?)?(?:[上下]半年|底|末|初|年内|以来|前|起)?"
    rf"|\d{{1,2}}\s*月\s*\d{{1,2}}\s*[日号]{_HOUR}"
    rf"|(?<![\d.])\d{{1,2}}\s*月(?:[上中下]旬|底|初|份)?"
    rf"|(?<![\d.])\d{{1,2}}\s*日{_HOUR}"
    rf"|[一二三四1-4]\s*季度|第[一二三四1-4]季度|[上下]半年|年底|年末|年初|月底|月末|月初|今年|去年|明年|当天|次日|近日|日前"
    rf"|(?:\d+|{_CN_NUMBER}+)\s*{_TIME_UNIT}(?!度)(?:内|以内|后|前|左右|之内)?"  # not 「上一年度」
    rf"|之日(?:起)?|起施行|起实施|起执行"
)
# A length of time alone, without 内/后/前 that would make it a time (「2年」「12个月」, not 「30日内」 nor 「2027年」).
_LENGTH = re.compile(rf"(?:\d{{1,3}}|{_CN_NUMBER}{{1,3}})\s*{_TIME_UNIT}")
# Names of bodies end with these words: 「国务院办公厅」「省商务厅」「某某有限公司」「管委会」.
_BODY = re.compile(
    r"[\u4e00-\u9fffA-Za-z（）()]{2,20}?(?:委员会|管委会|办公厅|办公室|人民政府|政府|部门|部|厅|局|委|办|署|院|所|中心|集团|公司|银行|"
    r"协会|学会|联合会|商会|大学|学院|法院|检察院|研究院|基金会|组织|总部|党委|支部|队)"
    r"(?<!办(?=法))(?<!部(?=分))(?<!所(?=有|以|在|得))(?<!局(?=面))"  # 「办法」「部分」「所有」「局面」 are no bodies
)
# A piece of a ``_BODY`` match that still ends as a body does (the match's own end, or 「市政府」 before a verb).
_NAMED_BODY = re.compile(_BODY.pattern.replace("{2,20}?", "{0,20}?", 1))
# A kind of body alone, or with only a determiner: no name (「公司」「该部门」「各单位」 say which body only in context).
_BARE_BODY = re.compile(r"[该本其此各]?(?:公司|部门|单位|政府|集团|机构|组织|中心|银行|部|局|委|办|厅|院|所|队)")
# Quantities in Chinese numerals: 「一月一次」「全省第一」「两倍」; an article's number (「第二条」) is none.
_CHINESE_QUANTITY = re.compile(
    r"第[一二三四五六七八九十]+(?![条章节款项编部分产])|(?<![第一二两三四五六七八九十百千万])[一二两三四五六七八九十百千万]+[个次月年天倍名位家项条成级]"
)
# Measure words that count the same things: organisations and places (「几家开发区」 is answered by 「4个开发区」),
# people (「多少名工程师」 by 「6.7万人」).
_COUNTING_ALIKE = (frozenset("个家所座处户"), frozenset("名人位"))
# Units of a rate: a share, a change in points, a multiple.
_RATE_UNITS = frozenset({"%", "‰", "个百分点", "百分点", "基点", "倍"})
# A cap on the figure before it (「单个企业每年不超过10万元」「最高50万元」).
CAP = r"(?:单个|每)[^，,；;。]{0,8}?(?:不超过|不高于|最高|最多)|最高|最多|不超过|不高于"
# A figure's lead that only continues the figure before it (「、增长5.7%」「，比上年下降3.4%」「，其中……」「项目127个，
# 总投资531.55亿元」): the figure is the same subject's.
_CONTINUES = re.compile(
    r"[、，,；\s（()）和及与]*(?:[至到~～\-－—]|(?:比|较)(?:上年|去年|年初|上月|同期|上季度?)?|(?:\d{4}年)?(?:同期)?相比|同比|环比|增长|下降|增加|减少|提高|降低|上涨|下跌|"
    rf"回落|增|降|占|其中|年均|分别|达到?|为|合计|累计|共计?|约|超过?|突破|绝对额|总(?:投资|金额|额|面积|产值|规模)|投资额|金额|{CAP})"
)
# A rule's sentence that opens by naming whom or what it is for (「对企业在境外租赁公共海外仓，按照实际租金的30%给予补助，
# 单个企业每年补助不超过100万元」): every figure of the sentence is said of it.
_FOR_WHOM = re.compile(r"^(?:第[^\s，,]{1,8}条\s*)?(?:对于?|凡)[^，,；;。]+")
# A figure said as a change when one of these stands at most ``_CHANGE_REACH`` characters before it.
_CHANGED = re.compile(r"增长|下降|增加|减少|提高|降低|上涨|下跌|上升|回落|提升|扩大|缩小|增|降|涨|跌|减")
_CHANGE_REACH = 8
# Words of change: they say how a figure moved, not whose it is.
_CHANGE_WORDS = re.compile(
    r"增长|下降|增加|减少|提高|降低|上涨|下跌|同比|比上年|新增|累计|达到|完成|实现"
    r"|目标|计划|预期|任务|实际"  # words of plan or result (「粮食产量目标」): which figure, not whose
)
# A figure's lead starts after a clause break; a label's colon is none (「实际使用外资：4870万美元」).
_CLAUSE_END = "，,；;。！？!?\n"
# A unit in a table's header, in brackets: 「绝对额（万元）」.
_BRACKETED = re.compile(r"[（(]([^（）()]{1,8})[）)]")
# A region said by its extent, as rules say where they apply: 「本省行政区域内」「全市范围内」「辖区」.
_REGION = re.compile(r"(?:本|全|该)?[省市县区州镇乡]?(?:行政区域|辖区|境内|区域内|范围内)")
# A way to get in touch: a phone number with or without its area code and extension (「020-38622165」
# 「(020)12345678转8001」, a digit more or less forgiven after the area code), a 400/800 line, a mobile number, a
# five-digit public hotline (「12345」「12333」), an e-mail address.
_CONTACT = re.compile(
    r"(?<![\d.])(?:[(（]?0\d{2,3}[)）]?[-－—\s]?\d{7,9}|\d{7,8})(?:[-－—转]\d{1,5})?(?![\d.])"
    r"|(?<!\d)[48]00[-－—\s]?\d{3}[-－—\s]?\d{4}(?!\d)"
    r"|(?<!\d)1[3-9]\d{9}(?!\d)"
    r"|(?<![\d.])12\d{3}(?=[热服咨查（(、，,。；;）)\s]|$)"
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
)
# What a count counts is named right after it in at most this many characters (「9家工业类开发区」).
_COUNTED_REACH = 12
_PERSON_TAGS = ("nr", "nt")
_PLACE_TAGS = ("ns",)


def _tagged(text: str) -> tuple[tuple[Span, str], ...]:
    """jieba's words of ``text`` as spans with their part-of-speech tags."""
    return tuple((Span(position, position + len(word)), flag) for position, word, flag in tagged_words(text))


def _pos_spans(words: tuple[tuple[Span, str], ...], tags: tuple[str, ...]) -> list[Span]:
    """The spans of ``words`` tagged with one of ``tags``."""
    return [span for span, flag in words if flag.startswith(tags) and span.end - span.start >= 2]


def _body_spans(text: str, words: tuple[tuple[Span, str], ...]) -> list[Span]:
    """Names of bodies (``_BODY``), cut at the verbs inside them (「市政府要求各部门」 names 「市政府」; 「加速公司」 none),
    less the pieces that are only a bare kind of body (「公司」「各部门」)."""
    spans = []
    for match in _BODY.finditer(text):
        verbs = [span for span, flag in words if flag == "v" and match.start() <= span.start and span.end < match.end()]
        starts = [match.start(), *(verb.end for verb in verbs)]
        ends = [verb.start for verb in verbs] + [match.end()]
        for start, end in zip(starts, ends):
            if _NAMED_BODY.fullmatch(text, start, end) and not _BARE_BODY.fullmatch(text, start, end):
                spans.append(Span(start, end))
    return spans


def is_signature_line(text: str) -> bool:
    """Whether ``text`` is a line of a document's signature (落款): a body's name or a date, alone."""
    return bool(_BODY.fullmatch(text) or _DATE.fullmatch(text))


def answer_spans(
    asks: Asks,
    text: str,
    unit: str | None = None,
    table: str | None = None,
    changes: bool = True,
    counted: str | None = None,
) -> list[Span]:
    """Spans of ``text`` that could answer a question of kind ``asks``, in order; for a figure question that
    names its unit (「几家」「多少亿元」), only figures in that unit, or the bare cells of a table's row whose
    headers and caption (``table``) name that unit or none, and none that counts another thing than ``counted``
    (``counts_other``); an amount asked by a question that speaks of no change (``changes`` False: 「进出口总额多少」,
    not 「增长目标是多少」) is no rate."""
    if asks.figure:
        figures = [f for f in find_figures(text) if not f.is_year and (unit in ("月", "日") or not f.is_calendar_day)]
        spoken = [m for m in _CHINESE_QUANTITY.finditer(text)]
        if unit == "%":  # a rate: in %, points or times, or a table's bare cell (its header says 「%」)
            rates = [Span(f.start, f.end) for f in figures if f.unit in _RATE_UNITS]
            rates += [Span(m.start(), m.end()) for m in spoken if m.group()[-1] in "倍成"]
            bare = [Span(f.start, f.end) for f in figures if not f.unit and not f.scale]
            return sorted(rates, key=lambda s: s.start) or (bare if table is not None else [])
        if unit in ("亿", "万亿"):  # a scale said alone (「多少亿」): figures of that scale, whatever their unit
            scaled = [Span(f.start, f.end) for f in figures if "亿" in f.scale]
            return scaled or ([Span(f.start, f.end) for f in figures if not f.unit] if table is not None and "亿" in table else [])
        if unit:
            unit = unit.lstrip("万亿千百") or unit
            units = CURRENCIES if unit == "元" else next((group for group in _COUNTING_ALIKE if unit in group), {unit})
            matching = [
                Span(f.start, f.end) for f in figures if f.unit in units or (f.unit or "").endswith(unit) and len(unit) > 1
            ]
            matching += [Span(m.start(), m.end()) for m in spoken if m.group()[-1] in units]
            said = _header_units(table) if table is not None else set()
            in_table = table is not None and (not said or any(u.endswith(unit) for u in said))
            if not matching and (in_table or unit in text):  # a table's cells: the unit is in a header or cell
                matching = [Span(f.start, f.end) for f in figures if not f.unit]
            return sorted((m for m in matching if not counts_other(text, m, counted)), key=lambda s: s.start)
        if asks is Asks.COUNT:  # 「签约多少项目」: a number of things (「86个」「6.7万」), not an amount (「1000亿元」)
            counts = [Span(f.start, f.end) for f in figures if f.unit in COUNTERS or not f.unit]
            return sorted(counts + [Span(m.start(), m.end()) for m in spoken], key=lambda s: s.start)
        if asks is Asks.AMOUNT and not changes:  # 「总额多少」 asks for an amount, never a rate (「增长13.8%」)
            figures = [f for f in figures if f.unit not in _RATE_UNITS]
        if asks is Asks.RATE and table is None:  # 「涨了多少」: a change, in % or said as one (「比上年增加25元」), not a level
            figures = [f for f in figures if f.unit in _RATE_UNITS or _CHANGED.search(text, max(0, f.start - _CHANGE_REACH), f.start)]
            spoken = [m for m in spoken if m.group()[-1] in "倍成"]
        measured = [Span(f.start, f.end) for f in figures if f.unit or f.scale]
        quantities = [Span(m.start(), m.end()) for m in spoken]
        return sorted(measured + quantities, key=lambda s: s.start) or [Span(f.start, f.end) for f in figures]
    if asks is Asks.DATE:
        dates = [Span(m.start(), m.end()) for m in _DATE.finditer(text)]
        if unit == "日":  # a deadline or a day (「截止到什么时候」「哪一天」): a date with its day, not a year
            dates = [d for d in dates if re.search(r"[日号]|之日", text[d.start : d.end])]
        if unit == "时":  # when, not how long: no bare length of time (「连续2年」「12个月」)
            dates = [d for d in dates if not _LENGTH.fullmatch(text, d.start, d.end)]
        return dates
    if asks is Asks.WHO:
        words = _tagged(text)
        people = [s for s in _pos_spans(words, _PERSON_TAGS) if dictionary_frequency(text[s.start : s.end]) < COMMON_WORD_FREQUENCY]
        spans = _body_spans(text, words) + people
        return sorted(spans, key=lambda s: s.start)
    if asks is Asks.CONTACT:
        return [Span(m.start(), m.end()) for m in _CONTACT.finditer(text)]
    if asks is Asks.PLACE:
        spans = _pos_spans(_tagged(text), _PLACE_TAGS) + [Span(m.start(), m.end()) for m in _REGION.finditer(text)]
        return sorted(spans, key=lambda s: s.start)
    return []


def counts_other(text: str, span: Span, counted: str | None) -> bool:
    """Whether the count at ``span`` of ``text`` counts a thing named right after it that is not ``counted`` (the
    head of the question's 「多少家规上工业企业」): 「9家工业类开发区」 counts no 企业. A count named before it
    (「企业126家」) or not at all is not judged."""
    if counted is None:
        return False
    following = text[span.end : span.end + _COUNTED_REACH]
    if counted in following:
        return False
    after = noun_head(following)
    return after is not None and after not in counted


def is_unit(word: str) -> bool:
    """Whether ``word`` is a unit, with or without a scale (「万吨」「亿元」「%」)."""
    return word.lstrip("万亿千百") in UNITS


def bracketed_unit(column: str) -> tuple[str, str] | None:
    """A table column's name and the unit it ends with in brackets (「绝对额（万元）」 → 「绝对额」「万元」); None when it
    brackets no unit."""
    found = next((m for m in _BRACKETED.finditer(column) if m.end() == len(column)), None)
    if found is None or found.start() == 0 or not is_unit(found.group(1)):
        return None
    return column[: found.start()], found.group(1)


def _header_units(table: str) -> set[str]:
    """The units a table's headers and caption name: in brackets (「绝对额（万元）」) or as a cell (「单位 万吨」)."""
    bracketed = {m.group(1) for m in _BRACKETED.finditer(table)}
    cells = {cell for cell in table.split() if is_unit(cell)}
    return {u for u in bracketed | cells if is_unit(u)}


def subject_words(terms: tuple[str, ...], text: str) -> tuple[str, ...]:
    """The question's topic ``terms`` (its places left out by the caller) that ``text`` holds, less words of
    change (「增长」「完成」): the words a figure of ``text`` must be said of to answer the question."""
    return tuple(t for t in terms if t in text and not _CHANGE_WORDS.fullmatch(t))


def bound_spans(text: str, spans: list[Span], subject: tuple[str, ...]) -> list[Span]:
    """The figure ``spans`` of ``text`` said of a ``subject`` word: the word is in the figure's lead (the text
    from the figure or clause break before it), or in its tail up to the next figure or clause break (「80个学科」),
    or the lead only continues the figure before it (「、增长5.7%」「，比上年下降3.4%」「，单个企业每年不超过10万元」),
    which is bound; in a rule's sentence that opens with whom it is for (「对……的企业，给予……」), every span is the
    opening's. With no subject word in ``text``, every span is bound (its subject is in the headings or context)."""
    if not subject:
        return spans
    opening = _FOR_WHOM.match(text)
    if opening and any(word in opening.group() for word in subject):
        return spans
    marks = sorted({(f.start, f.end) for f in find_figures(text) if not f.is_year} | {(s.start, s.end) for s in spans})
    breaks = _clause_breaks(text)

    def bound(position: int, depth: int = 0) -> bool:
        start, end = marks[position]
        previous_end = marks[position - 1][1] if position else 0
        clause_start = max((b + 1 for b in breaks if b < start), default=0)
        lead = text[max(previous_end, clause_start) : start]
        following = [s for s, _ in marks[position + 1 :]] + [b for b in breaks if b >= end]
        tail = text[end : min(following, default=len(text))]
        if any(word in lead or word in tail for word in subject):
            return True
        if position and depth < 8 and (not lead.strip(_CLAUSE_END + "、 ") or _CONTINUES.match(lead)):
            return bound(position - 1, depth + 1)
        return False

    return [span for span in spans if bound(marks.index((span.start, span.end)))]


def _clause_breaks(text: str) -> list[int]:
    """Positions of the clause breaks of ``text`` outside brackets: 「固定资产投资（不含农户，下同）同比增长10.5%」 is one
    clause."""
    inside = in_brackets(text)
    return [position for position, char in enumerate(text) if char in _CLAUSE_END and not inside[position]]


def holds_answer_kind(
    asks: Asks,
    text: str,
    unit: str | None = None,
    subject: tuple[str, ...] = (),
    table: str | None = None,
    changes: bool = True,
    counted: str | None = None,
) -> bool:
    """Whether ``text`` has a span of the kind (and unit) asked for (``answer_spans``), a figure said of a
    ``subject`` word (``bound_spans``); kinds without a span always hold."""
    if asks.figure:
        return bool(bound_spans(text, answer_spans(asks, text, unit, table, changes, counted), subject))
    if asks in (Asks.DATE, Asks.WHO, Asks.PLACE, Asks.CONTACT):
        return bool(answer_spans(asks, text, unit))
    return True
