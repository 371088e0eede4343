"""The reads the outage pages show: the schedule with its filter and suggestions, the
settings, the outages at a consumer's addresses, «мои адреса» and the addresses other
features give."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import sqlalchemy as sa

from app.auth.models import User
from app.core.clock import company_zone, local_midnight, now, today
from app.core.templating import format_date
from app.db import read
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
from app.outages.rules import MAX_DURATION, place_from_keys

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


# The schedule is the busiest public page. Its statements are built once per combination of
# filters, with the values as parameters: building one cost more than running it (bench/).


def _like_word(word: str) -> tuple[str, str]:
    """LIKE patterns for a word that starts the column's text or one of its words."""
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"{escaped}%", f"% {escaped}%"


def _word_prefix(column, words: int, name: str):
    """Every word typed starts a word of the column: «лен» finds «ленина», «1 сов» «1 советская».
    The patterns are the parameters {name}0, {name}0_inner, {name}1, … (_like_word)."""
    return sa.and_(
        *(
            sa.or_(
                column.like(sa.bindparam(f"{name}{n}"), escape="\\"),
                column.like(sa.bindparam(f"{name}{n}_inner"), escape="\\"),
            )
            for n in range(words)
        )
    )


def _starts_with(column, name: str):
    """A prefix as a range, so an index on the column serves it (LIKE would not, in SQLite);
    the parameters {name} and {name}_end (_prefix_range)."""
    return sa.and_(column >= sa.bindparam(name), column < sa.bindparam(f"{name}_end"))


def _prefix_range(name: str, prefix: str) -> dict:
    return {name: prefix, f"{name}_end": prefix + "\uffff"}


_SETTLEMENT_KEYS = (
    sa.select(Outage.settlement_key)
    .where(_starts_with(Outage.settlement_key, "key"))
    .group_by(Outage.settlement_key)
    .order_by(Outage.settlement_key)
    .limit(50)
)


def settlement_keys(typed: str) -> list[str] | None:
    """The settlement keys a filter means: the exact one when an outage was ever there,
    else those the typed text begins (as a person types); None when there are none."""
    key = normalize_settlement(typed)
    if not key:
        return None
    keys = read(_SETTLEMENT_KEYS, _prefix_range("key", key)).scalars().all()
    if key in keys:
        return [key]
    return list(keys) or None


@dataclass(frozen=True)
class _Schedule:
    """The schedule's statements for one combination of filters."""

    count: sa.Select
    page: sa.Select
    everything: sa.Select


@lru_cache(maxsize=64)
def _schedule_statements(settlements: bool, street_words: int, street_kind: bool, status: bool) -> _Schedule:
    # The lower bound on the start lets the (starts_at, ends_at) index serve the window:
    # no outage lasts longer than MAX_DURATION.
    query = sa.select(Outage).where(
        Outage.starts_at >= sa.bindparam("earliest"),
        Outage.starts_at < sa.bindparam("until"),
        Outage.ends_at > sa.bindparam("since"),
    )
    if settlements:
        query = query.where(Outage.settlement_key.in_(sa.bindparam("settlements", expanding=True)))
    if street_words:
        query = query.where(_word_prefix(Outage.street_key, street_words, "street"))
        if street_kind:
            query = query.where(Outage.street_kind.in_([sa.bindparam("street_kind"), ""]))
    if status:
        query = query.where(Outage.status == sa.bindparam("status"))
    ordered = query.order_by(Outage.starts_at, Outage.id)
    return _Schedule(
        count=query.with_only_columns(sa.func.count()).order_by(None),
        page=ordered.offset(sa.bindparam("offset")).limit(sa.bindparam("limit")),
        everything=ordered.limit(sa.bindparam("limit")),
    )


def _schedule_for(flt: ScheduleFilter, settlement_in: list[str] | None) -> tuple[_Schedule, dict]:
    """The statements for the filter, and their parameters: outages that overlap the local
    days of its window, in its settlements, on its street, in its status."""
    start, end = flt.window()
    since, until = local_midnight(start), local_midnight(end + timedelta(days=1))
    params: dict = {"earliest": since - MAX_DURATION, "until": until, "since": since}
    if settlement_in is not None:
        params["settlements"] = settlement_in
    street = normalize_street(flt.street)
    words = street.name.split()
    for n, word in enumerate(words):
        params[f"street{n}"], params[f"street{n}_inner"] = _like_word(word)
    if words and street.kind:
        params["street_kind"] = street.kind
    if flt.status:
        params["status"] = flt.status
    statements = _schedule_statements(
        settlement_in is not None, len(words), bool(words and street.kind), bool(flt.status)
    )
    return statements, params


def schedule_page(
    flt: ScheduleFilter, settlement_in: list[str] | None, page: int = 1, page_size: int = PAGE_SIZE
) -> tuple[list[Outage], int]:
    """A page of the schedule in order of start, and the total: two queries."""
    statements, params = _schedule_for(flt, settlement_in)
    total = read(statements.count, params).scalar()
    rows = db.session.scalars(statements.page, {**params, "offset": (page - 1) * page_size, "limit": page_size}).all()
    return list(rows), total or 0


def schedule_all(flt: ScheduleFilter, settlement_in: list[str] | None, limit: int = 2000) -> list[Outage]:
    """For the printable view and the iCalendar feed: everything in the filter, up to a limit."""
    statements, params = _schedule_for(flt, settlement_in)
    return list(db.session.scalars(statements.everything, {**params, "limit": limit}))


