"""Consent records, «мои данные», withdrawal and the purge (SPEC §2.9, 152-FZ).

Services flush and never commit; routes and the purge command commit."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app

from app.audit.services import client_ip, record
from app.core.clock import now, to_local
from app.core.personal_data import ExportPart, anonymisers, archive_path, exporters, purge_rules, retention_reasons
from app.extensions import db
from app.privacy.consent import CURRENT_VERSION
from app.privacy.models import ConsentRecord

# --- consent ----------------------------------------------------------------------------------


def record_consent(user, *, method: str, scan_file=None, recorded_by=None) -> ConsentRecord:
    record_row = ConsentRecord(
        user_id=user.id,
        version=CURRENT_VERSION,
        action="given",
        method=method,
        at=now(),
        ip=client_ip(),
        scan_file_id=scan_file.id if scan_file is not None else None,
        recorded_by_id=recorded_by.id if recorded_by is not None else None,
    )
    db.session.add(record_row)
    return record_row


def withdraw_consent(user) -> ConsentRecord:
    """A new record: consent withdrawn. The past records stay as they were."""
    row = ConsentRecord(
        user_id=user.id, version=CURRENT_VERSION, action="withdrawn", method="online", at=now(), ip=client_ip()
    )
    db.session.add(row)
    record("privacy.consent_withdrawn", user)
    return row


def consent_history(user) -> list[ConsentRecord]:
    return list(
        db.session.scalars(
            sa.select(ConsentRecord).where(ConsentRecord.user_id == user.id).order_by(ConsentRecord.id.desc())
        )
    )


def current_consent(user) -> ConsentRecord | None:
    return db.session.scalar(
        sa.select(ConsentRecord).where(ConsentRecord.user_id == user.id).order_by(ConsentRecord.id.desc()).limit(1)
    )


def has_consent(user) -> bool:
    """Whether the person's consent stands now; features may refuse new processing without it."""
    latest = current_consent(user)
    return latest is not None and latest.action == "given"


def processing_stops_on(withdrawn: ConsentRecord | None) -> date:
    """The last day of processing after a withdrawal (of one made now, given None)."""
    moment = withdrawn.at if withdrawn is not None else now()
    return to_local(moment + timedelta(days=current_app.config["CONSENT_WITHDRAWAL_GRACE_DAYS"])).date()


# --- «мои данные» ---------------------------------------------------------------------------------


def _json_default(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def build_export(user) -> tuple[dict, list]:
    """Every section the features export, and the stored files that belong with them."""
    from app.company.services import get_company

    sections, files = {}, {}
    for name, exporter in exporters():
        part = exporter(user)
        if isinstance(part, ExportPart):
            sections[name] = part.data
            for stored in part.files:
                files[stored.id] = stored
        else:
            sections[name] = part
    company = get_company()
    document = {
        "format": "lk-personal-data/1",
        "generated_at": now(),
        "operator": {
            "name": company.full_name,
            "address": company.address,
            "email": company.email,
            "phone": company.phone,
        },
        "subject": {"id": user.id, "email": user.email},
        "sections": sections,
    }
    return document, list(files.values())


def export_json(user) -> bytes:
    document, _ = build_export(user)
    return json.dumps(document, ensure_ascii=False, indent=2, default=_json_default).encode()


def export_zip(user) -> bytes:
    """The JSON and the person's files, in one archive made in memory."""
    document, files = build_export(user)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("my-data.json", json.dumps(document, ensure_ascii=False, indent=2, default=_json_default))
        for stored in files:
            try:
                archive.write(stored.path, archive_path(stored))
            except OSError:
                archive.writestr(archive_path(stored) + ".missing.txt", "Файл не найден в хранилище.")
    return buffer.getvalue()


# --- withdrawal and the purge -----------------------------------------------------------------


def anonymise(user) -> None:
    """Remove the person from the account for good: it stays only as a row others point at."""
    from app.auth.models import LoginAttempt, RecoveryCode
    from app.notifications.models import Notification, NotificationPreference

    for scrub in anonymisers():
        scrub(user)
    old_email = user.email
    db.session.execute(sa.delete(Notification).where(Notification.user_id == user.id))
    db.session.execute(sa.delete(NotificationPreference).where(NotificationPreference.user_id == user.id))
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.execute(
        sa.delete(LoginAttempt).where(sa.or_(LoginAttempt.user_id == user.id, LoginAttempt.email == old_email))
    )
    user.email = f"deleted-{user.id}@anonymised.invalid"
    user.password_hash = "!"  # noqa: S105  # nosec B105  # not a hash: matches no password
    user.last_name = user.first_name = user.middle_name = user.org_name = user.phone = ""
    user.snils = user.inn = user.kpp = user.ogrn = None
    user.totp_secret = None
    user.totp_last_step = None
    user.totp_enabled_at = None
    user.must_change_password = False
    user.password_expires_at = None
    user.is_enabled = False
    user.session_version = (user.session_version or 0) + 1
    user.anonymised_at = now()
    user.refresh_search_text()
    record("privacy.anonymised", user, actor=None)


def withdrawn_accounts_due(moment: datetime) -> list:
    """Consumers whose latest consent record is a withdrawal older than the grace period."""
    from app.auth.models import User

    cutoff = moment - timedelta(days=current_app.config["CONSENT_WITHDRAWAL_GRACE_DAYS"])
    latest = (
        sa.select(ConsentRecord.user_id, sa.func.max(ConsentRecord.id).label("last_id"))
        .group_by(ConsentRecord.user_id)
        .subquery()
    )
    return list(
        db.session.scalars(
            sa.select(User)
            .join(latest, latest.c.user_id == User.id)
            .join(ConsentRecord, ConsentRecord.id == latest.c.last_id)
            .where(
                ConsentRecord.action == "withdrawn",
                ConsentRecord.at <= cutoff,
                User.anonymised_at.is_(None),
                User.role == "consumer",
            )
        )
    )


def run_purge(moment: datetime | None = None) -> dict[str, int | dict]:
    """Every purge rule, in order; the caller commits."""
    moment = moment or now()
    results = {}
    for name, rule in purge_rules():
        results[name] = rule(moment)
        db.session.flush()
    return results


__all__ = [
    "anonymise",
    "build_export",
    "consent_history",
    "current_consent",
    "export_json",
    "export_zip",
    "has_consent",
    "processing_stops_on",
    "record_consent",
    "retention_reasons",
    "run_purge",
    "withdraw_consent",
    "withdrawn_accounts_due",
]
