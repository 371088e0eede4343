"""Response headers and request checks that hold for every page (SPEC §2.10).

Also: access logs that never carry the tokens of mailed links."""

from __future__ import annotations

import logging
import re
from urllib.parse import urlsplit

from flask import Flask, abort, request, session
from flask_login import current_user

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)

#: What a download (an uploaded document, my data) is served with: nothing in it may run.
DOWNLOAD_CONTENT_SECURITY_POLICY = "default-src 'none'; sandbox"

#: Endpoints whose pages hold nothing personal and may be cached by the browser.
PUBLIC_CACHEABLE = {"static"}

#: Path segments that are secrets: the tokens of mailed links (password reset, new email).
_TOKEN_IN_PATH = re.compile(r"(/password/reset/|/confirm/)[^/\s?\"]+")


def _may_hold_token(text: str) -> bool:
    return "/password/reset/" in text or "/confirm/" in text


def redact(text: str) -> str:
    return _TOKEN_IN_PATH.sub(r"\1[redacted]", text) if _may_hold_token(text) else text


class RedactTokens(logging.Filter):
    """Keeps the tokens of mailed links out of access logs (Werkzeug's, gunicorn's).

    gunicorn's record carries every request header and environ entry (some sixty values),
    and this runs once per request: only the values that can hold a token are rewritten."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            # In place: gunicorn's mapping is its own class (a missing atom prints "-").
            changed = {k: redact(v) for k, v in record.args.items() if isinstance(v, str) and _may_hold_token(v)}
            record.args.update(changed)
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


def init_app(app: Flask) -> None:
    for name in ("werkzeug", "gunicorn.access"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactTokens) for f in logger.filters):
            logger.addFilter(RedactTokens())

    @app.before_request
    def check_origin():
        """Refuse a cross-site POST whose Origin or Referer names another host.

        Requests with neither header are accepted: old browsers and privacy proxies send
        none, and the CSRF token still protects them (SPEC §2.10)."""
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return None
        source = request.headers.get("Origin") or request.headers.get("Referer")
        if not source or source == "null":
            return None
        if urlsplit(source).netloc != request.host:
            abort(400, description="csrf-origin")
        return None

    @app.before_request
    def refuse_nul_characters():
        """Nobody types U+0000, and PostgreSQL takes none in a text column: psycopg refuses to
        send it, so a search or a form carrying one would end in a 500 at its first query.
        Refused here, for every page at once, with a Russian page."""
        query = request.query_string
        if (
            "\x00" in request.path
            or ((b"%00" in query or b"\x00" in query) and _has_nul(request.args))
            or (request.method == "POST" and _has_nul(request.form))
        ):
            from app.core.errors import render_error

            return render_error(400, NUL_MESSAGE)
        return None

    @app.after_request
    def set_security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if request.endpoint not in PUBLIC_CACHEABLE and _is_personal():
            # Personal pages never land in a shared or back/forward cache.
            headers["Cache-Control"] = "no-store"
            headers.pop("ETag", None)
            headers.pop("Last-Modified", None)
        elif "Cache-Control" not in headers and request.endpoint not in PUBLIC_CACHEABLE:
            headers["Cache-Control"] = "no-cache"
        # One URL answers a page or, to htmx, a block of it: caches must keep them apart.
        response.vary.update(("Cookie", "HX-Request"))
        return response


NUL_MESSAGE = (
    "В отправленных данных есть невидимый недопустимый символ (нулевой байт). "
    "Наберите текст заново, не копируя его из другой программы, и отправьте ещё раз."
)


def _has_nul(values) -> bool:
    return any("\x00" in key or "\x00" in value for key, value in values.items(multi=True))


def _is_personal() -> bool:
    """A logged-in user's page, or a step of logging in (the second factor, its QR code)."""
    try:
        return bool(current_user and current_user.is_authenticated) or "pending_login" in session
    except Exception:
        return False


def is_safe_local_url(target: str | None) -> bool:
    """A relative URL on this site ('/applications/3'), never '//evil' or 'http://…'."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc
