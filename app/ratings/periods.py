"""The period a ratings report covers: months in the company's time zone, parsed from the
report's query (from/to), with their Russian names."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from app.core.clock import local_midnight
from app.core.templating import format_date

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
#: The first year the reports accept.
FIRST_YEAR = 2000


def month_label(month: date) -> str:
    return f"{MONTHS[month.month - 1]} {month.year}"


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def utc_midnight(day: date) -> datetime:
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
        return utc_midnight(self.date_from)

    @property
    def end(self) -> datetime:
        """The first moment after the period."""
        return utc_midnight(self.date_to + timedelta(days=1))

    def months(self) -> list[date]:
        first, last = first_of_month(self.date_from), first_of_month(self.date_to)
        count = (last.year - first.year) * 12 + last.month - first.month + 1
        return [add_months(first, i) for i in range(count)]

    @property
    def label(self) -> str:
        return f"с {format_date(self.date_from)} по {format_date(self.date_to)}"


def default_period(today: date) -> Period:
    """The last 12 months: from the first day of the month 11 months ago to today."""
    return Period(add_months(first_of_month(today), -(DEFAULT_MONTHS - 1)), today)


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
