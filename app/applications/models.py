"""Grid-connection applications (Decree 861, SPEC §2.2): the application, its documents,
its history, internal notes, payments, and the stage deadlines an admin may change."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from functools import cache

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, load_only, mapped_column, relationship

from app.applications.enums import (
    AnnulmentGround,
    ApplicationKind,
    ApplicationStatus,
    DocumentKind,
    LoadCharacter,
)
from app.connection.groups import ApplicantGroup, Procedure
from app.connection.rules import Category
from app.extensions import db


def _enum(members: type[enum.Enum], length: int, name: str) -> sa.Enum:
    """A column of an enum's values, stored as the strings they are, with a CHECK constraint
    named `name` (ck_<table>_<name>)."""
    return sa.Enum(
        members,
        native_enum=False,
        create_constraint=True,
        values_callable=lambda e: [m.value for m in e],
        length=length,
        name=name,
    )


class Application(db.Model):
    __tablename__ = "applications"
    __table_args__ = (
        sa.CheckConstraint("voltage_kv IN ('0.4', '6', '10', '20', '35', '110')", name="voltage_kv"),
        sa.CheckConstraint("reliability IN (1, 2, 3)", name="reliability"),
        sa.CheckConstraint("power_kw > 0 AND existing_power_kw >= 0 AND existing_power_kw <= power_kw", name="power"),
        sa.CheckConstraint("connection_points >= 1", name="connection_points"),
        sa.CheckConstraint("status = 'draft' OR number IS NOT NULL", name="submitted_has_number"),
        # A draft may lack anything; a submitted application has what its category needs.
        sa.CheckConstraint(
            "status = 'draft' OR (power_kw IS NOT NULL AND voltage_kv IS NOT NULL AND category IS NOT NULL)",
            name="submitted_is_complete",
        ),
        # The consumer's list (newest first) and the office queue (by status, sorted by due date).
        sa.Index("ix_applications_consumer_id_id", "consumer_id", "id"),
        sa.Index("ix_applications_status_due_date", "status", "due_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: ТП-2026-000123, gap-free per year (app.core.numbering); None while a draft.
    number: Mapped[str | None] = mapped_column(sa.String(20), unique=True)
    consumer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    kind: Mapped[ApplicationKind] = mapped_column(_enum(ApplicationKind, 24, "kind"), index=True)
    status: Mapped[ApplicationStatus] = mapped_column(
        _enum(ApplicationStatus, 24, "status"), default=ApplicationStatus.draft
    )
    #: Derived from applicant type, maximum power, kind and load (connection.rules), never typed.
    category: Mapped[Category | None] = mapped_column(_enum(Category, 16, "category"), index=True)
    #: The applicant's group of the Rules of Decree 861 (connection.groups), derived on every
    #: save like the category: it decides the procedure, the p.16 term and the p.17 fee.
    applicant_group: Mapped[ApplicantGroup | None] = mapped_column(_enum(ApplicantGroup, 20, "applicant_group"))
    #: The group's procedure, stored beside it: the applications made before the groups keep
    #: the one they were made in (up to 150 kW the personal-account one, migration 0019).
    procedure: Mapped[Procedure | None] = mapped_column(_enum(Procedure, 20, "procedure"))
    #: The applicant's type when the application was made (individual | entrepreneur | legal).
    applicant_type: Mapped[str] = mapped_column(sa.String(16))

    object_name: Mapped[str] = mapped_column(sa.String(300), default="")
    object_settlement: Mapped[str] = mapped_column(sa.String(200), default="")
    #: May be empty in a village.
    object_street: Mapped[str] = mapped_column(sa.String(200), default="")
    object_house: Mapped[str] = mapped_column(sa.String(50), default="")
    object_address_extra: Mapped[str] = mapped_column(sa.String(300), default="")
    cadastral_number: Mapped[str] = mapped_column(sa.String(40), default="")
    #: Maximum power for the object, previously connected power included (kW).
    power_kw: Mapped[Decimal | None] = mapped_column(sa.Numeric(12, 3))
    existing_power_kw: Mapped[Decimal] = mapped_column(sa.Numeric(12, 3), default=Decimal("0"))
    voltage_kv: Mapped[str | None] = mapped_column(sa.String(4))
    reliability: Mapped[int] = mapped_column(default=3)
    load_character: Mapped[LoadCharacter] = mapped_column(
        _enum(LoadCharacter, 16, "load_character"), default=LoadCharacter.household
    )
    connection_points: Mapped[int] = mapped_column(default=1)
    #: The guaranteeing supplier (гарантирующий поставщик) the applicant chose: free text.
    supplier: Mapped[str] = mapped_column(sa.String(300), default="")
    commissioning_date: Mapped[date | None]
    #: Stages of commissioning with power and dates, when connecting in stages: free text.
    stages: Mapped[str] = mapped_column(sa.Text, default="")
    preferential: Mapped[bool] = mapped_column(default=False)
    #: The facts of the group the applicant states (connection.groups.Applicant): the object
    #: produces electricity; a temporary connection's devices are mobile and the longer term
    #: it asks for (working days, p.16(б)); a partnership's number of members (pp. 13(2)–13(5)).
    generation: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    mobile_devices: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    requested_term_wd: Mapped[int | None]
    partnership_members: Mapped[int | None]
    # Passport data, individuals only (personal data: never logged, purged with the account).
    passport_series: Mapped[str] = mapped_column(sa.String(4), default="")
    passport_number: Mapped[str] = mapped_column(sa.String(6), default="")
    passport_issued_by: Mapped[str] = mapped_column(sa.String(300), default="")
    passport_issued_on: Mapped[date | None]

    created_at: Mapped[datetime]
    updated_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime | None] = mapped_column(index=True)
    #: When the current stage began: the event its deadlines count from (registration, the
    #: receipt of missing data, the request, the posting of the offer, the notification…).
    stage_started_at: Mapped[datetime | None]
    #: Staff confirmed the application is complete (the 3-working-day check is met).
    checked_at: Mapped[datetime | None]
    #: The contract is concluded (paid up to 150 kW, signed above): the p.16 term counts from it.
    contract_date: Mapped[date | None]
    #: Above 150 kW: when the applicant's signed copy of the contract arrived through the
    #: cabinet. While the status is offer_sent it waits for staff to confirm it; the contract
    #: is concluded on its local date (Decree 861 p.15: on the day the signed copy reaches us).
    signed_received_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    #: The earliest obligation not yet met (SPEC §2.2); None when nothing runs.
    due_date: Mapped[date | None] = mapped_column(index=True)
    #: What is due by due_date, in Russian ("Направить заявителю договор и ТУ").
    due_label: Mapped[str] = mapped_column(sa.String(200), default="")
    #: Whose the obligation is: "staff", "applicant" or "" (nothing runs).
    due_party: Mapped[str] = mapped_column(sa.String(16), default="")
    #: Why the application was annulled or withdrawn; told to the consumer.
    closing_reason: Mapped[str] = mapped_column(sa.Text, default="")
    #: The ground of the annulment (AnnulmentGround); None unless annulled on one.
    annulment_ground: Mapped[AnnulmentGround | None] = mapped_column(_enum(AnnulmentGround, 24, "annulment_ground"))
    #: What staff asked for when they requested missing data.
    info_request: Mapped[str] = mapped_column(sa.Text, default="")

    #: The calculation inputs staff entered when posting the offer (SPEC §4.2 names: territory,
    #: within_distance, overhead_km, …), JSON; empty until then.
    offer_inputs: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    invoice_without_vat: Mapped[Decimal | None] = mapped_column(sa.Numeric(14, 2))
    invoice_with_vat: Mapped[Decimal | None] = mapped_column(sa.Numeric(14, 2))
    invoice_vat_percent: Mapped[Decimal | None] = mapped_column(sa.Numeric(5, 2))
    #: The fee the invoice charges: "standard" or "preferential" (p.17: once in 3 years).
    fee_rule: Mapped[str | None] = mapped_column(sa.String(16))
    #: The p.16 implementation term fixed at the offer: amount and unit ('wd', 'm', 'y').
    implementation_amount: Mapped[int | None]
    implementation_unit: Mapped[str | None] = mapped_column(sa.String(2))

    assigned_to_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    #: The operator who entered it on a walk-in applicant's behalf, if any.
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    #: Number, applicant and object, normalised for Cyrillic case-insensitive search (SPEC §5).
    search_text: Mapped[str] = mapped_column(sa.String(800), default="", index=True)
    #: Bumped on every change the consumer sees: the status block's poll compares it.
    version: Mapped[int] = mapped_column(default=1)

    consumer = relationship("User", foreign_keys=[consumer_id], lazy="raise")
    assigned_to = relationship("User", foreign_keys=[assigned_to_id], lazy="raise")

    @property
    def status_enum(self) -> ApplicationStatus:
        return ApplicationStatus(self.status)

    @property
    def kind_enum(self) -> ApplicationKind:
        return ApplicationKind(self.kind)

    @property
    def category_enum(self) -> Category | None:
        return Category(self.category) if self.category else None

    @property
    def annulment_ground_enum(self) -> AnnulmentGround | None:
        return AnnulmentGround(self.annulment_ground) if self.annulment_ground else None

    @property
    def is_open(self) -> bool:
        return self.status_enum.is_open

    @property
    def is_draft(self) -> bool:
        return self.status == ApplicationStatus.draft.value

    @property
    def power_added_kw(self) -> Decimal:
        return Decimal(self.power_kw or 0) - Decimal(self.existing_power_kw or 0)

    @property
    def group_enum(self) -> ApplicantGroup | None:
        return ApplicantGroup(self.applicant_group) if self.applicant_group else None

    @property
    def is_small(self) -> bool:
        """The personal-account procedure (p.103 of the Rules): the contract is concluded by
        paying the invoice. The general procedure otherwise: a draft contract to sign."""
        if self.procedure is None:  # a draft without power yet
            return Decimal(self.power_kw or 0) <= 150
        return self.procedure == Procedure.personal_account.value

    @property
    def address(self) -> str:
        parts = [
            self.object_settlement,
            self.object_street,
            self.object_house and f"д. {self.object_house}",
            self.object_address_extra,
        ]
        return ", ".join(p for p in parts if p)

    @property
    def link(self) -> str:
        """The consumer's relative URL of the application (SPEC §4.1)."""
        return f"/applications/{self.id}"

    def is_overdue(self, today: date) -> bool:
        return self.is_open and self.due_date is not None and self.due_date < today


