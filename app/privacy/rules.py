"""The personal-data package's own exporter and purge rules (see app.core.personal_data)."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from app.core.personal_data import ExportPart, file_entry, personal_data_exporter, purge_rule, retention_reasons
from app.core.storage import StoredFile, delete_stored_file
from app.extensions import db
from app.privacy.models import ConsentRecord
from app.privacy.services import anonymise, consent_history, withdrawn_accounts_due


@personal_data_exporter("consents", order=20)
def export_consents(user) -> ExportPart:
    records = consent_history(user)
    scan_ids = [r.scan_file_id for r in records if r.scan_file_id]
    scans = (
        {f.id: f for f in db.session.scalars(sa.select(StoredFile).where(StoredFile.id.in_(scan_ids)))}
        if scan_ids
        else {}
    )
    data = [
        {
            "action": {"given": "дано", "withdrawn": "отозвано"}[r.action],
            "document_version": r.version,
            "at": r.at,
            "method": {"online": "на сайте", "paper": "на бумаге в офисе"}[r.method],
            "ip": r.ip or None,
            "scan": file_entry(scans[r.scan_file_id]) if r.scan_file_id in scans else None,
        }
        for r in records
    ]
    return ExportPart(data, files=list(scans.values()))


@purge_rule("withdrawn_accounts", order=10)
def purge_withdrawn_accounts(moment: datetime) -> dict:
    """Consent withdrawn more than 30 days ago: anonymise, unless a feature still has a
    lawful reason to keep the data (a concluded contract, Decree 861, accounting law)."""
    anonymised = kept = 0
    for user in withdrawn_accounts_due(moment):
        if retention_reasons(user):
            kept += 1
            continue
        anonymise(user)
        anonymised += 1
    return {"anonymised": anonymised, "kept_on_other_grounds": kept}


@purge_rule("consent_proof", order=20)
def purge_consent_proof(moment: datetime) -> int:
    """Consent records and paper scans of anonymised accounts, once the limitation period
    (3 years) in which they prove the processing was lawful has passed."""
    from app.auth.models import User

    cutoff = moment - timedelta(days=current_app.config["CONSENT_PROOF_RETENTION_DAYS"])
    records = list(
        db.session.scalars(
            sa.select(ConsentRecord)
            .join(User, User.id == ConsentRecord.user_id)
            .where(User.anonymised_at.is_not(None), User.anonymised_at <= cutoff)
        )
    )
    scan_ids = {r.scan_file_id for r in records if r.scan_file_id}
    for row in records:
        db.session.delete(row)
    db.session.flush()
    for stored in db.session.scalars(sa.select(StoredFile).where(StoredFile.id.in_(scan_ids))) if scan_ids else []:
        delete_stored_file(stored)
    return len(records)
