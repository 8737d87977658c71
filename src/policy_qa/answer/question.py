"""What a question asks: its content words, years, places, the kind of answer it wants, plan or result.

Profiled once per question (``profile_question``); retrieval, evidence, answerers and checks all read the same
``QuestionProfile``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from ..text.figures import COUNTERS, UNITS
from ..text.tokens import (
    COMMON_WORD_FREQUENCY,
    PLAN_WORDS,
    RELATIVE_YEARS,
    RESULT_WORDS,
    STOPWORDS,
    clean_name,
    content_terms,
    dictionary_frequency,
    entity_names,
    is_place_name,
    noun_head,
    word_boundaries,
    years,
)


class Clause(str, Enum):
    """A clause every rule states of itself in an article of its own, which a question may ask for."""

    EFFECT = "effect"  # when it takes effect: 「本办法自2020年5月1日起施行」
    BASIS = "basis"    # what it is for and on what grounds: 「为了……，根据《……》，制定本办法」


class Asks(str, Enum):
    """The kind of answer a question wants; it decides what span an answer must keep."""

    RATE = "rate"            # 增长了多少 / 占比 / 增速：a percentage or ratio
    COUNT = "count"          # 多少个 / 几家：a count
    AMOUNT = "amount"        # 多少亿元 / 面积 / 规模：a quantity with a unit
    DATE = "date"            # 什么时候 / 哪一年 / 何时施行 / 多长时间：a date, period or duration
    WHO = "who"              # 谁 / 哪个部门 / 由谁负责：a person or body
    PLACE = "place"          # 在哪里 / 哪个国家：a place
    LIST = "list"            # 哪些 / 有什么措施：several items
    CONDITION = "condition"  # 条件 / 哪些企业可以申请：who or what qualifies
    CONTACT = "contact"      # 咨询电话 / 联系方式 / 找谁咨询：a phone number, hotline or e-mail
    YES_NO = "yes_no"        # 是否 / 有没有
    REASON = "reason"        # 为什么 / 目的
    OTHER = "other"          # what / how: a phrase

    @property
    def figure(self) -> bool:
        """Whether the answer is a figure (a rate, count or amount)."""
        return self in (Asks.RATE, Asks.COUNT, Asks.AMOUNT)


# Checked in order: the first pattern that matches decides. Condition and list words come before the figure words
# (「需要满足哪些条件」 wants conditions, 「哪几个」 a list), dates before counts (「多少年」「几月」 ask when).
_ASKS: tuple[tuple[Asks, re.Pattern[str]], ...] = (
    (Asks.CONDITION, re.compile(r"条件|资格(?!认证|审核|审查|复核|核查|证)|门槛|适用(?:范围|对象|于哪|于什么)|对(?:谁|哪些\S{0,4})适用|符合.{0,6}(?:要求|标准)|哪些(?:企业|单位|人员?|情形|情况).{0,8}(?:可以|能够?|应当|需要|才能)|什么情况下|什么样的.{0,6}(?:可以|能)|(?:谁|什么人|哪类人)(?:能|可以|可|才能|有资格)(?:领|申请|享受|申报|办理|参加|报名|拿)")),
    (Asks.REASON, re.compile(r"为什么|为何|原因|目的|为了什么|意义在于|初衷")),
    # how to get in touch (「咨询电话是多少」「打什么电话」「找谁咨询」「联系方式」): a number or address, not a figure or body
    # (「移动电话」 is a product, no contact)
    (Asks.CONTACT, re.compile(
        r"(?:咨询|联系|服务|举报|投诉|办公|值班|报名)电话|电话(?:号码?|是多少|多少)|打(?:什么|哪个|啥)电话|热线|联系方式|联系人"
        r"|联络方式|邮箱|电子邮件|传真|(?:找|问|向)谁(?:咨询|联系|打听|反映)|怎么联系|咨询方式"
    )),
    (Asks.DATE, re.compile(r"什么时候|啥时候?|何时|哪一?天|哪一?年|哪个月|几月|几号|几日|哪个季度|日期|什么时间|多长时间|多久|多少年|多少天|期限|截止|起施行|生效|施行|实施时间")),
    (Asks.RATE, re.compile(r"增长了?多少|增速|增幅|降幅|增长率|比重|占比|比例|百分之|[上下]降了?多少|提高了?多少|率[^，,；;？?。]{0,6}?多少|率(?:有)?多[高大]|涨了?多少|跌了?多少")),
    (Asks.WHO, re.compile(r"谁|哪位|哪个(?:部门|单位|机构|机关|企业|公司|组织|团队|人)|哪家|哪些(?:部门|单位|机构|机关)|由(?:哪|什么)|负责(?:部门|单位)|主管部门|牵头")),
    # where to file or ask (「在哪里申报」「通过什么渠道投诉」): a platform, window or hotline, not a place
    (Asks.OTHER, re.compile(
        r"(?:在|去|到)哪(?:里|儿)?(?:申报|申请|办理|提交|报名|投诉|举报|咨询|查询|报送|登记|公示|公布|发布|查看|下载|领取)"
        r"|(?:通过|从)(?:哪里|哪儿|什么)(?:渠道|平台|途径|方式)"
        r"|(?:哪一?次|哪个|什么)会议"  # which meeting: an event, not a place
    )),
    # what money or land is used for (「资金用在哪些地方」「用于哪些方面」): its uses, not a place
    (Asks.LIST, re.compile(r"(?:用在|用于|用到|花在|投向|投在)(?:哪些|哪几个|什么)(?:地方|方面|领域|用途)")),
    (Asks.PLACE, re.compile(
        r"哪里|哪儿|何地|何处|在哪(?![些个一几种类方])|什么地方|(?:哪个|什么)(?:地点|位置)|位于哪|哪座(?:城市|山|岛|港口?|桥)?"
        r"|哪个(?:地方|省|市|县|区|国家|地区|城市)(?!级)|哪些(?:地方|省份?|城市|地区|国家)(?!级)"
    )),
    (Asks.LIST, re.compile(r"哪些|哪几|(?:交|提交|提供|准备|带|需要)什么(?:材料|文件|资料|手续|证明)|包括什么|包括哪|有什么|有啥|些啥|都有|措施|举措|做法|办法有|怎么做|怎么搞|怎么弄")),
    (Asks.YES_NO, re.compile(r"是否|有没有|有无|能不能|可不可以|会不会|是不是|吗[？?]?$")),
    (Asks.COUNT, re.compile(r"多少(?:个|家|项|次|名|人|位|件|条|宗|批|所|座|户|辆|台|套|起|只|架|艘|例)|几(?:个(?![万亿])|家|项|次|名|位|件|条|宗|批|所|座|户|辆|台|套|起)|数量|数目")),
    (Asks.AMOUNT, re.compile(r"多少|几|多[大高长重远]|规模|总量|金额|面积|产值|收入|投资额|价格|费用")),
)
# Words that only ask for an amount, a duration, a rank or which one; they say nothing about the topic.
_ASK_WORDS = re.compile(r"啥时候?|什么时候|多少|几[个家项次天年月名期份宗亩倍条]?|多大|多高|多长|多久|第几|排第几|排名第几|谁|时候|哪一?[家位种类项条款个年月天座]")
# The unit a figure question names: 「多少亿元」→「亿元」, 「几家」→「家」, 「多少万辆」→「万辆」.
_ASKED_UNIT = re.compile(rf"(?:多少|几)(?P<unit>[万亿千百]*(?:{'|'.join(map(re.escape, UNITS))}))(?!(?<=项)目)(?!(?<=个)\s*[万亿])")
# A scale said without a unit (「招商目标是多少亿」「投了几个亿」「多少万」): no topic word; 「亿」 names the figure's
# scale (an answer in 亿 or 万亿, whatever its unit), 「万」 too little to tell (「1.2亿人次」 answers 「多少万人次」).
_ASKED_SCALE = re.compile(r"(?:多少|几(?:个\s*)?)(?P<scale>万亿|亿|万)")
SCALES = ("万亿", "亿", "万")
# A one-character counter after 「多少」/「几」 and the character after it: jieba may read the two as a word
# (「多少家规上企业」 as 「家规」「上」), which they are only when the word is common (``COMMON_WORD_FREQUENCY``).
_COUNTER_AHEAD = re.compile(rf"(?:(?<=多少)|(?<=几))(?P<counter>[{''.join(c for c in COUNTERS if len(c) == 1)}])(?=[\u4e00-\u9fff])")
_RATE_NAMED = re.compile(r"增速|增幅|降幅|增长率|下降率|比重|占比|比例|百分之|百分比|率[^，,；;？?。]{0,6}?多少|率(?:有)?多[高大]")
# Words that name the kind of answer wanted (「有什么措施」「具体情况」「目的是什么」「对比一下」), or only say that a plan is
# asked about (「准备建多少」: ``stated_intent`` reads that from the text), not its topic: a corpus need not use
# them, so they are no topic words.
_KIND_WORDS = frozenset(
    "措施 具体措施 举措 做法 新做法 安排 打算 准备 将要 情况 具体情况 内容 具体内容 具体 方面 相关 有关 关于 主要 啥 事情 "
    "对比 比较 比一比 一下 各是 各自 分别 两个 两地 两市 目的 原因 初衷 怎么回事 意思 什么意思 含义 截止 期限 "
    "电话 咨询电话 联系电话 热线 联系方式 邮箱 地点 位置".split()
)
# A question about the document itself: who wrote or issued it, when, at which meeting, its number (「这份材料是
# 哪个单位写的」「报告是哪一天在哪个会议上作的」「文号是多少」). Its head and tail (title block, byline, signature) say.
_ABOUT_DOCUMENT = re.compile(
    r"(?:报告|文件|材料|公报|通知|意见|办法|条例|规定|文章|稿件?|讲话|这份|那份)\S{0,8}?"
    r"(?:写的|撰写|起草|供稿|作者|稿源|来源|文号|发文|印发|发布|下发|发的|出台|通过|公布|(?:哪个|什么|哪次)会议|(?:谁|哪位)作的"
    r"|(?:哪一?天|什么时候|何时)(?:作|写|发|印发|发布|出台|通过)的?)"
    r"|(?:谁|哪个单位|哪个部门)\S{0,4}?(?:写|起草|印发|发布|下发|发)的|文号"
)
# Years said relative to the year a document was written in.
_RELATIVE_SHIFT = {"前年": -2, "去年": -1, "上年": -1, "今年": 0, "本年": 0, "明年": 1}
# Amounts of money: an amount asked of these, not of their change or target, is in a currency (「要素保障资金有
# 多少」 is not 「项目161个」; 「增加值增长目标」 is a percentage).
_MONEY = re.compile(r"资金|钱|金额|费用|经费|投资|融资|贷款|存款|收入|营收|利润|税收|补贴|奖励|资产|产值|增加值|生产总值|GDP|销售额|零售额|交易额|进出口额|预算")
_CHANGE = re.compile(r"增(?!加值)|降|涨|跌|升|减|提高|扩大|缩小|率|比|目标|预期|幅|速|百分|多少的|几成|标准")
# Phrases that only ask where or what kind (「适用于哪些地方」「什么方面」): no topic words in them.
_ASK_PHRASE = re.compile(r"(?:哪些|哪个|哪几个|什么)(?:地方|方面|内容|情况|东西|事情)")
_ASPECT_SUFFIX = re.compile(r"(?<=.)[了过着]$")
# A spoken 「这」「那」 that jieba joins to its noun (「这钱」「那笔钱」): the noun is the topic word.
_DEMONSTRATIVE = re.compile(r"^[这那](?:个|些|笔|项|份|种)?(?=[\u4e00-\u9fff])")
# A modal verb that jieba only guessed into one word with the character beside it (「最长能租」 → 「能租」, 「钱要交税」
# → 「钱要」): the other character is the word.
_GLUED_MODAL = re.compile(r"^[能可会要想该需](?=[\u4e00-\u9fff]$)|(?<=^[\u4e00-\u9fff])[能可会要想该需]$")
_PLURAL = re.compile(r"哪些|哪几|都有|分别")
# A question for how many chapters or articles a document has (「条例有几章几条」「一共多少条」), not for some number
# of items (「多少条举措」) or for which one (「第几条」).
_STRUCTURE = re.compile(r"(?<!第)(?:几|多少)[章条](?=[、，,？?。和]|$|几|多少)")
_PART_NAMED = re.compile(r"第[一二三四五六七八九十百零〇\d]+[章节]")
# A date question that asks for a day: a deadline, or which day (「申报截止到什么时候」「哪一天施行」).
_DAY_ASKED = re.compile(r"截止|截至|期限|几号|哪一?天|几月几日")
# A date question that asks when (「什么时候」「何时」), or how long (「多久」「期限」「几年」).
_WHEN_ASKED = re.compile(r"什么时候|啥时候?|何时|什么时间|哪一?年|哪个月|几月")
_LENGTH_ASKED = re.compile(r"多久|多长|期限|几年|几个月|几天|多少年|多少天|多少个月|多少小时|一次")
# A question for when a document takes effect (「这个办法什么时候施行」「啥时候开始实施」「生效日期」): its article that
# says so answers (「本办法自2020年5月1日起施行」), wherever in the document it stands.
_EFFECT_ASKED = re.compile(
    r"(?:什么时候|啥时候|何时|哪一?天|哪一?年|几号|什么时间|几月几日)(?:开始|起)?(?:施行|生效|实施|执行|实行)"
    r"|(?:施行|生效|实施|执行)(?:的)?(?:日期|时间)|(?:从|自)(?:什么时候|何时|哪天)(?:开始|起)"
)
# A question for what a document was made for or on what grounds (「根据哪部法律制定的」「这个办法的目的是什么」): its
# opening article says (「为了……，根据《……》，制定本办法」).
_BASIS_ASKED = re.compile(
    r"(?:根据|依据|按照)(?:哪部|哪个|哪些|什么)(?:法律|法规|上位法|文件|规定)?\S{0,3}制定|制定依据|上位法"
    r"|(?:办法|条例|规定|细则|措施|意见|方案|通知|文件|政策)\S{0,4}(?:目的|宗旨)|(?:为什么|为何|为了什么)要?(?:制定|出台|印发)"
)
# 「多少」 or 「几」 asking for a figure (not 「几月」 「多少年」, which ask when).
_FIGURE_ASK = re.compile(r"多少(?![年天])|几(?![月号日天年])")
# 「各是多少」「分别是多少」: one figure asked of each of several things.
_EACH_ASKED = re.compile(r"(?:各|分别)(?:是|为|有|达到)?(?:多少|几)")
# 「要」「准备」 of what one must do (「要满足什么条件」「要准备什么材料」「要去哪办」) state no plan.
_MUST = r"满足|符合|具备|交|缴|提供|提交|带|准备|办|多|几|什么|啥|哪|怎|去|到|找|经过|注意|先|本人|由|用|填"
_PLAN_STATED = re.compile(
    rf"计划|目标|打算|明年|准备(?!什么|啥|哪|好|材料)|将要|任务|安排|预期|力争|下一步|(?<![主需重只必想紧])要(?![求素点闻是么]|{_MUST})"
)
_RESULT_STATED = re.compile(r"去年|上年|已经|已完成|完成了|完成情况|建成了|实际完成|成绩|回顾|总结|成效")


@dataclass(frozen=True)
class QuestionProfile:
    """A question reduced to what retrieval, evidence and the checks compare with the corpus.

    ``terms``: content words without the words that only ask; ``places``: the places, bodies and other proper
    names it uses (not relative years such as 「去年」); ``intent``: ``plan`` or ``result`` when the question leans
    one way (「计划」「目标」 / 「完成」「建成了」), else None; ``stated``: the same, only when it says so without
    doubt (``stated_intent``); ``unit``: the unit of a figure it asks for (「几家」; 「元」, any currency, for an
    amount of money such as 「资金有多少」; for a date question 「日」 when it asks for a day, 「截止到什么时候」, and
    「时」 when it asks when and not how long, 「什么时候缴费」);
    ``about_document``: it asks
    who wrote or issued the document, when or where (``_ABOUT_DOCUMENT``); ``relative_years``: the years it says
    relative to the year a document was written in (「去年」 -1, 「今年」 0); ``speaks_of_change``: it speaks of
    a change, a rate, a share or a target (「增长」「率」「多少的县」「目标」), so a percentage can answer it;
    ``about_structure``: it asks how many chapters or articles the document has (「有几章几条」); ``clause``: the
    clause of a rule about itself it asks for (``Clause``: 「这个办法什么时候施行」「根据哪部法律制定的」); ``counted``:
    the head of what a count question names after its counter (「多少家规上工业企业」 → 「企业」).
    """

    text: str
    terms: tuple[str, ...]
    years: tuple[str, ...]
    places: tuple[str, ...]
    asks: Asks
    intent: str | None
    stated: str | None = None
    unit: str | None = None
    about_document: bool = False
    relative_years: tuple[int, ...] = ()
    speaks_of_change: bool = True
    about_structure: bool = False
    clause: Clause | None = None
    counted: str | None = None

    @property
    def wants_figure(self) -> bool:
        return self.asks.figure

    @property
    def wants_list(self) -> bool:
        """A list, conditions, or several of anything (「哪些部门」): the answer keeps whole sentences."""
        return self.asks in (Asks.LIST, Asks.CONDITION) or _PLURAL.search(self.text) is not None

    @property
    def wants_several_figures(self) -> bool:
        """A figure question that asks for two or more (「有多少家医院，卫生技术人员多少」「去年和今年各是多少」)."""
        return self.wants_figure and (len(_FIGURE_ASK.findall(self.text)) >= 2 or _EACH_ASKED.search(self.text) is not None)


def asks_of(question: str) -> Asks:
    """The kind of answer ``question`` wants (see ``Asks``); ``OTHER`` when no cue says."""
    return next((kind for kind, pattern in _ASKS if pattern.search(question)), Asks.OTHER)


def intent_of(text: str) -> str | None:
    """「plan」 or 「result」 when ``text`` speaks more of plans/targets or of achievements, else None."""
    plan = sum(word in text for word in PLAN_WORDS)
    result = sum(word in text for word in RESULT_WORDS) + ("了" in text)
    if plan == result:
        return None
    return "plan" if plan > result else "result"


def stated_intent(text: str) -> str | None:
    """「plan」 or 「result」 only when ``text`` says so in words that mean nothing else (「计划」「目标」「明年」 /
    「去年」「已经」「完成了」「回顾」), and not both."""
    plan = _PLAN_STATED.search(text) is not None
    result = _RESULT_STATED.search(text) is not None
    if plan == result:
        return None
    return "plan" if plan else "result"


def _topic_terms(question: str) -> tuple[str, ...]:
    """Content words without the words that only ask (「几天」「第几」), without a verb's 了/过 (「建了」→「建」) and a
    modal jieba glued to a character (「能租」→「租」)."""
    terms = []
    for term in content_terms(_ASK_PHRASE.sub("，", question)):
        if _ASK_WORDS.fullmatch(term) or "几" in term or term in _KIND_WORDS:
            continue
        term = _DEMONSTRATIVE.sub("", _ASPECT_SUFFIX.sub("", term))
        if not dictionary_frequency(term):
            term = _GLUED_MODAL.sub("", term)
            term = "" if term in STOPWORDS else term
        if term and term not in terms:
            terms.append(term)
    return tuple(terms)


def profile_question(question: str) -> QuestionProfile:
    """Analyse a validated question."""
    asks = asks_of(question)
    changes = _CHANGE.search(question) is not None
    money = asks is Asks.AMOUNT and _MONEY.search(question) and not changes
    apart = _counters_apart(question)
    unit = _asked_unit(apart) or ("元" if money else None) or (_time_asked(question) if asks is Asks.DATE else None)
    terms = tuple(
        t for t in _topic_terms(apart) if t != unit and t not in RELATIVE_YEARS and t not in UNITS and t not in SCALES
    )
    return QuestionProfile(
        text=question,
        terms=terms,
        years=tuple(years(question)),
        places=_proper_names(question, terms),
        asks=asks,
        intent=intent_of(question),
        stated=stated_intent(question),
        unit=unit,
        about_document=_ABOUT_DOCUMENT.search(question) is not None,
        relative_years=tuple(dict.fromkeys(shift for word, shift in _RELATIVE_SHIFT.items() if word in question)),
        speaks_of_change=changes,
        about_structure=_STRUCTURE.search(question) is not None and not _PART_NAMED.search(question),
        clause=_clause_asked(question, asks),
        counted=_counted(apart, unit) if asks is Asks.COUNT else None,
    )


def _time_asked(question: str) -> str | None:
    """For a date question: 「日」 when it asks for a day (a deadline, 「哪一天」), 「时」 when it asks when and not how
    long (「什么时候缴费」, not 「多久」「期限」), else None."""
    if _DAY_ASKED.search(question):
        return "日"
    return "时" if _WHEN_ASKED.search(question) and not _LENGTH_ASKED.search(question) else None


def _clause_asked(question: str, asks: Asks) -> Clause | None:
    """The clause of a rule about itself that ``question`` asks for, if any."""
    if asks is Asks.DATE and _EFFECT_ASKED.search(question):
        return Clause.EFFECT
    if _BASIS_ASKED.search(question):
        return Clause.BASIS
    return None


def _proper_names(question: str, terms: tuple[str, ...]) -> tuple[str, ...]:
    """The places and organisations jieba tags, and the words named as places (「某某市」)."""
    names = [name for name in entity_names(question) if name not in RELATIVE_YEARS]
    places = (clean_name(question, t, question.find(t)) for t in terms if t in question)
    return tuple(dict.fromkeys([*names, *(p for p in places if is_place_name(p))]))


def _counters_apart(question: str) -> str:
    """``question`` with a space after each counter of 「多少」/「几」 that jieba would read into a rare word with the
    character after it (「多少家 规上企业」), so the counter is the unit and the rest its own words."""

    def apart(match: re.Match[str]) -> str:
        word = question[match.start() : match.end() + 1]
        return match.group() + (" " if dictionary_frequency(word) < COMMON_WORD_FREQUENCY else "")

    return _COUNTER_AHEAD.sub(apart, question)


def _counted(question: str, unit: str | None) -> str | None:
    """The head of what a count question names right after its counter (「多少家规上工业企业」 → 「企业」)."""
    match = _ASKED_UNIT.search(question)
    if unit is None or match is None or match.group("unit") != unit or unit not in COUNTERS:
        return None
    return noun_head(question[match.end() :].lstrip())


def _asked_unit(question: str) -> str | None:
    """The unit after 「多少」/「几」 when it is a word of its own (「多少个项目」「几家」, not 「多少项目」), or a scale of
    亿 said alone (「多少亿」); 「%」 for a question that asks for a rate by name (「增速」「占比」), not for a change that
    may be an amount (「增长了多少」)."""
    if _RATE_NAMED.search(question):
        return "%"
    match = _ASKED_UNIT.search(question)
    if match and match.end() in word_boundaries(question):
        return match.group("unit")
    scale = _ASKED_SCALE.search(question)
    return scale.group("scale") if scale and "亿" in scale.group("scale") else None