@cache
def list_columns():
    """What lists of applications print (the consumer's list and the cabinet).
    A list loads these columns only, and any other column read by mistake raises instead of
    costing a query per row. Made once, on first use (the mappers must be complete): made
    per call, the option cost 160–300 µs of every list and cabinet page (bench/micro in
    docs/performance.md, «Issue 18»)."""
    return load_only(
        Application.id,
        Application.number,
        Application.consumer_id,
        Application.kind,
        Application.status,
        Application.category,
        Application.object_name,
        Application.object_settlement,
        Application.object_street,
        Application.object_house,
        Application.object_address_extra,
        Application.power_kw,
        Application.procedure,
        Application.submitted_at,
        Application.due_date,
        Application.due_label,
        Application.due_party,
        Application.assigned_to_id,
        raiseload=True,
    )


class ApplicationDocument(db.Model):
    """A document of the application: the applicant's attachments, generated PDFs and what
    staff posted, each with the stage it belongs to."""

    __tablename__ = "application_documents"
    __table_args__ = (sa.Index("ix_application_documents_application_id_id", "application_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id", ondelete="CASCADE"))
    kind: Mapped[DocumentKind] = mapped_column(_enum(DocumentKind, 32, "kind"))
    #: The status the application had when the document was added (the stage it belongs to).
    stage: Mapped[ApplicationStatus] = mapped_column(_enum(ApplicationStatus, 24, "stage"))
    #: The history row it came with, if any.
    event_id: Mapped[int | None] = mapped_column(sa.ForeignKey("application_events.id", ondelete="SET NULL"))
    stored_file_id: Mapped[int] = mapped_column(sa.ForeignKey("stored_files.id"), unique=True)
    created_at: Mapped[datetime]

    stored = relationship("StoredFile", lazy="raise")

    @property
    def label(self) -> str:
        return DocumentKind(self.kind).label

    @property
    def is_generated(self) -> bool:
        return self.kind in GENERATED_KINDS

    @property
    def is_applicants(self) -> bool:
        return self.kind in APPLICANT_KINDS


