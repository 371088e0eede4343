"""Fixtures of the applications tests: the example tariff decision, and
make_application(consumer, status=…) that walks an application through the real operations
to any status of either path."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from app.core import clock
from app.extensions import db
from tests.helpers import PDF, pdf_file
from tests.mail.conftest import smtp_server  # noqa: F401 (a fixture these tests use too)


def checked(name: str = "документ.pdf", data: bytes = PDF):
    from app.core.storage import stage_bytes

    return stage_bytes(data, "application/pdf", name)


def application_form(**changes) -> dict:
    """The multipart fields of /applications/new for an individual's household connection."""
    data = {
        "kind": "new",
        "object_name": "Жилой дом",
        "object_settlement": "д. Берёзовка",
        "object_street": "ул. Садовая",
        "object_house": "7",
        "object_address_extra": "",
        "cadastral_number": "50:20:0010203:456",
        "power_kw": "15",
        "existing_power_kw": "0",
        "voltage_kv": "0.4",
        "reliability": "3",
        "load_character": "household",
        "connection_points": "1",
        "supplier": "АО «Примерэнергосбыт»",
        "commissioning_date": (clock.today() + timedelta(days=120)).isoformat(),
        "stages": "",
        "preferential": "n",
        "passport_series": "4510",
        "passport_number": "123456",
        "passport_issued_by": "ОВД района Примерный",
        "passport_issued_on": "2015-06-01",
        "site_plan": pdf_file("план.pdf"),
        "title_document": pdf_file("выписка ЕГРН.pdf"),
        "action": "submit",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def application_data(**changes):
    from app.applications.rules import ApplicationData

    values = dict(
        kind="new",
        object_name="Жилой дом",
        object_settlement="д. Берёзовка",
        object_street="ул. Садовая",
        object_house="7",
        cadastral_number="50:20:0010203:456",
        power_kw=Decimal("15"),
        existing_power_kw=Decimal("0"),
        voltage_kv="0.4",
        reliability=3,
        load_character="household",
        connection_points=1,
        supplier="АО «Примерэнергосбыт»",
        commissioning_date=clock.today() + timedelta(days=120),
        preferential=False,
        passport_series="4510",
        passport_number="123456",
        passport_issued_by="ОВД района Примерный",
        passport_issued_on=date(2015, 6, 1),
        files={"site_plan": [checked("план.pdf")], "title_document": [checked("выписка.pdf")]},
    )
    values.update(changes)
    return ApplicationData(**values)


@pytest.fixture
def decision(app):
    """The example tariff decision of the current year (and of 2026, the fixed clock's)."""
    from app.calculator.demo import example_file
    from app.calculator.services import import_decision

    years = {clock.today().year, 2026}
    decisions = [import_decision(example_file(y), f"primer-{y}.json").decision for y in sorted(years)]
    db.session.commit()
    return decisions[-1]


#: The order of statuses along each path, to walk an application to any of them.
PATH = ("submitted", "offer_sent", "contract_concluded", "in_progress", "tu_fulfilled", "connected", "completed")


@pytest.fixture
def make_application(app, decision, make_user):
    """make_application(consumer, status="submitted", **data) -> Application

    Walks the application through the operations as real people would: drafts stay drafts,
    `needs_info` is a request after submission, withdrawn/annulled close it early, and the
    path statuses are reached one by one (the offer with the example decision)."""
    from app.applications import office_operations, operations
    from app.applications.models import Application

    staff = {}

    def operator():
        if "op" not in staff:
            staff["op"] = make_user("operator", email="walker.operator@example.ru")
        return staff["op"]

    def factory(consumer, status: str = "submitted", **changes) -> Application:
        if status == "annulled":
            return annulled(consumer, **changes)
        data = application_data(**changes)
        application = operations.save_application(consumer, data, submit=status != "draft")
        db.session.commit()
        if status in ("draft", "submitted"):
            return application
        op = operator()
        if status == "needs_info":
            office_operations.request_info(application, op, "Приложите, пожалуйста, план участка с привязкой к улице.")
        elif status == "withdrawn":
            operations.withdraw(application, consumer, "Передумал.")
        elif status == "completed" and application.kind == "reissue":
            office_operations.complete(application, op, {"reissued_documents": [checked("переоформленные.pdf")]})
        else:
            for step in PATH[1 : PATH.index(status) + 1]:
                _advance(application, step, consumer, op)
        db.session.commit()
        return application

    def annulled(consumer, **changes) -> Application:
        """The lawful path (Decree 861 p.15): submitted and asked for data two months ago,
        never answered, annulled by the daily run today."""
        fixed = clock._fixed
        clock.set_now(clock.now() - timedelta(days=60))
        try:
            application = factory(consumer, "needs_info", **changes)
        finally:
            clock.set_now(fixed)
        operations.annul(application, None, "no_info", "Сведения не поступили в срок.")
        db.session.commit()
        return application

    return factory


def _advance(application, step, consumer, op):
    from app.applications import offer, office_operations, operations

    if step == "offer_sent":
        office_operations.post_offer(application, op, offer.offer_defaults(application), [checked("ТУ.pdf")])
    elif step == "contract_concluded":
        if application.is_small:
            office_operations.record_payment(application, op, clock.today(), application.invoice_with_vat, "п/п 1")
        else:
            office_operations.record_signed_contract(application, op, clock.today(), [checked("договор.pdf")])
    elif step == "in_progress":
        office_operations.start_work(application, op)
    elif step == "tu_fulfilled":
        operations.notify_fulfilment(application, consumer, "Выполнено.", [checked("акт.pdf")])
    elif step == "connected":
        office_operations.confirm_connection(application, op)
    elif step == "completed":
        office_operations.complete(
            application, op, {"connection_act": [checked("акт ТП.pdf")], "meter_act": [checked("акт ПУ.pdf")]}
        )
