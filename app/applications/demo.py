"""Demo applications: the demo consumer owns one in every status of the path up to 150 kW,
and a shop above 150 kW that took the path of the signed contract; other demo applicants
fill the office queue (one of them overdue, one about to be annulled). Every step goes
through the operations, back-dated, so dates, documents and history look lived-in."""

from __future__ import annotations

import zlib
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import NamedTuple

from app.applications import offer, office_operations, operations
from app.applications.rules import ApplicationData
from app.applications.uploads import CheckedFile
from app.core import clock
from app.core.storage import stage_bytes
from app.demo import days_ago, demo_pdf
from app.extensions import db
from app.notifications.services import mark_read_by_link


def _pdf(title: str, text: str) -> CheckedFile:
    data, name = demo_pdf(title, text)
    return stage_bytes(data, "application/pdf", name)


def _files() -> dict[str, list[CheckedFile]]:
    return {
        "site_plan": [_pdf("План участка", "План расположения энергопринимающих устройств, М 1:500.")],
        "title_document": [_pdf("Выписка из ЕГРН", "Выписка из ЕГРН на земельный участок (пример).")],
    }


def _cadastral(settlement: str, street: str, house: str) -> str:
    """A made-up but well-formed cadastral number, the same for the same address."""
    n = zlib.crc32(f"{settlement}|{street}|{house}".encode())
    return f"50:20:{n % 10**7:07d}:{n % 9000 + 100}"


def _data(name: str, settlement: str, street: str, house: str, power: str, **extra) -> ApplicationData:
    values = dict(
        kind="new",
        object_name=name,
        object_settlement=settlement,
        object_street=street,
        object_house=house,
        cadastral_number=_cadastral(settlement, street, house),
        power_kw=Decimal(power),
        existing_power_kw=Decimal("0"),
        voltage_kv="0.4",
        reliability=3,
        load_character="household",
        connection_points=1,
        supplier="АО «Примерэнергосбыт» (пример)",
        commissioning_date=date.today() + timedelta(days=240),
        preferential=False,
        passport_series="4510",
        passport_number="654321",
        passport_issued_by="ОВД района Примерный (пример)",
        passport_issued_on=date(2015, 6, 1),
        files=_files(),
    )
    values.update(extra)
    return ApplicationData(**values)


#: The steps of the path, each with how many days ago it happened, per target status.
PATH = ("submitted", "offer_sent", "contract_concluded", "in_progress", "tu_fulfilled", "connected", "completed")


def _walk(application, target: str, start: int, consumer, operator) -> None:
    """Take a submitted application along the path to `target`, a step every few days."""
    steps = PATH[1 : PATH.index(target) + 1]
    day = start
    for step in steps:
        day = max(day - 6, 1)
        with days_ago(day):
            if step == "offer_sent":
                office_operations.mark_checked(application, operator)
                office_operations.post_offer(
                    application,
                    operator,
                    offer.offer_defaults(application),
                    [_pdf("Технические условия", f"Технические условия по заявке {application.number}.")],
                )
            elif step == "contract_concluded":
                if application.is_small:
                    office_operations.record_payment(
                        application, operator, clock.today(), application.invoice_with_vat, "платёжное поручение № 118"
                    )
                else:
                    office_operations.record_signed_contract(
                        application,
                        operator,
                        clock.today(),
                        [_pdf("Договор подписанный", "Скан подписанного договора.")],
                    )
            elif step == "in_progress":
                office_operations.start_work(application, operator, "Бригада РЭС приступила к работам.")
            elif step == "tu_fulfilled":
                operations.notify_fulfilment(
                    application,
                    db.session.get(type(consumer), application.consumer_id),
                    "Вводной щит и заземление смонтированы.",
                    [_pdf("Фото щита", "Фотографии вводного щита.")],
                )
            elif step == "connected":
                office_operations.confirm_connection(application, operator, "Напряжение подано.")
            elif step == "completed":
                office_operations.complete(
                    application,
                    operator,
                    {
                        "connection_act": [
                            _pdf(
                                "Уведомление об обеспечении сетевой организацией возможности присоединения",
                                "Возможность присоединения обеспечена.",
                            )
                        ],
                        "meter_act": [_pdf("Акт допуска прибора учёта", "Прибор учёта допущен в эксплуатацию.")],
                    },
                )


