"""Figures in Chinese text: a number with its scale (万/亿) and unit, e.g. 「12.5万平方米」「8.1%」「260项」."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Measure words and units that follow figures in bulletins; longest first so 「平方米」 wins over 「米」.
_UNITS = sorted(
    """平方公里 平方米 千瓦时 千瓦 个百分点 百分点 美元 元 亩 公顷 公里 千米 米 吨
    个 家 项 宗 次 期 份 名 人 户 天 日 月 年 倍 座 条 台 套 批 所 处 件 场 届 栋 间 辆 部 支 类 种 批次 个工作日 工作日 %""".split(),
    key=len,
    reverse=True,
)
_NUMBER = r"\d+(?:[.,]\d+)*"
_FIGURE = re.compile(
    rf"(?P<number>{_NUMBER})\s*(?P<scale>[万亿千百]*)\s*(?P<unit>{'|'.join(map(re.escape, _UNITS))})?"
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
