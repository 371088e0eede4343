"""Staff reports: the ratings per month and per category (SPEC §2.6) and the annual report
of appeals by channel, kind and topic (order 186, appendix 7 style, SPEC §2.11).

Every aggregate is one SQL GROUP BY that runs the same on SQLite and PostgreSQL: moments are
compared with UTC bounds computed here in the company's time zone, and the month of a rating
is a CASE over those bounds, grouped in an outer query (PostgreSQL does not see two renderings
of a CASE with parameters as the same GROUP BY expression). Sums, not averages, come back, so
months and categories add up exactly."""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from operator import attrgetter

import sqlalchemy as sa

from app.appeals.models import OPEN_STATUSES, Appeal, AppealKind, AppealStatus, AppealTopic, ReceivedVia
from app.applications.models import Application
from app.connection.rules import Category
from app.core.clock import to_local
from app.core.clock import today as clock_today
from app.extensions import db
from app.ratings.models import APPEAL_CRITERIA, APPLICATION_CRITERIA, AppealRating, ApplicationRating, Criterion
from app.ratings.periods import FIRST_YEAR, Period, add_months, utc_midnight

#: How many of the lowest ratings the report lists.
LOWEST_LIMIT = 10

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
    whens = [(column < utc_midnight(add_months(m, 1)), sa.literal_column(str(i))) for i, m in enumerate(months[:-1])]
    if not whens:
        return sa.literal_column("0")
    return sa.case(*whens, else_=sa.literal_column(str(len(months) - 1)))


@dataclass(frozen=True)
class Grouping:
    """How a breakdown groups its ratings: a column of the rated object, read as one of
    `members`, each shown by `label_of`."""

    column: sa.ColumnElement
    members: type[enum.Enum]
    label_of: Callable[[enum.Enum], str]
    title: str

    def label(self, value) -> str:
        return self.label_of(self.members(value)) if value else "—"

    def order(self) -> list[str]:
        return [self.label_of(m) for m in self.members]


@dataclass(frozen=True)
class _Source:
    """A kind of rating, the object it rates and how the lowest come first."""

    model: type
    parent: type
    parent_fk: sa.orm.InstrumentedAttribute
    criteria: tuple[Criterion, ...]
    grouping: Grouping
    low_order: tuple

    def in_period(self, period: Period) -> sa.ColumnElement[bool]:
        return sa.and_(self.model.updated_at >= period.start, self.model.updated_at < period.end)


def _breakdown(period: Period, source: _Source) -> Breakdown:
    """Two queries: the sums per month and group, and the lowest ratings."""
    months = period.months()
    by_month = {m: Tally() for m in months}
    by_group: dict[str, Tally] = {}
    cells: dict[tuple[date, str], Tally] = {}
    total = Tally()
    for row in _sums(period, source, months):
        month = months[int(row["month"])]
        label = source.grouping.label(row["grp"])
        sums = {c.name: row[c.name] for c in source.criteria}
        for tally in (
            by_month[month],
            by_group.setdefault(label, Tally()),
            cells.setdefault((month, label), Tally()),
            total,
        ):
            tally.add(row["ratings"], sums)
    order = source.grouping.order()
    groups = sorted(
        by_group.items(), key=lambda item: (order.index(item[0]) if item[0] in order else len(order), item[0])
    )
    months_tallies = [(m, by_month[m]) for m in months]
    lowest = _lowest(period, source)
    return Breakdown(source.criteria, source.grouping.title, months_tallies, groups, cells, total, lowest)


