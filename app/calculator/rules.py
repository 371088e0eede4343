"""The rules of SPEC §2.5 as plain functions: no database, no request, Decimal end to end.

P = C1 + C2·L(overhead) + C3·L(cable) + C4·n(sectioning) + C5·N + C6·N + C7·N + C8·m,
without VAT; each term only when that construction is needed, each rounded half-up to
kopecks. The applicants of p.17 of the Rules (an individual's household connection up to
15 kW or a partnership's up to 15 kW a member, reliability category III, networks up to 20 kV,
within the distance limit, once in 3 years) pay the lower of P with VAT and the preferential
rate (VAT included) × N."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from app.calculator.tariff_file import Variant
from app.connection.groups import (
    INDIVIDUAL_MAX_KW,
    PREFERENTIAL_EVERY_YEARS,
    PREFERENTIAL_MAX_KV,
    Applicant,
    ApplicantGroup,
    applicant_group,
    preferential_limit_kw,
)
from app.connection.rules import (
    VOLTAGES_KV,
    Category,
    ImplementationTerm,
    derive_category,
    implementation_term,
    voltage_band,
)
from app.core.templating import format_date, format_money, format_number

#: The dataclass names below are a contract between the calculator and the applications:
#: fields may be added, none renamed or removed.


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
    #: The facts of the applicant's group (app.connection.groups) the calculator page asks in
    #: part: a temporary connection's mobile devices and longer term, a partnership's members,
    #: generation; whether objects of the investment programme are built (None: whenever any
    #: construction is entered); the day a preferential fee was last due to the applicant
    #: (p.17: once in 3 years).
    mobile_devices: bool = False
    requested_term_wd: int | None = None
    partnership_members: int | None = None
    generation: bool = False
    investment_construction: bool | None = None
    preferential_used_on: date | None = None


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
    #: The applicant's category (SPEC §2.2), for the queues and reports.
    category: Category | None = None
    #: The applicant's group of the Rules: procedure, p.16 term, p.17 fee.
    group: ApplicantGroup | None = None
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


KOPECK = Decimal("0.01")
#: Above these an input is a typo, not a connection (a distribution company's scale).
MAX_POWER_KW = Decimal("100000")
MAX_LINE_KM = Decimal("500")
MAX_COUNT = 1000
#: Up to and including: the preferential fee's limit and C1's boundary (SPEC §2.2, §2.5).
PREFERENTIAL_MAX_KW = INDIVIDUAL_MAX_KW
C1_BOUNDARY_KW = Decimal("150")

APPLICANT_TYPES = {
    "individual": "физическое лицо",
    "entrepreneur": "индивидуальный предприниматель",
    "legal": "юридическое лицо",
}
BAND_LABELS = {"0.4": "0,4 кВ", "1-20": "6–20 кВ", "35": "35 кВ", "110": "110 кВ и выше"}
TERRITORY_LABELS = {"urban": "город", "rural": "село"}
METERING_LABELS = {
    "none": "не требуется",
    "single_phase": "однофазный прибор учёта",
    "three_phase_direct": "трёхфазный прибор учёта прямого включения",
    "three_phase_ct": "трёхфазный прибор учёта полукосвенного или косвенного включения",
}
RELIABILITY_LABELS = {1: "I", 2: "II", 3: "III"}

TERM_LABELS = {
    "c1": "C1 — технические условия и проверка их выполнения",
    "c2": "C2 — строительство воздушной линии (ВЛ)",
    "c3": "C3 — строительство кабельной линии (КЛ)",
    "c4": "C4 — пункты секционирования",
    "c5": "C5 — строительство трансформаторной подстанции (ТП)",
    "c6": "C6 — строительство распределительной трансформаторной подстанции (РТП)",
    "c7": "C7 — строительство центра питания, подстанции 35 кВ и выше",
    "c8": "C8 — учёт электроэнергии",
}
DISTANCE_LABEL = "300 м в городе, 500 м в сельской местности"


def money(value: Decimal) -> Decimal:
    """Rounded half-up to kopecks."""
    return value.quantize(KOPECK, rounding=ROUND_HALF_UP)


def kw(value: Decimal) -> str:
    return f"{format_number(value, 3)} кВт"


def rub(value: Decimal) -> str:
    return format_money(value)


def check_input(inp: CalculationInput) -> None:
    """Refuse an input no connection can have; the first problem found, by field."""
    if inp.applicant_type not in APPLICANT_TYPES:
        raise CalculationError("applicant_type", "Выберите тип заявителя.")
    if inp.voltage_kv not in VOLTAGES_KV:
        raise CalculationError("voltage_kv", "Выберите уровень напряжения из списка.")
    if inp.reliability not in RELIABILITY_LABELS:
        raise CalculationError("reliability", "Выберите категорию надёжности: I, II или III.")
    if inp.territory not in TERRITORY_LABELS:
        raise CalculationError("territory", "Выберите территорию: город или село.")
    if inp.metering not in METERING_LABELS:
        raise CalculationError("metering", "Выберите тип учёта из списка.")
    _check_number("power_kw", inp.power_kw, MAX_POWER_KW, "кВт", positive=True)
    _check_number("existing_power_kw", inp.existing_power_kw, MAX_POWER_KW, "кВт")
    if inp.existing_power_kw > inp.power_kw:
        raise CalculationError(
            "existing_power_kw",
            "Ранее присоединённая мощность не может быть больше максимальной: "
            "максимальная мощность включает ранее присоединённую.",
        )
    _check_number("overhead_km", inp.overhead_km, MAX_LINE_KM, "км")
    _check_number("cable_km", inp.cable_km, MAX_LINE_KM, "км")
    for name in ("sectioning_points", "metering_points"):
        value = getattr(inp, name)
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_COUNT:
            raise CalculationError(name, f"Укажите целое число от 0 до {MAX_COUNT}.")


def _check_number(name: str, value: Decimal, maximum: Decimal, unit: str, positive: bool = False) -> None:
    if not isinstance(value, Decimal) or not value.is_finite():
        raise CalculationError(name, "Введите число.")
    if positive and value <= 0:
        raise CalculationError(name, f"Значение должно быть больше нуля, {unit}.")
    if value < 0:
        raise CalculationError(name, "Значение не может быть отрицательным.")
    if value > maximum:
        raise CalculationError(name, f"Не больше {format_number(maximum, 0)} {unit}: проверьте значение.")


def construction_needed(inp: CalculationInput) -> bool:
    """New lines or substations: what decides the p.16 term (SPEC §2.2)."""
    return bool(
        inp.overhead_km > 0
        or inp.cable_km > 0
        or inp.sectioning_points > 0
        or inp.substation
        or inp.distribution_substation
        or inp.supply_center
    )


def compute(
    inp: CalculationInput, rates: dict, vat_percent: Decimal, decision: DecisionRef, on_date: date
) -> Calculation:
    """The calculation for `inp` with a decision's rates (tariff_file.load_rates) and the VAT
    percent of `on_date`. Raises CalculationError for the field whose rate is missing."""
    check_input(inp)
    added = inp.power_kw - inp.existing_power_kw
    notes: list[str] = []
    terms = _terms(inp, rates, added, notes)
    standard_without = sum((t.amount for t in terms), Decimal("0"))
    vat_rate = vat_percent / 100
    standard_with = money(standard_without * (1 + vat_rate))
    total_without, total_with = standard_without, standard_with
    rule = "standard"
    pref_rate = pref_fee = None
    group = group_of(inp)
    refusals = preferential_refusals(inp, added, group)
    if not refusals:
        pref_rate = _preferential_rate(inp, rates)
        pref_fee = money(pref_rate * added)
        if pref_fee < standard_with:
            rule = "preferential"
            total_with = pref_fee
            total_without = money(pref_fee / (1 + vat_rate))
    explanation = _explain(inp, rule, refusals, added, standard_with, pref_rate, pref_fee)
    notes.extend(_notes(inp, added, vat_percent))

    load = "household" if is_household(inp) else "commercial"
    category = derive_category(inp.applicant_type, inp.power_kw, inp.kind, load)
    investment = construction_needed(inp) if inp.investment_construction is None else inp.investment_construction
    term = implementation_term(group, inp.voltage_kv, inp.within_distance, investment, inp.requested_term_wd)
    return Calculation(
        input=inp,
        on_date=on_date,
        terms=terms,
        total_without_vat=total_without,
        total_with_vat=total_with,
        vat_percent=vat_percent,
        rule=rule,
        explanation=explanation,
        decision=decision,
        implementation_term=term,
        notes=notes,
        power_added_kw=added,
        category=category,
        group=group,
        standard_without_vat=standard_without,
        standard_with_vat=standard_with,
        preferential_rate=pref_rate,
        preferential_fee=pref_fee,
    )


def _terms(inp: CalculationInput, rates: dict, added: Decimal, notes: list[str]) -> list[CostTerm]:
    """The terms C1…C8 the connection needs, in order; a line's note on its variant in `notes`."""
    band = voltage_band(inp.voltage_kv)
    terms = [_c1(inp, rates)]
    if inp.overhead_km > 0:
        terms.append(_line(inp, rates, "c2", band, inp.overhead_km, inp.overhead_variant, "overhead", notes))
    if inp.cable_km > 0:
        terms.append(_line(inp, rates, "c3", band, inp.cable_km, inp.cable_variant, "cable", notes))
    if inp.sectioning_points > 0:
        rate = _band_rate(rates, "c4", band, "sectioning_points")
        terms.append(_term("c4", TERM_LABELS["c4"], rate, Decimal(inp.sectioning_points), "шт."))
    for code, flag in (("c5", "substation"), ("c6", "distribution_substation"), ("c7", "supply_center")):
        if getattr(inp, flag):
            rate = _band_rate(rates, code, band, flag)
            terms.append(_term(code, TERM_LABELS[code], rate, added, "кВт"))
    if inp.metering != "none":
        points = inp.metering_points or 1  # SPEC §4.2: one point unless told otherwise
        rate = _rate(rates.get("c8_per_point", {}).get(inp.metering))
        if rate is None:
            raise CalculationError(
                "metering",
                f"В тарифном решении нет ставки C8 для типа учёта «{METERING_LABELS[inp.metering]}». "
                "Выберите другой тип учёта или обратитесь в сетевую организацию.",
            )
        terms.append(_term("c8", f"{TERM_LABELS['c8']}: {METERING_LABELS[inp.metering]}", rate, Decimal(points), "шт."))
    return terms