_ALL_SETTLEMENTS = (
    sa.select(Outage.settlement_key, sa.func.min(Outage.settlement))
    .group_by(Outage.settlement_key)
    .order_by(Outage.settlement_key)
    .limit(sa.bindparam("limit"))
)
_SETTLEMENTS_FROM = _ALL_SETTLEMENTS.where(_starts_with(Outage.settlement_key, "key"))
_ALL_STREETS = (
    sa.select(Outage.street_key, sa.func.min(Outage.street))
    .where(Outage.settlement_key.in_(sa.bindparam("settlements", expanding=True)), Outage.street_key != "")
    .group_by(Outage.street_key)
    .order_by(Outage.street_key)
    .limit(sa.bindparam("limit"))
)
_STREETS_FROM = _ALL_STREETS.where(_starts_with(Outage.street_key, "key"))


def suggestions(flt: ScheduleFilter, settlement_in: list[str] | None, limit: int = 15) -> tuple[list[str], list[str]]:
    """Settlements that begin with what is typed, and the streets of the chosen settlement
    that begin with what is typed there; from every outage ever published, read from the
    (settlement_key, street_key, settlement, street) index alone."""
    key = normalize_settlement(flt.settlement)
    if key:
        found = read(_SETTLEMENTS_FROM, {"limit": limit, **_prefix_range("key", key)})
    else:
        found = read(_ALL_SETTLEMENTS, {"limit": limit})
    settlements = [row[1] for row in found]
    streets: list[str] = []
    if settlement_in:
        street = normalize_street(flt.street)
        params = {"settlements": settlement_in[:5], "limit": limit}
        if street.name:
            found = read(_STREETS_FROM, {**params, **_prefix_range("key", street.name)})
        else:
            found = read(_ALL_STREETS, params)
        streets = [row[1] for row in found]
    return settlements, streets


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


def _distinct_by_key(rows, limit: int) -> list[str]:
    seen, values = set(), []
    for text, key in rows:
        if key not in seen:
            seen.add(key)
            values.append(text)
    return values[:limit]


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


AddressSourceFn = Callable[[User], Iterable]
_address_sources: list[AddressSourceFn] = []


def address_source(fn: AddressSourceFn) -> AddressSourceFn:
    """Register a function giving a user's addresses from another feature, e.g. the objects
    of their applications: it returns Address objects or (settlement, street, house) tuples."""
    if fn not in _address_sources:
        _address_sources.append(fn)
    return fn


def source_addresses(user: User) -> list[Address]:
    found = []
    for source in _address_sources:
        for item in source(user) or ():
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


def address_from_keys(settlement_key: str, street_kind: str, street_key: str, house_key: str) -> AddressKey:
    """An address from its stored keys (the columns of _ADDRESS_KEYS, in their order)."""
    try:
        house = parse_house(house_key) if house_key else None
    except HouseError:
        house = None
    return AddressKey(settlement_key, StreetKey(street_kind, street_key), house)


def matching_user_ids(place: OutagePlace) -> set[int]:
    """Users with an address the place covers: candidates by the indexed keys, then the rules."""
    if not place.settlement:
        return set()
    query = sa.select(
        UserAddress.user_id,
        UserAddress.settlement_key,
        UserAddress.street_kind,
        UserAddress.street_key,
        UserAddress.house_key,
    ).where(UserAddress.settlement_key == place.settlement)
    if place.street.name:
        query = query.where(UserAddress.street_key.in_([place.street.name, ""]))
    return {user_id for user_id, *keys in db.session.execute(query) if place.covers(address_from_keys(*keys))}


#: The cabinet runs these on every visit: built once, and they read only the keys matching needs.
_ADDRESS_KEYS = sa.select(
    UserAddress.settlement_key, UserAddress.street_kind, UserAddress.street_key, UserAddress.house_key
).where(UserAddress.user_id == sa.bindparam("user_id"))
_UPCOMING_PLACES = (
    sa.select(Outage.id, Outage.settlement_key, Outage.street_kind, Outage.street_key, Outage.houses_key)
    .where(
        Outage.settlement_key.in_(sa.bindparam("settlements", expanding=True)),
        Outage.ends_at > sa.bindparam("start"),
        Outage.starts_at < sa.bindparam("end"),
        Outage.status.in_(ACTIVE_STATUSES),
    )
    .order_by(Outage.starts_at, Outage.id)
    .limit(500)
)
_OUTAGES_BY_ID = (
    sa.select(Outage).where(Outage.id.in_(sa.bindparam("ids", expanding=True))).order_by(Outage.starts_at, Outage.id)
)


def upcoming_for_user(user: User, limit: int = 5) -> list[Outage]:
    """Active outages of the next weeks at the user's addresses (cabinet): the addresses'
    keys, the candidates' places, then the matching outages themselves."""
    # Rows unpacked by position here and below: a Row's attribute by name costs a microsecond.
    addresses = [address_from_keys(*row) for row in read(_ADDRESS_KEYS, {"user_id": user.id})]
    settlements = sorted({a.settlement for a in addresses})
    if not settlements:
        return []
    start = local_midnight(today())
    candidates = read(
        _UPCOMING_PLACES, {"settlements": settlements, "start": start, "end": start + timedelta(days=DEFAULT_DAYS + 1)}
    )
    found = []
    for outage_id, *keys in candidates:
        place = place_from_keys(*keys)
        if any(place.covers(a) for a in addresses):
            found.append(outage_id)
            if len(found) >= limit:
                break
    if not found:
        return []
    return list(db.session.scalars(_OUTAGES_BY_ID, {"ids": found}))
