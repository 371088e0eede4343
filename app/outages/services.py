"""The rules of planned outages: publishing, changing, cancelling and closing them, the
schedule's queries, CSV import, «мои адреса» and the notifications. Services flush,
never commit."""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from urllib.parse import urlencode

import sqlalchemy as sa

from app.auth.models import Role, User
from app.core.clock import company_zone, local_midnight, now, today
from app.core.templating import format_date, format_datetime
from app.core.text import normalize_search
from app.db import read, unit_of_work
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
    parse_houses,
    squeeze,
)
from app.outages.models import (
    ACTIVE_STATUSES,
    OUTAGE_STATUSES,
    AddressSource,
    Outage,
    OutageSettings,
    OutageStatus,
    UserAddress,
)

#: The schedule shows today and this many days after it by default.
DEFAULT_DAYS = 14
PAGE_SIZE = 20
#: Longest outage accepted: a planned interruption lasts hours (at most 24 at a time for
#: reliability category III); works of several days are published day by day. A longer
#: one is almost certainly a typo in a date, and the bound keeps the schedule's query narrow.
MAX_DURATION = timedelta(days=7)
#: Addresses a consumer may add by hand.
MAX_MANUAL_ADDRESSES = 20

LIMITS = {"district": 120, "settlement": 120, "street": 160, "houses": 500, "reason": 500, "external_id": 64}


# --- settings -----------------------------------------------------------------------------------


def get_settings() -> OutageSettings:
    return db.session.get(OutageSettings, 1) or OutageSettings(id=1, min_notice_days=3)


def save_settings(min_notice_days: int) -> OutageSettings:
    settings = db.session.get(OutageSettings, 1)
    if settings is None:
        settings = OutageSettings(id=1)
        db.session.add(settings)
    settings.min_notice_days = min_notice_days
    settings.updated_at = now()
    return settings


# --- one outage ---------------------------------------------------------------------------------


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


def _keys(data: OutageData) -> dict:
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
    """The place from the stored keys of an outage."""
    return _place(outage.settlement_key, outage.street_kind, outage.street_key, outage.houses_key)


def _place(settlement_key: str, street_kind: str, street_key: str, houses_key: str) -> OutagePlace:
    return OutagePlace(settlement_key, StreetKey(street_kind, street_key), parse_houses(houses_key))


def is_short_notice(outage: Outage, min_days: int | None = None) -> bool:
    """Published fewer than the configured days before the start (and not already started)."""
    at = now()
    if min_days is None:
        min_days = get_settings().min_notice_days
    return outage.is_active and at < outage.starts_at < at + timedelta(days=min_days)


def create_outage(data: OutageData, actor: User | None = None) -> Outage:
    """Publish a new outage and tell the consumers at its addresses. `data` is validated."""
    data = data.cleaned()
    moment = now()
    outage = Outage(
        external_id=data.external_id,
        district=data.district,
        settlement=data.settlement,
        street=data.street,
        houses=data.houses,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        reason=data.reason,
        status=data.status or OutageStatus.planned.value,
        published_at=moment,
        updated_at=moment,
        created_by_id=getattr(actor, "id", None),
        **_keys(data),
    )
    db.session.add(outage)
    db.session.flush()
    if outage.is_active:
        notify_consumers(outage, "published")
    return outage


#: Fields whose change is news to a consumer (the rest is spelling).
_SIGNIFICANT = ("settlement_key", "street_kind", "street_key", "houses_key", "starts_at", "ends_at", "reason")
_TEXT = ("district", "settlement", "street", "houses", "external_id")


