"""The cost calculation service (SPEC §2.5): the interface the applications' invoice uses,
and the tariff decisions it reads (import, retire, the one in force on a date).

The dataclass names below are a contract between the calculator and the applications:
fields may be added, none renamed or removed. The arithmetic itself is in rules.py (plain
functions, no database); this module finds the decision and the VAT rate for it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask import g, has_app_context
from sqlalchemy.orm import joinedload

from app.calculator.models import TariffDecision
from app.calculator.tariff_file import ParsedDecision, load_rates, parse_file
from app.company.services import vat_percent_on
from app.connection.rules import Category, ImplementationTerm
from app.core.clock import now, today
from app.extensions import db


@dataclass(frozen=True)
class CalculationInput:
    """The parameters of SPEC §4.2 (the /calculator query), parsed and typed."""

    applicant_type: str  # individual | entrepreneur | legal
    power_kw: Decimal  # maximum power, previously connected included
    existing_power_kw: Decimal = Decimal("0")
    voltage_kv: str = "0.4"  # 0.4 | 6 | 10 | 20 | 35 | 110
    reliability: int = 3  # 1 | 2 | 3
    territory: str = "urban"  # urban | rural
    within_distance: bool = True  # 300 m urban / 500 m rural
    preferential: bool = False  # belongs to a preferential group
    overhead_km: Decimal = Decimal("0")
    cable_km: Decimal = Decimal("0")
    overhead_variant: str | None = None  # a variant code of the decision, or the first
    cable_variant: str | None = None
    sectioning_points: int = 0
    substation: bool = False
    distribution_substation: bool = False
    supply_center: bool = False
    metering: str = "none"  # none | single_phase | three_phase_direct | three_phase_ct
    metering_points: int = 0
    on_date: date | None = None  # picks the decision in force and the VAT rate; today if None
    #: What the calculator page does not ask and an application knows: its kind (a temporary
    #: connection has its own p.16 term), whether an individual's load is household (only a
    #: household connection gets the preferential fee; None: every individual's is), and the
    #: day whose VAT rate applies when it is not on_date (an invoice issued later).
    kind: str = "new"
    household: bool | None = None
    vat_on: date | None = None


@dataclass(frozen=True)
class CostTerm:
    """One term of P = C1 + C2·L + … : its rate, quantity and amount (without VAT)."""

    code: str  # "c1" … "c8"
    label: str  # Russian, e.g. "C2 — строительство ВЛ, АС-70"
    rate: Decimal
    quantity: Decimal
    unit: str  # "шт.", "км", "кВт", "точка учёта"
    amount: Decimal  # rounded half-up to kopecks


@dataclass(frozen=True)
class DecisionRef:
    """The tariff decision cited."""

    id: int
    region: str
    title: str  # "Постановление РЭК N 00/00 от 2025-12-20"
    valid_from: date
    valid_to: date | None


@dataclass(frozen=True)
class Calculation:
    input: CalculationInput
    on_date: date
    terms: list[CostTerm]
    total_without_vat: Decimal
    total_with_vat: Decimal
    vat_percent: Decimal
    rule: str  # "standard" | "preferential"
    explanation: str  # Russian: which rule applied and why (which of the two was lower)
    decision: DecisionRef
    implementation_term: ImplementationTerm
    notes: list[str] = field(default_factory=list)
    #: N = maximum − previously connected, kW: the power the terms C5–C7 and the fee count.
    power_added_kw: Decimal = Decimal("0")
    #: The applicant's category (SPEC §2.2), for the implementation term and the invoice.
    category: Category | None = None
    #: P by the standardized rates, before any preferential fee replaced it.
    standard_without_vat: Decimal = Decimal("0")
    standard_with_vat: Decimal = Decimal("0")
    #: Set when the preferential fee applies (the applicant qualifies): rate × N, VAT included.
    preferential_rate: Decimal | None = None
    preferential_fee: Decimal | None = None

    @property
    def vat_amount(self) -> Decimal:
        return self.total_with_vat - self.total_without_vat


class CalculationError(ValueError):
    """A calculation that cannot be made: `field` names the input (SPEC §4.2) at fault,
    `message` says why in Russian (a missing band, variant or metering type, no decision
    in force on the date, an inconsistent input)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def calculate(inp: CalculationInput) -> Calculation:
    """The cost for `inp` with the tariff decision in force on inp.on_date (today by default).

    Raises CalculationError for an input the rules refuse, when no decision is in force on
    the date, or when the decision lacks a rate a needed term uses."""
    from app.calculator import rules  # rules builds this module's dataclasses: imported here, not above

    on_date = inp.on_date or today()
    rules.check_input(inp)
    decision = decision_in_force(on_date)
    if decision is None:
        raise CalculationError("date", no_decision_message(on_date))
    vat_percent = vat_percent_on(inp.vat_on or on_date)
    return rules.compute(inp, rates_of(decision), vat_percent, decision_ref(decision), on_date)


