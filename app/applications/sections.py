"""What applications add elsewhere, through app.core.signals: what waits for the consumer, the
cabinet block, the office dashboard widget, the addresses of their objects for «мои адреса»."""

from __future__ import annotations

import sqlalchemy as sa
from flask import url_for

from app.applications.enums import OPEN_STATUSES
from app.applications.models import Application, ApplicationStatus, list_columns
from app.applications.queries import dashboard_numbers
from app.core import signals
from app.core.clock import today
from app.core.sections import ActionDue, Section
from app.extensions import db


@signals.cabinet_sections.connect
def cabinet_block(user, **_) -> Section:
    return Section("applications/_cabinet.html", cabinet_context(user), order=20)


@signals.actions_due.connect
def applications_waiting(user, **_) -> list[ActionDue]:
    """Each open application whose running obligation is the applicant's, and each draft."""
    rows = db.session.scalars(
        sa.select(Application)
        .options(list_columns())
        .where(
            Application.consumer_id == user.id,
            sa.or_(
                Application.status == ApplicationStatus.draft.value,
                sa.and_(Application.status.in_(OPEN_STATUSES), Application.due_party == "applicant"),
            ),
        )
        .order_by(Application.id.desc())
    ).all()
    return [_action_of(a) for a in rows]


def _action_of(a: Application) -> ActionDue:
    if a.status_enum is ApplicationStatus.draft:
        subject = f"Черновик заявки: {a.object_name}" if a.object_name else "Черновик заявки"
        url = url_for("applications.draft_summary", application_id=a.id)
        return ActionDue(subject, "Заполнить и подать заявку", url, "Продолжить")
    url = url_for("applications.show_application", application_id=a.id)
    if a.status_enum is ApplicationStatus.needs_info:
        button = "Представить сведения"
    elif a.status_enum is ApplicationStatus.offer_sent:
        button = "Оплатить счёт" if a.is_small else "Подписать договор"
    else:
        button = "Открыть заявку"
    return ActionDue(f"Заявка {a.number}", a.due_label, url, button, a.due_date)


@signals.dashboard_widgets.connect
def dashboard_widget(staff, **_) -> Section:
    return Section("applications/office/_dashboard.html", dashboard_context(), order=10)


def cabinet_context(user) -> dict:
    rows = db.session.scalars(
        sa.select(Application)
        .options(list_columns())
        .where(
            Application.consumer_id == user.id,
            Application.status.notin_([ApplicationStatus.withdrawn.value, ApplicationStatus.annulled.value]),
        )
        .order_by(Application.id.desc())
        .limit(3)
    ).all()
    return {"recent_applications": rows, "today": today()}


def dashboard_context() -> dict:
    return dashboard_numbers(today())


@signals.addresses_of.connect
def object_addresses(user, **_) -> list[tuple[str, str, str]]:
    """The objects of the consumer's submitted applications (not withdrawn or annulled), as
    (settlement, street, house)."""
    rows = db.session.execute(
        sa.select(Application.object_settlement, Application.object_street, Application.object_house)
        .where(
            Application.consumer_id == user.id,
            Application.status.notin_(
                [ApplicationStatus.draft.value, ApplicationStatus.withdrawn.value, ApplicationStatus.annulled.value]
            ),
        )
        .distinct()
    ).all()
    return [(r.object_settlement, r.object_street or "", r.object_house or "") for r in rows]
