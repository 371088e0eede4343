"""Annulment only on the grounds and after the terms of the Rules (issue 19 item 4): the
grounds as data (Decree 861 p.15, p.103–105 and p.110), the pure rule that says which is open
on a day and from when the others are, the office form that offers only those, the daily run,
the ground told to the consumer, and the column's migration."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.applications import operations, rules
from app.applications.deadlines import DEFAULT_DEADLINES
from app.applications.models import AnnulmentGround, Application, ApplicationEvent, ApplicationStatus
from app.applications.rules import ApplicationError, TransitionError, annulment_options
from app.audit.models import AuditEvent
from app.core import clock
from app.extensions import db
from app.notifications.models import Notification
from app.notifications.services import set_preferences
from app.workdays.services import Term, WorkCalendar
from tests.helpers import THURSDAY, Page, mail_text

#: The stage began on Thursday 05.03.2026 (12:00 in Moscow); 09.03.2026 is a holiday.
STARTED = THURSDAY
CALENDAR = WorkCalendar()


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 9, 0, tzinfo=UTC)


def transient(status: str, power: str = "10", **fields) -> Application:
    """An application as the rule sees it: no database."""
    return Application(status=status, power_kw=Decimal(power), stage_started_at=STARTED, **fields)


def options(application, day, terms=DEFAULT_DEADLINES):
    return annulment_options(application, terms, CALENDAR, day)


def fresh(application) -> Application:
    db.session.expire_all()
    return db.session.get(Application, application.id)


def card_url(application, action: str = "") -> str:
    return f"/office/applications/{application.id}" + (f"/{action}" if action else "")


# --- the rule: each ground, the day before and the day its term has passed -------------------


@pytest.mark.parametrize(
    ("status", "power", "ground", "last_day", "why"),
    [
        # p.15: 20 working days of the notice of missing data: 06.03 … 03.04.2026.
        (
            "needs_info",
            "10",
            AnnulmentGround.no_info,
            date(2026, 4, 3),
            "Аннулировать можно с 04.04.2026: прошло меньше 20 рабочих дней с уведомления о недостающих "
            "сведениях (п. 15 Правил).",
        ),
        # p.15: not earlier than 30 working days after the draft contract was received (above 150 kW).
        (
            "offer_sent",
            "200",
            AnnulmentGround.unsigned,
            date(2026, 4, 17),
            "Аннулировать можно с 18.04.2026: прошло меньше 30 рабочих дней с получения проекта договора "
            "(п. 15 Правил).",
        ),
        # p.103–105, p.110: the invoice unpaid 5 working days after it was posted (up to 150 kW).
        (
            "offer_sent",
            "150",
            AnnulmentGround.unpaid,
            date(2026, 3, 13),
            "Аннулировать можно с 14.03.2026: прошло меньше 5 рабочих дней с размещения счёта "
            "(пп. 103–105, 110 Правил).",
        ),
    ],
)
def test_a_ground_opens_the_day_after_its_term(status, power, ground, last_day, why):
    application = transient(status, power)
    waiting = options(application, last_day)
    assert waiting.available == () and waiting.waiting == {ground: why}
    assert waiting.problem(ground.value) == why
    opened = options(application, date.fromordinal(last_day.toordinal() + 1))
    assert opened.available == (ground,) and opened.waiting == {}
    assert opened.opens == waiting.opens == {ground: date.fromordinal(last_day.toordinal() + 1)}
    assert opened.problem(ground.value) is None


@pytest.mark.parametrize(
    "status", ["submitted", "contract_concluded", "in_progress", "tu_fulfilled", "connected", "completed"]
)
def test_no_ground_annuls_a_complete_application_or_a_concluded_contract(status):
    found = options(transient(status), date(2027, 1, 1))
    assert found.available == () and found.waiting == {}
    assert found.problem("no_info") == "Выберите основание аннулирования из списка."


def test_the_ground_of_an_offer_follows_the_power():
    day = date(2027, 1, 1)
    assert options(transient("offer_sent", "150"), day).available == (AnnulmentGround.unpaid,)
    assert options(transient("offer_sent", "150.001"), day).available == (AnnulmentGround.unsigned,)
    large = options(transient("offer_sent", "200"), day)
    assert large.problem("unpaid") == "Выберите основание аннулирования из списка.", "above 150 kW nothing is paid"


def test_a_signed_contract_that_arrived_is_no_ground_to_annul():
    application = transient("offer_sent", "200", signed_received_at=at(date(2026, 4, 1)))
    found = options(application, date(2027, 1, 1))
    assert found.available == () and found.waiting == {AnnulmentGround.unsigned: rules.SIGNED_WAITS_PROBLEM}


def test_the_terms_are_the_admins_data():
    terms = {**DEFAULT_DEADLINES, "annul_unsigned": Term(31, "wd"), "pay": Term(1, "m")}
    large = options(transient("offer_sent", "200"), date(2026, 4, 18), terms)
    assert large.waiting[AnnulmentGround.unsigned].startswith(
        "Аннулировать можно с 21.04.2026: прошло меньше 31 рабочего дня"
    )
    # 05.04.2026 is a Sunday: the month ends on Monday 06.04.
    small = options(transient("offer_sent", "15"), date(2026, 3, 14), terms)
    assert small.waiting[AnnulmentGround.unpaid].startswith("Аннулировать можно с 07.04.2026: прошло меньше 1 месяца")


def test_staff_may_not_annul_a_submitted_application(consumer, operator, make_application):
    assert (ApplicationStatus.submitted, ApplicationStatus.annulled) not in rules.TRANSITIONS
    application = make_application(consumer)
    assert not rules.can_change(application, "annulled", operator)
    assert rules.can_change(application, "withdrawn", db.session.get(type(consumer), consumer.id))
    with pytest.raises(TransitionError):
        operations.annul(application, operator, "no_info")


def test_the_service_refuses_a_ground_not_open_yet(consumer, operator, make_application, fixed_clock):
    application = make_application(consumer, status="offer_sent", power_kw=Decimal("200"))
    with pytest.raises(ApplicationError, match="Аннулировать можно с 18.04.2026"):
        operations.annul(application, operator, "unsigned")
    with pytest.raises(ApplicationError, match="Выберите основание аннулирования из списка"):
        operations.annul(application, operator, "unpaid", day=date(2027, 1, 1))
    assert application.status == "offer_sent" and application.annulment_ground is None


# --- the office card and its form --------------------------------------------------------------


@pytest.fixture
def large(consumer, make_application, fixed_clock):
    """A 200 kW application whose draft contract was posted on Thursday 05.03.2026."""
    return make_application(consumer, power_kw=Decimal("200"), status="offer_sent")


def test_staff_annul_on_an_open_ground(operator_client, operator, consumer, large, mailbox):
    set_preferences(consumer, {"application_status": True})
    db.session.commit()
    clock.set_now(at(date(2026, 4, 18)))
    page = operator_client.page(card_url(large))
    assert [(o["value"], o.get_text()) for o in page.select("#annul-ground option")] == [
        ("unsigned", "Подписанный договор или мотивированный отказ от его подписания не направлены (п. 15 Правил)")
    ]
    assert "срок прошёл, основание действует с 18.04.2026." in page.text("#annul-ground-hint")
    before = len(mailbox())
    operator_client.submit(
        card_url(large, "annul"), {"annul-ground": "unsigned", "annul-reason": "Ответа от заявителя нет."}, expect=302
    )
    application = fresh(large)
    assert application.status == "annulled" and application.annulment_ground == "unsigned"
    assert application.closing_reason == "Ответа от заявителя нет."
    ground = "подписанный договор или мотивированный отказ от его подписания не направлены (п. 15 Правил)"
    note = db.session.scalars(sa.select(Notification).order_by(Notification.id.desc())).first()
    assert note.title == f"Заявка {application.number} аннулирована"
    assert note.body == f"Основание: {ground}. Ответа от заявителя нет."
    mails = mailbox()[before:]
    assert len(mails) == 1 and f"Основание: {ground}." in mail_text(mails[0])
    event = db.session.scalars(sa.select(ApplicationEvent).order_by(ApplicationEvent.id.desc())).first()
    assert event.actor_id == operator.id and event.comment == f"Основание: {ground}. Ответа от заявителя нет."
    assert db.session.scalar(sa.select(AuditEvent.actor_id).where(AuditEvent.action == "application.annulled"))
    page = operator_client.page(card_url(application))
    assert "Заявка закрыта." in page and not page.select_one("form[action$='/annul']")
    assert "Основание аннулирования Подписанный договор" in page.text()


def test_the_consumer_card_shows_the_ground(consumer_client, operator, large):
    clock.set_now(at(date(2026, 4, 18)))
    operations.annul(large, operator, "unsigned", "Ответа от заявителя нет.")
    db.session.commit()
    page = consumer_client.page(f"/applications/{large.id}")
    assert page.text(".annulment-ground") == (
        "Заявка аннулирована: подписанный договор или мотивированный отказ от его подписания не направлены "
        "(п. 15 Правил)."
    )
    assert "Пояснение Ответа от заявителя нет." in page.text("#application-status")


def test_too_early_the_card_says_when_and_a_post_is_refused(operator_client, large):
    clock.set_now(at(date(2026, 4, 17)))
    page = operator_client.page(card_url(large))
    assert not page.select_one("form[action$='/annul']")
    why = "Аннулировать можно с 18.04.2026: прошло меньше 30 рабочих дней с получения проекта договора (п. 15 Правил)."
    assert why in page.text(".annulment-waiting")
    page = Page(operator_client.submit(card_url(large, "annul"), {"annul-ground": "unsigned"}))
    assert page.status == 200 and why in page.text(".error-summary")
    assert fresh(large).status == "offer_sent"


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"annul-ground": ""}, "Выберите основание аннулирования."),
        ({"annul-ground": "unpaid"}, "Выберите основание аннулирования из списка."),
        ({"annul-ground": "no_such"}, "Выберите основание аннулирования из списка."),
        (
            {"annul-ground": "unsigned", "annul-reason": "я" * 5001},
            "Текст пояснения не должен быть длиннее 5000 символов.",
        ),
    ],
)
def test_a_bad_annulment_is_refused_on_the_form(operator_client, large, data, error):
    clock.set_now(at(date(2026, 4, 18)))
    page = Page(operator_client.submit(card_url(large, "annul"), data))
    assert page.status == 200 and error in page.errors()
    assert fresh(large).status == "offer_sent"


def test_a_submitted_application_is_not_annulled(operator_client, consumer, make_application):
    application = make_application(consumer)
    page = operator_client.page(card_url(application))
    assert not page.select_one("#annul-h")
    assert operator_client.submit(card_url(application, "annul"), {"annul-ground": "no_info"}).status_code == 403
    assert fresh(application).status == "submitted"


def test_only_staff_annul_and_with_the_token(client, consumer_client, operator_client, large):
    clock.set_now(at(date(2026, 4, 18)))
    data = {"annul-ground": "unsigned"}
    response = client.submit(card_url(large, "annul"), data)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert consumer_client.submit(card_url(large, "annul"), data).status_code == 403
    assert operator_client.submit(card_url(large, "annul"), data, csrf=False).status_code == 400
    assert fresh(large).status == "offer_sent"


# --- the daily run -----------------------------------------------------------------------------


def test_the_daily_run_annuls_on_the_p15_ground(consumer, make_application, fixed_clock):
    waiting = make_application(consumer, status="needs_info")
    assert operations.expire(date(2026, 4, 3)) == []
    assert [a.id for a in operations.expire(date(2026, 4, 4))] == [waiting.id]
    db.session.commit()
    application = fresh(waiting)
    assert application.status == "annulled" and application.annulment_ground == "no_info"
    assert "03.04.2026" in application.closing_reason
    note = db.session.scalars(sa.select(Notification).order_by(Notification.id.desc())).first()
    assert note.body.startswith("Основание: недостающие сведения и документы не представлены в срок (п. 15 Правил).")


# --- the migration -----------------------------------------------------------------------------


def test_the_migration_adds_the_column_with_its_check_and_drops_it(migrating_app):
    from flask_migrate import downgrade, upgrade

    def columns():
        with db.engine.connect() as conn:
            return {c["name"] for c in sa.inspect(conn).get_columns("applications")}

    upgrade(revision="0019_applicant_group")
    assert "annulment_ground" not in columns()
    upgrade(revision="0020_annulment_ground")
    assert "annulment_ground" in columns()
    with db.engine.connect() as conn:
        checks = {c["name"]: c["sqltext"] for c in sa.inspect(conn).get_check_constraints("applications")}
    assert "'no_info'" in checks["ck_applications_annulment_ground"]
    downgrade(revision="0019_applicant_group")
    assert "annulment_ground" not in columns()
    upgrade()
