"""Planned outages, the consumers' addresses they are matched against, and the settings."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class OutageStatus(enum.StrEnum):
    planned = "planned"
    changed = "changed"
    cancelled = "cancelled"
    done = "done"

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]

    @property
    def css(self) -> str:
        return _STATUS_CSS[self]


# Looked up by the member itself (a StrEnum hashes as its value): the schedule prints dozens.
_STATUS_LABELS = {"planned": "запланировано", "changed": "изменено", "cancelled": "отменено", "done": "выполнено"}
_STATUS_CSS = {"planned": "wait", "changed": "wait", "cancelled": "bad", "done": "ok"}


OUTAGE_STATUSES = tuple(s.value for s in OutageStatus)
#: Statuses of an outage that is still going to happen.
ACTIVE_STATUSES = (OutageStatus.planned.value, OutageStatus.changed.value)


class Outage(db.Model):
    """One planned outage: where (district unit, settlement, street, houses), when and why."""

    __tablename__ = "outages"
    __table_args__ = (
        sa.CheckConstraint(f"status IN {OUTAGE_STATUSES}", name="status"),
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        # The schedule: a date window (starts_at bounded on both sides), in order of start; the
        # end, settlement and street are checked in the index, before any row is read.
        sa.Index("ix_outages_window", "starts_at", "ends_at", "settlement_key", "street_key"),
        # The settlement and street filters, the suggestions (read from this index alone) and
        # the outages at a consumer's address.
        sa.Index("ix_outages_places", "settlement_key", "street_key", "settlement", "street"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The company's own identifier from the CSV file (SPEC §4.4), when it has one.
    external_id: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    #: The district unit (РЭС), as written.
    district: Mapped[str] = mapped_column(sa.String(120))
    settlement: Mapped[str] = mapped_column(sa.String(120))
    #: Empty in a village without streets: the whole settlement.
    street: Mapped[str] = mapped_column(sa.String(160), default="")
    #: The house list as written («1-15, 17, 19а»); empty for the whole street.
    houses: Mapped[str] = mapped_column(sa.String(500), default="")
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(sa.String(500))
    status: Mapped[str] = mapped_column(sa.String(10), default=OutageStatus.planned.value)

    #: normalize_settlement(settlement), e.g. «примерск».
    settlement_key: Mapped[str] = mapped_column(sa.String(120))
    #: The street's kind («улица», «проспект», …) or "" when not written.
    street_kind: Mapped[str] = mapped_column(sa.String(20), default="")
    #: The street's normalised name, e.g. «ленина»; "" for the whole settlement.
    street_key: Mapped[str] = mapped_column(sa.String(160), default="")
    #: The canonical house list, e.g. «1-15,17,19а».
    houses_key: Mapped[str] = mapped_column(sa.String(500), default="")
    #: A digest of the normalised district, place and times: a CSV row without an id is the
    #: same outage as one with an equal key (SPEC §4.4).
    match_key: Mapped[str] = mapped_column(sa.String(64), index=True)
    #: Bumped on every change; the iCalendar SEQUENCE.
    revision: Mapped[int] = mapped_column(default=1)

    published_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    @property
    def status_enum(self) -> OutageStatus:
        return OutageStatus(self.status)

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def place(self) -> str:
        """«г. Примерск, ул. Ленина, д. 1-15, 17»."""
        parts = [self.settlement]
        if self.street:
            parts.append(self.street)
        if self.houses:
            parts.append(self.houses if self.houses[:1].isalpha() else f"д. {self.houses}")
        return ", ".join(parts)


class AddressSource(enum.StrEnum):
    manual = "manual"
    application = "application"


class UserAddress(db.Model):
    """«Мои адреса»: an address a consumer wants to hear of outages at. Added by hand, or
    mirrored from the objects of their applications (source "application")."""

    __tablename__ = "user_addresses"
    __table_args__ = (
        sa.CheckConstraint("source IN ('manual', 'application')", name="source"),
        sa.UniqueConstraint(
            "user_id",
            "source",
            "settlement_key",
            "street_kind",
            "street_key",
            "house_key",
            name="uq_user_addresses_same",
        ),
        # Matching an outage: candidates by settlement and street, never a scan of every address.
        sa.Index("ix_user_addresses_settlement_key_street_key", "settlement_key", "street_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    settlement: Mapped[str] = mapped_column(sa.String(120))
    street: Mapped[str] = mapped_column(sa.String(160), default="")
    house: Mapped[str] = mapped_column(sa.String(40), default="")
    settlement_key: Mapped[str] = mapped_column(sa.String(120))
    street_kind: Mapped[str] = mapped_column(sa.String(20), default="")
    street_key: Mapped[str] = mapped_column(sa.String(160), default="")
    #: The canonical house («19а», «2к1»), "" when not given.
    house_key: Mapped[str] = mapped_column(sa.String(40), default="")
    #: "manual" (added in the profile) or "application" (an application's object).
    source: Mapped[str] = mapped_column(sa.String(12), default=AddressSource.manual.value)
    created_at: Mapped[datetime]

    @property
    def text(self) -> str:
        parts = [self.settlement]
        if self.street:
            parts.append(self.street)
        if self.house:
            parts.append(self.house if self.house[:1].isalpha() else f"д. {self.house}")
        return ", ".join(parts)


class OutageSettings(db.Model):
    """One row of outage settings an admin edits (SPEC: configurable rules are data)."""

    __tablename__ = "outage_settings"
    __table_args__ = (sa.CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    #: Staff are warned when an outage is published fewer days than this before it starts.
    min_notice_days: Mapped[int] = mapped_column(default=3)
    updated_at: Mapped[datetime | None]
