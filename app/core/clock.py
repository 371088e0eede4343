"""One place that tells the time, so deadline tests can fix the clock.

Tests call set_now(...) and reset it; nothing else should call datetime.now() directly."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo

DEFAULT_ZONE = "Europe/Moscow"

_fixed: datetime | None = None
#: Gives the name of the company's time zone; the company feature sets it (app/company).
_zone_name: Callable[[], str] = lambda: DEFAULT_ZONE  # noqa: E731


def use_zone_of(source: Callable[[], str]) -> None:
    """Where the company's time zone comes from: core knows no feature, the feature tells it."""
    global _zone_name
    _zone_name = source


def now() -> datetime:
    """The current moment, timezone-aware UTC."""
    return _fixed if _fixed is not None else datetime.now(UTC)


def set_now(moment: datetime | None) -> None:
    global _fixed
    if moment is not None and moment.tzinfo is None:
        raise ValueError("set_now needs an aware datetime")
    _fixed = moment.astimezone(UTC) if moment else None


def company_zone() -> tzinfo:
    return _zone(_zone_name())


@lru_cache(maxsize=16)
def _zone(name: str) -> tzinfo:
    """Pages ask for the zone dozens of times (every date they print)."""
    try:
        return ZoneInfo(name)
    except Exception:  # a settings row with a bad zone must not take the site down
        return ZoneInfo(DEFAULT_ZONE)


def local_now() -> datetime:
    return now().astimezone(company_zone())


def today() -> date:
    """Today in the company's time zone: the date every deadline counts from (SPEC §2.8)."""
    return local_now().date()


def to_local(moment: datetime) -> datetime:
    return moment.astimezone(company_zone())


def local_midnight(day: date) -> datetime:
    """The start of a local calendar day, as an aware datetime."""
    return datetime(day.year, day.month, day.day, tzinfo=company_zone())
