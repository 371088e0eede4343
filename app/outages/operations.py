"""Every write of the outages: publishing, changing, cancelling and closing an outage
(and telling the consumers at its addresses), the settings, «мои адреса» and their mirror
of other features' addresses. They flush, never commit."""

from __future__ import annotations

from urllib.parse import urlencode

import sqlalchemy as sa

from app.auth.models import Role, User
from app.core.clock import company_zone, now
from app.extensions import db
from app.notifications.services import notify
from app.outages.addresses import HouseError, OutagePlace, normalize_settlement, parse_house, squeeze
from app.outages.models import ACTIVE_STATUSES, AddressSource, Outage, OutageSettings, OutageStatus, UserAddress
from app.outages.queries import Address, address_keys, matching_user_ids, source_addresses
from app.outages.rules import EVENT_TITLES, OutageData, outage_keys, outage_period, place_of

#: Addresses a consumer may add by hand.
MAX_MANUAL_ADDRESSES = 20


def save_settings(min_notice_days: int) -> OutageSettings:
    settings = db.session.get(OutageSettings, 1)
    if settings is None:
        settings = OutageSettings(id=1)
        db.session.add(settings)
    settings.min_notice_days = min_notice_days
    settings.updated_at = now()
    return settings


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
        **outage_keys(data),
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
        **outage_keys(data),
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
    keys = address_keys(settlement, street, house)
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
        **address_keys(settlement, street, house),
    )
    db.session.add(address)
    db.session.flush()
    return address


def sync_source_addresses(user: User) -> int:
    """Mirror the addresses other features give (applications' objects) into «мои адреса»,
    so matching can find them by index. Returns how many rows changed. Call it when a
    source's addresses change (an application saved) and from `flask outages sync-addresses`."""
    wanted: dict[tuple, Address] = {}
    for address in source_addresses(user):
        keys = address_keys(address.settlement, address.street, address.house)
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
