"""The applicant groups of the Rules of Decree 861 (Правила технологического присоединения,
approved by Decree 861 of 27.12.2004), derived, never typed: each carries its procedure, the
p.16 term rule, the fee rule of p.17 and the penalty rate of p.16(в), with the point it rests on.

Checked against the edition with the amendments of 2022–2024 as the team knows it; the texts
of the points could not be confirmed from here (docs/applications.md, «Правила по пунктам»),
so the rates and limits are data in this module, one place to correct."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import Decimal

#: Up to and including (p.14, p.12(1), p.16(а), p.16(б)).
INDIVIDUAL_MAX_KW = Decimal("15")
SMALL_MAX_KW = Decimal("150")
MOBILE_MAX_KW = Decimal("150")
GENERAL_MAX_KW = Decimal("670")
#: One source of supply is reliability category III (p.14, p.12(1)).
ONE_SOURCE = 3
#: p.17: the preferential fee at networks up to 20 kV inclusive, not more than once in 3 years.
PREFERENTIAL_MAX_KV = Decimal("20")
PREFERENTIAL_EVERY_YEARS = 3


class Procedure(enum.StrEnum):
    """How the contract is made. The personal-account one (p.103, p.105): the company posts the
    contract terms, the invoice and the ТУ in the cabinet and paying the invoice concludes the
    contract. The general one (p.15): a draft contract the applicant signs and returns."""

    personal_account = "personal_account"
    general = "general"


class ApplicantGroup(enum.StrEnum):
    temporary_mobile = "temporary_mobile"
    individual_15 = "individual_15"
    partnership = "partnership"
    small_150 = "small_150"
    general_670 = "general_670"
    over_670 = "over_670"

    @property
    def rule(self) -> GroupRule:
        return GROUP_RULES[self]

    @property
    def label(self) -> str:
        return self.rule.label

    @property
    def procedure(self) -> Procedure:
        return self.rule.procedure


@dataclass(frozen=True)
class GroupRule:
    point: str  # «п. 14 Правил»
    label: str  # what the consumer reads after the point
    procedure: Procedure
    #: The applicants p.16(б) gives six months at up to 20 kV within the distance limit.
    six_months: bool
    #: p.17: the preferential fee per kW of added power is due (within its conditions).
    preferential_fee: bool
    #: p.16(в): the penalty for a day of delay, percent of the whole fee: a fixed percent for
    #: pp. 12(1), 13(2)–13(5), 14 (capped at a year of delay), otherwise a share of the Bank of
    #: Russia's key rate on the contract's date (`key_rate_share` × key rate, no cap).
    penalty_percent_per_day: Decimal | None = None
    key_rate_share: Decimal | None = None
    penalty_point: str = "подп. «в» п. 16 Правил"

    def penalty_percent(self, key_rate_percent: Decimal) -> Decimal:
        """Percent of the fee for one day of delay."""
        if self.penalty_percent_per_day is not None:
            return self.penalty_percent_per_day
        return self.key_rate_share * key_rate_percent

    @property
    def penalty_capped_at_a_year(self) -> bool:
        return self.penalty_percent_per_day is not None

    def penalty_words(self, key_rate_percent: Decimal) -> str:
        if self.penalty_percent_per_day is not None:
            return f"{_percent(self.penalty_percent_per_day)} % от платы за каждый день просрочки, не больше чем за год"
        return (
            f"{_percent(self.key_rate_share)} ключевой ставки Банка России ({_percent(key_rate_percent)} %) "
            "от платы за каждый день просрочки"
        )

    def words(self) -> str:
        """«п. 14 Правил: физическое лицо до 15 кВт …»"""
        return f"{self.point}: {self.label}"


def _percent(value: Decimal) -> str:
    return format(value.normalize(), "f").replace(".", ",")


GROUP_RULES: dict[ApplicantGroup, GroupRule] = {
    ApplicantGroup.temporary_mobile: GroupRule(
        "подп. «б» п. 16 Правил",
        "временное присоединение передвижных объектов до 150 кВт включительно",
        Procedure.personal_account,
        six_months=False,
        preferential_fee=False,
        penalty_percent_per_day=Decimal("0.25"),
    ),
    ApplicantGroup.individual_15: GroupRule(
        "п. 14 Правил",
        "физическое лицо, до 15 кВт включительно, бытовые нужды, один источник электроснабжения",
        Procedure.personal_account,
        six_months=True,
        preferential_fee=True,
        penalty_percent_per_day=Decimal("0.25"),
    ),
    ApplicantGroup.partnership: GroupRule(
        "пп. 13(2)–13(5) Правил",
        "садоводческое или огородническое товарищество, гаражный кооператив или иное объединение граждан, "
        "до 15 кВт на каждого члена, один источник электроснабжения",
        Procedure.personal_account,
        six_months=True,
        preferential_fee=True,
        penalty_percent_per_day=Decimal("0.25"),
    ),
    ApplicantGroup.small_150: GroupRule(
        "п. 12(1) Правил",
        "юридическое лицо или индивидуальный предприниматель, до 150 кВт включительно, один источник электроснабжения",
        Procedure.personal_account,
        six_months=True,
        preferential_fee=False,
        penalty_percent_per_day=Decimal("0.25"),
    ),
    ApplicantGroup.general_670: GroupRule(
        "п. 13 Правил",
        "до 670 кВт, общий порядок (не подпадает под пп. 12(1), 13(2)–13(5), 14)",
        Procedure.general,
        six_months=False,
        preferential_fee=False,
        key_rate_share=Decimal("0.014"),
    ),
    ApplicantGroup.over_670: GroupRule(
        "п. 13 Правил",
        "свыше 670 кВт, общий порядок",
        Procedure.general,
        six_months=False,
        preferential_fee=False,
        key_rate_share=Decimal("0.014"),
    ),
}


@dataclass(frozen=True)
class Applicant:
    """The facts the group follows from (an application's, or the calculator's)."""

    applicant_type: str  # individual | entrepreneur | legal
    max_power_kw: Decimal  # previously connected included
    reliability: int = ONE_SOURCE
    household: bool = True  # an individual's load is for household needs
    temporary: bool = False  # the application's kind is a temporary connection
    mobile_devices: bool = False  # the devices of a temporary connection are mobile
    partnership_members: int | None = None  # a partnership of citizens (legal entity): its members
    generation: bool = False  # the object produces electricity


def applicant_group(a: Applicant) -> ApplicantGroup:
    """The first group whose conditions all hold; the general ones by power otherwise."""
    power = Decimal(a.max_power_kw)
    one_source = a.reliability == ONE_SOURCE
    if a.temporary and a.mobile_devices and power <= MOBILE_MAX_KW:
        return ApplicantGroup.temporary_mobile
    if not a.generation and one_source and not a.temporary:
        if a.applicant_type == "individual" and a.household and power <= INDIVIDUAL_MAX_KW:
            return ApplicantGroup.individual_15
        members = a.partnership_members or 0
        if a.applicant_type == "legal" and members > 0 and power <= INDIVIDUAL_MAX_KW * members:
            return ApplicantGroup.partnership
        if a.applicant_type in ("legal", "entrepreneur") and power <= SMALL_MAX_KW:
            return ApplicantGroup.small_150
    return ApplicantGroup.general_670 if power <= GENERAL_MAX_KW else ApplicantGroup.over_670


def preferential_limit_kw(group: ApplicantGroup, partnership_members: int | None) -> Decimal:
    """The power the preferential fee of p.17 covers: 15 kW, for a partnership per member."""
    if group is ApplicantGroup.partnership:
        return INDIVIDUAL_MAX_KW * (partnership_members or 0)
    return INDIVIDUAL_MAX_KW