def _sums(period: Period, source: _Source, months: list[date]) -> Iterable[sa.RowMapping]:
    """The number of ratings and the sum of each criterion per month index and group."""
    model, criteria = source.model, source.criteria
    inner = (
        sa.select(
            _month_case(model.updated_at, months).label("month"),
            source.grouping.column.label("grp"),
            *[getattr(model, c.name).label(c.name) for c in criteria],
        )
        .join(source.parent, source.parent.id == source.parent_fk)
        .where(source.in_period(period))
        .subquery()
    )
    return db.session.execute(
        sa.select(
            inner.c.month,
            inner.c.grp,
            sa.func.count().label("ratings"),
            *[sa.func.sum(inner.c[c.name]).label(c.name) for c in criteria],
        ).group_by(inner.c.month, inner.c.grp)
    ).mappings()


def _lowest(period: Period, source: _Source) -> list[LowRated]:
    model, parent = source.model, source.parent
    rows = db.session.execute(
        sa.select(model, parent.number.label("number"), source.grouping.column.label("grp"))
        .join(parent, parent.id == source.parent_fk)
        .where(source.in_period(period))
        .order_by(*source.low_order, model.updated_at.desc(), model.id.desc())
        .limit(LOWEST_LIMIT)
    ).all()
    return [_low_rated(row._mapping[model], row.number, row.grp, source) for row in rows]


def _low_rated(rating, number: str | None, group, source: _Source) -> LowRated:
    return LowRated(
        object_id=getattr(rating, source.parent_fk.key),
        number=number or "",
        updated_at=rating.updated_at,
        group=source.grouping.label(group),
        scores=rating.scores(),
        comment=rating.comment,
    )


def ratings_report(period: Period) -> RatingsReport:
    """The whole report: four queries, whatever the number of ratings."""
    r, a = ApplicationRating, AppealRating
    applications = _Source(
        r,
        Application,
        r.application_id,
        APPLICATION_CRITERIA,
        Grouping(Application.category, Category, attrgetter("short_label"), "Категория"),
        (r.overall, r.ease + r.clarity + r.deadlines + r.courtesy + r.cost),
    )
    appeals = _Source(
        a,
        Appeal,
        a.appeal_id,
        APPEAL_CRITERIA,
        Grouping(Appeal.topic, AppealTopic, attrgetter("label"), "Тема"),
        (a.overall, a.timeliness + a.clarity),
    )
    return RatingsReport(period, _breakdown(period, applications), _breakdown(period, appeals))


# --- the annual report of appeals ---------------------------------------------------------------


def percent_change(last: int | Decimal, this: int | Decimal) -> Decimal | None:
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
class Timeliness:
    """Whether the appeals registered in each year were answered within their due date (an
    extended one included): counts, and the average calendar days from registration to the
    answer (None when none was answered)."""

    rows: list[AnnualRow]
    average_last: Decimal | None
    average_this: Decimal | None

    TITLE = "Соблюдение сроков ответа"
    AVERAGE_LABEL = "Среднее время ответа, календарных дней"
    OVERDUE_NOTE = "«Ответ не дан, срок истёк»: открытые обращения, срок ответа по которым прошёл, на день отчёта."

    @property
    def average_labels(self) -> tuple[str, str]:
        """Last year's and this year's average as printed: «12,5» or «—»."""
        return format_days(self.average_last), format_days(self.average_this)

    @property
    def average_change(self) -> Decimal | None:
        if self.average_last is None or self.average_this is None:
            return None
        return percent_change(self.average_last, self.average_this)


def format_days(value: Decimal | None) -> str:
    """«12,5», or «—» when no appeal was answered."""
    return "—" if value is None else f"{value:.1f}".replace(".", ",")


@dataclass(frozen=True)
class AnnualReport:
    year: int
    sections: list[AnnualSection]
    timeliness: Timeliness | None = None

    @property
    def last_year(self) -> int:
        return self.year - 1


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """The year's first moment and the next year's, in UTC, by the company's calendar."""
    return utc_midnight(date(year, 1, 1)), utc_midnight(date(year + 1, 1, 1))


