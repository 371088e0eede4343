"""The cost calculation service (SPEC §2.5): the interface the applications' invoice uses.

THE CALCULATOR ISSUE IMPLEMENTS THIS MODULE. The names below are a contract between the
calculator and the applications: fields may be added, none renamed or removed."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from app.connection.rules import ImplementationTerm


@dataclass(frozen=True)
class CalculationInput:
    """The parameters of SPEC §4.2 (the /calculator query), parsed and typed."""

    applicant_type: str                     # individual | entrepreneur | legal
    power_kw: Decimal                       # maximum power, previously connected included
    existing_power_kw: Decimal = Decimal("0")
    voltage_kv: str = "0.4"                 # 0.4 | 6 | 10 | 20 | 35 | 110
    reliability: int = 3                    # 1 | 2 | 3
    territory: str = "urban"                # urban | rural
    within_distance: bool = True            # 300 m urban / 500 m rural
    preferential: bool = False              # belongs to a preferential group
    overhead_km: Decimal = Decimal("0")
    cable_km: Decimal = Decimal("0")
    overhead_variant: str | None = None     # a variant code of the decision, or the first
    cable_variant: str | None = None
    sectioning_points: int = 0
    substation: bool = False
    distribution_substation: bool = False
    supply_center: bool = False
    metering: str = "none"                  # none | single_phase | three_phase_direct | three_phase_ct
    metering_points: int = 0
    on_date: date | None = None             # picks the decision in force and the VAT rate; today if None


@dataclass(frozen=True)
class CostTerm:
    """One term of P = C1 + C2·L + … : its rate, quantity and amount (without VAT)."""

    code: str            # "c1" … "c8"
    label: str           # Russian, e.g. "C2 — строительство ВЛ, АС-70"
    rate: Decimal
    quantity: Decimal
    unit: str            # "шт.", "км", "кВт", "точка учёта"
    amount: Decimal      # rounded half-up to kopecks


@dataclass(frozen=True)
class DecisionRef:
    """The tariff decision cited."""

    id: int
    region: str
    title: str           # "Постановление РЭК N 00/00 от 2025-12-20"
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
    rule: str            # "standard" | "preferential"
    explanation: str     # Russian: which rule applied and why (which of the two was lower)
    decision: DecisionRef
    implementation_term: ImplementationTerm
    notes: list[str] = field(default_factory=list)


class CalculationError(ValueError):
    """A calculation that cannot be made: `field` names the input (SPEC §4.2) at fault,
    `message` says why in Russian (a missing band, variant or metering type, no decision
    in force on the date, an inconsistent input)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def calculate(inp: CalculationInput) -> Calculation:
    """The cost for `inp` with the tariff decision in force on inp.on_date (today by default)."""
    raise NotImplementedError("implemented by the calculator issue")
