"""The consumer's appeals in «мои данные» (app.core.personal_data): what they filed and were
answered, with the files; internal notes of staff are not the consumer's and stay out."""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from app.appeals.models import Appeal, AppealFile, AppealMessage, MessageKind
from app.core.personal_data import ExportPart, file_entry, personal_data_exporter
from app.extensions import db


@personal_data_exporter("appeals", order=60)
def export_appeals(user) -> ExportPart:
    appeals = list(db.session.scalars(sa.select(Appeal).where(Appeal.consumer_id == user.id).order_by(Appeal.id)))
    ids = [a.id for a in appeals]
    messages, files = defaultdict(list), defaultdict(list)
    stored_files = []
    if ids:
        for m in db.session.scalars(
            sa.select(AppealMessage)
            .where(AppealMessage.appeal_id.in_(ids), AppealMessage.kind != MessageKind.note)
            .order_by(AppealMessage.id)
        ):
            messages[m.appeal_id].append({"at": m.created_at, "kind": m.kind, "text": m.text})
        for f in db.session.scalars(
            sa.select(AppealFile)
            .options(joinedload(AppealFile.stored))
            .outerjoin(AppealMessage, AppealMessage.id == AppealFile.message_id)
            .where(
                AppealFile.appeal_id.in_(ids),
                sa.or_(AppealMessage.id.is_(None), AppealMessage.kind != MessageKind.note),
            )
        ):
            files[f.appeal_id].append(file_entry(f.stored))
            stored_files.append(f.stored)
    data = [
        {
            "number": a.number,
            "registered_at": a.registered_at,
            "kind": a.kind.label,
            "topic": a.topic.label,
            "answer_channel": a.channel.label,
            "received_via": a.received_via.label,
            "status": a.status,
            "text": a.text,
            "postal_address": a.postal_address or None,
            "complainant_details": a.complainant_details or None,
            "contract_number": a.contract_number or None,
            "supply_address": a.supply_address or None,
            "problem_date": a.problem_date,
            "problem_time": a.problem_time or None,
            "demands": a.demands or None,
            "decline_reason": a.decline_reason or None,
            "messages": messages[a.id],
            "files": files[a.id],
        }
        for a in appeals
    ]
    return ExportPart(data, files=stored_files)