GENERATED_KINDS = {"application_form", "contract_terms", "instruction", "invoice"}
APPLICANT_KINDS = {
    "site_plan",
    "title_document",
    "power_of_attorney",
    "preferential_proof",
    "other",
    "info_response",
    "tu_fulfilment",
}


class ApplicationEvent(db.Model):
    """One change of the application, who made it and the comment: its history. Status
    changes have both statuses; other events (a payment, an assignment, completeness
    confirmed) keep the status and say what happened in `action`."""

    __tablename__ = "application_events"
    __table_args__ = (sa.Index("ix_application_events_application_id_id", "application_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id", ondelete="CASCADE"))
    at: Mapped[datetime]
    #: None for the system (the daily expiry run).
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    #: "status", "payment", "checked", "assigned".
    action: Mapped[str] = mapped_column(sa.String(16), default="status")
    from_status: Mapped[ApplicationStatus | None] = mapped_column(_enum(ApplicationStatus, 24, "from_status"))
    to_status: Mapped[ApplicationStatus] = mapped_column(_enum(ApplicationStatus, 24, "to_status"))
    #: Shown to the consumer (the request for data, their answer, the reason of annulment).
    comment: Mapped[str] = mapped_column(sa.Text, default="")

    actor = relationship("User", lazy="raise")

    @property
    def to_label(self) -> str:
        return ApplicationStatus(self.to_status).label

    @property
    def title(self) -> str:
        """What happened, for the history: the status reached, or the event itself."""
        return EVENT_TITLES.get(self.action) or self.to_label