def parse_year(value: str | None, today: date) -> tuple[int, str | None]:
    """The `year` parameter: the current year when empty; a bad one says why."""
    value = (value or "").strip()
    if not value:
        return today.year, None
    # isascii: str.isdigit() also takes '²', on which int() fails.
    if not (value.isascii() and value.isdigit()) or not FIRST_YEAR <= int(value) <= today.year:
        return today.year, f"Укажите год числом от {FIRST_YEAR} до {today.year}."
    return int(value), None


#: The annual report's sections: the title, the column counted, its members in order.
ANNUAL_SECTIONS = (
    ("По способу поступления", "received_via", ReceivedVia),
    ("По виду обращения", "kind", AppealKind),
    ("По теме обращения", "topic", AppealTopic),
)


def appeals_annual(year: int) -> AnnualReport:
    """Appeals registered this year and last year by how they were received, by kind and by
    topic (one query: counts per channel, kind, topic and year, added up here)."""
    (start_last, _), (start_this, end_this) = year_bounds(year - 1), year_bounds(year)
    this_year = sa.case((Appeal.registered_at >= start_this, sa.literal_column("1")), else_=sa.literal_column("0"))
    inner = (
        sa.select(this_year.label("this_year"), Appeal.received_via, Appeal.kind, Appeal.topic)
        .where(Appeal.registered_at >= start_last, Appeal.registered_at < end_this)
        .subquery()
    )
    dimensions = [inner.c.this_year, inner.c.received_via, inner.c.kind, inner.c.topic]
    rows = db.session.execute(sa.select(*dimensions, sa.func.count().label("appeals")).group_by(*dimensions))
    counts: Counter[tuple[str, str, bool]] = Counter()
    for row in rows.mappings():
        for _, column, _ in ANNUAL_SECTIONS:
            counts[(column, row[column], bool(int(row["this_year"])))] += row["appeals"]
    sections = [
        AnnualSection(
            title, [AnnualRow(m.label, counts[(column, m, False)], counts[(column, m, True)]) for m in members]
        )
        for title, column, members in ANNUAL_SECTIONS
    ]
    return AnnualReport(year, sections, appeals_timeliness(year))


def _average_days(days: list[int]) -> Decimal | None:
    if not days:
        return None
    return (Decimal(sum(days)) / len(days)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def appeals_timeliness(year: int, today: date | None = None) -> Timeliness:
    """For the appeals registered this year and last: answered in time (the local date of the
    answer on or before the due date, which includes an extension), answered late, still open
    with the due date passed (as of `today`), and the average calendar days to the answer.
    A declined appeal (no answer on the merits) was answered on the day it was declined. One
    query; the dates are compared here, in the company's time zone."""
    today = today or clock_today()
    (start_last, _), (start_this, end_this) = year_bounds(year - 1), year_bounds(year)
    rows = db.session.execute(
        sa.select(Appeal.registered_at, Appeal.due_date, Appeal.status, Appeal.answered_at, Appeal.closed_at).where(
            Appeal.registered_at >= start_last, Appeal.registered_at < end_this
        )
    )
    counts: Counter[tuple[str, bool]] = Counter()
    days: dict[bool, list[int]] = {False: [], True: []}
    for row in rows:
        this = row.registered_at >= start_this
        answered = row.answered_at or (row.closed_at if row.status == AppealStatus.declined else None)
        if answered is not None:
            answered_on = to_local(answered).date()
            counts[("in_time" if answered_on <= row.due_date else "late", this)] += 1
            days[this].append((answered_on - to_local(row.registered_at).date()).days)
        elif row.status in OPEN_STATUSES and row.due_date < today:
            counts[("overdue", this)] += 1
    labels = (
        ("in_time", "Ответ дан в срок"),
        ("late", "Ответ дан с нарушением срока"),
        ("overdue", "Ответ не дан, срок истёк"),
    )
    return Timeliness(
        [AnnualRow(label, counts[(key, False)], counts[(key, True)]) for key, label in labels],
        _average_days(days[False]),
        _average_days(days[True]),
    )