def _preferential_rate(inp: CalculationInput, rates: dict) -> Decimal:
    key = "preferential_group" if inp.preferential else "standard"
    rate = rates.get("preferential_per_kw", {}).get(key)
    if rate is None:
        which = "для льготной категории заявителей" if inp.preferential else "для физических лиц до 15 кВт"
        raise CalculationError(
            "preferential", f"В тарифном решении нет льготной ставки {which}: рассчитать льготную плату нельзя."
        )
    return _rate(rate)


def _notes(inp: CalculationInput, added: Decimal, vat_percent: Decimal) -> list[str]:
    notes = []
    if inp.applicant_type != "individual" and inp.preferential:
        notes.append("Отметка о льготной категории учитывается только для физических лиц.")
    if inp.existing_power_kw > 0:
        notes.append(
            f"Ранее присоединено {kw(inp.existing_power_kw)}: плата за мощность считается на "
            f"присоединяемую мощность N = {kw(inp.power_kw)} − {kw(inp.existing_power_kw)} = {kw(added)}."
        )
    if vat_percent == 0:
        notes.append("НДС не начисляется: сетевая организация не является плательщиком НДС.")
    return notes


def is_household(inp: CalculationInput) -> bool:
    """An individual's connection for household needs (in the calculator every individual's is)."""
    return inp.applicant_type == "individual" and inp.household is not False


