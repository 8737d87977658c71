"""Tables as sentences: each row keeps its column headers, so a figure in a cell can be answered and cited alone.

``[["指标", "2023年", "增长"], ["地区生产总值", "15.7万亿元", "6.4%"]]`` becomes
「指标：地区生产总值；2023年：15.7万亿元；增长：6.4%。」. The header is the table's first row and the rows after
it that hold no figure cell (a two-level header); a header cell a merge left empty takes the one on its left.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# A cell that is a figure: a number with at most a short unit (「6.4%」「15.7万亿元」「1,234」), not a year or a date
# (「2023年」「2023年1-6月」 head columns).
_FIGURE_CELL = re.compile(r"[-+−]?\d[\d,，.]*\s*[^\d\s]{0,4}")
_DATE_CELL = re.compile(r"(?:19|20)\d\d\s*(?:年.*)?|\d{1,2}\s*月.*")
_SPACE = re.compile(r"\s+")

Cell = str | None


def _clean(cell: Cell) -> str:
    return _SPACE.sub(" ", cell or "").strip()


def _holds_figure(row: Sequence[str]) -> bool:
    return any(_FIGURE_CELL.fullmatch(cell) and not _DATE_CELL.fullmatch(cell) for cell in row if cell)


def row_sentences(rows: Sequence[Sequence[Cell]]) -> list[str]:
    """One line per body row of the table ``rows`` (cells as read; ``None`` for a merged cell), headers kept.

    A table of one row, or whose first row already holds figures (no header), gives its rows' cells joined by
    tabs, the plain-text table convention ``repair`` keeps as rows.
    """
    cleaned = [[_clean(cell) for cell in row] for row in rows]
    cleaned = [row for row in cleaned if any(row)]
    if not cleaned:
        return []
    if len(cleaned) == 1 or _holds_figure(cleaned[0]):
        return ["\t".join(cell for cell in row if cell) for row in cleaned]
    depth = 1
    while depth < len(cleaned) - 1 and not _holds_figure(cleaned[depth]):
        depth += 1
    header = _header(cleaned[:depth])
    lines: list[str] = []
    for row in cleaned[depth:]:
        filled = [(header[k] if k < len(header) else "", cell) for k, cell in enumerate(row) if cell]
        if len(filled) == 1:  # a row that only names a group of the rows below it
            lines.append(filled[0][1])
            continue
        pairs = [f"{name}：{cell}" if name and name != cell else cell for name, cell in filled]
        lines.append("；".join(pairs) + "。")
    return lines


def _header(rows: list[list[str]]) -> list[str]:
    """Each column's name: its header cells top down (a merged cell repeats the one on its left), joined."""
    width = max(len(row) for row in rows)
    names: list[list[str]] = [[] for _ in range(width)]
    for row in rows:
        previous = ""
        for k in range(width):
            cell = row[k] if k < len(row) else ""
            cell = cell or (previous if k else "")
            if cell and (not names[k] or names[k][-1] != cell):
                names[k].append(cell)
            previous = cell
    return ["".join(parts) if len(parts) < 2 else "·".join(parts) for parts in names]
