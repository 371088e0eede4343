"""The cost calculation service (SPEC §2.5): the interface the applications' invoice uses,
and the tariff decisions it reads (import, retire, the one in force on a date).

The arithmetic and its dataclasses are in rules.py (plain functions, no database), re-exported
here for the applications; this module finds the decision and the VAT rate for it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask import g, has_app_context
from sqlalchemy.orm import joinedload

from app.calculator import rules
from app.calculator.models import TariffDecision
from app.calculator.rules import Calculation, CalculationError, CalculationInput, CostTerm, DecisionRef
from app.calculator.tariff_file import ParsedDecision, load_rates, parse_file
from app.company.services import vat_percent_on
from app.core.clock import now, today
from app.core.templating import format_date
from app.extensions import db


def calculate(inp: CalculationInput) -> Calculation:
    """The cost for `inp` with the tariff decision in force on inp.on_date (today by default).

    Raises CalculationError for an input the rules refuse, when no decision is in force on
    the date, or when the decision lacks a rate a needed term uses."""
    on_date = inp.on_date or today()
    rules.check_input(inp)
    decision = decision_in_force(on_date)
    if decision is None:
        raise CalculationError("date", no_decision_message(on_date))
    vat_percent = vat_percent_on(inp.vat_on or on_date)
    return rules.compute(inp, rates_of(decision), vat_percent, decision_ref(decision), on_date)


def no_decision_message(day: date) -> str:
    return (
        f"На {format_date(day)} нет действующего тарифного решения: рассчитать стоимость нельзя. "
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


def in_force_without(day: date, decision_id: int | None) -> TariffDecision | None:
    """The decision in force on `day` if `decision_id` did not exist: what retiring it leaves."""
    query = sa.select(TariffDecision).where(
        TariffDecision.retired_at.is_(None),
        TariffDecision.valid_from <= day,
        sa.or_(TariffDecision.valid_to.is_(None), TariffDecision.valid_to >= day),
    )
    if decision_id is not None:
        query = query.where(TariffDecision.id != decision_id)
    return db.session.scalar(query.order_by(TariffDecision.valid_from.desc(), TariffDecision.id.desc()).limit(1))


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


__all__ = [
    "Calculation",
    "CalculationError",
    "CalculationInput",
    "CostTerm",
    "DecisionRef",
    "calculate",
    "decision_in_force",
]