#: Events that keep the status, as the history names them.
EVENT_TITLES = {
    "payment": "Оплата",
    "checked": "Сведения проверены",
    "assigned": "Назначен ответственный",
    "signed_upload": "Подписанный договор направлен заявителем",
}


class ApplicationNote(db.Model):
    """An internal note of staff: never shown to the consumer."""

    __tablename__ = "application_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime]

    author = relationship("User", lazy="raise")


class ApplicationPayment(db.Model):
    """A payment staff recorded against the invoice."""

    __tablename__ = "application_payments"
    __table_args__ = (sa.CheckConstraint("amount > 0", name="amount"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    paid_on: Mapped[date]
    amount: Mapped[Decimal] = mapped_column(sa.Numeric(14, 2))
    #: The payment order's number and date, as on the bank statement.
    document: Mapped[str] = mapped_column(sa.String(200), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime]


class StageDeadline(db.Model):
    """An admin's stage deadline (SPEC §2.2, configurable); with no row the default applies."""

    __tablename__ = "application_deadlines"
    __table_args__ = (
        sa.UniqueConstraint("code"),
        sa.CheckConstraint("unit IN ('d', 'wd', 'm')", name="unit"),
        sa.CheckConstraint("amount BETWEEN 1 AND 365", name="amount"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: A key of deadlines.DEFAULT_DEADLINES ("check", "offer_small", "needs_info", …).
    code: Mapped[str] = mapped_column(sa.String(32))
    amount: Mapped[int]
    unit: Mapped[str] = mapped_column(sa.String(2))
