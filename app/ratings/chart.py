"""The report's chart, drawn on the server: the monthly average overall score as horizontal
bars (one row per month reads well at 360 px). Only the geometry is computed here; the
template `ratings/office/_chart.html` draws it as inline SVG with presentation attributes
(the CSP forbids inline styles)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from app.ratings.models import MAX_SCORE
from app.ratings.periods import month_label
from app.ratings.reports import Tally

WIDTH = 360
LABEL_WIDTH = 104  # the month names
VALUE_WIDTH = 40  # the number after a bar
ROW = 24
TOP = 8
AXIS = 22  # the scale's numbers under the bars
#: Bars under this average are drawn in the warning colour (the number is always written).
LOW = Decimal("3")


@dataclass(frozen=True)
class Bar:
    label: str
    y: int
    width: float
    value: Decimal | None
    count: int
    low: bool

    @property
    def text(self) -> str:
        return "нет оценок" if self.value is None else f"{self.value:.2f}".replace(".", ",")


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    plot_x: int
    plot_width: int
    bars: list[Bar]
    ticks: list[tuple[int, float]]
    bar_height: int

    @property
    def description(self) -> str:
        """The chart in words, for screen readers (aria-label)."""
        parts = [f"{b.label}: {b.text}" + (f" ({b.count})" if b.count else "") for b in self.bars]
        return "Средняя общая оценка заявок по месяцам, от 1 до 5. " + "; ".join(parts) + "."


def monthly_chart(months: list[tuple[date, Tally]], criterion: str = "overall") -> Chart:
    plot_x, plot_width = LABEL_WIDTH, WIDTH - LABEL_WIDTH - VALUE_WIDTH
    bars = []
    for i, (month, tally) in enumerate(months):
        value = tally.average(criterion)
        width = float(value) / MAX_SCORE * plot_width if value is not None else 0.0
        bars.append(
            Bar(
                month_label(month),
                TOP + i * ROW,
                round(width, 1),
                value,
                tally.count,
                value is not None and value < LOW,
            )
        )
    ticks = [(n, round(plot_x + n / MAX_SCORE * plot_width, 1)) for n in range(0, MAX_SCORE + 1)]
    height = TOP + len(months) * ROW + AXIS
    return Chart(WIDTH, height, plot_x, plot_width, bars, ticks, ROW - 8)
