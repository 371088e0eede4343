"""Working days and terms.

A term of N working days counts from the working day after the event (Civil Code
art. 191) and ends with the Nth working day. A term in days, months or years is a
calendar period (art. 191-192); if it ends on a non-working day it ends on the next
working day (art. 193)."""

from __future__ import annotations

import calendar as _calendar
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

import holidays
import sqlalchemy as sa
from flask import g, has_app_context

from app.db import read
from app.workdays.models import CalendarOverride


@lru_cache(maxsize=1)
def _russia() -> holidays.HolidayBase:
    return holidays.country_holidays("RU", language="ru")


def statutory_is_working(day: date) -> bool:
    """What the production calendar of the `holidays` package says, without overrides."""
    ru = _russia()
    if day in ru:  # also loads the year, transferred working Saturdays included
        return False
    if day.weekday() >= 5:
        return day in ru.weekend_workdays
    return True


def statutory_holiday_name(day: date) -> str | None:
    return _russia().get(day)


@dataclass
class WorkCalendar:
    """The production calendar with the admin's overrides applied."""

    overrides: dict[date, bool] = field(default_factory=dict)

    def is_working_day(self, day: date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        return statutory_is_working(day)

    def next_working_day(self, day: date) -> date:
        """`day` itself when it is a working day, else the first working day after it."""
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def add_working_days(self, start: date, n: int) -> date:
        """The Nth working day after `start` (the event day itself never counts)."""
        if n < 1:
            raise ValueError("a term of working days is at least one day")
        day = start
        counted = 0
        while counted < n:
            day += timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end` (0 when end <= start)."""
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return count

    def add_days(self, start: date, n: int) -> date:
        return self.next_working_day(start + timedelta(days=n))

    def add_months(self, start: date, n: int) -> date:
        """The same date n months later (the month's last day if it has no such date),
        moved to the next working day (art. 192, 193)."""
        month_index = start.month - 1 + n
        year, month = start.year + month_index // 12, month_index % 12 + 1
        day = min(start.day, _calendar.monthrange(year, month)[1])
        return self.next_working_day(date(year, month, day))

    def add_years(self, start: date, n: int) -> date:
        return self.add_months(start, 12 * n)

    def add_term(self, start: date, amount: int, unit: str) -> date:
        """A term given as data: unit is 'wd' (working days), 'd', 'm' or 'y'."""
        if unit == "wd":
            return self.add_working_days(start, amount)
        if unit == "d":
            return self.add_days(start, amount)
        if unit == "m":
            return self.add_months(start, amount)
        if unit == "y":
            return self.add_years(start, amount)
        raise ValueError(f"unknown term unit {unit!r}")


#: Read by every page that shows a deadline: built once.
_OVERRIDES = sa.select(CalendarOverride.day, CalendarOverride.is_working)


def load_overrides() -> dict[date, bool]:
    return {day: is_working for day, is_working in read(_OVERRIDES)}


def get_calendar() -> WorkCalendar:
    """The calendar for this request or command (overrides read once)."""
    if has_app_context():
        if "work_calendar" not in g:
            g.work_calendar = WorkCalendar(load_overrides())
        return g.work_calendar
    return WorkCalendar()


def invalidate_calendar() -> None:
    if has_app_context():
        g.pop("work_calendar", None)


# --- recomputation of stored deadlines ------------------------------------------------------

_listeners: list[Callable[[], int]] = []


def on_calendar_change(listener: Callable[[], int]) -> Callable[[], int]:
    """Register a function that recomputes stored due dates; it returns how many changed.
    Features that store deadlines (applications, appeals) register one."""
    if listener not in _listeners:
        _listeners.append(listener)
    return listener


def calendar_changed() -> int:
    """Tell every feature that the calendar or a term changed; runs in the caller's transaction."""
    invalidate_calendar()
    return sum(listener() for listener in _listeners)


@dataclass(frozen=True)
class Term:
    """A term of the rules: an amount of 'wd' working days, 'd' calendar days, 'm' months or 'y' years."""

    amount: int
    unit: str

    @property
    def label(self) -> str:
        return term_label(self.amount, self.unit)


def term_label(amount: int, unit: str) -> str:
    """'10 рабочих дней', '6 месяцев', '1 год'."""
    forms = {
        "wd": ("рабочий день", "рабочих дня", "рабочих дней"),
        "d": ("день", "дня", "дней"),
        "m": ("месяц", "месяца", "месяцев"),
        "y": ("год", "года", "лет"),
    }[unit]
    return f"{amount} {plural(amount, forms)}"


def plural(n: int, forms: tuple[str, str, str]) -> str:
    n = abs(n)
    if n % 10 == 1 and n % 100 != 11:
        return forms[0]
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return forms[1]
    return forms[2]
