"""Appeals («Обращения», SPEC §2.3): the appeal, its thread and files, its status history,
and the answer terms an admin may change."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db


class AppealKind(enum.StrEnum):
    complaint = "complaint"
    statement = "statement"
    request = "request"

    @property
    def label(self) -> str:
        return {"complaint": "Жалоба", "statement": "Заявление", "request": "Запрос"}[self.value]


class AppealTopic(enum.StrEnum):
    connection = "connection"
    quality = "quality"
    metering = "metering"
    outages = "outages"
    other = "other"

    @property
    def label(self) -> str:
        return {
            "connection": "Технологическое присоединение",
            "quality": "Надёжность и качество электроснабжения",
            "metering": "Учёт электроэнергии",
            "outages": "Плановые отключения",
            "other": "Другое",
        }[self.value]


class AnswerChannel(enum.StrEnum):
    cabinet = "cabinet"
    email = "email"
    post = "post"

    @property
    def label(self) -> str:
        return {"cabinet": "В личном кабинете", "email": "По электронной почте", "post": "Письмом по почте"}[self.value]


class ReceivedVia(enum.StrEnum):
    website = "website"
    phone = "phone"
    post = "post"
    in_person = "in_person"

    @property
    def label(self) -> str:
        return {
            "website": "Через личный кабинет",
            "phone": "По телефону",
            "post": "Почтой",
            "in_person": "Лично в офисе",
        }[self.value]


class AppealStatus(enum.StrEnum):
    registered = "registered"
    in_progress = "in_progress"
    answered = "answered"
    closed = "closed"
    declined = "declined"

    @property
    def label(self) -> str:
        return {
            "registered": "Зарегистрировано",
            "in_progress": "В работе",
            "answered": "Дан ответ",
            "closed": "Закрыто",
            "declined": "Без ответа по существу",
        }[self.value]

    @property
    def css(self) -> str:
        return {"registered": "wait", "in_progress": "wait", "answered": "ok", "closed": "", "declined": "bad"}[
            self.value
        ]

    @property
    def is_open(self) -> bool:
        return self in OPEN_STATUSES


OPEN_STATUSES = (AppealStatus.registered, AppealStatus.in_progress)


class MessageKind(enum.StrEnum):
    clarification = "clarification"  # the consumer adds to an open appeal
    answer = "answer"  # staff answer on the merits
    note = "note"  # internal: never shown to the consumer


def _enum(enum_cls: type[enum.StrEnum], column: str) -> sa.Enum:
    """The enum's values in a VARCHAR(16) with a CHECK named after the column (ck_<table>_<column>),
    read back as the enum's members."""
    return sa.Enum(
        enum_cls,
        name=column,
        native_enum=False,
        create_constraint=True,
        values_callable=lambda e: [m.value for m in e],
        length=16,
    )


