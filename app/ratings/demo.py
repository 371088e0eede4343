"""Demo ratings: the demo consumer rates their completed applications and answered appeals,
and a few more (fictional) consumers rate theirs over the past year, so the office report,
its chart and the annual report of appeals show something.

The extra consumers' applications are submitted through the services at past dates; their
status is then set to «completed» directly (the demo tariff decision covers only the current
year, so the offer step cannot be walked in the past). Their appeals go through the services."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import sqlalchemy as sa

from app.appeals.models import Appeal, AppealStatus
from app.appeals.operations import answer_appeal, close_appeal, register_appeal
from app.appeals.rules import AppealData
from app.applications.models import Application, ApplicationEvent, ApplicationStatus
from app.applications.operations import save_application
from app.applications.rules import ApplicationData
from app.auth.models import Role, User
from app.core import clock
from app.core.storage import stage_bytes
from app.extensions import db
from app.notifications.kinds import KINDS
from app.notifications.services import set_preferences
from app.ratings.services import rate_appeal, rate_application

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@contextmanager
def _on(day: date, hour: int = 11):
    """Run a step as if on `day` (company time), so the report has months to show."""
    saved = clock._fixed
    moment = datetime.combine(day, time(hour), tzinfo=clock.company_zone())
    clock.set_now(min(moment, saved or clock.now()))
    try:
        yield
    finally:
        clock.set_now(saved)


def _scores(overall: int, *rest: int) -> dict[str, int]:
    ease, clarity, deadlines, courtesy, cost = rest or (overall,) * 5
    return {
        "ease": ease,
        "clarity": clarity,
        "deadlines": deadlines,
        "courtesy": courtesy,
        "cost": cost,
        "overall": overall,
    }


def _appeal_scores(overall: int, timeliness: int, clarity: int) -> dict[str, int]:
    return {"overall": overall, "timeliness": timeliness, "clarity": clarity}


def _rate_own(ctx) -> None:
    """The demo consumer's completed applications and answered appeals (none yet is fine)."""
    consumer = ctx.consumer
    completed = db.session.scalars(
        sa.select(Application)
        .where(Application.consumer_id == consumer.id, Application.status == ApplicationStatus.completed.value)
        .order_by(Application.id)
    ).all()
    for application in completed:
        day = clock.to_local(application.completed_at or clock.now()).date() + timedelta(days=1)
        with _on(min(day, clock.today())):
            rate_application(
                application,
                consumer,
                _scores(4, 5, 4, 3, 5, 4),
                "Всё понятно объяснили, но акт подписывали дольше, чем обещали.",
            )
    answered = db.session.scalars(
        sa.select(Appeal)
        .where(
            Appeal.consumer_id == consumer.id,
            Appeal.status.in_([AppealStatus.answered, AppealStatus.closed]),
        )
        .order_by(Appeal.id)
    ).all()
    for appeal in answered:
        day = clock.to_local(appeal.answered_at or clock.now()).date() + timedelta(days=1)
        with _on(min(day, clock.today())):
            rate_appeal(appeal, consumer, _appeal_scores(5, 4, 5), "Спасибо, ответ подробный.")


#: (applicant type, kind, power kW, voltage, months ago rated, scores, comment)
EXTRA_APPLICATIONS = [
    ("individual", "new", "15", "0.4", 0, _scores(5), "Подала заявку за 10 минут, всё вовремя."),
    (
        "individual",
        "new",
        "12",
        "0.4",
        1,
        _scores(2, 4, 2, 1, 3, 3),
        "Сроки сорвали на месяц, никто не предупредил. Дозвониться невозможно.",
    ),
    ("entrepreneur", "new", "100", "0.4", 2, _scores(4, 4, 4, 4, 5, 3), ""),
    (
        "legal",
        "increase",
        "400",
        "10",
        3,
        _scores(3, 3, 4, 2, 4, 2),
        "Непонятно, из чего сложилась стоимость мероприятий, расчёт пришлось запрашивать отдельно.",
    ),
    ("individual", "temporary", "10", "0.4", 4, _scores(5, 5, 5, 5, 4, 5), "Быстро и вежливо."),
    ("individual", "new", "15", "0.4", 6, _scores(4), ""),
    (
        "legal",
        "new",
        "1200",
        "10",
        7,
        _scores(1, 2, 1, 1, 2, 1),
        "Технические условия выдали с опозданием и с ошибкой в точке присоединения.",
    ),
    ("entrepreneur", "new", "60", "0.4", 9, _scores(4, 5, 4, 4, 4, 4), "В целом хорошо."),
    ("individual", "new", "15", "0.4", 11, _scores(3, 3, 3, 3, 3, 2), "Долго ждали договор."),
]

#: (year offset: 0 this year, 1 last year; day of the year; received via; kind; topic; rated overall or None)
EXTRA_APPEALS = [
    (1, 40, "phone", "complaint", "outages", None),
    (1, 95, "website", "request", "metering", None),
    (1, 150, "post", "statement", "connection", None),
    (1, 200, "in_person", "statement", "connection", None),
    (1, 260, "website", "complaint", "quality", None),
    (1, 320, "phone", "request", "other", None),
    (0, 20, "website", "request", "connection", 4),
    (0, 60, "phone", "complaint", "outages", 2),
    (0, 110, "website", "statement", "metering", 5),
    (0, 150, "post", "request", "connection", None),
    (0, 210, "website", "complaint", "quality", 3),
    (0, 250, "in_person", "statement", "other", 5),
    (0, 300, "website", "request", "metering", 4),
]