def update_outage(outage: Outage, data: OutageData) -> str | None:
    """Apply new values; returns the event consumers heard of ("published", "changed",
    "cancelled"), "spelling" or "quiet" when they heard nothing, None when nothing differs."""
    data = data.cleaned()
    new = dict(
        district=data.district,
        settlement=data.settlement,
        street=data.street,
        houses=data.houses,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        reason=data.reason,
        **_keys(data),
    )
    if data.external_id is not None:
        new["external_id"] = data.external_id
    significant = [k for k in _SIGNIFICANT if getattr(outage, k) != new[k]]
    spelling = [k for k in _TEXT if k in new and getattr(outage, k) != new[k]]
    old_status = outage.status
    if data.status is not None:
        new_status = data.status
    elif significant and old_status in ACTIVE_STATUSES:
        new_status = OutageStatus.changed.value
    else:
        new_status = old_status
    if not significant and not spelling and new_status == old_status and outage.match_key == new["match_key"]:
        return None
    old_place = place_of(outage)
    for key, value in new.items():
        setattr(outage, key, value)
    outage.status = new_status
    outage.revision += 1
    outage.updated_at = now()
    db.session.flush()
    if new_status == OutageStatus.cancelled.value and old_status != new_status:
        event = "cancelled"
    elif new_status not in ACTIVE_STATUSES:
        return "quiet"  # closed, or a correction to an outage that stays cancelled
    elif old_status not in ACTIVE_STATUSES:
        event = "published"
    elif significant or new_status != old_status:
        event = "changed"
    else:
        return "spelling"
    notify_consumers(outage, event, also_at=old_place)
    return event


def cancel_outage(outage: Outage) -> bool:
    if outage.status == OutageStatus.cancelled.value:
        return False
    outage.status = OutageStatus.cancelled.value
    outage.revision += 1
    outage.updated_at = now()
    db.session.flush()
    notify_consumers(outage, "cancelled")
    return True


def close_outage(outage: Outage) -> bool:
    """Mark a held outage done; nobody is notified of that."""
    if not outage.is_active:
        return False
    outage.status = OutageStatus.done.value
    outage.revision += 1
    outage.updated_at = now()
    return True


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


def _address_keys(settlement: str, street: str, house: str) -> dict:
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


def validate_address(user: User, settlement: str, street: str, house: str) -> dict[str, str]:
    problems = {}
    if not normalize_settlement(settlement):
        problems["settlement"] = "Укажите населённый пункт."
    if house:
        try:
            parse_house(house)
        except HouseError as exc:
            problems["house"] = str(exc)
    if problems:
        return problems
    keys = _address_keys(settlement, street, house)
    existing = db.session.scalars(
        sa.select(UserAddress).where(UserAddress.user_id == user.id, UserAddress.source == AddressSource.manual.value)
    ).all()
    if any(all(getattr(a, k) == v for k, v in keys.items()) for a in existing):
        problems["settlement"] = "Этот адрес уже есть в списке."
    elif len(existing) >= MAX_MANUAL_ADDRESSES:
        problems["settlement"] = f"Можно добавить не больше {MAX_MANUAL_ADDRESSES} адресов. Удалите ненужные."
    return problems


def add_address(
    user: User, settlement: str, street: str = "", house: str = "", source: str = AddressSource.manual.value
) -> UserAddress:
    settlement, street, house = squeeze(settlement), squeeze(street), squeeze(house)
    address = UserAddress(
        user_id=user.id,
        settlement=settlement,
        street=street,
        house=house,
        source=source,
        created_at=now(),
        **_address_keys(settlement, street, house),
    )
    db.session.add(address)
    db.session.flush()
    return address


def find_user_address(user: User, address_id: int) -> UserAddress | None:
    """The user's own address by id, or None (then the route answers 404)."""
    return db.session.scalar(sa.select(UserAddress).where(UserAddress.id == address_id, UserAddress.user_id == user.id))


