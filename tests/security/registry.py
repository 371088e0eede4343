"""What the route walker (tests/security/test_routes.py) must know about routes, kept in one
place that each feature extends when it adds routes:

- PUBLIC: endpoints anyone may open, with the status an anonymous GET gets (every other
  endpoint outside /office must send an anonymous visitor to /login);
- SAMPLE_VALUES: values for URL parameters that are not integers;
- object factories: for each consumer-facing route with an <int:…> parameter, a function
  that creates an object for a given owner and returns the URL values that reach it. The
  walker creates one for *another* consumer and expects 404, and one for the consumer
  themself and expects anything but 404. A consumer-facing route with an integer
  parameter and no factory fails the walker.

A feature registers its factories like this (in this file, or a module it imports):

    @object_factory("applications.show_application", "applications.download_document")
    def an_application(owner) -> dict:
        application = ...create it for `owner`, with a document...
        db.session.commit()
        return {"application_id": application.id, "doc_id": document.id}
"""

from __future__ import annotations

from collections.abc import Callable

#: Endpoint → the status of an anonymous GET.
PUBLIC: dict[str, int] = {
    "static": 200,
    "public.index": 200,
    "public.healthz": 200,
    "auth.register": 200,
    "auth.registered": 200,
    "auth.login": 200,
    "auth.forgot_password": 200,
    "auth.reset_password": 400,  # with a made-up token
    "auth.second_factor": 302,  # no password typed yet: back to /login
    "auth.enrol_second_factor": 302,
    "auth.confirm_new_email": 400,  # with a made-up token
    "auth.logout": 302,  # POST only; anonymous ends at /login
    "privacy.policy": 200,
    "privacy.consent": 200,
    "outages.schedule": 200,
    "outages.print_schedule": 200,
    "outages.calendar_feed": 200,
    "calculator.calculate": 200,
    "calculator.download_pdf": 302,  # without a query: back to the form
}

#: URL parameter name → a value to put in it (integers come from factories or are made up).
SAMPLE_VALUES: dict[str, str] = {
    "filename": "app.css",
    "token": "not-a-real-token",
    "version": "2026-01",
}

ObjectFactory = Callable[[object], dict]
OBJECT_FACTORIES: dict[str, ObjectFactory] = {}


def object_factory(*endpoints: str):
    def register(fn: ObjectFactory) -> ObjectFactory:
        for endpoint in endpoints:
            OBJECT_FACTORIES[endpoint] = fn
        return fn

    return register


# --- the factories of the routes that exist ------------------------------------------------------


@object_factory("notifications.read_notification")
def a_notification(owner) -> dict:
    from app.extensions import db
    from app.notifications.services import notify

    notification = notify(owner, "general", "Уведомление для проверки доступа")
    db.session.commit()
    return {"notification_id": notification.id}


@object_factory("outages.delete_my_address")
def a_manual_address(owner) -> dict:
    from app.extensions import db
    from app.outages.operations import add_address

    address = add_address(owner, "Примерск", "ул. Ленина", "1")
    db.session.commit()
    return {"address_id": address.id}


@object_factory("appeals.show_appeal", "appeals.add_clarification_to_appeal", "appeals.download_file")
def an_appeal_with_a_file(owner) -> dict:
    import sqlalchemy as sa

    from app.appeals.models import AppealFile
    from app.appeals.operations import register_appeal
    from app.appeals.rules import AppealData
    from app.core.storage import stage_bytes
    from app.extensions import db

    scan = stage_bytes(b"%PDF-1.4 walker", "application/pdf", "скан.pdf")
    appeal = register_appeal(
        owner, AppealData(kind="statement", topic="connection", text="Проверка доступа.", files=[scan])
    )
    db.session.commit()
    file_id = db.session.scalar(sa.select(AppealFile.id).where(AppealFile.appeal_id == appeal.id))
    return {"appeal_id": appeal.id, "file_id": file_id}


@object_factory(
    "applications.show_application",
    "applications.edit_draft",
    "applications.draft_step",
    "applications.draft_summary",
    "applications.download_document",
    "applications.delete_application_draft",
    "applications.remove_draft_document",
    "applications.reply_to_request",
    "applications.notify_tu_fulfilment",
    "applications.send_signed_contract_through_cabinet",
    "applications.withdraw_application",
    "applications.download_claim",
)
def an_application_with_a_document(owner) -> dict:
    import sqlalchemy as sa

    from app.applications.models import ApplicationDocument
    from app.applications.operations import save_application
    from app.extensions import db
    from tests.applications.conftest import application_data

    application = save_application(owner, application_data(), submit=False)
    db.session.commit()
    doc_id = db.session.scalar(
        sa.select(ApplicationDocument.id).where(ApplicationDocument.application_id == application.id).limit(1)
    )
    return {"application_id": application.id, "doc_id": doc_id, "step": 1}


@object_factory("ratings.rate_application")
def a_completed_application(owner) -> dict:
    """Walked to «completed» through the services, with the example tariff decision."""
    from app.applications import operations
    from app.auth.models import User
    from app.calculator.demo import example_file
    from app.calculator.services import import_decision, in_force_without
    from app.core import clock
    from app.extensions import db
    from tests.applications.conftest import PATH, _advance, application_data

    if in_force_without(clock.today(), None) is None:
        import_decision(example_file(clock.today().year), "primer.json")
    staff = User(
        email=f"rating.walker.{owner.id}@example.ru",
        password_hash="!",
        role="operator",  # noqa: S106
        created_at=clock.now(),
    )
    db.session.add(staff)
    application = operations.save_application(owner, application_data(), submit=True)
    for step in PATH[1:]:
        _advance(application, step, owner, staff)
    db.session.commit()
    return {"application_id": application.id}


@object_factory("ratings.rate_appeal")
def an_answered_appeal(owner) -> dict:
    from app.appeals.operations import answer_appeal, register_appeal
    from app.appeals.rules import AppealData
    from app.auth.models import User
    from app.core import clock
    from app.extensions import db

    staff = User(
        email=f"appeal.rating.walker.{owner.id}@example.ru",
        password_hash="!",
        role="operator",  # noqa: S106
        created_at=clock.now(),
    )
    db.session.add(staff)
    appeal = register_appeal(owner, AppealData(kind="request", topic="metering", text="Когда поверка?"))
    answer_appeal(appeal, staff, "В 2032 году.")
    db.session.commit()
    return {"appeal_id": appeal.id}