def group_of(inp: CalculationInput) -> ApplicantGroup:
    return applicant_group(
        Applicant(
            applicant_type=inp.applicant_type,
            max_power_kw=inp.power_kw,
            reliability=inp.reliability,
            household=is_household(inp),
            temporary=inp.kind == "temporary",
            mobile_devices=inp.mobile_devices,
            partnership_members=inp.partnership_members,
            generation=inp.generation,
        )
    )


def preferential_refusals(inp: CalculationInput, added: Decimal, group: ApplicantGroup | None = None) -> list[str]:
    """Why the preferential fee of p.17 does not apply; empty when it does (SPEC §2.5)."""
    group = group or group_of(inp)
    reasons = []
    if not group.rule.preferential_fee:
        reasons.append(_not_a_preferential_group(inp))
    elif inp.power_kw > (limit := preferential_limit_kw(group, inp.partnership_members)):
        reasons.append(f"максимальная мощность {kw(inp.power_kw)} больше {kw(limit)}")
    if Decimal(inp.voltage_kv) > PREFERENTIAL_MAX_KV:
        reasons.append(
            f"напряжение {format_number(Decimal(inp.voltage_kv))} кВ, а льготная плата — при присоединении "
            "к сетям до 20 кВ включительно"
        )
    if not inp.within_distance:
        reasons.append(f"сети нужного напряжения дальше {DISTANCE_LABEL}")
    if added <= 0:
        reasons.append("мощность не увеличивается (N = 0 кВт)")
    if inp.preferential_used_on is not None:
        reasons.append(
            f"льготная плата уже применялась по заявке от {format_date(inp.preferential_used_on)}, "
            f"а она вносится не чаще одного раза в {PREFERENTIAL_EVERY_YEARS} года"
        )
    return reasons


