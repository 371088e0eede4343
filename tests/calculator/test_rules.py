"""The rules of SPEC §2.5 as plain functions: hand-computed cases on both sides of every
threshold. No app, no database: rates come from the demo's example decision."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from app.calculator import rules
from app.calculator.demo import EXAMPLE_RATES
from app.calculator.services import Calculation, CalculationError, CalculationInput, DecisionRef
from app.calculator.tariff_file import load_rates

D = Decimal  # short for the hand-computed figures below

RATES = load_rates(EXAMPLE_RATES)
REF = DecisionRef(
    id=1, region="Пример", title="Постановление N 1", valid_from=date(2026, 1, 1), valid_to=date(2026, 12, 31)
)
DAY = date(2026, 3, 2)


def calc(vat: str = "22", rates: dict | None = None, **fields) -> Calculation:
    fields.setdefault("applicant_type", "individual")
    for name in ("power_kw", "existing_power_kw", "overhead_km", "cable_km"):
        if name in fields:
            fields[name] = D(str(fields[name]))
    return rules.compute(CalculationInput(**fields), rates or RATES, D(vat), REF, DAY)


def amounts(c: Calculation) -> dict[str, D]:
    return {t.code: t.amount for t in c.terms}


def test_only_c1_without_construction():
    c = calc(power_kw=15)
    assert amounts(c) == {"c1": D("19745.00")}
    assert c.total_without_vat == D("19745.00")
    assert c.total_with_vat == D("24088.90")  # 19 745 × 1.22
    # Eligible, but 5 000 × 15 = 75 000 is more than 24 088.90: the standard fee applies.
    assert c.rule == "standard" and c.preferential_fee == D("75000.00")
    assert "не больше льготной" in c.explanation


def test_preferential_fee_when_lower_up_to_15_kw_inclusive():
    c = calc(power_kw=15, overhead_km="0.5")
    assert amounts(c) == {"c1": D("19745.00"), "c2": D("1166223.00")}
    assert c.standard_with_vat == D("1446880.96")  # 1 185 968.00 × 1.22
    assert c.rule == "preferential"
    assert c.total_with_vat == D("75000.00")  # 5 000 × 15
    assert c.total_without_vat == D("61475.41")  # 75 000 / 1.22
    assert "Применена льготная плата" in c.explanation


def test_no_preferential_fee_above_15_kw():
    c = calc(power_kw="15.001", overhead_km="0.5")
    assert c.rule == "standard" and c.preferential_fee is None
    assert c.total_with_vat == D("1446880.96")
    assert "больше 15 кВт" in c.explanation


def test_preferential_group_rate():
    c = calc(power_kw=10, overhead_km="0.5", preferential=True)
    assert c.rule == "preferential"
    assert c.total_with_vat == D("10000.00")  # 1 000 × 10
    assert c.total_without_vat == D("8196.72")  # 10 000 / 1.22 = 8 196.7213…
    assert c.preferential_rate == D("1000.00")


def test_preferential_fee_counts_the_added_power_only():
    c = calc(power_kw=15, existing_power_kw=5, overhead_km="0.5")
    assert c.power_added_kw == D("10")
    assert c.total_with_vat == D("50000.00")  # 5 000 × (15 − 5)
    assert any("N = 15 кВт − 5 кВт = 10 кВт" in note for note in c.notes)


@pytest.mark.parametrize(
    "changes, reason",
    [
        ({"applicant_type": "entrepreneur"}, None),
        ({"reliability": 2}, "категория надёжности II"),
        ({"voltage_kv": "35", "overhead_km": "0"}, "напряжение 35 кВ"),
        ({"within_distance": False}, "дальше 300 м"),
        ({"generation": True}, "объект генерации"),
        ({"preferential_used_on": date(2025, 5, 1)}, "не чаще одного раза в 3 года"),
    ],
)
def test_each_preferential_condition(changes, reason):
    """p.17 of the Rules: each condition of the preferential fee refused alone."""
    c = calc(**{"power_kw": 10, "overhead_km": "0.2", **changes})
    assert c.rule == "standard" and c.preferential_fee is None
    if reason:
        assert reason in c.explanation


@pytest.mark.parametrize("kv", ["6", "10", "20"])
def test_the_preferential_fee_up_to_20_kv_inclusive(kv):
    """p.17 of the Rules: networks up to 20 kV inclusive, not only 0.4 kV (the issue's case: an
    individual at 15 kW on 10 kV with 0.25 km of line paid 969,588.90 ₽ instead)."""
    c = calc(power_kw=15, voltage_kv=kv, overhead_km="0.25")
    assert c.rule == "preferential" and c.total_with_vat == D("75000.00")


@pytest.mark.parametrize(
    "members, power, rule",
    [(10, "150", "preferential"), (10, "150.001", "standard"), (3, "45", "preferential"), (3, "46", "standard")],
)
def test_a_partnership_pays_the_preferential_fee_per_member(members, power, rule):
    """pp. 13(2)–13(5) and p.17 of the Rules: up to 15 kW for each member."""
    c = calc(applicant_type="legal", partnership_members=members, power_kw=power, overhead_km="0.5")
    assert c.rule == rule
    if rule == "preferential":
        assert c.total_with_vat == D("5000") * D(power)
        assert f"каждого из {members} членов" in c.explanation
    else:
        assert f"15 кВт на каждого из {members} членов" in c.explanation


def test_the_lower_wins_and_a_tie_goes_to_the_standard_fee():
    # P with VAT is exactly the preferential fee: 19 745.00 × 1.22 = 24 088.90 = rate × 1 kW.
    rates = load_rates({**EXAMPLE_RATES, "preferential_per_kw": {"standard": "24088.90", "preferential_group": "1"}})
    assert calc(power_kw=1, rates=rates).rule == "standard"
    rates = load_rates({**EXAMPLE_RATES, "preferential_per_kw": {"standard": "24088.89", "preferential_group": "1"}})
    c = calc(power_kw=1, rates=rates)
    assert c.rule == "preferential" and c.total_with_vat == D("24088.89")


@pytest.mark.parametrize("power, c1", [("150", "19745.00"), ("150.001", "21452.00")])
def test_c1_boundary_at_150_kw(power, c1):
    c = calc(applicant_type="legal", power_kw=power)
    assert amounts(c) == {"c1": D(c1)}
    assert c.total_with_vat == (D(c1) * D("1.22")).quantize(D("0.01"))


def test_every_construction_term_at_6_20_kv():
    c = calc(
        applicant_type="legal",
        power_kw=200,
        existing_power_kw=50,
        voltage_kv="10",
        overhead_km="1.234",
        overhead_variant="sip3-95",
        cable_km="0.5",
        sectioning_points=2,
        substation=True,
        distribution_substation=True,
        metering="three_phase_ct",
        metering_points=3,
    )
    assert amounts(c) == {
        "c1": D("21452.00"),
        "c2": D("4133900.00"),  # 3 350 000 × 1.234
        "c3": D("2600000.00"),  # 5 200 000 × 0.5
        "c4": D("1800000.00"),  # 900 000 × 2
        "c5": D("1800000.00"),  # 12 000 × (200 − 50)
        "c6": D("450000.00"),  # 3 000 × 150
        "c8": D("93000.00"),  # 31 000 × 3
    }
    assert c.total_without_vat == D("10898352.00")
    assert c.total_with_vat == D("13295989.44")
    assert "СИП-3 1×95" in next(t.label for t in c.terms if t.code == "c2")


def test_supply_centre_at_35_kv():
    c = calc(applicant_type="legal", power_kw=1000, voltage_kv="35", supply_center=True)
    assert amounts(c) == {"c1": D("21452.00"), "c7": D("5000000.00")}


def test_the_first_variant_is_the_default():
    c = calc(applicant_type="legal", power_kw=100, voltage_kv="10", overhead_km="1.234")
    assert amounts(c)["c2"] == D("3825400.00")  # АС-70: 3 100 000 × 1.234
    assert any("АС-70" in note for note in c.notes)


def test_rural_territory_rate():
    c = calc(applicant_type="legal", power_kw=100, territory="rural", cable_km="0.1")
    assert amounts(c)["c3"] == D("390000.00")  # 3 900 000 × 0.1


def test_metering_points_default_to_one():
    c = calc(power_kw=5, metering="single_phase")
    assert amounts(c)["c8"] == D("2155.09")
    assert next(t for t in c.terms if t.code == "c8").quantity == 1


def test_each_term_rounds_half_up_to_kopecks():
    rates = load_rates(
        {**EXAMPLE_RATES, "c1": {"up_to_150": "100.005", "over_150": "1"}, "c8_per_point": {"single_phase": "0.125"}}
    )
    c = calc(applicant_type="legal", power_kw=10, metering="single_phase", metering_points=1, rates=rates)
    assert amounts(c) == {"c1": D("100.01"), "c8": D("0.13")}  # half-up, not to even
    assert c.total_without_vat == D("100.14")
    assert c.total_with_vat == D("122.17")  # 100.14 × 1.22 = 122.1708


def test_money_is_decimal_everywhere():
    c = calc(power_kw=15, overhead_km="0.5", metering="single_phase")
    values = [c.total_with_vat, c.total_without_vat, c.standard_with_vat, c.preferential_fee, c.vat_percent]
    values += [v for t in c.terms for v in (t.rate, t.quantity, t.amount)]
    assert all(isinstance(v, D) for v in values)


def test_vat_is_the_percent_given():
    assert calc(applicant_type="legal", power_kw=20, vat="20").total_with_vat == D("23694.00")  # 19 745 × 1.20
    assert calc(applicant_type="legal", power_kw=20, vat="22").total_with_vat == D("24088.90")


def test_no_vat_for_a_company_that_does_not_pay_it():
    c = calc(power_kw=10, overhead_km="0.5", vat="0")
    assert c.rule == "preferential" and c.total_with_vat == c.total_without_vat == D("50000.00")
    assert any("НДС не начисляется" in note for note in c.notes)


@pytest.mark.parametrize(
    "fields, term",
    [
        ({"power_kw": 15}, (4, "m")),  # no construction, within the distance
        ({"power_kw": 15, "overhead_km": "0.1"}, (6, "m")),  # construction needed
        ({"power_kw": 15, "within_distance": False}, (1, "y")),  # beyond the distance limit
        ({"applicant_type": "legal", "power_kw": 670, "voltage_kv": "10"}, (4, "m")),
        ({"applicant_type": "legal", "power_kw": 670, "voltage_kv": "10", "substation": True}, (1, "y")),
        ({"applicant_type": "legal", "power_kw": "670.001", "voltage_kv": "10", "substation": True}, (2, "y")),
        # p.16(б): above 670 kW, 1 year when no object of the investment programme is built
        ({"applicant_type": "legal", "power_kw": "670.001", "voltage_kv": "10"}, (1, "y")),
        # the staff's flag decides, whatever the construction entered
        (
            {
                "applicant_type": "legal",
                "power_kw": 600,
                "voltage_kv": "10",
                "substation": True,
                "investment_construction": False,
            },
            (4, "m"),
        ),
        ({"power_kw": 15, "investment_construction": True}, (6, "m")),
        # p.14 needs one source: category II is the general procedure, no 6 months
        ({"power_kw": 15, "reliability": 2, "overhead_km": "0.1"}, (1, "y")),
        # an individual between 15 and 150 kW is neither p.12(1) nor p.14
        ({"power_kw": 50, "overhead_km": "0.1"}, (1, "y")),
        ({"applicant_type": "entrepreneur", "power_kw": 50, "overhead_km": "0.1"}, (6, "m")),
    ],
)
def test_implementation_term(fields, term):
    """p.16(б) of the Rules, through the calculator."""
    c = calc(**fields)
    assert (c.implementation_term.amount, c.implementation_term.unit) == term


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"power_kw": 10, "voltage_kv": "35", "overhead_km": 1}, "overhead_km"),  # no C2 for 35 kV
        ({"power_kw": 10, "distribution_substation": True}, "distribution_substation"),  # no C6 for 0.4 kV
        ({"power_kw": 10, "voltage_kv": "10", "supply_center": True}, "supply_center"),  # no C7 for 6–20 kV
        ({"power_kw": 10, "voltage_kv": "110", "sectioning_points": 1}, "sectioning_points"),
        ({"power_kw": 10, "voltage_kv": "10", "overhead_km": 1, "overhead_variant": "nope"}, "overhead_variant"),
        (
            {"power_kw": 10, "voltage_kv": "10", "territory": "rural", "overhead_km": 1, "overhead_variant": "ac-70"},
            "overhead_variant",
        ),  # a single rate there, no variants
    ],
)
def test_a_rate_missing_from_the_decision_is_an_error_never_zero(fields, field):
    with pytest.raises(CalculationError) as error:
        calc(applicant_type="legal", **fields)
    assert error.value.field == field
    assert "нет" in error.value.message


def test_missing_metering_type_preferential_rate_and_c1():
    rates = load_rates(
        {k: v for k, v in EXAMPLE_RATES.items() if k not in ("c8_per_point", "preferential_per_kw")}
        | {"c1": {"up_to_150": "1"}}
    )
    with pytest.raises(CalculationError) as error:
        calc(power_kw=5, metering="single_phase", rates=rates)
    assert error.value.field == "metering"
    with pytest.raises(CalculationError) as error:
        calc(power_kw=5, rates=rates)
    assert error.value.field == "preferential"
    with pytest.raises(CalculationError) as error:
        calc(applicant_type="legal", power_kw=500, rates=rates)
    assert error.value.field == "power_kw" and "свыше 150 кВт" in error.value.message


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"power_kw": 0}, "power_kw"),
        ({"power_kw": -1}, "power_kw"),
        ({"power_kw": 100001}, "power_kw"),
        ({"power_kw": 10, "existing_power_kw": "10.001"}, "existing_power_kw"),
        ({"power_kw": 10, "overhead_km": -1}, "overhead_km"),
        ({"power_kw": 10, "cable_km": 501}, "cable_km"),
        ({"power_kw": 10, "sectioning_points": -1}, "sectioning_points"),
        ({"power_kw": 10, "voltage_kv": "15"}, "voltage_kv"),
        ({"power_kw": 10, "metering": "smart"}, "metering"),
        ({"power_kw": 10, "applicant_type": "alien"}, "applicant_type"),
    ],
)
def test_impossible_inputs_are_refused(fields, field):
    with pytest.raises(CalculationError) as error:
        calc(**fields)
    assert error.value.field == field


def test_existing_power_equal_to_maximum_is_allowed_but_not_preferential():
    c = calc(power_kw=10, existing_power_kw=10, overhead_km="0.1")
    assert c.power_added_kw == 0 and c.rule == "standard"
    assert "N = 0" in c.explanation
