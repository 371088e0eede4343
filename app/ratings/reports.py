"""Staff reports: the ratings per month and per category (SPEC §2.6) and the annual report
of appeals by channel, kind and topic (order 186, appendix 7 style, SPEC §2.11).

Every aggregate is one SQL GROUP BY that runs the same on SQLite and PostgreSQL: moments are
compared with UTC bounds computed here in the company's time zone, and the month of a rating
is a CASE over those bounds, grouped in an outer query (PostgreSQL does not see two renderings
of a CASE with parameters as the same GROUP BY expression). Sums, not averages, come back, so
months and categories add up exactly."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa

from app.appeals.models import Appeal, AppealKind, AppealTopic, ReceivedVia
from app.applications.models import Application
from app.connection.rules import Category
from app.core.clock import local_midnight
from app.extensions import db
from app.ratings.models import APPEAL_CRITERIA, APPLICATION_CRITERIA, AppealRating, ApplicationRating, Criterion

MONTHS = [
    "январь",
    "февраль",
    "март",
    "апрель",
    "май",
    "июнь",
    "июль",
    "август",
    "сентябрь",
    "октябрь",
    "ноябрь",
    "декабрь",
]
#: The report covers this many months by default (the current one included).
DEFAULT_MONTHS = 12
#: The longest period one report may cover, in months (the CASE grows with it).
MAX_MONTHS = 60
#: How many of the lowest ratings the report lists.
LOWEST_LIMIT = 10
#: The first year the reports accept.
FIRST_YEAR = 2000


def month_label(month: date) -> str:
    return f"{MONTHS[month.month - 1]} {month.year}"


def _first_of_month(day: date) -> date:
    return day.replace(day=1)


def _add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def _utc(day: date) -> datetime:
    """The start of a local calendar day, in UTC."""
    return local_midnight(day).astimezone(UTC)


# --- the period ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Local calendar days from `date_from` to `date_to`, both included."""

    date_from: date
    date_to: date

    @property
    def start(self) -> datetime:
        return _utc(self.date_from)

    @property
    def end(self) -> datetime:
        """The first moment after the period."""
        return _utc(self.date_to + timedelta(days=1))

    def months(self) -> list[date]:
        first, last = _first_of_month(self.date_from), _first_of_month(self.date_to)
        count = (last.year - first.year) * 12 + last.month - first.month + 1
        return [_add_months(first, i) for i in range(count)]

    @property
    def label(self) -> str:
        return f"с {self.date_from:%d.%m.%Y} по {self.date_to:%d.%m.%Y}"


def default_period(today: date) -> Period:
    """The last 12 months: from the first day of the month 11 months ago to today."""
    return Period(_add_months(_first_of_month(today), -(DEFAULT_MONTHS - 1)), today)


def parse_day(text: str | None) -> date | None:
    """YYYY-MM-DD (what <input type=date> sends) or DD.MM.YYYY; None if it is neither."""
    text = (text or "").strip()
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, fmt).date()  # noqa: DTZ007  # a calendar day, no moment
        except ValueError:
            continue
    return None


@dataclass
class PeriodChoice:
    """The period the report shows, what the person typed, and what was wrong with it."""

    period: Period
    date_from: str
    date_to: str
    errors: dict[str, str] = field(default_factory=dict)


def parse_period(args, today: date) -> PeriodChoice:
    """The GET parameters `date_from` and `date_to`; either may be empty (its default applies).
    A bad value leaves the default period in place and says why, in Russian."""
    default = default_period(today)
    raw_from, raw_to = (args.get("date_from") or "").strip()[:20], (args.get("date_to") or "").strip()[:20]
    errors: dict[str, str] = {}
    values = {}
    for name, raw, fallback in (("date_from", raw_from, default.date_from), ("date_to", raw_to, default.date_to)):
        if not raw:
            values[name] = fallback
            continue
        day = parse_day(raw)
        if day is None:
            errors[name] = "Укажите дату в виде ДД.ММ.ГГГГ, например 01.03.2026."
        elif not FIRST_YEAR <= day.year <= today.year + 1:
            errors[name] = f"Укажите дату с {FIRST_YEAR} по {today.year + 1} год."
        else:
            values[name] = day
    if not errors:
        period = Period(values["date_from"], values["date_to"])
        if period.date_from > period.date_to:
            errors["date_to"] = "Конец периода не может быть раньше его начала."
        elif len(period.months()) > MAX_MONTHS:
            errors["date_to"] = f"Период не может быть длиннее {MAX_MONTHS // 12} лет."
        else:
            return PeriodChoice(period, raw_from, raw_to)
    return PeriodChoice(default, raw_from, raw_to, errors)