def _other_applicants() -> dict:
    from app.auth.models import Role, User
    from app.auth.passwords import hash_password
    from app.demo import DEMO_PASSWORD
    from app.privacy.services import record_consent

    password_hash = hash_password(DEMO_PASSWORD)
    people = {
        "individual": User(
            email="petrov@example.ru",
            password_hash=password_hash,
            role=Role.consumer.value,
            applicant_type="individual",
            last_name="Петров",
            first_name="Сергей",
            middle_name="Иванович",
            phone="+79007654321",
            snils="98765432183",
            registered_via="office",
            created_at=clock.now(),
        ),
        "legal": User(
            email="stroy@example.ru",
            password_hash=password_hash,
            role=Role.consumer.value,
            applicant_type="legal",
            org_name="ООО «Примерстрой» (пример)",
            last_name="Соколов",
            first_name="Андрей",
            phone="+74951112233",
            inn="7707083893",
            kpp="770701001",
            ogrn="1027700132195",
            registered_via="online",
            created_at=clock.now(),
        ),
    }
    for user in people.values():
        user.refresh_search_text()
        db.session.add(user)
    db.session.flush()
    for user in people.values():
        record_consent(user, method="online")
    return people


class _Plan(NamedTuple):
    """One demo application: submitted `days` ago by `owner`, then what happened to it."""

    days: int
    owner: object
    data: ApplicationData
    after: Callable | None = None


def _at(days: int, fn: Callable) -> Callable:
    """What happens to an application, `days` ago."""

    def step(application):
        with days_ago(days):
            fn(application)

    return step


def _walk_to(target: str, days: int, consumer, operator) -> Callable:
    return lambda application: _walk(application, target, days, consumer, operator)


def _consumer_path(consumer, operator) -> list[_Plan]:
    """The demo consumer: the path up to 150 kW, one application in each status."""
    return [
        _Plan(days, consumer, _data(name, settlement, street, house, "15"), _walk_to(target, days, consumer, operator))
        for target, name, settlement, street, house, days in (
            ("completed", "Жилой дом", "д. Берёзовка", "ул. Садовая", "7", 70),
            ("connected", "Гараж", "д. Берёзовка", "ул. Садовая", "7а", 58),
            ("tu_fulfilled", "Баня", "д. Берёзовка", "ул. Лесная", "2", 50),
            ("in_progress", "Садовый дом", "СНТ «Ромашка»", "", "118", 44),
            ("contract_concluded", "Хозяйственная постройка", "д. Берёзовка", "ул. Лесная", "4", 30),
            ("offer_sent", "Летняя кухня", "д. Берёзовка", "ул. Садовая", "9", 9),
        )
    ]


def _consumer_others(consumer, operator) -> list[_Plan]:
    """The demo consumer's applications off the path: asked for data, a fresh one, withdrawn."""
    return [
        _Plan(
            9,
            consumer,
            _data("Теплица", "д. Берёзовка", "ул. Полевая", "3", "5"),
            _at(
                8,
                lambda a: office_operations.request_info(
                    a,
                    operator,
                    "Приложите, пожалуйста, план участка с привязкой к улице: на приложенном не видно, "
                    "где граница участка.",
                ),
            ),
        ),
        _Plan(1, consumer, _data("Мастерская", "д. Берёзовка", "ул. Полевая", "5", "10")),
        _Plan(
            40,
            consumer,
            _data("Беседка", "д. Берёзовка", "ул. Полевая", "7", "3"),
            _at(37, lambda a: operations.withdraw(a, consumer, "Решили провести свет от дома.")),
        ),
        _Plan(
            65,
            consumer,
            _data("Вагончик", "д. Берёзовка", "ул. Полевая", "9", "5"),
            _at(
                62,
                lambda a: office_operations.request_info(
                    a, operator, "Приложите правоустанавливающий документ на участок."
                ),
            ),
        ),
    ]


def _consumer_shop_and_reissue(consumer, operator) -> list[_Plan]:
    """The demo consumer's shop above 150 kW, on the path of the signed contract, and a
    reissue of documents, completed on the short path."""
    return [
        _Plan(
            40,
            consumer,
            _data(
                "Магазин «Продукты»",
                "г. Примерск",
                "ул. Ленина",
                "15",
                "160",
                voltage_kv="10",
                load_character="commercial",
            ),
            _walk_to("in_progress", 40, consumer, operator),
        ),
        _Plan(
            20,
            consumer,
            _data("Жилой дом", "д. Берёзовка", "ул. Садовая", "7", "15", kind="reissue"),
            _at(
                16,
                lambda a: office_operations.complete(
                    a,
                    operator,
                    {
                        "reissued_documents": [
                            _pdf(
                                "Переоформленный акт",
                                "Акт об осуществлении технологического присоединения (переоформлен).",
                            )
                        ]
                    },
                ),
            ),
        ),
    ]


