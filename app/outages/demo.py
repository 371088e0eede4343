"""Demo outages for the next two weeks, some at the demo consumer's address."""

from datetime import datetime, timedelta

from app.core.clock import company_zone, today
from app.outages.services import OutageData, add_address, cancel_outage, close_outage, create_outage, update_outage

#: (days from today, start hour, hours, district, settlement, street, houses, reason, external id)
OUTAGES = [
    (-1, 9, 6, "Северный РЭС", "г. Примерск", "ул. Садовая", "1-9", "Замена вводов в дома", "СЕВ-0098"),
    (1, 10, 4, "Северный РЭС", "г. Примерск", "ул. Садовая", "2-20 (чётные)", "Ремонт ТП-12", "СЕВ-0101"),
    (2, 9, 8, "Северный РЭС", "г. Примерск", "ул. Ленина", "1-15, 17, 19а", "Замена опор ВЛ-0,4 кВ", "СЕВ-0102"),
    (3, 8, 10, "Южный РЭС", "с. Заречное", "", "", "Ремонт ВЛ-10 кВ Ф-5", None),
    (4, 9, 4, "Северный РЭС", "г. Примерск", "пр-т Мира", "5-25", "Плановый осмотр ТП-7", None),
    (5, 9, 7, "Южный РЭС", "пос. Лесной", "ул. Лесная", "", "Расчистка трассы ВЛ-0,4 кВ", None),
    (6, 13, 3, "Северный РЭС", "г. Примерск", "ул. Ленина", "20-40", "Замена кабельной линии", None),
    (7, 9, 8, "Восточный РЭС", "д. Берёзовка", "ул. Полевая", "1-9", "Замена провода на СИП", None),
    (8, 10, 5, "Северный РЭС", "г. Примерск", "ул. Ленина", "7", "Замена прибора учёта на вводе", None),
    (9, 9, 6, "Восточный РЭС", "д. Берёзовка", "ул. Центральная", "", "Ремонт КТП-3", None),
    (10, 9, 5, "Северный РЭС", "г. Примерск", "ул. Гагарина", "1-11 (нечётные)", "Ремонт ВЛ-0,4 кВ", None),
    (12, 9, 8, "Северный РЭС", "г. Примерск", "пер. Школьный", "", "Реконструкция ТП-15", None),
    (13, 10, 4, "Южный РЭС", "с. Заречное", "ул. Речная", "3, 5, 7", "Замена опоры", None),
]


def _data(days, hour, hours, district, settlement, street, houses, reason, external_id) -> OutageData:
    day = today() + timedelta(days=days)
    start = datetime(day.year, day.month, day.day, hour, tzinfo=company_zone())
    return OutageData(
        district, settlement, street, houses, start, start + timedelta(hours=hours), reason, external_id=external_id
    )


def seed(ctx) -> None:
    add_address(ctx.consumer, "г. Примерск", "ул. Ленина", "7")
    created = [create_outage(_data(*row), ctx.operator) for row in OUTAGES]
    close_outage(created[0])
    # The works on ул. Ленина take longer: a changed outage at the consumer's address.
    lenina = created[2]
    update_outage(lenina, _data(2, 9, 10, *OUTAGES[2][3:]))
    # Two cancelled: one at the consumer's address, one elsewhere.
    cancel_outage(created[8])
    cancel_outage(created[5])
