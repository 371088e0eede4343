"""Signed, expiring, single-use links (password reset, email change).

A token carries a fingerprint of the user's current password hash and session version,
so it stops working the moment it has been used (the password or the sessions changed)."""

from __future__ import annotations

import hashlib

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from app.auth.models import User
from app.extensions import db


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"lk.{purpose}")


def fingerprint(user: User) -> str:
    raw = f"{user.password_hash}|{user.session_version}|{user.email}".encode()
    return hashlib.sha256(raw).hexdigest()[:20]


def make_token(user: User, purpose: str, **extra) -> str:
    return _serializer(purpose).dumps({"u": user.id, "f": fingerprint(user), **extra})


def load_token(token: str, purpose: str, max_age: int) -> tuple[User, dict] | None:
    """The user and payload of a valid token; None when forged, expired or already used."""
    try:
        data = _serializer(purpose).loads(token, max_age=max_age)
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    user = db.session.get(User, data["u"])
    if user is None or not user.is_enabled or data.get("f") != fingerprint(user):
        return None
    return user, data