def _queue(others, operator) -> list[_Plan]:
    """Other applicants fill the office queue: a legal entity above 670 kW, an overdue
    check, one about to be annulled for missing data."""
    return [
        _Plan(
            12,
            others["legal"],
            _data(
                "Цех металлообработки",
                "г. Примерск",
                "ул. Заводская",
                "3",
                "900",
                voltage_kv="10",
                load_character="industrial",
            ),
            lambda a: office_operations.assign(a, operator, operator),
        ),
        _Plan(
            11,
            others["individual"],
            _data("Жилой дом", "г. Примерск", "ул. Мира", "21", "12"),
            lambda a: office_operations.add_note(
                a, operator, "Заявитель звонил, просил ускорить: переезжает в сентябре."
            ),
        ),
        _Plan(
            30,
            others["individual"],
            _data("Дача", "СНТ «Ромашка»", "", "12", "8"),
            _at(27, lambda a: office_operations.request_info(a, operator, "Нужна копия доверенности представителя.")),
        ),
    ]


def _legal_path(legal, consumer, operator) -> list[_Plan]:
    """The path above 150 kW (the draft contract signed), one application in each status,
    of the demo legal entity."""
    return [
        _Plan(
            days,
            legal,
            _data(name, "г. Примерск", street, house, power, voltage_kv="10", load_character="commercial"),
            _walk_to(target, days, consumer, operator),
        )
        for target, name, street, house, power, days in (
            ("completed", "Склад", "ул. Складская", "1", "400", 80),
            ("connected", "Автосервис", "ул. Промышленная", "5", "250", 66),
            ("tu_fulfilled", "Пекарня", "ул. Хлебная", "2", "200", 56),
            ("contract_concluded", "Котельная", "ул. Заводская", "7", "300", 34),
            ("offer_sent", "Офисное здание", "ул. Ленина", "40", "180", 10),
        )
    ]


def _legal_others(legal, operator) -> list[_Plan]:
    """The demo legal entity's applications asked for data and withdrawn."""
    from app.auth.models import User

    return [
        _Plan(
            15,
            legal,
            _data(
                "Гостиница", "г. Примерск", "ул. Набережная", "9", "350", voltage_kv="10", load_character="commercial"
            ),
            _at(
                14,
                lambda a: office_operations.request_info(a, operator, "Приложите однолинейную схему электроснабжения."),
            ),
        ),
        _Plan(
            45,
            legal,
            _data(
                "Торговый павильон",
                "г. Примерск",
                "ул. Рыночная",
                "3",
                "170",
                voltage_kv="10",
                load_character="commercial",
            ),
            _at(
                38, lambda a: operations.withdraw(a, db.session.get(User, a.consumer_id), "Аренда участка не продлена.")
            ),
        ),
    ]


def _submit(plans: list[_Plan]) -> list:
    """Submit every planned application, then let happen what happens to each. Numbers
    follow the order of submission, as they would in life."""
    made, afterwards = [], []
    for plan in sorted(plans, key=lambda plan: -plan.days):
        with days_ago(plan.days):
            made.append(operations.save_application(plan.owner, plan.data, submit=True))
        afterwards.append(plan.after)
    for application, after in zip(made, afterwards, strict=True):
        if after is not None:
            after(application)
    return made


def seed(ctx) -> None:
    from app.auth.models import User

    consumer, operator = ctx.consumer, ctx.operator
    others = _other_applicants()
    made = _submit(
        _consumer_path(consumer, operator)
        + _consumer_others(consumer, operator)
        + _consumer_shop_and_reissue(consumer, operator)
        + _queue(others, operator)
        + _legal_path(others["legal"], consumer, operator)
        + _legal_others(others["legal"], operator)
    )
    with days_ago(30):
        operations.expire(clock.today())  # the trailer's missing data never came
    with days_ago(3):
        made.append(
            operations.save_application(
                consumer, _data("Новый дом", "д. Берёзовка", "ул. Новая", "1", "15", supplier=""), submit=False
            )
        )
    ctx.extra["applications"] = made
    db.session.flush()
    # What happened long ago was read long ago; the newest news stay unread.
    for application in made:
        if application.submitted_at and clock.now() - application.submitted_at > timedelta(days=35):
            mark_read_by_link(db.session.get(User, application.consumer_id), application.link)
