"""One place that tells the time, so deadline tests can fix the clock.

Tests call set_now(...) and reset it; nothing else should call datetime.now() directly."""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo

# Imported here, not in company_zone: a card converts some twenty moments, and an import
# statement in a function looks the module up again on every call (about a microsecond).
from app.company.services import get_company

_fixed: datetime | None = None


def now() -> datetime:
    """The current moment, timezone-aware UTC."""
    return _fixed if _fixed is not None else datetime.now(UTC)


def set_now(moment: datetime | None) -> None:
    global _fixed
    if moment is not None and moment.tzinfo is None:
        raise ValueError("set_now needs an aware datetime")
    _fixed = moment.astimezone(UTC) if moment else None


def company_zone() -> tzinfo:
    return _zone(get_company().time_zone)


@lru_cache(maxsize=16)
def _zone(name: str) -> tzinfo:
    """Pages ask for the zone dozens of times (every date they print)."""
    try:
        return ZoneInfo(name)
    except Exception:  # a settings row with a bad zone must not take the site down
        return ZoneInfo("Europe/Moscow")


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
