"""Demo appeals of the demo consumer, one in every status, with files, a thread and
unread notifications; one is overdue, so the office dashboard has something to show."""

from __future__ import annotations

from datetime import timedelta

from app.appeals.services import (
    AppealData,
    CheckedFile,
    add_clarification,
    add_note,
    answer_appeal,
    assign,
    close_appeal,
    decline_appeal,
    register_appeal,
    take_into_work,
)
from app.core import clock
from app.core.storage import stage_bytes
from app.demo import days_ago, demo_pdf
from app.extensions import db
from app.notifications.services import mark_read_by_link


def _pdf(title: str, text: str) -> CheckedFile:
    data, name = demo_pdf(title, text)
    return stage_bytes(data, "application/pdf", name)


def seed(ctx) -> None:
    consumer, operator, admin = ctx.consumer, ctx.operator, ctx.admin
    today = clock.today()

    with days_ago(62):
        closed = register_appeal(
            consumer,
            AppealData(
                kind="complaint",
                topic="outages",
                channel="cabinet",
                text="Отключение 14-го числа прошло без предупреждения: в графике на сайте нашей улицы не было.",
            ),
        )
    with days_ago(50):
        take_into_work(closed, operator)
        assign(closed, operator, operator)
    with days_ago(41):
        answer_appeal(
            closed,
            operator,
            "Проверили: улица Садовая была пропущена в графике по ошибке. "
            "График исправлен, ответственный сотрудник получил замечание. Приносим извинения.",
        )
    with days_ago(35):
        close_appeal(closed, operator)

    with days_ago(33):
        declined = register_appeal(
            consumer,
            AppealData(
                kind="statement",
                topic="other",
                channel="cabinet",
                text="Повторно прошу объяснить, почему опоры покрашены в серый цвет.",
            ),
        )
    with days_ago(30):
        decline_appeal(declined, operator, "Вопрос повторяет обращение, на которое ответ уже дан; новых доводов нет.")

    with days_ago(21):
        answered = register_appeal(
            consumer,
            AppealData(
                kind="request",
                topic="metering",
                channel="email",
                text="Прошу сообщить дату следующей поверки счётчика и кто её проводит.",
                files=[_pdf("Фото паспорта счётчика", "Счётчик СЕ 101, заводской № 0123456, год выпуска 2016.")],
            ),
        )
    with days_ago(18):
        take_into_work(answered, operator)
    with days_ago(2):
        answer_appeal(
            answered,
            operator,
            "Межповерочный интервал вашего счётчика — 16 лет; следующая поверка — в 2032 году. "
            "Поверку организует сетевая организация, вас известят заранее.",
            [_pdf("Паспорт прибора учёта", "Выписка: межповерочный интервал 16 лет.")],
        )

    with days_ago(6):
        supply = register_appeal(
            consumer,
            AppealData(
                kind="complaint",
                topic="quality",
                channel="cabinet",
                text="Вечерами напряжение падает до 180 В: не запускается холодильник, мигает свет.",
                complainant_details="Иванова Мария Петровна",
                contract_number="ЭС-4471-22",
                supply_address="Примерная обл., д. Берёзовка, ул. Садовая, д. 7",
                problem_date=today - timedelta(days=8),
                problem_time="ежедневно с 18:00 до 22:00",
                demands="Восстановить напряжение 230 В и сделать перерасчёт за период.",
                files=[_pdf("Замеры напряжения", "12.03: 181 В; 13.03: 179 В; 14.03: 183 В.")],
            ),
        )
    with days_ago(5):
        take_into_work(supply, operator)
        assign(supply, operator, operator)
        add_note(supply, operator, "Бригада выезжала, замер на вводе 184 В. Нужна замена трансформатора ТП-12.")
    with days_ago(3):
        add_clarification(supply, consumer, "Вчера напряжение было 175 В, прикладываю фото вольтметра.")

    with days_ago(45):
        overdue = register_appeal(
            consumer,
            AppealData(
                kind="statement",
                topic="connection",
                channel="post",
                postal_address="123456, Примерная обл., д. Берёзовка, ул. Садовая, д. 7",
                text="Прошу выдать копию акта об осуществлении технологического присоединения 2015 года.",
            ),
        )
    with days_ago(40):
        take_into_work(overdue, admin)

    register_appeal(
        consumer,
        AppealData(
            kind="statement",
            topic="connection",
            channel="cabinet",
            text="Прошу сообщить, когда начнутся работы по моей заявке на присоединение садового дома.",
        ),
    )

    # The consumer has read the old news; the answer and the latest ones stay unread.
    for appeal in (closed, declined, overdue):
        mark_read_by_link(consumer, appeal.link)
    db.session.flush()
    ctx.extra["appeals"] = {"answered": answered, "in_progress": supply, "overdue": overdue}
