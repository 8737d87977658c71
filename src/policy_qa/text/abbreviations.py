"""Short and full forms of the terms of Chinese official statistics and reports, one group per meaning.

A question says 「GDP」 or 「规上」 where a report writes 「地区生产总值」 or 「规模以上」, and the other way round;
``forms_in(text)`` finds them, ``spellings(term)`` gives the other forms of one, so the evidence stage can look for
the form the corpus uses.
The groups are the standard terms of the National Bureau of Statistics' bulletins and the everyday short forms of
policy documents' terms (「台胞」「民企」「社保」), not fitted to any corpus.
"""

from __future__ import annotations

_GROUPS: tuple[tuple[str, ...], ...] = (
    ("GDP", "地区生产总值", "国内生产总值", "生产总值"),
    ("CPI", "居民消费价格"),
    ("PPI", "工业生产者出厂价格"),
    ("规上", "规模以上"),
    ("限上", "限额以上"),
    ("社零", "社会消费品零售总额"),
    ("固投", "固定资产投资"),
    ("研发", "R&D", "研究与试验发展"),
    ("营收", "营业收入"),
    ("外贸", "进出口"),
    ("专利授权", "授权专利"),
    ("货运量", "货物运输总量", "货物运输量"),
    ("客运量", "旅客运输总量", "旅客运输量"),
    ("高校", "高等学校", "高等教育学校", "高等院校"),
    # the short forms of policy documents' common terms, as people say them
    ("台胞", "台湾同胞"),
    ("国企", "国有企业"),
    ("民企", "民营企业"),
    ("外企", "外资企业", "外商投资企业"),
    ("高企", "高新技术企业"),
    ("个体户", "个体工商户"),
    ("社保", "社会保险"),
    ("人社", "人力资源和社会保障"),
    ("发改委", "发展改革委", "发展和改革委员会"),
    ("工信", "工业和信息化"),
    ("市监", "市场监管", "市场监督管理"),
    ("政采", "政府采购"),
    ("知产", "知识产权"),
    ("医保", "医疗保险", "医疗保障"),
    ("公积金", "住房公积金"),
    ("公租房", "公共租赁住房"),
    ("低保", "最低生活保障"),
    ("户口", "户籍"),
    ("失业金", "失业保险金"),
    ("养老金", "基本养老金"),
    ("房贷", "住房贷款"),
    ("车贷", "购车贷款"),
    # spoken forms of everyday words
    ("平米", "平方米"),
    ("两口子", "夫妻"),
)
_OTHERS = {term: tuple(t for t in group if t != term) for group in _GROUPS for term in group}


def forms_in(text: str) -> list[str]:
    """The known forms ``text`` uses, longest first, none inside another found (「规模以上」 in 「规模以上工业」)."""
    found: list[str] = []
    for form in sorted(_OTHERS, key=len, reverse=True):
        if form in text and not any(form in longer for longer in found):
            found.append(form)
    return found


def spellings(term: str) -> tuple[str, ...]:
    """The other forms of ``term`` (「GDP」 → 「地区生产总值」「国内生产总值」「生产总值」), in order; none if unknown."""
    return _OTHERS.get(term.upper() if term.isascii() else term, ())
