from __future__ import annotations

from app.audit.services import client_ip
from app.core.clock import now
from app.extensions import db
from app.privacy.consent import CURRENT_VERSION
from app.privacy.models import ConsentRecord


def record_consent(user, *, method: str, scan_file=None, recorded_by=None) -> ConsentRecord:
    record = ConsentRecord(
        user_id=user.id, version=CURRENT_VERSION, action="given", method=method, at=now(), ip=client_ip(),
        scan_file_id=scan_file.id if scan_file is not None else None,
        recorded_by_id=recorded_by.id if recorded_by is not None else None,
    )
    db.session.add(record)
    return record
