"""Fixtures of the appeals tests: factories for appeals, and the SMTP server of tests/mail."""

from __future__ import annotations

import pytest

from app.core import clock
from app.extensions import db
from tests.mail.conftest import smtp_server  # noqa: F401 (a fixture these tests use too)


@pytest.fixture
def make_appeal(app):
    """make_appeal(consumer, kind="statement", topic="connection", channel="cabinet", **fields) -> Appeal"""
    from app.appeals.operations import register_appeal
    from app.appeals.rules import AppealData

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


# Appeals about an application need applications to point at (SPEC §2.3).
from tests.applications.conftest import decision, make_application  # noqa: E402,F401