def _consumers() -> list[User]:
    people = [
        dict(
            email="petrov.demo@example.ru",
            applicant_type="individual",
            last_name="Петров",
            first_name="Сергей",
            middle_name="Иванович",
            snils="08765430300",
        ),
        dict(
            email="ip.kozlov.demo@example.ru",
            applicant_type="entrepreneur",
            last_name="Козлов",
            first_name="Андрей",
            middle_name="Павлович",
            inn="500100732259",
            ogrn="304500116000157",
        ),
        dict(
            email="ooo.rassvet.demo@example.ru",
            applicant_type="legal",
            org_name="ООО «Рассвет» (вымышленное)",
            last_name="Орлова",
            first_name="Наталья",
            inn="7707083893",
            kpp="770701001",
            ogrn="1027700132195",
        ),
    ]
    users = []
    for person in people:
        user = User(
            password_hash="!",
            role=Role.consumer.value,
            phone="+79000000000",  # noqa: S106  # nosec B106
            registered_via="online",
            created_at=clock.now() - timedelta(days=400),
            **person,
        )
        user.refresh_search_text()
        db.session.add(user)
        users.append(user)
    db.session.flush()
    from app.privacy.services import record_consent

    for user in users:
        record_consent(user, method="online")
        set_preferences(user, {code: False for code in KINDS})  # the demo mails nobody but the demo consumer
    return users


def _application(consumer: User, kind: str, power: str, voltage: str) -> Application:
    individual = consumer.applicant_type == "individual"
    data = ApplicationData(
        kind=kind,
        object_name="Жилой дом" if individual else "Производственный цех",
        object_settlement="д. Берёзовка",
        object_street="ул. Луговая",
        object_house="12",
        cadastral_number="50:20:0010203:789" if kind != "temporary" else "",
        power_kw=Decimal(power),
        existing_power_kw=Decimal(power) / 2 if kind == "increase" else Decimal("0"),
        voltage_kv=voltage,
        reliability=3,
        load_character="household" if individual else "industrial",
        connection_points=1,
        supplier="АО «Примерэнергосбыт»",
        commissioning_date=clock.today() + timedelta(days=120),
        passport_series="4510" if individual else "",
        passport_number="654321" if individual else "",
        passport_issued_by="ОВД района Примерный" if individual else "",
        passport_issued_on=date(2012, 4, 1) if individual else None,
        files={
            "site_plan": [stage_bytes(PDF, "application/pdf", "план.pdf")],
            "title_document": [stage_bytes(PDF, "application/pdf", "выписка ЕГРН.pdf")],
        },
    )
    return save_application(consumer, data, submit=True)


def _complete_directly(application: Application, operator: User) -> None:
    """Demo rows only: the path to «completed» cannot be walked at a past date (see above)."""
    moment = clock.now()
    db.session.add(
        ApplicationEvent(
            application_id=application.id,
            at=moment,
            actor_id=operator.id,
            from_status=application.status,
            to_status=ApplicationStatus.completed.value,
            comment="Демонстрационные данные",
        )
    )
    application.status = ApplicationStatus.completed.value
    application.completed_at = application.stage_started_at = application.updated_at = moment
    application.due_date, application.due_label, application.due_party = None, "", ""
    application.version += 1


def _months_ago(today: date, months: int, day: int) -> date:
    index = today.year * 12 + today.month - 1 - months
    result = date(index // 12, index % 12 + 1, min(day, 28))
    return min(result, today)


def seed(ctx) -> None:
    _rate_own(ctx)
    today = clock.today()
    consumers = _consumers()
    by_type = {u.applicant_type: u for u in consumers}
    for i, (kind_of_person, kind, power, voltage, months, scores, comment) in enumerate(EXTRA_APPLICATIONS):
        consumer = by_type[kind_of_person]
        rated_on = _months_ago(today, months, 5 + 2 * i)
        with _on(rated_on - timedelta(days=60)):
            application = _application(consumer, kind, power, voltage)
        with _on(rated_on - timedelta(days=1)):
            _complete_directly(application, ctx.operator)
        with _on(rated_on, hour=15):
            rate_application(application, consumer, scores, comment)
    for i, (years_ago, day_of_year, via, kind, topic, overall) in enumerate(EXTRA_APPEALS):
        registered_on = date(today.year - years_ago, 1, 1) + timedelta(days=day_of_year - 1)
        if registered_on > today - timedelta(days=3):
            continue  # early in the year: this year's later appeals have not happened yet
        consumer = consumers[i % len(consumers)]
        with _on(registered_on, hour=10):
            appeal = register_appeal(
                consumer,
                AppealData(
                    kind=kind,
                    topic=topic,
                    channel="post" if via == "post" else "cabinet",
                    postal_address="123456, Примерная обл., д. Берёзовка, ул. Луговая, д. 12" if via == "post" else "",
                    text="Прошу разобраться (демонстрационное обращение).",
                    complainant_details=consumer.display_name,
                    supply_address="д. Берёзовка, ул. Луговая, д. 12",
                    problem_date=registered_on,
                    demands="Восстановить электроснабжение.",
                ),
                received_via=via,
                registered_by=None if via == "website" else ctx.operator,
            )
        with _on(registered_on + timedelta(days=2), hour=12):
            answer_appeal(appeal, ctx.operator, "Проверили и устранили причину. Спасибо за обращение.")
            close_appeal(appeal, ctx.operator)
        if overall is not None:
            with _on(registered_on + timedelta(days=3), hour=9):
                rate_appeal(
                    appeal,
                    consumer,
                    _appeal_scores(overall, max(overall - 1, 1), overall),
                    "" if overall >= 4 else "Ответили по существу, но позже, чем хотелось бы.",
                )
    db.session.flush()
