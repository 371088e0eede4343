"""Test helpers: a client that knows CSRF, a Page that checks every HTML response."""

from __future__ import annotations

import email
import email.policy
import io
import re
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from bs4 import BeautifulSoup
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer

#: The smallest files the upload checks recognise by content.
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
#: Thursday 05.03.2026, 12:00 in Moscow: the fixed "now" of deadline tests.
THURSDAY = datetime(2026, 3, 5, 9, 0, tzinfo=UTC)


def pdf_file(name: str = "документ.pdf", data: bytes = PDF):
    """A file field's value for the test client."""
    return (io.BytesIO(data), name)


class Page:
    """A parsed HTML response. Creating one checks what every page must get right."""

    def __init__(self, response):
        self.response = response
        self.status = response.status_code
        self.html = response.get_data(as_text=True)
        self.soup = BeautifulSoup(self.html, "html.parser")
        if response.mimetype == "text/html" and "<html" in self.html:
            self.check_basics()

    def check_basics(self) -> None:
        # The page's title is in <head>; an inline SVG may carry its own <title> for screen readers.
        head = self.soup.head
        titles = head.find_all("title", recursive=False) if head else self.soup.find_all("title")
        assert len(titles) == 1, f"expected one <title> in <head>, found {len(titles)}"
        for form in self.soup.find_all("form"):
            assert form.get("action"), f"a form without action: {str(form)[:120]}"
            if (form.get("method") or "get").lower() == "post":
                assert form.find("input", attrs={"name": "csrf_token"}), (
                    f"a POST form without csrf_token: {str(form)[:160]}"
                )
        ids = [tag["id"] for tag in self.soup.find_all(id=True)]
        duplicates = [i for i, n in Counter(ids).items() if n > 1]
        assert not duplicates, f"duplicate ids: {duplicates}"
        for script in self.soup.find_all("script"):
            assert script.get("src"), "inline <script> is not allowed (CSP)"
        styled = self.soup.find_all(style=True)
        assert not styled, f"inline style attributes are blocked by CSP: {styled[:1]}"
        assert not self.soup.find_all(attrs={"hx-on": True}), "hx-on needs eval (CSP)"
        labelled = {label.get("for") for label in self.soup.find_all("label")}
        for field in self.soup.find_all(["input", "select", "textarea"]):
            if field.get("type") in ("hidden", "submit", "button"):
                continue
            assert field.get("id") in labelled or field.get("aria-label"), f"a field without a label: {field}"

    @property
    def title(self) -> str:
        return self.soup.title.get_text(strip=True)

    def text(self, selector: str | None = None) -> str:
        node = self.soup.select_one(selector) if selector else self.soup
        assert node is not None, f"nothing matches {selector!r}"
        return re.sub(r"\s+", " ", node.get_text(" ", strip=True))

    def select(self, selector: str):
        return self.soup.select(selector)

    def select_one(self, selector: str):
        return self.soup.select_one(selector)

    def errors(self) -> list[str]:
        """The messages next to fields."""
        return [p.get_text(strip=True) for p in self.soup.select(".field .error")]

    def __contains__(self, text: str) -> bool:
        return text in re.sub(r"\s+", " ", self.soup.get_text(" "))


class LkClient(FlaskClient):
    """A test client that adds a valid CSRF token to its POSTs, as a browser form would."""

    def csrf_token(self) -> str:
        app = self.application
        with self.session_transaction() as session:
            raw = session.get("csrf_token")
            if raw is None:
                import hashlib
                import os

                raw = hashlib.sha1(os.urandom(64)).hexdigest()  # noqa: S324 (what Flask-WTF itself does)
                session["csrf_token"] = raw
        return URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="wtf-csrf-token").dumps(raw)

    def page(self, url: str, expect: int | None = 200, **kwargs) -> Page:
        response = self.get(url, **kwargs)
        if expect is not None:
            assert response.status_code == expect, f"GET {url}: {response.status_code}, expected {expect}"
        return Page(response)

    def submit(self, url: str, data: dict | None = None, *, expect: int | None = None, csrf: bool = True, **kwargs):
        data = dict(data or {})
        if csrf:
            data.setdefault("csrf_token", self.csrf_token())
        response = self.post(url, data=data, **kwargs)
        if expect is not None:
            assert response.status_code == expect, (
                f"POST {url}: {response.status_code}, expected {expect}: {response.get_data(as_text=True)[:500]}"
            )
        return response


def read_mailbox(folder: Path) -> list[email.message.EmailMessage]:
    """The .eml files the app wrote (SPEC §4.6), oldest first."""
    if not folder.exists():
        return []
    return [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for path in sorted(folder.glob("*.eml"))
    ]


def mail_text(message) -> str:
    part = message.get_body(preferencelist=("plain",))
    return part.get_content() if part else ""


def find_line(text: str, prefix: str) -> str:
    for line in text.splitlines():
        if line.startswith(prefix):
            return line[len(prefix) :].strip()
    raise AssertionError(f"no line starting with {prefix!r} in:\n{text}")


def totp_code(user) -> str:
    """A current TOTP code of `user` that the app has not accepted yet.

    A code works once (the app stores the last time step it accepted), and the code of the
    next step is valid too; a test that logs the same user in more often than that within
    30 seconds gets the last accepted step forgotten. The step before now is never used:
    at a step boundary it would expire between making and checking it."""
    import sqlalchemy as sa

    from app.auth.models import User
    from app.auth.twofactor import totp as make_totp
    from app.core import clock
    from app.extensions import db

    db.session.commit()  # end a read transaction that would still see the old row (a live server wrote it)
    row = db.session.get(User, user.id)
    db.session.refresh(row)
    totp = make_totp(row.totp_secret)
    current = totp.timecode(clock.now())
    for step in (current, current + 1):
        if row.totp_last_step is None or step > row.totp_last_step:
            return totp.generate_otp(step)
    db.session.execute(sa.update(User).where(User.id == user.id).values(totp_last_step=None))
    db.session.commit()
    return totp.generate_otp(current)


class WriteLockHolder:
    """Another connection that takes SQLite's write lock, keeps it a while and commits a change,
    as the mail sender or another request does (a real lock, not a simulation)."""

    def __init__(self, database: str, seconds: float):
        import threading

        self.database, self.seconds = database, seconds
        self.taken = threading.Event()
        self.thread = threading.Thread(target=self._hold, daemon=True)

    def _hold(self) -> None:
        import sqlite3
        import time

        conn = sqlite3.connect(self.database, timeout=10, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        self.taken.set()
        time.sleep(self.seconds)
        # A change that commits (and leaves nothing behind), so readers' snapshots go stale.
        conn.execute("INSERT INTO yearly_counters (series, year, last_value) VALUES ('lock-holder', 0, 0)")
        conn.execute("DELETE FROM yearly_counters WHERE series = 'lock-holder'")
        conn.execute("COMMIT")
        conn.close()

    def __enter__(self):
        self.thread.start()
        self.taken.wait(5)
        return self

    def __exit__(self, *exc):
        self.thread.join(10)


def sqlite_lock_is_free(database: str) -> bool:
    """Whether another connection could take SQLite's write lock right now."""
    import sqlite3

    conn = sqlite3.connect(database, timeout=0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        conn.close()
