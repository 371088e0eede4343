"""The offer (SPEC §2.2): the calculation inputs staff enter, the invoice the calculator gives
for them, and the offer's documents rendered and staged before its unit of work."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from app.applications.deadlines import local_day, refresh_due
from app.applications.models import Application, ApplicationStatus, DocumentKind, LoadCharacter
from app.applications.rules import territory_of
from app.auth.models import User
from app.connection.groups import PREFERENTIAL_EVERY_YEARS
from app.core.clock import now, today
from app.core.storage import StagedFile, stage_bytes
from app.extensions import db

S = ApplicationStatus


@dataclass(frozen=True)
class OfferInputs:
    """What staff enter when posting the offer (SPEC §2.2): the calculation inputs the
    application does not hold. Names as in the calculator's query (SPEC §4.2)."""

    territory: str = "urban"
    within_distance: bool = True
    overhead_km: Decimal = Decimal("0")
    cable_km: Decimal = Decimal("0")
    overhead_variant: str | None = None
    cable_variant: str | None = None
    sectioning_points: int = 0
    substation: bool = False
    distribution_substation: bool = False
    supply_center: bool = False
    metering: str = "none"
    metering_points: int = 0
    #: p.16(б): objects of the company's investment programme are built or rebuilt for this
    #: connection; None: whenever the construction above is entered (the staff's choice otherwise).
    investment_construction: bool | None = None

    def as_json(self) -> dict:
        return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in self.__dict__.items()}

    @classmethod
    def from_json(cls, data: dict | None) -> OfferInputs:
        data = dict(data or {})
        for key in ("overhead_km", "cable_km"):
            if key in data:
                data[key] = Decimal(str(data[key]))
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


def offer_defaults(app: Application) -> OfferInputs:
    """The offer form prefilled from the application: the territory from the kind of settlement
    the address names (staff can change it), a metering point per connection point."""
    if app.offer_inputs:
        return OfferInputs.from_json(app.offer_inputs)
    three_phase = Decimal(app.power_kw or 0) > 15 or app.voltage_kv != "0.4"
    metering = "three_phase_direct" if three_phase else "single_phase"
    if Decimal(app.power_kw or 0) > 100 or app.voltage_kv != "0.4":
        metering = "three_phase_ct"
    return OfferInputs(
        territory=territory_of(app.object_settlement) or "urban",
        metering=metering,
        metering_points=app.connection_points or 1,
    )


def calculation_input(app: Application, inputs: OfferInputs):
    """The calculator's input for the application: its parameters, the staff's inputs, the
    tariff in force at submission and the VAT rate of the day the invoice is issued."""
    from app.calculator.services import CalculationInput

    return CalculationInput(
        applicant_type=app.applicant_type,
        power_kw=Decimal(app.power_kw),
        existing_power_kw=Decimal(app.existing_power_kw or 0),
        voltage_kv=app.voltage_kv,
        reliability=app.reliability,
        territory=inputs.territory,
        within_distance=inputs.within_distance,
        preferential=app.preferential,
        overhead_km=inputs.overhead_km,
        cable_km=inputs.cable_km,
        overhead_variant=inputs.overhead_variant,
        cable_variant=inputs.cable_variant,
        sectioning_points=inputs.sectioning_points,
        substation=inputs.substation,
        distribution_substation=inputs.distribution_substation,
        supply_center=inputs.supply_center,
        metering=inputs.metering,
        metering_points=inputs.metering_points if inputs.metering != "none" else 0,
        on_date=local_day(app.submitted_at),
        kind=app.kind,
        household=app.load_character == LoadCharacter.household.value,
        vat_on=today(),
        mobile_devices=bool(app.mobile_devices),
        requested_term_wd=app.requested_term_wd,
        partnership_members=app.partnership_members,
        generation=bool(app.generation),
        investment_construction=inputs.investment_construction,
        preferential_used_on=preferential_fee_used_on(app),
    )


def preferential_fee_used_on(app: Application) -> date | None:
    """The submission day of the applicant's other application charged the preferential fee
    within the 3 years before this one's submission (withdrawn and annulled ones do not count)."""
    submitted = local_day(app.submitted_at) if app.submitted_at else today()
    since = submitted.replace(year=submitted.year - PREFERENTIAL_EVERY_YEARS)
    closed = (S.withdrawn.value, S.annulled.value)
    earlier = db.session.scalars(
        sa.select(Application.submitted_at)
        .where(
            Application.consumer_id == app.consumer_id,
            Application.id != app.id,
            Application.fee_rule == "preferential",
            Application.status.not_in(closed),
            Application.submitted_at.is_not(None),
        )
        .order_by(Application.submitted_at.desc())
    ).all()
    for moment in earlier:
        if since < local_day(moment) <= submitted:
            return local_day(moment)
    return None


def invoice_calculation(app: Application, inputs: OfferInputs):
    """The invoice: the calculator's service on the application's parameters (raises
    calculator.services.CalculationError with the field at fault)."""
    from app.calculator.services import calculate

    return calculate(calculation_input(app, inputs))


@dataclass(frozen=True)
class OfferDocuments:
    """The offer's invoice and its three generated documents, rendered and staged before its
    unit of work (they take a quarter of a second), for the application at `version`."""

    version: int
    calculation: object
    staged: tuple[tuple[DocumentKind, StagedFile], ...]


def prepare_offer(app: Application, inputs: OfferInputs) -> OfferDocuments:
    """Render the offer's documents outside any lock, from a copy of the application as
    post_offer() will leave it: its new stage and that stage's due date are printed in them.
    Raises calculator.services.CalculationError with the field at fault."""
    from app.applications import pdf, pdf_invoice

    calculation = invoice_calculation(app, inputs)
    posted = Application(**{a.key: getattr(app, a.key) for a in sa.inspect(Application).column_attrs})
    set_offer(posted, inputs, calculation)
    posted.status, posted.stage_started_at = S.offer_sent.value, now()
    refresh_due(posted)
    consumer = db.session.get(User, app.consumer_id)
    documents = (
        (
            DocumentKind.contract_terms,
            pdf.contract_terms(posted, consumer, calculation),
            f"Условия договора {app.number}.pdf",
        ),
        (DocumentKind.instruction, pdf.instruction(posted), "Инструкция по присоединению.pdf"),
        (DocumentKind.invoice, pdf_invoice.invoice(posted, consumer, calculation), f"Счёт {app.number}.pdf"),
    )
    return OfferDocuments(
        app.version,
        calculation,
        tuple((kind, stage_bytes(data, "application/pdf", name)) for kind, data, name in documents),
    )


def set_offer(app: Application, inputs: OfferInputs, calculation) -> None:
    app.offer_inputs = inputs.as_json()
    app.invoice_without_vat = calculation.total_without_vat
    app.invoice_with_vat = calculation.total_with_vat
    app.invoice_vat_percent = calculation.vat_percent
    app.fee_rule = calculation.rule
    term = calculation.implementation_term
    app.implementation_amount, app.implementation_unit = term.amount, term.unit
