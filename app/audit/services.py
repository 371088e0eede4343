"""record() is called wherever something worth auditing happens; it joins the caller's
transaction. Details are short facts: the caller never passes secrets or identifiers."""
from __future__ import annotations

import json

from flask import has_request_context, request
from flask_login import current_user

from app.audit.models import AuditEvent
from app.core.clock import now
from app.extensions import db

#: Keys that must never reach the log, whatever a caller passes.
FORBIDDEN_KEYS = {"password", "new_password", "token", "snils", "passport", "passport_number", "passport_series", "code", "secret"}


def client_ip() -> str:
    if not has_request_context():
        return ""
    return (request.remote_addr or "")[:45]


def record(action: str, obj=None, *, actor=None, **details) -> AuditEvent:
    if actor is None and has_request_context() and current_user and current_user.is_authenticated:
        actor = current_user
    if obj is not None and getattr(obj, "id", None) is None:
        db.session.flush()  # the new object needs its id in the log
    safe = {k: v for k, v in details.items() if k not in FORBIDDEN_KEYS and v is not None}
    event = AuditEvent(
        at=now(),
        actor_id=getattr(actor, "id", None),
        actor_role=getattr(actor, "role", "") or "",
        ip=client_ip(),
        action=action,
        object_type=obj.__tablename__ if obj is not None else "",
        object_id=getattr(obj, "id", None) if obj is not None else None,
        details=json.dumps(safe, ensure_ascii=False, default=str)[:1000] if safe else "",
    )
    db.session.add(event)
    return event
