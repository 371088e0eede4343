"""Fixtures of the appeals tests: factories for appeals, and the SMTP server of tests/mail."""
from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest

from app.core import clock
from app.extensions import db
from tests.mail.conftest import smtp_server  # noqa: F401 (a fixture these tests use too)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
#: Thursday 05.03.2026, 12:00 in Moscow: the fixed "now" of deadline tests.
THURSDAY = datetime(2026, 3, 5, 9, 0, tzinfo=UTC)


def pdf_file(name: str = "документ.pdf", data: bytes = PDF):
    return (io.BytesIO(data), name)


@pytest.fixture
def fixed_clock(app):
    clock.set_now(THURSDAY)
    yield THURSDAY
    clock.set_now(None)


@pytest.fixture
def make_appeal(app):
    """make_appeal(consumer, kind="statement", topic="connection", channel="cabinet", **fields) -> Appeal"""
    from app.appeals.services import AppealData, register_appeal

    def factory(consumer, *, received_via: str = "website", registered_by=None, **fields):
        values = dict(kind="statement", topic="connection", channel="cabinet", text="Прошу сообщить сроки работ.")
        values.update(fields)
        if values["kind"] == "complaint" and values["topic"] == "quality":
            values.setdefault("complainant_details", "Петров Иван Сергеевич")
            values.setdefault("supply_address", "д. Берёзовка, ул. Садовая, д. 7")
            values.setdefault("problem_date", clock.today())
            values.setdefault("demands", "Восстановить напряжение.")
        if values["channel"] == "post":
            values.setdefault("postal_address", "123456, г. Примерск, ул. Лесная, д. 1")
        appeal = register_appeal(consumer, AppealData(**values), received_via=received_via, registered_by=registered_by)
        db.session.commit()
        return appeal

    return factory


@pytest.fixture
def other_client(app, make_user, login):
    """A second consumer, logged in: their view of someone else's appeal must be 404."""
    other = make_user("consumer", email="other.consumer@example.ru", last_name="Сидорова")
    c = app.test_client()
    login(other, c=c)
    c.user = other
    return c
