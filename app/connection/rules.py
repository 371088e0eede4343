"""Decree 861 rules shared by the calculator and the applications (SPEC §2.2, §2.5)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import Decimal

from app.connection.groups import ApplicantGroup
from app.workdays.services import term_label

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
        return term_label(self.amount, self.unit)


#: p.16(а): a temporary connection's grid within 300 m whatever the territory, and its term
#: «если в заявке не указан более продолжительный срок».
TEMPORARY_TERM_WD = 15
MAX_REQUESTED_TERM_WD = 250


def implementation_term(
    group: ApplicantGroup,
    voltage_kv: str | Decimal,
    within_distance: bool,
    investment_construction: bool,
    requested_term_wd: int | None = None,
) -> ImplementationTerm:
    """The first term of p.16 that fits the group and the conditions.

    `within_distance`: the grid of the needed voltage within 300 m of the border in towns and
    urban-type settlements, 500 m in the country (for a temporary connection: within 300 m);
    `investment_construction`: objects included (or to be included) in the company's investment
    programme must be built or rebuilt for it."""
    up_to_20_kv = Decimal(str(voltage_kv)) <= 20
    if group is ApplicantGroup.temporary_mobile and within_distance:
        days = max(TEMPORARY_TERM_WD, requested_term_wd or 0)
        asked = " (срок, указанный в заявке)" if days > TEMPORARY_TERM_WD else ""
        return ImplementationTerm(
            days,
            "wd",
            f"подп. «б» п. 16 Правил: временное присоединение передвижных объектов до 150 кВт, сети в пределах 300 м{asked}",
        )
    if group is not ApplicantGroup.over_670 and up_to_20_kv and within_distance and not investment_construction:
        return ImplementationTerm(
            4,
            "m",
            "подп. «б» п. 16 Правил: до 670 кВт, сети до 20 кВ в пределах 300 м (город) или 500 м (село), "
            "строительство объектов инвестиционной программы не требуется",
        )
    if group.rule.six_months and up_to_20_kv and within_distance:
        return ImplementationTerm(
            6,
            "m",
            f"подп. «б» п. 16 Правил: заявитель по {group.rule.point.replace(' Правил', '')}, "
            "сети до 20 кВ в пределах 300 м (город) или 500 м (село)",
        )
    if group is not ApplicantGroup.over_670:
        return ImplementationTerm(1, "y", "подп. «б» п. 16 Правил: до 670 кВт")
    if not investment_construction:
        return ImplementationTerm(
            1,
            "y",
            "подп. «б» п. 16 Правил: свыше 670 кВт, строительство объектов инвестиционной программы не требуется",
        )
    return ImplementationTerm(
        2, "y", "подп. «б» п. 16 Правил: свыше 670 кВт, требуется строительство объектов инвестиционной программы"
    )
