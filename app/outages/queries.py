"""The reads the outage pages show: the schedule with its filter and suggestions, the
settings, the outages at a consumer's addresses, «мои адреса» and the addresses other
features give."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from itertools import islice

import sqlalchemy as sa

from app.auth.models import User
from app.core import signals
from app.core.clock import company_zone, local_midnight, now, today
from app.core.signals import collect
from app.core.templating import format_date
from app.extensions import db
from app.outages.addresses import (
    AddressKey,
    HouseError,
    OutagePlace,
    StreetKey,
    normalize_house,
    normalize_settlement,
    normalize_street,
    parse_house,
)
from app.outages.models import ACTIVE_STATUSES, AddressSource, Outage, OutageSettings, UserAddress
from app.outages.rules import MAX_DURATION, place_of

#: The schedule shows today and this many days after it by default.
DEFAULT_DAYS = 14
PAGE_SIZE = 20


# --- settings -----------------------------------------------------------------------------------


def get_settings() -> OutageSettings:
    return db.session.get(OutageSettings, 1) or OutageSettings(id=1, min_notice_days=3)


def is_short_notice(outage: Outage, min_days: int | None = None) -> bool:
    """Published fewer than the configured days before the start (and not already started)."""
    at = now()
    if min_days is None:
        min_days = get_settings().min_notice_days
    return outage.is_active and at < outage.starts_at < at + timedelta(days=min_days)


# --- the schedule -------------------------------------------------------------------------------


@dataclass
class ScheduleFilter:
    settlement: str = ""
    street: str = ""
    date_from: date | None = None
    date_to: date | None = None
    status: str = ""

    def window(self) -> tuple[date, date]:
        start = self.date_from or (min(today(), self.date_to) if self.date_to else today())
        end = self.date_to or start + timedelta(days=DEFAULT_DAYS)
        return start, end

    def query_args(self, **extra) -> dict:
        start, end = self.window()
        args = {
            "settlement": self.settlement,
            "street": self.street,
            "date_from": start.isoformat(),
            "date_to": end.isoformat(),
            "status": self.status,
        }
        args.update(extra)
        return {k: v for k, v in args.items() if v}


def _starts_with(column, prefix: str):
    """A prefix as a range, so an index on the column serves it (SQLite's LIKE would not)."""
    return sa.and_(column >= prefix, column < prefix + "\uffff")


def _word_starts(column, word: str):
    """The column's text, or one of its words, begins with `word`: «лен» finds «ленина»,
    «сов» finds «1 советская»."""
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return sa.or_(column.like(f"{escaped}%", escape="\\"), column.like(f"% {escaped}%", escape="\\"))


def settlement_keys(typed: str) -> list[str] | None:
    """The settlement keys a filter means: the exact one when an outage was ever there,
    else those the typed text begins (as a person types); None when there are none."""
    key = normalize_settlement(typed)
    if not key:
        return None
    keys = db.session.scalars(
        sa.select(Outage.settlement_key)
        .where(_starts_with(Outage.settlement_key, key))
        .group_by(Outage.settlement_key)
        .order_by(Outage.settlement_key)
        .limit(50)
    ).all()
    if key in keys:
        return [key]
    return list(keys) or None


def _schedule_query(flt: ScheduleFilter, settlement_in: list[str] | None) -> sa.Select:
    """Outages that overlap the local days of the filter's window, in its settlements, on
    its street, in its status."""
    start, end = flt.window()
    since, until = local_midnight(start), local_midnight(end + timedelta(days=1))
    # The lower bound on the start lets the (starts_at, ends_at) index serve the window:
    # no outage lasts longer than MAX_DURATION.
    query = sa.select(Outage).where(
        Outage.starts_at >= since - MAX_DURATION, Outage.starts_at < until, Outage.ends_at > since
    )
    if settlement_in is not None:
        query = query.where(Outage.settlement_key.in_(settlement_in))
    street = normalize_street(flt.street)
    if street.name:
        query = query.where(*(_word_starts(Outage.street_key, word) for word in street.name.split()))
        if street.kind:
            query = query.where(Outage.street_kind.in_([street.kind, ""]))
    if flt.status:
        query = query.where(Outage.status == flt.status)
    return query


def schedule_page(
    flt: ScheduleFilter, settlement_in: list[str] | None, page: int = 1, page_size: int = PAGE_SIZE
) -> tuple[list[Outage], int]:
    """A page of the schedule in order of start, and the total: two queries."""
    query = _schedule_query(flt, settlement_in)
    total = db.session.scalar(query.with_only_columns(sa.func.count()))
    outages = db.session.scalars(
        query.order_by(Outage.starts_at, Outage.id).offset((page - 1) * page_size).limit(page_size)
    ).all()
    return list(outages), total or 0


def schedule_all(flt: ScheduleFilter, settlement_in: list[str] | None, limit: int = 2000) -> list[Outage]:
    """For the printable view and the iCalendar feed: everything in the filter, up to a limit."""
    query = _schedule_query(flt, settlement_in).order_by(Outage.starts_at, Outage.id).limit(limit)
    return list(db.session.scalars(query))


def suggestions(flt: ScheduleFilter, settlement_in: list[str] | None, limit: int = 15) -> tuple[list[str], list[str]]:
    """Settlements that begin with what is typed, and the streets of the chosen settlement
    that begin with what is typed there; from every outage ever published, read from the
    (settlement_key, street_key, settlement, street) index alone."""
    settlements = (
        sa.select(sa.func.min(Outage.settlement))
        .group_by(Outage.settlement_key)
        .order_by(Outage.settlement_key)
        .limit(limit)
    )
    if key := normalize_settlement(flt.settlement):
        settlements = settlements.where(_starts_with(Outage.settlement_key, key))
    if not settlement_in:
        return list(db.session.scalars(settlements)), []
    streets = (
        sa.select(sa.func.min(Outage.street))
        .where(Outage.settlement_key.in_(settlement_in[:5]), Outage.street_key != "")
        .group_by(Outage.street_key)
        .order_by(Outage.street_key)
        .limit(limit)
    )
    if street := normalize_street(flt.street).name:
        streets = streets.where(_starts_with(Outage.street_key, street))
    return list(db.session.scalars(settlements)), list(db.session.scalars(streets))


def by_day(outages: list[Outage]) -> list[tuple[str, list[Outage]]]:
    """The outages grouped by their local start date, in order: [(«30 ноября, понедельник», […])]."""
    groups: list[tuple[str, list[Outage]]] = []
    last = None
    zone = company_zone()
    for outage in outages:
        day = outage.starts_at.astimezone(zone).date()
        if day != last:
            label = format_date(day, "day_heading")
            groups.append((label, []))
            last = day
        groups[-1][1].append(outage)
    return groups


# --- «мои адреса» -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Address:
    settlement: str
    street: str = ""
    house: str = ""
    #: "manual" or "application".
    source: str = AddressSource.manual.value

    @property
    def text(self) -> str:
        return UserAddress(settlement=self.settlement, street=self.street, house=self.house).text


def source_addresses(user: User) -> list[Address]:
    """A user's addresses as other features give them (app.core.signals.addresses_of, e.g. the
    objects of their applications): Address objects or (settlement, street, house) tuples."""
    found = []
    for answer in collect(signals.addresses_of, user):
        for item in answer:
            if isinstance(item, Address):
                found.append(
                    Address(item.settlement, item.street or "", item.house or "", AddressSource.application.value)
                )
            else:
                settlement, street, house = (tuple(item) + ("", "", ""))[:3]
                found.append(Address(settlement or "", street or "", house or "", AddressSource.application.value))
    return [a for a in found if normalize_settlement(a.settlement)]


def address_keys(settlement: str, street: str, house: str) -> dict:
    street_key = normalize_street(street)
    try:
        house_key = normalize_house(house)
    except HouseError:
        house_key = ""
    return dict(
        settlement_key=normalize_settlement(settlement),
        street_kind=street_key.kind,
        street_key=street_key.name,
        house_key=house_key,
    )


def user_addresses(user: User) -> list[UserAddress]:
    return list(
        db.session.scalars(
            sa.select(UserAddress)
            .where(UserAddress.user_id == user.id)
            .order_by(UserAddress.source.desc(), UserAddress.settlement_key, UserAddress.street_key, UserAddress.id)
        )
    )


def find_user_address(user: User, address_id: int) -> UserAddress | None:
    """The user's own address by id, or None (then the route answers 404)."""
    return db.session.scalar(sa.select(UserAddress).where(UserAddress.id == address_id, UserAddress.user_id == user.id))


def address_of(keys) -> AddressKey:
    """An address from the stored keys of a UserAddress (the entity, or a row of its key columns)."""
    try:
        house = parse_house(keys.house_key) if keys.house_key else None
    except HouseError:
        house = None
    return AddressKey(keys.settlement_key, StreetKey(keys.street_kind, keys.street_key), house)


_ADDRESS_KEYS = (UserAddress.settlement_key, UserAddress.street_kind, UserAddress.street_key, UserAddress.house_key)


def matching_user_ids(place: OutagePlace) -> set[int]:
    """Users with an address the place covers: candidates by the indexed keys, then the rules."""
    if not place.settlement:
        return set()
    query = sa.select(UserAddress.user_id, *_ADDRESS_KEYS).where(UserAddress.settlement_key == place.settlement)
    if place.street.name:
        query = query.where(UserAddress.street_key.in_([place.street.name, ""]))
    return {row.user_id for row in db.session.execute(query) if place.covers(address_of(row))}


def upcoming_for_user(user: User, limit: int = 5) -> list[Outage]:
    """Active outages of the next weeks at the user's addresses (cabinet): the addresses'
    keys, the places of the outages in their settlements, then the outages that match."""
    addresses = [
        address_of(row) for row in db.session.execute(sa.select(*_ADDRESS_KEYS).where(UserAddress.user_id == user.id))
    ]
    settlements = sorted({a.settlement for a in addresses})
    if not settlements:
        return []
    start = local_midnight(today())
    candidates = db.session.execute(
        sa.select(Outage.id, Outage.settlement_key, Outage.street_kind, Outage.street_key, Outage.houses_key)
        .where(
            Outage.settlement_key.in_(settlements),
            Outage.ends_at > start,
            Outage.starts_at < start + timedelta(days=DEFAULT_DAYS + 1),
            Outage.status.in_(ACTIVE_STATUSES),
        )
        .order_by(Outage.starts_at, Outage.id)
        .limit(500)
    )
    found = list(islice((row.id for row in candidates if any(place_of(row).covers(a) for a in addresses)), limit))
    if not found:
        return []
    return list(db.session.scalars(sa.select(Outage).where(Outage.id.in_(found)).order_by(Outage.starts_at, Outage.id)))
