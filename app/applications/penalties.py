"""The penalty of subpoint «в» of p.16 of the Rules (Decree 861): the side that misses its term
pays the other a share of the fee for each day of delay, at the applicant's group's rate. Shown
on the card once the company's term of p.16(б) has passed, with a claim to download."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from flask import current_app

from app.applications.models import Application, ApplicationStatus
from app.applications.rules import group_of
from app.core.clock import today
from app.extensions import db
from app.workdays.services import get_calendar

S = ApplicationStatus
#: The company's works are due and not yet done: its delay counts in these statuses.
COMPANY_WORKS = (S.contract_concluded.value, S.in_progress.value)
YEAR_DAYS = 365


@dataclass(frozen=True)
class Penalty:
    term_end: date  # the last day of the p.16(б) term
    days: int  # calendar days of delay to `on`
    counted_days: int  # the days the amount counts (a year at most where the Rules cap it)
    fee: Decimal  # the whole fee of the contract, VAT included
    percent_per_day: Decimal
    amount: Decimal
    rate_words: str  # «0,25 % от платы за каждый день просрочки, …»
    point: str  # «подп. «в» п. 16 Правил»
    on: date


def implementation_end(app: Application) -> date | None:
    """The last day of the term the contract fixed (p.16(б)), counted from the contract date."""
    if app.contract_date is None or not app.implementation_amount:
        return None
    return get_calendar().add_term(app.contract_date, app.implementation_amount, app.implementation_unit)


def key_rate_percent() -> Decimal:
    """The Bank of Russia's key rate the penalty of the general procedure counts with
    (LK_KEY_RATE_PERCENT; the Rules take the rate on the contract's date)."""
    return Decimal(str(current_app.config["KEY_RATE_PERCENT"]))


def company_penalty(app: Application, on: date | None = None) -> Penalty | None:
    """The penalty the company owes the applicant on `on` (today), or None within the term."""
    on = on or today()
    end = implementation_end(app)
    if app.status not in COMPANY_WORKS or end is None or on <= end or not app.invoice_with_vat:
        return None
    rule = (app.group_enum or group_of(app)).rule
    key_rate = key_rate_percent()
    percent = rule.penalty_percent(key_rate)
    days = (on - end).days
    counted = min(days, YEAR_DAYS) if rule.penalty_capped_at_a_year else days
    fee = Decimal(app.invoice_with_vat)
    amount = (fee * percent / 100 * counted).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return Penalty(end, days, counted, fee, percent, amount, rule.penalty_words(key_rate), rule.penalty_point, on)


def overdue_works(on: date, limit: int = 200) -> list[tuple[Application, Penalty]]:
    """The office's list: applications whose p.16 term has passed with the works not done, the
    longest delay first. In these statuses the due date stored is the term's end."""
    rows = db.session.scalars(
        sa.select(Application)
        .where(Application.status.in_(COMPANY_WORKS), Application.due_date < on)
        .order_by(Application.due_date, Application.id)
        .limit(limit)
    ).all()
    return [(app, penalty) for app in rows if (penalty := company_penalty(app, on)) is not None]