def sync_source_addresses(user: User) -> int:
    """Mirror the addresses other features give (applications' objects) into «мои адреса»,
    so matching can find them by index. Returns how many rows changed. Call it when a
    source's addresses change (an application saved) and from `flask outages sync-addresses`."""
    wanted: dict[tuple, Address] = {}
    for address in source_addresses(user):
        keys = _address_keys(address.settlement, address.street, address.house)
        wanted.setdefault(tuple(keys.values()), address)
    current = {
        (a.settlement_key, a.street_kind, a.street_key, a.house_key): a
        for a in db.session.scalars(
            sa.select(UserAddress).where(
                UserAddress.user_id == user.id, UserAddress.source == AddressSource.application.value
            )
        )
    }
    changed = 0
    for key, row in current.items():
        if key not in wanted:
            db.session.delete(row)
            changed += 1
    for key, address in wanted.items():
        if key not in current:
            add_address(user, address.settlement, address.street, address.house, AddressSource.application.value)
            changed += 1
    db.session.flush()
    return changed


def _address_key(settlement_key: str, street_kind: str, street_key: str, house_key: str) -> AddressKey:
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
    return {user_id for user_id, *keys in db.session.execute(query) if place.covers(_address_key(*keys))}


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
    addresses = [_address_key(*row) for row in read(_ADDRESS_KEYS, {"user_id": user.id})]
    settlements = sorted({a.settlement for a in addresses})
    if not settlements:
        return []
    start = local_midnight(today())
    candidates = read(
        _UPCOMING_PLACES, {"settlements": settlements, "start": start, "end": start + timedelta(days=DEFAULT_DAYS + 1)}
    )
    found = []
    for outage_id, *keys in candidates:
        place = _place(*keys)
        if any(place.covers(a) for a in addresses):
            found.append(outage_id)
            if len(found) >= limit:
                break
    if not found:
        return []
    return list(db.session.scalars(_OUTAGES_BY_ID, {"ids": found}))


# --- notifications ------------------------------------------------------------------------------

EVENT_TITLES = {
    "published": "Плановое отключение",
    "changed": "Изменено плановое отключение",
    "cancelled": "Отменено плановое отключение",
}


def outage_period(outage: Outage) -> str:
    start, end = format_datetime(outage.starts_at), format_datetime(outage.ends_at)
    if start[:10] == end[:10]:
        return f"{start} – {end[11:]}"
    return f"{start} – {end}"


def time_range(outage: Outage) -> str:
    """Under a day heading: «09:00 – 17:00», or the whole period when it spans days."""
    zone = company_zone()
    start, end = outage.starts_at.astimezone(zone), outage.ends_at.astimezone(zone)
    if start.date() == end.date():
        return f"{start.hour:02d}:{start.minute:02d} – {end.hour:02d}:{end.minute:02d}"
    return outage_period(outage)


def schedule_link(outage: Outage) -> str:
    """A relative link to the schedule narrowed to the outage's street and day."""
    day = outage.starts_at.astimezone(company_zone()).date()
    args = {
        "settlement": outage.settlement,
        "street": outage.street,
        "date_from": day.isoformat(),
        "date_to": max(day, outage.ends_at.astimezone(company_zone()).date()).isoformat(),
    }
    return "/outages?" + urlencode({k: v for k, v in args.items() if v})


def notify_consumers(outage: Outage, event: str, also_at: OutagePlace | None = None) -> int:
    """Tell each consumer with an address the outage covers, once per event. An outage that
    has ended is news to nobody. Returns how many consumers were told."""
    if outage.ends_at <= now() or event not in EVENT_TITLES:
        return 0
    from app.notifications.services import notify

    user_ids = matching_user_ids(place_of(outage))
    if also_at is not None:
        user_ids |= matching_user_ids(also_at)
    if not user_ids:
        return 0
    users = db.session.scalars(
        sa.select(User)
        .where(User.id.in_(user_ids), User.role == Role.consumer.value, User.is_enabled.is_(True))
        .order_by(User.id)
    ).all()
    title = f"{EVENT_TITLES[event]}: {outage_period(outage)}, {outage.place}"
    lines = [f"Адрес: {outage.place}.", f"Время: {outage_period(outage)}."]
    if event == "cancelled":
        lines.insert(0, "Отключение не состоится.")
    lines.append(f"Причина: {outage.reason.rstrip('.')}.")
    lines.append(f"Район электрических сетей: {outage.district}.")
    body = "\n".join(lines)
    for user in users:
        notify(user, "outage", title, body, schedule_link(outage))
    return len(users)