def _not_a_preferential_group(inp: CalculationInput) -> str:
    """The first condition of p.14 (or of pp. 13(2)–13(5)) the applicant does not meet."""
    if inp.applicant_type != "individual" and not inp.partnership_members:
        return f"заявитель — {APPLICANT_TYPES[inp.applicant_type]}, а льготная плата — для физических лиц и товариществ"
    if inp.applicant_type == "individual" and not is_household(inp):
        return "нагрузка не бытовая, а льготная плата — для бытовых нужд"
    if inp.reliability != 3:
        return f"категория надёжности {RELIABILITY_LABELS[inp.reliability]}, а льготная плата — для III категории"
    if inp.generation:
        return "присоединяется объект генерации, а льготная плата — для энергопринимающих устройств"
    if inp.kind == "temporary":
        return "временное присоединение, а льготная плата — для постоянного"
    limit = kw(INDIVIDUAL_MAX_KW)
    if inp.partnership_members:
        limit += f" на каждого из {inp.partnership_members} членов"
    return f"максимальная мощность {kw(inp.power_kw)} больше {limit}"


def _explain(inp, rule, refusals, added, standard_with, pref_rate, pref_fee) -> str:
    if refusals:
        individual = inp.applicant_type == "individual"
        lead = "Расчёт по стандартизированным тарифным ставкам решения."
        if individual or inp.partnership_members or inp.power_kw <= PREFERENTIAL_MAX_KW:
            return f"{lead} Льготная плата не применяется: {'; '.join(refusals)}."
        return lead
    group = "ставка для льготной категории заявителей" if inp.preferential else "льготная ставка"
    offer = f"{group} {rub(pref_rate)} за кВт с НДС × {kw(added)} = {rub(pref_fee)}"
    who = (
        f"Товарищество, до 15 кВт на каждого из {inp.partnership_members} членов"
        if inp.partnership_members
        else "Физическое лицо, до 15 кВт"
    )
    conditions = (
        f"П. 17 Правил: {who}, III категория, сети до 20 кВ в пределах 300/500 м: "
        "платится меньшая из сумм — по ставкам с НДС или льготная."
    )
    if rule == "preferential":
        return (
            f"{conditions} Применена льготная плата: {offer}, это меньше платы по ставкам с НДС ({rub(standard_with)})."
        )
    return f"{conditions} Применена плата по ставкам с НДС ({rub(standard_with)}): она не больше льготной ({offer})."


