"""Chinese word segmentation (jieba) and the small vocabularies the retriever and answerer share."""

from __future__ import annotations

import logging
import re
from functools import lru_cache

from .variants import fold_variants

# Function words and question words: they say how a question is asked, not what it is about.
STOPWORDS = frozenset(
    """的 了 是 在 和 与 及 以及 等 对 把 被 从 向 为 于 由 也 都 就 还 又 并 或 而 其 之 这 那 这个 那个
    有 有没有 没有 吗 呢 吧 啊 么 什么 哪些 哪个 哪里 哪 多少 几 几个 如何 怎么 怎么样 怎样 为什么 是否 是不是
    请问 请 一下 告诉 我 你 我们 他们 它 分别 各 各自 情况 方面 一共 总共 共 多 大 到底 具体 到 给""".split()
)

# Words that mark a question or a section as being about plans (future) or results (past).
PLAN_WORDS = ("计划", "目标", "打算", "安排", "力争", "预计", "将要", "要求", "明年", "下一步", "今后", "思路", "任务", "准备")
RESULT_WORDS = ("成绩", "成效", "完成", "建成", "实现", "取得", "情况", "总结", "回顾", "已经", "达到", "累计", "去年", "上年")
# Years said relative to the reader's now (「去年」「今年」): their year depends on when the document was written, so
# they are never checked against the evidence as names are; 「去年」/「明年」 do say result or plan.
RELATIVE_YEARS = ("前年", "去年", "今年", "明年", "后年", "当年", "本年", "上年")

# A place named with its administrative suffix: 「某某市」「某某县」「某某自治州」.
PLACE = re.compile(r"[\u4e00-\u9fff]{2,8}?自治[区州县旗]|[\u4e00-\u9fff]{2,4}?[省市县区州旗盟]")
# Collective words (全市, 本县, 各区, 县市区…) and zones that are not places.
_NOT_PLACE_START = tuple("全本该我各此其外两省市县区")
_NOT_PLACE_END = ("开发区", "经开区", "高新区", "示范区", "园区", "功能区", "合作区", "试验区", "集聚区", "保税区")
_CJK_OR_WORD = re.compile(r"[\u4e00-\u9fff]|[A-Za-z0-9]")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年")
_DAY = re.compile(r"(?<!\d)(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]")


@lru_cache(maxsize=1)
def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def segment(text: str) -> list[str]:
    """Search-mode jieba tokens of ``text`` without punctuation, spaces or stopwords."""
    return [
        token
        for token in _jieba().lcut_for_search(fold_variants(text))
        if _CJK_OR_WORD.search(token) and token not in STOPWORDS
    ]


def content_terms(text: str) -> list[str]:
    """Distinct content words of ``text`` in order (accurate-mode segmentation, stopwords dropped)."""
    seen: dict[str, None] = {}
    for token in _jieba().lcut(fold_variants(text)):
        token = token.strip()
        if _CJK_OR_WORD.search(token) and token not in STOPWORDS and token not in seen:
            seen[token] = None
    return list(seen)


# Places and organisations: jieba's person and other-proper-noun tags (nr, nz) fall on too many common words
# (「农村居民」「科学城」) to be checked against the evidence.
_ENTITY_TAGS = ("ns", "nt")
# Characters a mis-segmented name picks up from its neighbours: a date's 年/月/日 before it (「2024年某区」), a
# conjunction after it (「某湖和」).
_DATE_TAIL = "年月日号"
_CONJUNCTION = "和与及同跟"
# Words after which a word jieba tags a place is a verb: an aspect particle, or 「多少」「几」 (「新建了」「新建多少」).
_VERB_FOLLOWERS = ("了", "过", "着", "多少", "几", "几个")


def noun_head(phrase: str) -> str | None:
    """The head of the noun phrase ``phrase`` opens with, its last noun (「规上工业企业已经开工」 → 「企业」); None when
    it opens with no noun. A name is made of nouns, distinguishing words (「省级」), abbreviations, adjectives
    (「老旧」) and classifiers (「类」)."""
    head = None
    for _, word, flag in tagged_words(phrase):
        if not (flag[0] in "nbjaq" or flag == "vn"):
            break
        head = word if flag[0] == "n" or flag == "vn" else head
    return head


@lru_cache(maxsize=8192)
def tagged_words(text: str) -> tuple[tuple[int, str, str], ...]:
    """jieba's words of ``text`` as (offset, word, part-of-speech tag), in order (cached: the same sentences come
    back for every question about their topic)."""
    from jieba import posseg

    _jieba()
    words, position = [], 0
    for pair in posseg.lcut(text):
        words.append((position, pair.word, pair.flag))
        position += len(pair.word)
    return tuple(words)


