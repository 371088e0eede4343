"""Tariff decisions as data: the one in force on a date, import once, retire; and calculate()
with the decision and the VAT rate of the date asked."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.calculator.models import TariffDecision
from app.calculator.services import (
    CalculationError,
    CalculationInput,
    calculate,
    decision_in_force,
    import_decision,
    retire_decision,
)
from app.calculator.tariff_file import TariffFileError
from app.extensions import db

D = Decimal  # short for the hand-computed figures below


def _import(example_bytes, **changes) -> TariffDecision:
    decision = import_decision(example_bytes(**changes)).decision
    db.session.commit()
    return decision


def test_the_decision_in_force_has_the_latest_valid_from(app, example_bytes):
    year = _import(example_bytes, valid_from="2026-01-01", valid_to="2026-12-31", decision="Годовое")
    summer = _import(example_bytes, valid_from="2026-07-01", valid_to=None, decision="С июля")
    assert decision_in_force(date(2025, 12, 31)) is None
    assert decision_in_force(date(2026, 1, 1)) == year
    assert decision_in_force(date(2026, 6, 30)) == year
    assert decision_in_force(date(2026, 7, 1)) == summer
    assert decision_in_force(date(2030, 1, 1)) == summer
    retire_decision(summer)
    db.session.commit()
    assert decision_in_force(date(2026, 7, 1)) == year
    assert decision_in_force(date(2027, 1, 1)) is None


def test_a_later_import_wins_a_tie(app, example_bytes):
    _import(example_bytes, decision="Первое")
    second = _import(example_bytes, decision="Исправленное")
    assert decision_in_force(date(2026, 5, 1)) == second


def test_an_identical_file_changes_nothing(app, example_bytes):
    first = import_decision(example_bytes(), "a.json")
    db.session.commit()
    again = import_decision(json.dumps(json.loads(example_bytes()), indent=8).encode(), "b.json")
    assert not again.created and again.decision.id == first.decision.id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TariffDecision)) == 1
    assert again.decision.file_name == "a.json"


def test_a_bad_file_writes_nothing(app, example_bytes):
    with pytest.raises(TariffFileError):
        import_decision(example_bytes(c1={"up_to_150": -1}))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TariffDecision)) == 0


def test_calculate_uses_the_vat_rate_of_the_date(app, example_bytes):
    _import(example_bytes, valid_from="2025-01-01", valid_to="2026-12-31")
    inp = dict(applicant_type="legal", power_kw=D("20"))
    december = calculate(CalculationInput(**inp, on_date=date(2025, 12, 31)))
    january = calculate(CalculationInput(**inp, on_date=date(2026, 1, 1)))
    assert (december.vat_percent, december.total_with_vat) == (D("20"), D("23694.00"))
    assert (january.vat_percent, january.total_with_vat) == (D("22"), D("24088.90"))
    assert january.decision.title.startswith("Пример") and january.decision.valid_to == date(2026, 12, 31)


def test_calculate_without_vat_when_the_company_does_not_pay_it(app, decision):
    from app.company.services import save_company

    save_company({"vat_payer": False})
    db.session.commit()
    c = calculate(CalculationInput("legal", D("20"), on_date=date(2026, 3, 1)))
    assert c.vat_percent == 0 and c.total_with_vat == c.total_without_vat == D("19745.00")


def test_calculate_on_today_by_default(app, decision, fixed_today):
    assert calculate(CalculationInput("legal", D("20"))).on_date == fixed_today


def test_no_decision_in_force_is_a_plain_error(app, decision):
    with pytest.raises(CalculationError) as error:
        calculate(CalculationInput("legal", D("20"), on_date=date(2027, 1, 1)))
    assert error.value.field == "date" and "нет действующего тарифного решения" in error.value.message


def test_retiring_twice_changes_nothing(app, decision):
    assert retire_decision(decision) is True
    first = decision.retired_at
    assert retire_decision(decision) is False and decision.retired_at == first