def _term(code: str, label: str, rate: Decimal, quantity: Decimal, unit: str) -> CostTerm:
    return CostTerm(code=code, label=label, rate=rate, quantity=quantity, unit=unit, amount=money(rate * quantity))


def _rate(value) -> Decimal | None:
    """A plain rate, or the first variant where a term offers no choice."""
    if isinstance(value, tuple):
        return value[0].rate
    return value


def _c1(inp: CalculationInput, rates: dict) -> CostTerm:
    key = "up_to_150" if inp.power_kw <= C1_BOUNDARY_KW else "over_150"
    rate = _rate(rates.get("c1", {}).get(key))
    scope = "до 150 кВт" if key == "up_to_150" else "свыше 150 кВт"
    if rate is None:
        raise CalculationError("power_kw", f"В тарифном решении нет ставки C1 для максимальной мощности {scope}.")
    return _term("c1", f"{TERM_LABELS['c1']} ({scope})", rate, Decimal(1), "шт.")


def _band_rate(rates: dict, code: str, band: str, field: str) -> Decimal:
    section = {"c4": "c4_per_point", "c5": "c5_per_kw", "c6": "c6_per_kw", "c7": "c7_per_kw"}[code]
    rate = _rate(rates.get(section, {}).get(band))
    if rate is None:
        what = TERM_LABELS[code].replace(" — ", " (", 1) + ")"
        raise CalculationError(field, f"В тарифном решении нет ставки {what} для напряжения {BAND_LABELS[band]}.")
    return rate


def _line(
    inp: CalculationInput,
    rates: dict,
    code: str,
    band: str,
    length: Decimal,
    variant_code: str | None,
    kind: str,
    notes: list[str],
) -> CostTerm:
    line = "ВЛ" if kind == "overhead" else "КЛ"
    field = f"{kind}_km"
    where = f"{BAND_LABELS[band]}, {TERRITORY_LABELS[inp.territory]}"
    rate = rates.get(f"{code}_per_km", {}).get(band, {}).get(inp.territory)
    if rate is None:
        raise CalculationError(
            field, f"В тарифном решении нет ставки {code.upper()} за строительство {line} для {where}."
        )
    label = TERM_LABELS[code]
    if isinstance(rate, tuple):
        variant = _variant(rate, variant_code, f"{kind}_variant", line, where)
        if not variant_code:
            notes.append(f"Вариант {line} не выбран: применена первая ставка решения — {variant.name}.")
        return _term(code, f"{label}, {variant.name}", variant.rate, length, "км")
    if variant_code:
        raise CalculationError(
            f"{kind}_variant",
            f"Для {line} ({where}) в тарифном решении нет вариантов, только одна ставка: выберите «по умолчанию».",
        )
    return _term(code, label, rate, length, "км")


def _variant(variants: tuple[Variant, ...], code: str | None, field: str, line: str, where: str) -> Variant:
    if not code:
        return variants[0]
    for variant in variants:
        if variant.code == code:
            return variant
    names = ", ".join(f"«{v.name}»" for v in variants)
    raise CalculationError(field, f"Для {line} ({where}) в тарифном решении нет такого варианта. Есть: {names}.")
