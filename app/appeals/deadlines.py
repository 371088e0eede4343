"""The answer terms an admin may change, and the due dates they give (SPEC §2.8): counted
at registration, recomputed for open appeals when the calendar or a term changes."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import current_app

from app.appeals.models import OPEN_STATUSES, Appeal, AppealKind, AppealTerm, AppealTopic
from app.appeals.rules import EXTENSION_MAX_RULE, default_term
from app.core.clock import to_local
from app.extensions import db
from app.workdays.services import Term, WorkCalendar, get_calendar, on_calendar_change


def load_terms() -> dict[tuple[str, str], Term]:
    """The term of every kind and topic: the admin's rows over the defaults (one query)."""
    terms = {(k, t): default_term(k, t) for k in AppealKind for t in AppealTopic}
    for row in db.session.scalars(sa.select(AppealTerm)):
        terms[(row.kind, row.topic)] = Term(row.amount, row.unit)
    return terms


def save_terms(values: dict[tuple[str, str], Term]) -> int:
    """Store the admin's terms (a row only where it differs from the default) and
    recompute the due dates of open appeals; returns how many due dates changed."""
    rows = {(r.kind, r.topic): r for r in db.session.scalars(sa.select(AppealTerm))}
    for (kind, topic), term in values.items():
        row = rows.get((kind, topic))
        if term == default_term(kind, topic):
            if row is not None:
                db.session.delete(row)
            continue
        if row is None:
            db.session.add(AppealTerm(kind=kind, topic=topic, amount=term.amount, unit=term.unit))
        else:
            row.amount, row.unit = term.amount, term.unit
    db.session.flush()
    return recompute_due_dates()


def due_date_for(
    registered_on: date, term: Term, calendar: WorkCalendar | None = None, extension_days: int | None = None
) -> date:
    """The last day of the answer term (SPEC §2.8): working days count from the next working
    day; a term in days ends on the next working day when it falls on a day off. An extension
    adds its working days after the term's last day."""
    calendar = calendar or get_calendar()
    due = calendar.add_term(registered_on, term.amount, term.unit)
    if extension_days:
        due = calendar.add_working_days(due, extension_days)
    return due


def max_extension_days() -> int:
    """The longest extension of an answer term in working days: app.config
    APPEAL_EXTENSION_MAX_WORKDAYS, or the rule's default (rules.EXTENSION_MAX_RULE)."""
    value = current_app.config.get("APPEAL_EXTENSION_MAX_WORKDAYS")
    return int(value) if value else EXTENSION_MAX_RULE.term.amount


@on_calendar_change
def recompute_due_dates() -> int:
    """Recompute the due date of every open appeal (the calendar or a term changed); an
    extended one keeps its extension's working days on top of the term."""
    terms = load_terms()
    calendar = get_calendar()
    rows = db.session.execute(
        sa.select(
            Appeal.id,
            Appeal.kind,
            Appeal.topic,
            Appeal.registered_at,
            Appeal.due_date,
            Appeal.version,
            Appeal.extension_days,
        ).where(Appeal.status.in_(OPEN_STATUSES))
    ).all()
    cache: dict[tuple[date, str, str, int | None], date] = {}
    changes = []
    for row in rows:
        start = to_local(row.registered_at).date()
        key = (start, row.kind, row.topic, row.extension_days)
        if key not in cache:
            cache[key] = due_date_for(start, terms[(row.kind, row.topic)], calendar, row.extension_days)
        if cache[key] != row.due_date:
            changes.append({"id": row.id, "due_date": cache[key], "version": row.version + 1})
    if changes:
        db.session.execute(sa.update(Appeal), changes)
        # Loaded Appeal objects must not keep the old dates.
        for appeal in [o for o in db.session.identity_map.values() if isinstance(o, Appeal)]:
            db.session.expire(appeal, ["due_date", "version"])
    return len(changes)
