"""Figures in Chinese text: a number with its scale (万/亿) and unit, e.g. 「12.5万平方米」「8.1%」「260项」."""

from __future__ import annotations

import re
from dataclasses import dataclass

# The measure words that count things (a count question is answered by one of these, or a bare number).
COUNTERS = frozenset(
    """个 家 项 宗 次 期 份 名 人 户 座 条 台 套 批 所 处 件 场 届 栋 间 辆 艘 架 列 部 支 类 种 张 本 册 篇 首 例 起 头 只 株 棵 口
    批次 人次 架次 车次""".split()
)
CURRENCIES = frozenset(
    "元 美元 欧元 港元 日元 英镑 韩元 卢布 澳元 加元 新台币 泰铢 卢比 比索 林吉特 瑞郎 法郎 兰特 里拉 雷亚尔".split()
)
# Units and measure words that follow figures in bulletins and news, currencies among them; longest first so
# 「平方米」 wins over 「米」 and 「日元」 over 「日」.
UNITS = sorted(
    """平方公里 平方千米 平方米 立方米 千瓦时 千瓦 兆瓦 吉瓦 个百分点 百分点 基点 亩 公顷 公里 千米 米 厘米 毫米 吨标准煤 吨 公斤 千克
    克 升 标箱 TEU 天 日 月 年 岁 倍 个工作日 工作日 小时 分钟 个月 周 % ‰""".split()
    + sorted(CURRENCIES)
    + sorted(COUNTERS),
    key=len,
    reverse=True,
)
_NUMBER = r"\d+(?:[.,]\d+)*"
_FIGURE = re.compile(
    rf"(?P<number>{_NUMBER})\s*(?P<scale>[万亿千百]*)\s*(?P<unit>{'|'.join(map(re.escape, UNITS))})?"
)


@dataclass(frozen=True)
class Figure:
    """A figure found at ``[start, end)`` of the text it came from."""

    number: str
    scale: str
    unit: str
    start: int
    end: int

    @property
    def is_year(self) -> bool:
        return self.unit == "年" and not self.scale and len(self.number) == 4

    @property
    def is_calendar_day(self) -> bool:
        """A month or day of a date (「8月16日」「当地时间16日」), not a quantity."""
        return self.unit in ("月", "日") and not self.scale and len(self.number) <= 2


def find_figures(text: str) -> list[Figure]:
    """Every figure in ``text`` in order; bare numbers (no unit) are kept with an empty unit."""
    return [
        Figure(
            number=match.group("number"),
            scale=match.group("scale") or "",
            unit=match.group("unit") or "",
            start=match.start(),
            end=match.end(),
        )
        for match in _FIGURE.finditer(text)
    ]


def numbers_of(text: str, *, include_years: bool = False) -> set[str]:
    """Bare numeric values of the figures in ``text``: the part that must never be invented."""
    return {
        figure.number.replace(",", "")
        for figure in find_figures(text)
        if include_years or not figure.is_year
    }