# --- tallies ------------------------------------------------------------------------------------


def average(total: int, count: int) -> Decimal | None:
    """The mean to two places (half up), None with nothing to average."""
    if not count:
        return None
    return (Decimal(total) / Decimal(count)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass
class Tally:
    """How many ratings and the sum of each criterion's scores."""

    count: int = 0
    sums: dict[str, int] = field(default_factory=dict)

    def add(self, count: int, sums: dict[str, int]) -> None:
        self.count += count
        for name, value in sums.items():
            self.sums[name] = self.sums.get(name, 0) + int(value or 0)

    def average(self, name: str) -> Decimal | None:
        return average(self.sums.get(name, 0), self.count)


@dataclass(frozen=True)
class LowRated:
    """One of the lowest ratings, for the list with comments."""

    object_id: int
    number: str
    group: str
    updated_at: datetime
    scores: dict[str, int]
    comment: str


@dataclass
class Breakdown:
    """One kind of rating over the period: per month, per group (category or topic), both."""

    criteria: tuple[Criterion, ...]
    group_title: str
    months: list[tuple[date, Tally]]
    groups: list[tuple[str, Tally]]
    cells: dict[tuple[date, str], Tally]
    total: Tally
    lowest: list[LowRated]

    def cells_of(self, month: date) -> list[tuple[str, Tally]]:
        return [(label, self.cells[(month, label)]) for label, _ in self.groups if (month, label) in self.cells]


@dataclass
class RatingsReport:
    period: Period
    applications: Breakdown
    appeals: Breakdown


def _month_case(column, months: list[date]):
    """The index of the month a moment falls in (the WHERE keeps it inside the period)."""
    whens = [(column < _utc(_add_months(m, 1)), sa.literal_column(str(i))) for i, m in enumerate(months[:-1])]
    if not whens:
        return sa.literal_column("0")
    return sa.case(*whens, else_=sa.literal_column(str(len(months) - 1)))


def _breakdown(
    period: Period,
    model,
    parent,
    parent_fk,
    group_column,
    criteria: tuple[Criterion, ...],
    group_labels: dict[str, str],
    group_title: str,
    low_order,
) -> Breakdown:
    """Two queries: the sums per month and group, and the lowest ratings."""
    months = period.months()
    in_period = sa.and_(model.updated_at >= period.start, model.updated_at < period.end)
    inner = (
        sa.select(
            _month_case(model.updated_at, months).label("month"),
            group_column.label("grp"),
            *[getattr(model, c.name).label(c.name) for c in criteria],
        )
        .join(parent, parent.id == parent_fk)
        .where(in_period)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(
            inner.c.month, inner.c.grp, sa.func.count(), *[sa.func.sum(inner.c[c.name]) for c in criteria]
        ).group_by(inner.c.month, inner.c.grp)
    ).all()
    by_month = {m: Tally() for m in months}
    by_group: dict[str, Tally] = {}
    cells: dict[tuple[date, str], Tally] = {}
    total = Tally()
    for row in rows:
        month = months[int(row[0])]
        label = group_labels.get(row[1] or "", row[1] or "—")
        sums = {c.name: row[3 + i] for i, c in enumerate(criteria)}
        for tally in (
            by_month[month],
            by_group.setdefault(label, Tally()),
            cells.setdefault((month, label), Tally()),
            total,
        ):
            tally.add(row[2], sums)
    order = list(group_labels.values())
    groups = sorted(
        by_group.items(), key=lambda item: (order.index(item[0]) if item[0] in order else len(order), item[0])
    )
    low = db.session.execute(
        sa.select(model, parent.number, group_column)
        .join(parent, parent.id == parent_fk)
        .where(in_period)
        .order_by(*low_order, model.updated_at.desc(), model.id.desc())
        .limit(LOWEST_LIMIT)
    ).all()
    lowest = [
        LowRated(
            object_id=getattr(r[0], parent_fk.key),
            number=r[1] or "",
            updated_at=r[0].updated_at,
            group=group_labels.get(r[2] or "", r[2] or "—"),
            scores=r[0].scores(),
            comment=r[0].comment,
        )
        for r in low
    ]
    return Breakdown(criteria, group_title, [(m, by_month[m]) for m in months], groups, cells, total, lowest)


CATEGORY_LABELS = {c.value: c.short_label for c in Category}
TOPIC_LABELS = {t.value: t.label for t in AppealTopic}


def ratings_report(period: Period) -> RatingsReport:
    """The whole report: four queries, whatever the number of ratings."""
    r, a = ApplicationRating, AppealRating
    applications = _breakdown(
        period,
        r,
        Application,
        r.application_id,
        Application.category,
        APPLICATION_CRITERIA,
        CATEGORY_LABELS,
        "Категория",
        (r.overall, r.ease + r.clarity + r.deadlines + r.courtesy + r.cost),
    )
    appeals = _breakdown(
        period,
        a,
        Appeal,
        a.appeal_id,
        Appeal.topic,
        APPEAL_CRITERIA,
        TOPIC_LABELS,
        "Тема",
        (a.overall, a.timeliness + a.clarity),
    )
    return RatingsReport(period, applications, appeals)


# --- the annual report of appeals ---------------------------------------------------------------


def percent_change(last: int, this: int) -> Decimal | None:
    """The change from last year to this one in %, to one place; None when last year had none."""
    if not last:
        return None
    return (Decimal(this - last) * 100 / Decimal(last)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def format_change(change: Decimal | None, minus: str = "−") -> str:
    """«+12,5», «−3,0», «0,0», or «—» when there is nothing to compare with."""
    if change is None:
        return "—"
    sign = "+" if change > 0 else (minus if change < 0 else "")
    return f"{sign}{abs(change):.1f}".replace(".", ",")


@dataclass(frozen=True)
class AnnualRow:
    label: str
    last: int
    this: int

    @property
    def change(self) -> Decimal | None:
        return percent_change(self.last, self.this)


@dataclass(frozen=True)
class AnnualSection:
    title: str
    rows: list[AnnualRow]

    @property
    def total(self) -> AnnualRow:
        return AnnualRow("Всего", sum(r.last for r in self.rows), sum(r.this for r in self.rows))


@dataclass(frozen=True)
class AnnualReport:
    year: int
    sections: list[AnnualSection]

    @property
    def last_year(self) -> int:
        return self.year - 1


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """The year's first moment and the next year's, in UTC, by the company's calendar."""
    return _utc(date(year, 1, 1)), _utc(date(year + 1, 1, 1))


def parse_year(value: str | None, today: date) -> tuple[int, str | None]:
    """The `year` parameter: the current year when empty; a bad one says why."""
    value = (value or "").strip()
    if not value:
        return today.year, None
    # isascii: str.isdigit() also takes '²', on which int() fails.
    if not (value.isascii() and value.isdigit()) or not FIRST_YEAR <= int(value) <= today.year:
        return today.year, f"Укажите год числом от {FIRST_YEAR} до {today.year}."
    return int(value), None


def appeals_annual(year: int) -> AnnualReport:
    """Appeals registered this year and last year by how they were received, by kind and by
    topic (one query: counts per channel, kind, topic and year, added up here)."""
    start_last, start_this = year_bounds(year - 1)[0], year_bounds(year)[0]
    end_this = year_bounds(year)[1]
    inner = (
        sa.select(
            sa.case((Appeal.registered_at >= start_this, sa.literal_column("1")), else_=sa.literal_column("0")).label(
                "this_year"
            ),
            Appeal.received_via,
            Appeal.kind,
            Appeal.topic,
        )
        .where(Appeal.registered_at >= start_last, Appeal.registered_at < end_this)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(inner.c.this_year, inner.c.received_via, inner.c.kind, inner.c.topic, sa.func.count()).group_by(
            inner.c.this_year, inner.c.received_via, inner.c.kind, inner.c.topic
        )
    ).all()
    counts: dict[tuple[str, str, int], int] = {}
    for this_year, via, kind, topic, n in rows:
        for key in (("via", via, int(this_year)), ("kind", kind, int(this_year)), ("topic", topic, int(this_year))):
            counts[key] = counts.get(key, 0) + n

    def section(title: str, dimension: str, members: Iterable) -> AnnualSection:
        return AnnualSection(
            title,
            [
                AnnualRow(m.label, counts.get((dimension, m.value, 0), 0), counts.get((dimension, m.value, 1), 0))
                for m in members
            ],
        )

    return AnnualReport(
        year,
        [
            section("По способу поступления", "via", ReceivedVia),
            section("По виду обращения", "kind", AppealKind),
            section("По теме обращения", "topic", AppealTopic),
        ],
    )


# --- CSV ----------------------------------------------------------------------------------------


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
    return _csv_bytes(rows)
