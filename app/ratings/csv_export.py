"""The staff reports as CSV for Russian Excel: the ratings report and the annual report of
appeals (the figures come from app.ratings.reports)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from decimal import Decimal

from app.ratings.periods import month_label
from app.ratings.reports import AnnualReport, Breakdown, RatingsReport, Tally, format_change


def csv_number(value: Decimal | None) -> str:
    """A decimal comma, as Russian Excel reads numbers; empty when there is none."""
    return "" if value is None else f"{value:.2f}".replace(".", ",")


def _csv_bytes(rows: Iterable[list]) -> bytes:
    """UTF-8 with a BOM (Excel then reads Cyrillic right), `;` between fields, CRLF lines."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def _breakdown_rows(title: str, b: Breakdown) -> list[list]:
    head = ["Месяц", b.group_title, "Оценок", *[c.label for c in b.criteria]]

    def line(month: str, group: str, tally: Tally) -> list:
        return [month, group, tally.count, *[csv_number(tally.average(c.name)) for c in b.criteria]]

    rows: list[list] = [[title], head]
    for month, tally in b.months:
        for group, cell in b.cells_of(month):
            rows.append(line(month_label(month), group, cell))
        rows.append(line(month_label(month), "Все", tally))
    for group, tally in b.groups:
        rows.append(line("Весь период", group, tally))
    rows.append(line("Весь период", "Все", b.total))
    return rows


def ratings_csv(report: RatingsReport) -> bytes:
    rows: list[list] = [["Оценка качества и доступности услуг", report.period.label], []]
    rows += _breakdown_rows("Заявки на технологическое присоединение", report.applications)
    rows.append([])
    rows += _breakdown_rows("Обращения", report.appeals)
    return _csv_bytes(rows)


def annual_csv(report: AnnualReport) -> bytes:
    rows: list[list] = [
        [f"Сведения об обращениях потребителей за {report.year} год"],
        ["Раздел", "Показатель", f"{report.last_year} год", f"{report.year} год", "Изменение, %"],
    ]
    for s in report.sections:
        for row in [*s.rows, s.total]:
            rows.append([s.title, row.label, row.last, row.this, format_change(row.change, minus="-")])
    t = report.timeliness
    for row in t.rows:
        rows.append([t.TITLE, row.label, row.last, row.this, format_change(row.change, minus="-")])
    rows.append([t.TITLE, t.AVERAGE_LABEL, *t.average_labels, format_change(t.average_change, minus="-")])
    return _csv_bytes(rows)
