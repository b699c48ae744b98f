"""Charts drawn on the server as inline SVG (no script, no library, nothing fetched): horizontal bar charts and
a column chart (months). Each has a <title> and <desc> the SVG is labelled by (role="img"); the page puts the
same numbers in a table beside it. Values are exact decimals; only the drawing's geometry is rounded."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from decimal import Decimal

from markupsafe import Markup, escape

_ids = itertools.count(1)
BAR_WIDTH = 360  # the longest bar, in SVG units
BAR_HEIGHT, BAR_GAP, LABEL_WIDTH = 22, 8, 170
LABEL_CHARS = 24  # a longer label is cut (the table beside the chart has it whole)
COLUMN_WIDTH, COLUMN_GAP, COLUMN_HEIGHT = 36, 14, 180
MIN_COLUMNS_WIDTH = 280  # room for the title
COLOR = "#1f6fb2"


def lengths(values: Sequence[Decimal | int], full: int) -> list[Decimal]:
    """Each value's length when the largest is `full` (a zero or negative value: 0), to 0.1 unit."""
    top = max((Decimal(v) for v in values), default=Decimal(0))
    if top <= 0:
        return [Decimal(0) for _ in values]
    return [(max(Decimal(v), Decimal(0)) * full / top).quantize(Decimal("0.1")) for v in values]


TITLE_HEIGHT = 24  # the title shown above the drawing


def _frame(title: str, desc: str, width: int, height: int, body: str) -> Markup:
    """The SVG: labelled by its <title> and <desc>, the title also shown above the drawing."""
    n, height = next(_ids), height + TITLE_HEIGHT
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" aria-labelledby="chart-{n}-t chart-{n}-d">'
        f'<title id="chart-{n}-t">{escape(title)}</title><desc id="chart-{n}-d">{escape(desc)}</desc>'
        f'<text x="4" y="16" font-size="13" font-weight="bold" aria-hidden="true">{escape(title)}</text>'
        f'<g transform="translate(0,{TITLE_HEIGHT})">{body}</g></svg>')


def _cut(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[:LABEL_CHARS - 1] + "…"


def bar_chart(title: str, desc: str, items: Sequence[tuple[str, Decimal | int, str]]) -> Markup:
    """Horizontal bars: (label, value, the value as shown)."""
    widths = lengths([v for _, v, _ in items], BAR_WIDTH)
    parts = []
    for i, ((label, _, shown), w) in enumerate(zip(items, widths, strict=True)):
        y = i * (BAR_HEIGHT + BAR_GAP)
        mid = y + BAR_HEIGHT * 0.7
        parts.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{mid}" text-anchor="end" font-size="12">{escape(_cut(label))}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{w}" height="{BAR_HEIGHT}" fill="{COLOR}"/>'
            f'<text x="{LABEL_WIDTH + w + 4}" y="{mid}" font-size="12">{escape(shown)}</text>')
    height = max(1, len(items)) * (BAR_HEIGHT + BAR_GAP)
    return _frame(title, desc, LABEL_WIDTH + BAR_WIDTH + 140, height, "".join(parts))


def column_chart(title: str, desc: str, items: Sequence[tuple[str, Decimal | int, str]]) -> Markup:
    """Vertical columns over a baseline (months, oldest first): (label, value, the value as shown)."""
    heights = lengths([v for _, v, _ in items], COLUMN_HEIGHT)
    top, parts = 20, []
    base = top + COLUMN_HEIGHT
    for i, ((label, _, shown), h) in enumerate(zip(items, heights, strict=True)):
        x = 10 + i * (COLUMN_WIDTH + COLUMN_GAP)
        centre = x + COLUMN_WIDTH / 2
        parts.append(
            f'<rect x="{x}" y="{base - h}" width="{COLUMN_WIDTH}" height="{h}" fill="{COLOR}"/>'
            f'<text x="{centre}" y="{base - h - 4}" text-anchor="middle" font-size="11">{escape(shown)}</text>'
            f'<text x="{centre}" y="{base + 16}" text-anchor="middle" font-size="11">{escape(label)}</text>')
    width = max(MIN_COLUMNS_WIDTH, 20 + len(items) * (COLUMN_WIDTH + COLUMN_GAP))
    axis = f'<line x1="4" y1="{base}" x2="{width - 4}" y2="{base}" stroke="#555"/>'
    return _frame(title, desc, width, base + 28, axis + "".join(parts))