class Appeal(db.Model):
    __tablename__ = "appeals"
    __table_args__ = (
        sa.CheckConstraint("status <> 'declined' OR decline_reason <> ''", name="declined_has_reason"),
        # The consumer's list (newest first) and the office queue (by status, sorted by due date).
        sa.Index("ix_appeals_consumer_id_id", "consumer_id", "id"),
        sa.Index("ix_appeals_status_due_date", "status", "due_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: ОБ-2026-000045, gap-free per year (app.core.numbering).
    number: Mapped[str] = mapped_column(sa.String(20), unique=True)
    consumer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    kind: Mapped[AppealKind] = mapped_column(_enum(AppealKind, "kind"), index=True)
    topic: Mapped[AppealTopic] = mapped_column(_enum(AppealTopic, "topic"), index=True)
    #: How the consumer wants the answer; the cabinet always gets it too.
    channel: Mapped[AnswerChannel] = mapped_column(_enum(AnswerChannel, "channel"), index=True)
    #: How the appeal reached us (the annual report counts by it), apart from the channel.
    received_via: Mapped[ReceivedVia] = mapped_column(
        _enum(ReceivedVia, "received_via"), default=ReceivedVia.website, index=True
    )
    text: Mapped[str] = mapped_column(sa.Text)
    #: Where a paper answer goes (channel "post").
    postal_address: Mapped[str] = mapped_column(sa.String(300), default="")

    # What Decree 442 (as amended by Decree 55 of 24.01.2024) asks of a complaint about the
    # reliability or quality of supply; empty for other appeals.
    #: The consumer's identity details as the consumer gave them (name, document or ИНН).
    complainant_details: Mapped[str] = mapped_column(sa.String(500), default="")
    contract_number: Mapped[str] = mapped_column(sa.String(50), default="")
    #: The address of the supplied equipment (энергопринимающие устройства).
    supply_address: Mapped[str] = mapped_column(sa.String(300), default="")
    problem_date: Mapped[date | None]
    #: When during that day, or how long: free text ("с 18:00 до 21:30").
    problem_time: Mapped[str] = mapped_column(sa.String(100), default="")
    demands: Mapped[str] = mapped_column(sa.Text, default="")

    #: Indexed with due_date (ix_appeals_status_due_date), which also serves filters by status alone.
    status: Mapped[AppealStatus] = mapped_column(_enum(AppealStatus, "status"), default=AppealStatus.registered)
    registered_at: Mapped[datetime] = mapped_column(index=True)
    #: The answer is due by this day (SPEC §2.8); recomputed while the appeal is open.
    due_date: Mapped[date] = mapped_column(index=True)
    answered_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    #: Told to the consumer when the appeal is left without an answer on the merits.
    decline_reason: Mapped[str] = mapped_column(sa.Text, default="")
    assigned_to_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    #: The consumer's submitted application the appeal is about (SPEC §2.3), if any.
    application_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("applications.id", ondelete="SET NULL"), index=True
    )
    #: The operator who registered an appeal received by phone, post or in person.
    registered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    #: The one extension of the answer term (app.appeals.operations.extend_term): the working days
    #: added to the term's due date, the ground's code (rules.EXTENSION_GROUNDS) and the staff
    #: comment; who and when is its history line (AppealEvent.extended_to). due_date includes them.
    extension_days: Mapped[int | None]
    extension_ground: Mapped[str] = mapped_column(sa.String(32), default="", server_default="")
    extension_comment: Mapped[str] = mapped_column(sa.String(2000), default="", server_default="")
    #: Number and applicant, normalised for Cyrillic case-insensitive search (SPEC §5).
    search_text: Mapped[str] = mapped_column(sa.String(800), default="", index=True)
    #: Bumped on every change the consumer sees: the status block's poll compares it.
    version: Mapped[int] = mapped_column(default=1)

    consumer = relationship("User", foreign_keys=[consumer_id], lazy="raise")
    assigned_to = relationship("User", foreign_keys=[assigned_to_id], lazy="raise")
    registered_by = relationship("User", foreign_keys=[registered_by_id], lazy="raise")

    @property
    def is_open(self) -> bool:
        return self.status.is_open

    @property
    def is_supply_complaint(self) -> bool:
        return is_supply_complaint(self.kind, self.topic)

    @property
    def is_extended(self) -> bool:
        return self.extension_days is not None

    @property
    def extension_ground_label(self) -> str:
        from app.appeals.rules import extension_ground

        ground = extension_ground(self.extension_ground)
        return ground.label if ground else ""

    @property
    def link(self) -> str:
        """The consumer's relative URL of the appeal (SPEC §4.1)."""
        return f"/appeals/{self.id}"

    def is_overdue(self, today: date) -> bool:
        return self.is_open and self.due_date < today


def is_supply_complaint(kind: str | None, topic: str | None) -> bool:
    """A complaint about the reliability or quality of supply: Decree 442 applies to it."""
    return kind == AppealKind.complaint.value and topic == AppealTopic.quality.value


class AppealMessage(db.Model):
    """The thread: the consumer's clarifications, staff answers and internal notes."""

    __tablename__ = "appeal_messages"
    __table_args__ = (sa.Index("ix_appeal_messages_appeal_id_id", "appeal_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    appeal_id: Mapped[int] = mapped_column(sa.ForeignKey("appeals.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[MessageKind] = mapped_column(_enum(MessageKind, "kind"))
    text: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime]
    #: An answer printed as a paper letter: its outgoing number (ИСХ-2026-000001) and date,
    #: given when it is first printed (app.appeals.operations.number_letter).
    letter_number: Mapped[str | None] = mapped_column(sa.String(20))  # unique by its counter
    letter_date: Mapped[date | None]

    author = relationship("User", lazy="raise")

    @property
    def is_internal(self) -> bool:
        return self.kind == MessageKind.note


class AppealFile(db.Model):
    """A file of the appeal: filed with it (no message), or with a clarification or an answer."""

    __tablename__ = "appeal_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    appeal_id: Mapped[int] = mapped_column(sa.ForeignKey("appeals.id", ondelete="CASCADE"), index=True)
    message_id: Mapped[int | None] = mapped_column(sa.ForeignKey("appeal_messages.id", ondelete="CASCADE"), index=True)
    stored_file_id: Mapped[int] = mapped_column(sa.ForeignKey("stored_files.id"), unique=True)

    stored = relationship("StoredFile", lazy="raise")


class AppealEvent(db.Model):
    """One status change, who made it and why: the appeal's history."""

    __tablename__ = "appeal_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    appeal_id: Mapped[int] = mapped_column(sa.ForeignKey("appeals.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    #: None for the registration.
    from_status: Mapped[AppealStatus | None] = mapped_column(_enum(AppealStatus, "from_status"))
    to_status: Mapped[AppealStatus] = mapped_column(_enum(AppealStatus, "to_status"))
    comment: Mapped[str] = mapped_column(sa.String(2000), default="")
    #: Set for an extension of the answer term: the new due date (the status stays as it was).
    extended_to: Mapped[date | None]

    actor = relationship("User", lazy="raise")


class AppealTerm(db.Model):
    """An admin's answer term for a kind and topic; with no row the default applies
    (30 days; 15 working days for a complaint about the quality of supply)."""

    __tablename__ = "appeal_terms"
    __table_args__ = (
        sa.UniqueConstraint("kind", "topic"),
        sa.CheckConstraint("unit IN ('d', 'wd')", name="unit"),
        sa.CheckConstraint("amount BETWEEN 1 AND 365", name="amount"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[AppealKind] = mapped_column(_enum(AppealKind, "kind"))
    topic: Mapped[AppealTopic] = mapped_column(_enum(AppealTopic, "topic"))
    amount: Mapped[int]
    #: 'd' calendar days, 'wd' working days (app.workdays.services.add_term).
    unit: Mapped[str] = mapped_column(sa.String(2))
