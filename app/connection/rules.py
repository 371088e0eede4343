"""Decree 861 rules shared by the calculator and the applications (SPEC §2.2, §2.5)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import Decimal

VOLTAGES_KV = ("0.4", "6", "10", "20", "35", "110")


class Category(enum.StrEnum):
    """The applicant's category; every boundary is inclusive on the lower side."""

    up_to_15 = "up_to_15"
    up_to_150 = "up_to_150"
    up_to_670 = "up_to_670"
    over_670 = "over_670"
    temporary = "temporary"

    @property
    def label(self) -> str:
        return _CATEGORY_LABELS[self]

    @property
    def short_label(self) -> str:
        return _CATEGORY_SHORT_LABELS[self]


# Looked up by the member itself (a StrEnum hashes as its value): lists print dozens of them.
_CATEGORY_LABELS = {
    "up_to_15": "до 15 кВт включительно (физическое лицо, бытовые нужды)",
    "up_to_150": "до 150 кВт включительно",
    "up_to_670": "свыше 150 до 670 кВт включительно",
    "over_670": "свыше 670 кВт",
    "temporary": "временное присоединение",
}
_CATEGORY_SHORT_LABELS = {
    "up_to_15": "до 15 кВт",
    "up_to_150": "до 150 кВт",
    "up_to_670": "150–670 кВт",
    "over_670": "свыше 670 кВт",
    "temporary": "временное",
}


def derive_category(
    applicant_type: str, max_power_kw: Decimal, kind: str = "new", load_character: str | None = "household"
) -> Category:
    """The category is derived, never typed (SPEC §2.2).

    Up to 15 kW is the category of an individual's household connection; any other
    applicant of 15 kW or less is «up to 150 kW»."""
    power = Decimal(max_power_kw)
    if kind == "temporary":
        return Category.temporary
    if power <= 15 and applicant_type == "individual" and load_character in (None, "household"):
        return Category.up_to_15
    if power <= 150:
        return Category.up_to_150
    if power <= 670:
        return Category.up_to_670
    return Category.over_670


def voltage_band(voltage_kv: str | Decimal) -> str:
    """The tariff band of a voltage level: '0.4' (up to 1 kV), '1-20' (6, 10, 20 kV), '35', '110'."""
    kv = Decimal(str(voltage_kv))
    if kv <= 1:
        return "0.4"
    if kv <= 20:
        return "1-20"
    if kv <= 35:
        return "35"
    return "110"


@dataclass(frozen=True)
class ImplementationTerm:
    """A p.16 term: amount and unit ('wd', 'm', 'y'), counted from the contract date."""

    amount: int
    unit: str
    reason: str

    @property
    def label(self) -> str:
        from app.workdays.services import term_label

        return term_label(self.amount, self.unit)


def implementation_term(
    category: Category,
    voltage_kv: str | Decimal,
    within_distance: bool,
    construction_needed: bool,
    max_power_kw: Decimal | None = None,
) -> ImplementationTerm:
    """The first p.16 term that fits (SPEC §2.2, table row `in_progress`).

    `within_distance`: the grid of the needed voltage is within 300 m (urban) or 500 m
    (rural) of the applicant's border; `construction_needed`: new lines or substations."""
    low_voltage = Decimal(str(voltage_kv)) <= 20
    power = Decimal(max_power_kw) if max_power_kw is not None else None
    if category is Category.temporary:
        if within_distance and (power is None or power <= 150):
            return ImplementationTerm(
                15, "wd", "временное присоединение передвижных устройств до 150 кВт в пределах 300 м от сетей"
            )
        category = derive_category("legal", power) if power is not None else Category.up_to_150
    small = category in (Category.up_to_15, Category.up_to_150)
    if category is not Category.over_670 and low_voltage and within_distance and not construction_needed:
        return ImplementationTerm(
            4,
            "m",
            "до 670 кВт, напряжение до 20 кВ, сети в пределах 300 м (город) или 500 м (село), строительство линий и подстанций не требуется",
        )
    if small and low_voltage and within_distance:
        return ImplementationTerm(
            6,
            "m",
            "заявители до 15 кВт и до 150 кВт, напряжение до 20 кВ, сети в пределах 300 м (город) или 500 м (село)",
        )
    if category is not Category.over_670:
        return ImplementationTerm(1, "y", "максимальная мощность до 670 кВт")
    return ImplementationTerm(2, "y", "максимальная мощность свыше 670 кВт")
