"""Applications in the personal-data machinery (SPEC §2.9, app.core.personal_data): the
consumer's applications and documents in «мои данные»; a concluded contract keeps them
(Decree 861, accounting law); drafts nobody touched for a year are purged; anonymising an
account removes the passport data of applications no contract needs."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from app.applications.models import Application, ApplicationDocument, ApplicationEvent, ApplicationStatus
from app.core.personal_data import (
    ExportPart,
    file_entry,
    on_anonymise,
    personal_data_exporter,
    purge_rule,
    retention_reason,
)
from app.extensions import db

#: Statuses reached only under a concluded contract: the data stays on that basis.
CONTRACT_STATUSES = ("contract_concluded", "in_progress", "tu_fulfilled", "connected", "completed")
#: An untouched draft is kept this long.
DRAFT_KEPT_DAYS = 365


@personal_data_exporter("applications", order=50)
def export_applications(user) -> ExportPart:
    rows = list(
        db.session.scalars(sa.select(Application).where(Application.consumer_id == user.id).order_by(Application.id))
    )
    ids = [a.id for a in rows]
    docs, events = defaultdict(list), defaultdict(list)
    stored = []
    if ids:
        for d in db.session.scalars(
            sa.select(ApplicationDocument)
            .options(joinedload(ApplicationDocument.stored))
            .where(ApplicationDocument.application_id.in_(ids))
            .order_by(ApplicationDocument.id)
        ):
            docs[d.application_id].append({"document": d.label, **file_entry(d.stored)})
            stored.append(d.stored)
        for e in db.session.scalars(
            sa.select(ApplicationEvent).where(ApplicationEvent.application_id.in_(ids)).order_by(ApplicationEvent.id)
        ):
            events[e.application_id].append({"at": e.at, "status": e.to_status, "comment": e.comment or None})
    data = [
        {
            "number": a.number,
            "status": a.status,
            "kind": a.kind_enum.label,
            "submitted_at": a.submitted_at,
            "object_name": a.object_name,
            "address": a.address,
            "cadastral_number": a.cadastral_number,
            "power_kw": a.power_kw,
            "existing_power_kw": a.existing_power_kw,
            "voltage_kv": a.voltage_kv,
            "reliability": a.reliability,
            "load_character": a.load_character,
            "connection_points": a.connection_points,
            "supplier": a.supplier,
            "commissioning_date": a.commissioning_date,
            "stages": a.stages or None,
            "preferential": a.preferential,
            "passport": (
                {
                    "series": a.passport_series,
                    "number": a.passport_number,
                    "issued_by": a.passport_issued_by,
                    "issued_on": a.passport_issued_on,
                }
                if a.passport_number
                else None
            ),
            "invoice_with_vat": a.invoice_with_vat,
            "documents": docs[a.id],
            "history": events[a.id],
        }
        for a in rows
    ]
    return ExportPart(data, files=stored)


@retention_reason
def contract_keeps_data(user) -> str | None:
    numbers = list(
        db.session.scalars(
            sa.select(Application.number)
            .where(Application.consumer_id == user.id, Application.status.in_(CONTRACT_STATUSES))
            .order_by(Application.id)
        )
    )
    if not numbers:
        return None
    return (
        f"По заявкам {', '.join(numbers)} заключён договор технологического присоединения: сведения о нём, "
        "документы и платежи хранятся, пока действует договор, и затем 5 лет (Правила технологического "
        "присоединения, утв. постановлением Правительства РФ № 861; закон о бухгалтерском учёте)."
    )


@on_anonymise
def scrub_applications(user) -> None:
    """No contract needs the passport of a withdrawn, annulled or draft application."""
    db.session.execute(
        sa.update(Application)
        .where(Application.consumer_id == user.id, Application.status.notin_(CONTRACT_STATUSES))
        .values(passport_series="", passport_number="", passport_issued_by="", passport_issued_on=None)
    )


@purge_rule("applications_drafts", order=40)
def purge_old_drafts(moment: datetime) -> int:
    """Drafts untouched for a year have outlived their purpose: removed with their files."""
    from app.applications.operations import delete_draft
    from app.auth.models import User

    cutoff = moment - timedelta(days=DRAFT_KEPT_DAYS)
    drafts = db.session.scalars(
        sa.select(Application).where(
            Application.status == ApplicationStatus.draft.value,
            sa.func.coalesce(Application.updated_at, Application.created_at) < cutoff,
        )
    ).all()
    for draft in drafts:
        delete_draft(draft, db.session.get(User, draft.consumer_id))
    return len(drafts)