# --- CSV import (SPEC §4.4) ---------------------------------------------------------------------

REQUIRED_COLUMNS = ("district", "settlement", "street", "houses", "starts_at", "ends_at", "reason")
OPTIONAL_COLUMNS = ("id", "status")
TIME_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S")
MAX_ROWS = 20000
#: A file of MAX_ROWS ordinary rows is about 2 MB.
MAX_IMPORT_BYTES = 5 * 1024 * 1024


class ImportFileError(Exception):
    """The file is refused as a whole; `row` is its line number (the header is line 1)."""

    def __init__(self, message: str, row: int | None = None):
        self.row = row
        self.message = message
        super().__init__(f"Строка {row}: {message}" if row else message)


@dataclass
class ImportRow:
    line: int
    data: OutageData


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    #: (line, outage) of outages published with less notice than the minimum.
    short_notice: list[tuple[int, Outage]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


def _parse_time(value: str, column: str, line: int) -> datetime:
    for fmt in TIME_FORMATS:
        try:
            naive = datetime.strptime(value.strip(), fmt)
        except ValueError:
            continue
        return naive.replace(tzinfo=company_zone())
    raise ImportFileError(f"{column}: «{value}» не время в формате ГГГГ-ММ-ДД ЧЧ:ММ.", line)


def read_csv(data: bytes | str) -> list[ImportRow]:  # noqa: C901 (split in the outages rework of issue 18)
    """Parse and check every row; the first problem refuses the file."""
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ImportFileError("Файл должен быть в кодировке UTF-8.") from None
    else:
        text = data.lstrip("\ufeff")
    if not text.strip():
        raise ImportFileError("Файл пустой.")
    if (nul := text.find("\x00")) >= 0:  # a binary file, or UTF-16; PostgreSQL would refuse the value
        raise ImportFileError(
            "нулевой байт: это не текстовый файл CSV в кодировке UTF-8.", text.count("\n", 0, nul) + 1
        )
    first_line = text.splitlines()[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [(h or "").strip().lower() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise ImportFileError(
            f"В заголовке нет столбцов: {', '.join(missing)}. Нужны: {','.join(REQUIRED_COLUMNS)} "
            f"и по желанию id, status.",
            1,
        )
    unknown = [c for c in header if c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if unknown:
        raise ImportFileError(f"Неизвестные столбцы: {', '.join(unknown) or 'без названия'}.", 1)
    if len(set(header)) != len(header):
        raise ImportFileError("Столбцы в заголовке повторяются.", 1)
    rows: list[ImportRow] = []
    seen_ids: dict[str, int] = {}
    seen_keys: dict[str, int] = {}
    line = 1
    try:
        for record in reader:
            line = reader.line_num
            if None in record:
                raise ImportFileError("в строке больше значений, чем столбцов в заголовке.", line)
            values = {k: (v or "").strip() for k, v in record.items()}
            if not any(values.values()):
                continue
            if any(v is None for v in record.values()):
                raise ImportFileError("в строке меньше значений, чем столбцов в заголовке.", line)
            for column in ("starts_at", "ends_at"):
                if not values[column]:
                    raise ImportFileError(f"{column}: не указано время.", line)
            item = OutageData(
                district=values["district"],
                settlement=values["settlement"],
                street=values["street"],
                houses=values["houses"],
                starts_at=_parse_time(values["starts_at"], "starts_at", line),
                ends_at=_parse_time(values["ends_at"], "ends_at", line),
                reason=values["reason"],
                status=values.get("status") or None,
                external_id=values.get("id") or None,
            ).cleaned()
            problems = validate(item)
            if problems:
                column = next(iter(problems))
                column = {"external_id": "id"}.get(column, column)
                raise ImportFileError(f"{column}: {problems[next(iter(problems))]}", line)
            if item.external_id:
                if item.external_id in seen_ids:
                    raise ImportFileError(
                        f"id «{item.external_id}» уже был в строке {seen_ids[item.external_id]}.", line
                    )
                seen_ids[item.external_id] = line
            else:
                key = match_key(item)
                if key in seen_keys:
                    raise ImportFileError(f"то же отключение, что в строке {seen_keys[key]}.", line)
                seen_keys[key] = line
            rows.append(ImportRow(line, item))
            if len(rows) > MAX_ROWS:
                raise ImportFileError(f"в одном файле не больше {MAX_ROWS} отключений.", line)
    except csv.Error as exc:
        raise ImportFileError(_csv_problem(exc), reader.line_num + 1) from None  # the line it could not read
    if not rows:
        raise ImportFileError("В файле нет ни одного отключения.")
    return rows


def _csv_problem(exc: csv.Error) -> str:
    """The csv module's reason in Russian (its messages are English)."""
    if "field larger than field limit" in str(exc):
        return f"значение длиннее {csv.field_size_limit()} знаков: это не похоже на отключение."
    return "файл не читается как CSV: проверьте кавычки и разделители в этой строке."


#: Rows written in one unit of work: others get the write lock between chunks. Each row may
#: notify consumers; under the mixed load a chunk of 500 rows kept the lock past the 15 s busy
#: timeout, a chunk of 100 takes a second or two.
IMPORT_CHUNK = 100


def import_rows(rows: list[ImportRow], actor: User | None = None) -> ImportResult:
    """Create or update every row (the file was checked whole by read_csv first), in units of
    work of IMPORT_CHUNK rows. A run cut short leaves whole chunks; importing the same file
    again finishes the job, since a row already there changes nothing."""
    result = ImportResult()
    min_days = get_settings().min_notice_days
    for start in range(0, len(rows), IMPORT_CHUNK):
        with unit_of_work():
            _import_chunk(rows[start : start + IMPORT_CHUNK], actor, result, min_days)
    return result


def _import_chunk(rows: list[ImportRow], actor: User | None, result: ImportResult, min_days: int) -> None:
    """A row with a known id updates that outage, a row without id the outage with an equal
    match key; any other row is a new outage."""
    by_id: dict[str, Outage] = {}
    ids = [r.data.external_id for r in rows if r.data.external_id]
    for start in range(0, len(ids), 500):
        for outage in db.session.scalars(sa.select(Outage).where(Outage.external_id.in_(ids[start : start + 500]))):
            by_id[outage.external_id] = outage
    keys = [match_key(r.data) for r in rows if not r.data.external_id]
    by_key: dict[str, Outage] = {}
    for start in range(0, len(keys), 500):
        for outage in db.session.scalars(
            sa.select(Outage).where(Outage.match_key.in_(keys[start : start + 500])).order_by(Outage.id)
        ):
            by_key.setdefault(outage.match_key, outage)
    for row in rows:
        data = row.data
        existing = by_id.get(data.external_id) if data.external_id else by_key.get(match_key(data))
        if existing is None:
            outage = create_outage(data, actor)
            result.created += 1
            if is_short_notice(outage, min_days):
                result.short_notice.append((row.line, outage))
            continue
        if not data.external_id:
            # The same outage by its normalised place and times: keep the spelling it has.
            data.district, data.settlement, data.street, data.houses = (
                existing.district,
                existing.settlement,
                existing.street,
                existing.houses,
            )
        old_start = existing.starts_at
        event = update_outage(existing, data)
        if event is None:
            result.unchanged += 1
            continue
        result.updated += 1
        if (
            event in ("published", "changed")
            and existing.starts_at != old_start
            and is_short_notice(existing, min_days)
        ):
            result.short_notice.append((row.line, existing))


def import_csv(data: bytes | str, actor: User | None = None) -> ImportResult:
    return import_rows(read_csv(data), actor)
