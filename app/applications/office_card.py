"""The back-office card of a grid-connection application (SPEC §2.2, §2.11): which staff
actions the transition table allows now, the empty form of each, and the card rendered
with them (and with a failed form's errors)."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from flask import abort, render_template
from flask_login import current_user
from sqlalchemy.orm import joinedload

from app.applications import deadlines, offer, queries, rules
from app.applications.models import Application, ApplicationDocument, ApplicationKind, ApplicationStatus
from app.applications.office_forms import (
    AnnulForm,
    CompleteForm,
    ConnectForm,
    NoteForm,
    OfferCalcForm,
    OfferForm,
    PaymentForm,
    RequestInfoForm,
    ReworkForm,
    SignedContractForm,
)
from app.applications.rules import ApplicationError, TransitionError
from app.auth.models import User
from app.calculator.choices import variant_choices
from app.calculator.services import decision_in_force
from app.core import signals
from app.core.clock import to_local, today
from app.core.forms import ActionForm
from app.core.sections import render_sections
from app.extensions import db
from app.office.forms import assign_form

S = ApplicationStatus


def current_staff() -> User:
    return current_user._get_current_object()


def application_or_404(application_id: int) -> Application:
    app = db.session.scalar(
        sa.select(Application)
        .options(joinedload(Application.consumer), joinedload(Application.assigned_to))
        .where(Application.id == application_id, Application.status != S.draft.value)
    )
    if app is None:
        abort(404)
    return app


def allowed_actions(app: Application, user: User) -> set[str]:
    """The staff actions the transition table allows now (and a payment while the invoice is
    not paid in full): the card shows exactly their forms, and a POST of any other answers 403."""
    following = set(rules.next_statuses(app, user))
    allowed: set[str] = set()
    if app.status == S.submitted.value and app.checked_at is None and app.kind != ApplicationKind.reissue.value:
        allowed.add("check")
    if S.needs_info in following:
        allowed.add("request_info")
    if S.offer_sent in following:
        allowed.add("offer")
    if (
        app.invoice_with_vat is not None
        and app.status not in (S.draft.value, S.withdrawn.value, S.annulled.value)
        and queries.paid_total(app) < app.invoice_with_vat
    ):
        allowed.add("payment")
    if S.contract_concluded in following and not app.is_small:
        allowed.add("signed")
    if S.in_progress in following:
        allowed.add("start" if app.status == S.contract_concluded.value else "rework")
    if S.connected in following:
        allowed.add("connect")
    if S.completed in following:
        allowed.add("complete")
    if S.annulled in following:
        allowed.add("annul")
    return allowed


def allow(app: Application, action: str) -> None:
    if action not in allowed_actions(app, current_staff()):
        abort(403)


def set_variants(form: OfferCalcForm, app: Application) -> None:
    """The line variants of the tariff decision the invoice will use (in force on submission)."""
    day = to_local(app.submitted_at).date() if app.submitted_at else today()
    decision = decision_in_force(day)
    form.set_variants(variant_choices(decision, "c2_per_km"), variant_choices(decision, "c3_per_km"))


def offer_form(app: Application) -> OfferForm:
    form = OfferForm(prefix="offer", formdata=None)
    form.fill(offer.offer_defaults(app))
    set_variants(form, app)
    return form


def payment_form(app: Application) -> PaymentForm:
    rest = max((app.invoice_with_vat or Decimal(0)) - queries.paid_total(app), Decimal(0))
    return PaymentForm(prefix="payment", formdata=None, paid_on=today(), amount=rest or None)


def annul_form(app: Application, posted: bool = False) -> AnnulForm:
    form = AnnulForm(prefix="annul") if posted else AnnulForm(prefix="annul", formdata=None)
    form.set_grounds(deadlines.annulment_now(app).available)
    return form


def complete_form(app: Application, posted: bool = False) -> CompleteForm:
    form = CompleteForm(prefix="complete") if posted else CompleteForm(prefix="complete", formdata=None)
    form.set_reissue(app.kind == ApplicationKind.reissue.value)
    return form


#: The card's forms by action: (context name, factory of an empty form).
ACTION_FORMS = {
    "request_info": ("info_form", lambda app: RequestInfoForm(prefix="info", formdata=None)),
    "offer": ("offer_form", offer_form),
    "payment": ("payment_form", payment_form),
    "signed": ("signed_form", lambda app: SignedContractForm(prefix="signed", formdata=None, signed_on=today())),
    "rework": ("rework_form", lambda app: ReworkForm(prefix="rework", formdata=None)),
    "connect": ("connect_form", lambda app: ConnectForm(prefix="connect", formdata=None)),
    "complete": ("complete_form", complete_form),
    "annul": ("annul_form", annul_form),
}


def documents_by_stage(docs: list[ApplicationDocument]) -> list[tuple[str, list[ApplicationDocument]]]:
    stages: dict[str, list[ApplicationDocument]] = {}
    for doc in docs:
        stages.setdefault(doc.stage, []).append(doc)
    return [
        ("Приложено к заявке" if stage == S.draft.value else ApplicationStatus(stage).label, items)
        for stage, items in stages.items()
    ]


def card(app: Application, failed: tuple[str, object] | None = None, *, preview=None, preview_errors=()):
    """The card; `failed` is (context name, form) of a POST that did not validate, shown
    with its errors next to the fields and in the summary at the top."""
    allowed = allowed_actions(app, current_staff())
    forms: dict[str, object] = {
        "note_form": NoteForm(prefix="note", formdata=None),
        "assign_form": assign_form(app.assigned_to_id),
    }
    for action, (name, factory) in ACTION_FORMS.items():
        if action in allowed:
            forms[name] = factory(app)
    if failed is not None:
        forms[failed[0]] = failed[1]
    events = queries.history(app)
    docs = queries.documents(app)
    paid = queries.paid_total(app) if app.invoice_with_vat is not None else Decimal(0)
    return render_template(
        "applications/office/show.html",
        application=app,
        allowed=allowed,
        events=events,
        timeline=queries.timeline(app, events),
        deadlines=deadlines.running_deadlines(app) if app.is_open else [],
        documents=documents_by_stage(docs),
        signed_uploads=[d for d in docs if d.kind == "signed_contract"] if "signed" in allowed else [],
        payments=queries.payments(app),
        paid=paid,
        notes=queries.notes(app),
        today=today(),
        action_form=ActionForm(),
        form=failed[1] if failed else None,
        preview=preview,
        preview_errors=preview_errors,
        related_sections=render_sections(signals.application_card_sections, app, office=True),
        annulment=deadlines.annulment_now(app) if "annul" in allowed else None,
        **forms,
    )


def refused(application_id: int, name: str, form, field, exc: ApplicationError):
    """A service refused the action: nothing is saved; the message goes next to `field`
    (or to the top of the form when there is none). A transition not in the table is 403."""
    db.session.rollback()
    if isinstance(exc, TransitionError):
        abort(403)
    if field is not None:
        field.errors = [*field.errors, str(exc)]
    else:
        form.form_errors.append(str(exc))
    return card(application_or_404(application_id), (name, form))