def no_decision_message(day: date) -> str:
    return (
        f"На {day.strftime('%d.%m.%Y')} нет действующего тарифного решения: рассчитать стоимость нельзя. "
        "Выберите другую дату расчёта или обратитесь в сетевую организацию."
    )


# --- tariff decisions ---------------------------------------------------------------------------


def decision_in_force(day: date) -> TariffDecision | None:
    """The decision that applies on `day`: among those covering it and not retired, the one
    with the latest valid_from (a later import wins a tie). Read once per request and date."""
    cache = g.setdefault("tariff_decisions", {}) if has_app_context() else {}
    if day not in cache:
        cache[day] = in_force_without(day, None)
    return cache[day]


#: Every calculation runs it: built once (bench/: building it took a fifth of the result page).
_IN_FORCE = (
    sa.select(TariffDecision)
    .where(
        TariffDecision.retired_at.is_(None),
        TariffDecision.valid_from <= sa.bindparam("day"),
        sa.or_(TariffDecision.valid_to.is_(None), TariffDecision.valid_to >= sa.bindparam("day")),
    )
    .order_by(TariffDecision.valid_from.desc(), TariffDecision.id.desc())
    .limit(1)
)
_IN_FORCE_WITHOUT = _IN_FORCE.where(TariffDecision.id != sa.bindparam("decision_id"))


def in_force_without(day: date, decision_id: int | None) -> TariffDecision | None:
    """The decision in force on `day` if `decision_id` did not exist: what retiring it leaves."""
    if decision_id is None:
        return db.session.scalar(_IN_FORCE, {"day": day})
    return db.session.scalar(_IN_FORCE_WITHOUT, {"day": day, "decision_id": decision_id})


def _forget_decisions() -> None:
    if has_app_context():
        g.pop("tariff_decisions", None)


def decision_ref(decision: TariffDecision) -> DecisionRef:
    return DecisionRef(
        id=decision.id,
        region=decision.region,
        title=decision.title,
        valid_from=decision.valid_from,
        valid_to=decision.valid_to,
    )


def rates_of(decision: TariffDecision) -> dict:
    return load_rates(decision.rates)


@dataclass(frozen=True)
class ImportResult:
    decision: TariffDecision
    created: bool  # False: an identical decision was imported before; nothing changed


def import_decision(raw: bytes, file_name: str = "", actor=None) -> ImportResult:
    """Validate a whole §4.3 file and store it; an identical one already stored is returned
    unchanged. Raises tariff_file.TariffFileError (nothing written) for a bad file."""
    return store_decision(parse_file(raw), file_name, actor)


def store_decision(parsed: ParsedDecision, file_name: str = "", actor=None) -> ImportResult:
    """Store a file parse_file() accepted (parsed outside the unit of work: app/db.py)."""
    existing = db.session.scalar(sa.select(TariffDecision).where(TariffDecision.content_hash == parsed.content_hash))
    if existing is not None:
        return ImportResult(existing, created=False)
    decision = TariffDecision(
        region=parsed.region,
        title=parsed.title,
        valid_from=parsed.valid_from,
        valid_to=parsed.valid_to,
        rates=parsed.rates,
        content_hash=parsed.content_hash,
        file_name=(file_name or "")[-255:],
        imported_at=now(),
        imported_by_id=getattr(actor, "id", None),
    )
    db.session.add(decision)
    db.session.flush()
    _forget_decisions()
    return ImportResult(decision, created=True)


def retire_decision(decision: TariffDecision, actor=None) -> bool:
    """Stop a decision applying to any date; False when it was retired already."""
    if decision.retired_at is not None:
        return False
    decision.retired_at = now()
    decision.retired_by_id = getattr(actor, "id", None)
    db.session.flush()
    _forget_decisions()
    return True


def list_decisions(limit: int, offset: int = 0) -> list[TariffDecision]:
    """Newest first, with who imported and retired them (one query)."""
    return list(
        db.session.scalars(
            sa.select(TariffDecision)
            .options(joinedload(TariffDecision.imported_by), joinedload(TariffDecision.retired_by))
            .order_by(TariffDecision.valid_from.desc(), TariffDecision.id.desc())
            .offset(offset)
            .limit(limit)
        )
    )


def get_decision(decision_id: int) -> TariffDecision | None:
    return db.session.scalar(
        sa.select(TariffDecision)
        .options(joinedload(TariffDecision.imported_by), joinedload(TariffDecision.retired_by))
        .where(TariffDecision.id == decision_id)
    )
