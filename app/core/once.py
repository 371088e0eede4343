"""What a page shows once, right after the POST that made it: a one-time password, recovery
codes. The POST keeps it for the next view and redirects (Post/Redirect/Get), so a refresh
shows the page again instead of issuing another password; the GET takes it out, and a second
look finds nothing. It is kept in the session, a signed cookie of the browser that is about to
show it anyway, and leaves that cookie with the very response that shows it."""

from __future__ import annotations

from flask import session

_PREFIX = "shown_once."


def keep_for_one_view(kind: str, **payload) -> None:
    session[_PREFIX + kind] = payload


def take(kind: str, **expected) -> dict | None:
    """What was kept under `kind`, removed; None when nothing was, or when it was kept for
    something else (`expected` keys differ: another tab's consumer), which then stays."""
    payload = session.get(_PREFIX + kind)
    if payload is None or any(payload.get(k) != v for k, v in expected.items()):
        return None
    return session.pop(_PREFIX + kind)
