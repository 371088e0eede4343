"""The rules of a planned outage as plain functions (no database, no request): its fields
and their checks, the keys it is matched by, and how its times are written."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.core.clock import company_zone, to_local
from app.core.templating import format_datetime, format_time
from app.core.text import normalize_search
from app.outages.addresses import (
    HouseError,
    OutagePlace,
    StreetKey,
    normalize_settlement,
    normalize_street,
    parse_houses,
    squeeze,
)
from app.outages.models import OUTAGE_STATUSES, Outage

#: Longest outage accepted: a planned interruption lasts hours (at most 24 at a time for
#: reliability category III); works of several days are published day by day. A longer
#: one is almost certainly a typo in a date, and the bound keeps the schedule's query narrow.
MAX_DURATION = timedelta(days=7)

LIMITS = {"district": 120, "settlement": 120, "street": 160, "houses": 500, "reason": 500, "external_id": 64}


@dataclass
class OutageData:
    """The fields of an outage as staff or a CSV row give them; times are aware."""

    district: str
    settlement: str
    street: str
    houses: str
    starts_at: datetime
    ends_at: datetime
    reason: str
    #: None: decided by the rules (planned when new, changed when a published one changes).
    status: str | None = None
    external_id: str | None = None

    def cleaned(self) -> OutageData:
        return OutageData(
            district=squeeze(self.district),
            settlement=squeeze(self.settlement),
            street=squeeze(self.street),
            houses=squeeze(self.houses),
            starts_at=self.starts_at,
            ends_at=self.ends_at,
            reason=squeeze(self.reason),
            status=(self.status or None),
            external_id=(squeeze(self.external_id) or None),
        )


def validate(data: OutageData) -> dict[str, str]:
    """Problems by field name, in Russian; empty when the outage may be saved."""
    problems: dict[str, str] = {}
    if not data.district:
        problems["district"] = "Укажите район электрических сетей (РЭС)."
    if not data.settlement:
        problems["settlement"] = "Укажите населённый пункт."
    elif not normalize_settlement(data.settlement):
        problems["settlement"] = "Название населённого пункта не распознано."
    if not data.reason:
        problems["reason"] = "Укажите причину отключения."
    names = {
        "district": "Район",
        "settlement": "Населённый пункт",
        "street": "Улица",
        "houses": "Дома",
        "reason": "Причина",
        "external_id": "Идентификатор",
    }
    for name, limit in LIMITS.items():
        value = getattr(data, name) or ""
        if len(value) > limit and name not in problems:
            problems[name] = f"{names[name]}: не длиннее {limit} символов."
    if data.houses and "houses" not in problems:
        try:
            whole_street = parse_houses(data.houses).whole_street
        except HouseError as exc:
            problems["houses"] = str(exc)
        else:
            if not data.street and not whole_street:
                problems["houses"] = (
                    "Дома указываются вместе с улицей; для всего населённого пункта оставьте оба поля пустыми."
                )
    if data.starts_at and data.ends_at:
        if data.ends_at <= data.starts_at:
            problems["ends_at"] = "Окончание отключения должно быть позже начала."
        elif data.ends_at - data.starts_at > MAX_DURATION:
            problems["ends_at"] = "Плановое отключение не может длиться дольше 7 дней. Проверьте даты."
    if data.status is not None and data.status not in OUTAGE_STATUSES:
        problems["status"] = "Статус: planned, changed, cancelled или done."
    return problems


def outage_keys(data: OutageData) -> dict:
    street = normalize_street(data.street)
    houses = parse_houses(data.houses).canonical()
    settlement = normalize_settlement(data.settlement)
    return dict(
        settlement_key=settlement,
        street_kind=street.kind,
        street_key=street.name,
        houses_key=houses,
        match_key=match_key(data),
    )


def match_key(data: OutageData) -> str:
    """The identity of a CSV row without an id: normalised district, place, start and end."""
    street = normalize_street(data.street)
    parts = [
        normalize_search(data.district),
        normalize_settlement(data.settlement),
        street.kind,
        street.name,
        parse_houses(data.houses).canonical(),
        data.starts_at.astimezone(company_zone()).strftime("%Y-%m-%d %H:%M"),
        data.ends_at.astimezone(company_zone()).strftime("%Y-%m-%d %H:%M"),
    ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:40]


def place_of(outage: Outage) -> OutagePlace:
    """The place from the stored keys of an outage (the entity, or a row of its key columns)."""
    return OutagePlace(
        outage.settlement_key, StreetKey(outage.street_kind, outage.street_key), parse_houses(outage.houses_key)
    )


# --- how an outage's times are written -----------------------------------------------------------

EVENT_TITLES = {
    "published": "Плановое отключение",
    "changed": "Изменено плановое отключение",
    "cancelled": "Отменено плановое отключение",
}


def _within_a_day(outage: Outage) -> bool:
    return to_local(outage.starts_at).date() == to_local(outage.ends_at).date()


def outage_period(outage: Outage) -> str:
    """«03.12.2026 09:00 – 17:00», or «03.12.2026 09:00 – 04.12.2026 17:00» across days."""
    end = format_time(outage.ends_at) if _within_a_day(outage) else format_datetime(outage.ends_at)
    return f"{format_datetime(outage.starts_at)} – {end}"


def time_range(outage: Outage) -> str:
    """Under a day heading: «09:00 – 17:00», or the whole period when it spans days."""
    if _within_a_day(outage):
        return f"{format_time(outage.starts_at)} – {format_time(outage.ends_at)}"
    return outage_period(outage)