def entity_names(text: str) -> list[str]:
    """Places and organisations jieba's part-of-speech tagger finds in ``text`` (tags ``ns`` ``nt``), cleaned of
    what they picked up from their neighbours, two characters or more, without repeats; a word followed by an
    aspect particle or by 「多少」「几」 is a verb (「新建了」「新建多少」, though jieba tags 新建 a place)."""
    text = fold_variants(text)
    tagged = tagged_words(text)
    following = [word for _, word, _ in tagged[1:]] + [""]
    words = [
        clean_name(text, word, position)
        for (position, word, flag), after in zip(tagged, following)
        if flag in _ENTITY_TAGS and after not in _VERB_FOLLOWERS
    ]
    return list(dict.fromkeys(word for word in words if len(word) >= 2))


def clean_name(text: str, word: str, start: int) -> str:
    """``word`` (found at ``start`` of ``text``) without a date's 年/月/日 it begins with right after a digit, and
    without a conjunction it ends with."""
    if start > 0 and text[start - 1].isdigit() and word[:1] in _DATE_TAIL:
        word = word[1:]
    return word[:-1] if word[-1:] in _CONJUNCTION else word


def is_place_name(word: str) -> bool:
    """Whether ``word`` is a place named with its suffix (「某某市」), not a collective word or a zone."""
    return PLACE.fullmatch(word) is not None and not word.startswith(_NOT_PLACE_START) and not word.endswith(_NOT_PLACE_END)


def is_proper_name(word: str) -> bool:
    """Whether jieba reads ``word`` as one proper noun (a place, person, organisation or other name: 「太原」
    「凯里」), not a common word (「国际」), a unit (「欧元」) or several words (「逛超」)."""
    from jieba import posseg

    from .figures import UNITS

    _jieba()
    pairs = posseg.lcut(word)
    return word not in UNITS and len(pairs) == 1 and pairs[0].flag.startswith(("ns", "nr", "nz", "nt"))


def years(text: str) -> list[str]:
    """Four-digit years written as 「2023年」 / 「2023 年」, in order of appearance."""
    return list(dict.fromkeys(match.group(1) for match in _YEAR.finditer(text)))


def days(text: str) -> list[str]:
    """Days written with their month, as 「8月3日」 (spaces dropped, 「号」 read as 「日」), in order of appearance."""
    return list(dict.fromkeys(f"{month}月{day}日" for month, day in _DAY.findall(text)))


def char_bigrams(text: str) -> set[str]:
    """Bigrams of consecutive CJK characters or alphanumerics: robust to paraphrase and segmentation slips."""
    chars = _CJK_OR_WORD.findall(fold_variants(text))
    return {a + b for a, b in zip(chars, chars[1:])}


_NAMING_TAGS = ("n", "vn", "eng", "j")


def naming_words(text: str) -> list[str]:
    """Distinct words of two or more characters in ``text`` that jieba tags as naming words (see below)."""
    from jieba import posseg

    _jieba()
    words = (pair.word for pair in posseg.lcut(fold_variants(text)) if len(pair.word) >= 2 and pair.flag.startswith(_NAMING_TAGS))
    return list(dict.fromkeys(words))


def is_naming_word(term: str) -> bool:
    """Whether jieba tags ``term`` (or its last word) as a noun, verbal noun, abbreviation or foreign word:
    words that name a topic (「税收」「外资」), unlike fillers (「现在」「真正」「找」)."""
    from jieba import posseg

    _jieba()
    pairs = posseg.lcut(fold_variants(term))
    return bool(pairs) and pairs[-1].flag.startswith(_NAMING_TAGS)


# A word jieba's dictionary counts this often or more is a common word (「项目」「家庭」「条件」「洪水」), not a rare
# compound (「家规」 30, 「台风」 340) nor a person's name: a round number between the two groups, not fitted.
COMMON_WORD_FREQUENCY = 500


def dictionary_frequency(word: str) -> int:
    """How often jieba's dictionary counts ``word`` (0: not a word of it)."""
    return _jieba().dt.FREQ.get(word, 0) or 0


def word_boundaries(text: str) -> set[int]:
    """Offsets of ``text`` where a jieba word (accurate mode) starts or ends."""
    boundaries, position = {0}, 0
    for token in _jieba().lcut(fold_variants(text)):
        position += len(token)
        boundaries.add(position)
    return boundaries
