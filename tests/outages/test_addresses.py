"""Address normalisation and house matching: plain functions, table-driven (no Flask)."""

import pytest

from app.outages.addresses import (
    AddressKey,
    HouseError,
    OutagePlace,
    normalize_house,
    normalize_settlement,
    normalize_street,
    parse_houses,
)


@pytest.mark.parametrize(
    "written, key",
    [
        ("Примерск", "примерск"),
        ("г. Примерск", "примерск"),
        ("г.Примерск", "примерск"),
        ("город Примерск", "примерск"),
        ("  Г.  ПРИМЕРСК ", "примерск"),
        ("Примерск г.", "примерск"),
        ("с. Заречное", "заречное"),
        ("село Заречное", "заречное"),
        ("пос. Лесной", "лесной"),
        ("п. Лесной", "лесной"),
        ("посёлок Лесной", "лесной"),
        ("поселок городского типа Лесной", "лесной"),
        ("пгт Лесной", "лесной"),
        ("рабочий посёлок Лесной", "лесной"),
        ("д. Берёзовка", "березовка"),
        ("деревня Березовка", "березовка"),
        ("«Берёзовка»", "березовка"),
        ("Красное Село", "красное село"),  # a full word behind the name is part of it
        ("Ростов - на - Дону", "ростов-на-дону"),
        ("ст-ца Вёшенская", "вешенская"),
        ("СНТ «Энергетик»", "энергетик"),
        ("Г", "г"),  # a lone type word is kept rather than emptied
        ("", ""),
    ],
)
def test_settlement(written, key):
    assert normalize_settlement(written) == key


@pytest.mark.parametrize(
    "written, kind, name",
    [
        ("ул. Ленина", "улица", "ленина"),
        ("ул.Ленина", "улица", "ленина"),
        ("улица Ленина", "улица", "ленина"),
        ("УЛ ЛЕНИНА", "улица", "ленина"),
        ("Ленина ул.", "улица", "ленина"),
        ("Ленина", "", "ленина"),
        ("ул. им. Ленина", "улица", "ленина"),
        ("улица имени Ленина", "улица", "ленина"),
        ("пр-т Мира", "проспект", "мира"),
        ("пр-кт Мира", "проспект", "мира"),
        ("просп. Мира", "проспект", "мира"),
        ("проспект Мира", "проспект", "мира"),
        ("пер. Школьный", "переулок", "школьный"),
        ("Школьный переулок", "переулок", "школьный"),
        ("пр-д Заводской", "проезд", "заводской"),
        ("б-р Победы", "бульвар", "победы"),
        ("наб. Речная", "набережная", "речная"),
        ("мкр. Солнечный", "микрорайон", "солнечный"),
        ("1-я Советская", "", "1 советская"),
        ("Советская 1-я", "", "1 советская"),
        ("ул. 1-ая Советская", "улица", "1 советская"),
        ("ул. 8 Марта", "улица", "8 марта"),
        ("ул. Королёва", "улица", "королева"),
        ("ул.  Карла   Маркса", "улица", "карла маркса"),
        ("Улица", "", "улица"),  # a street called just «Улица» keeps its name
        ("", "", ""),
    ],
)
def test_street(written, kind, name):
    key = normalize_street(written)
    assert (key.kind, key.name) == (kind, name)


@pytest.mark.parametrize(
    "a, b, same",
    [
        ("ул. Ленина", "Ленина", True),  # a kind missing on one side matches
        ("ул. Ленина", "улица ЛЕНИНА", True),
        ("ул. Мира", "пр-т Мира", False),  # different kinds are different streets
        ("пр. Мира", "проспект Мира", True),
        ("ул. Ленина", "ул. Ленинская", False),
    ],
)
def test_street_compatibility(a, b, same):
    assert normalize_street(a).compatible(normalize_street(b)) is same


@pytest.mark.parametrize(
    "written, canonical",
    [
        ("7", "7"),
        ("д. 7", "7"),
        ("д.7", "7"),
        ("дом 7", "7"),
        ("№ 7", "7"),
        ("19а", "19а"),
        ("19А", "19а"),
        ("19 а", "19а"),
        ("19-а", "19а"),
        ("19a", "19а"),  # a Latin «a» typed by mistake
        ("д. 19 «А»", "19а"),
        ("2к1", "2к1"),
        ("2 к. 1", "2к1"),
        ("2 корп. 1", "2к1"),
        ("2, корпус 1", "2к1"),
        ("10 стр. 2", "10с2"),
        ("10с2", "10с2"),
        ("5/1", "5/1"),
        ("5 / 1", "5/1"),
        ("уч. 15", "15"),
        ("", ""),
    ],
)
def test_house(written, canonical):
    assert normalize_house(written) == canonical


@pytest.mark.parametrize("written", ["б/н", "корпус", "двадцать", "12 12", "1-15"])
def test_house_that_is_not_one(written):
    with pytest.raises(HouseError):
        normalize_house(written)


@pytest.mark.parametrize(
    "written, canonical",
    [
        ("1-15, 17, 19а", "1-15,17,19а"),
        ("1 - 15,17 ,19 А", "1-15,17,19а"),
        ("1–15; 17 и 19а", "1-15,17,19а"),  # en dash, semicolon, «и»
        ("д. 1-15", "1-15"),
        ("дома 1-15, 17", "1-15,17"),
        ("с 1 по 15", "1-15"),
        ("2-10 (чётные)", "2-10 чет"),
        ("2-10 чет.", "2-10 чет"),
        ("1-15 нечётные", "1-15 нечет"),
        ("1-15 (нечет)", "1-15 нечет"),
        ("чётная сторона", "чет"),
        ("2к1, 2к2", "2к1,2к2"),
        ("", ""),
        ("все", ""),
        ("Все дома", ""),
    ],
)
def test_house_list(written, canonical):
    houses = parse_houses(written)
    assert houses.canonical() == canonical
    assert parse_houses(houses.canonical()) == houses, "the canonical spelling reads back the same"


@pytest.mark.parametrize(
    "written, message",
    [
        ("15-1", "начало больше конца"),
        ("1-15, ??", "Не удалось разобрать"),
        ("17 чётные", "относится к диапазону"),
        ("корпус 3", "Не удалось разобрать"),
    ],
)
def test_bad_house_list(written, message):
    with pytest.raises(HouseError, match=message):
        parse_houses(written)


@pytest.mark.parametrize(
    "houses, house, covered",
    [
        ("1-15, 17, 19а", "7", True),  # inside a range
        ("1-15, 17, 19а", "1", True),  # the ends are included
        ("1-15, 17, 19а", "15", True),
        ("1-15, 17, 19а", "16", False),
        ("1-15, 17, 19а", "17", True),
        ("1-15, 17, 19а", "19а", True),
        ("1-15, 17, 19а", "19А", True),
        ("1-15, 17, 19а", "19", False),  # «19» is another building than «19а»
        ("1-15, 17, 19а", "19б", False),
        ("1-15, 17, 19а", "7а", True),  # a range covers the lettered buildings of its numbers
        ("1-15, 17, 19а", "7к1", True),
        ("1-15, 17, 19а", "17к2", True),  # a house listed without корпус covers its корпуса
        ("2к1", "2", True),  # an address written without корпус hears of every корпус
        ("2к1", "2к2", False),
        ("2к1", "2 корп. 1", True),
        ("5/1", "5", True),
        ("5/1", "5/2", False),
        ("2-10 (чётные)", "4", True),
        ("2-10 (чётные)", "5", False),
        ("2-10 (чётные)", "12", False),
        ("1-15 нечёт.", "7", True),
        ("1-15 нечёт.", "8", False),
        ("чётная сторона", "128", True),
        ("чётная сторона", "127", False),
        ("", "7", True),  # an empty list is the whole street
        ("все", "999", True),
        ("1-15", "", True),  # an address without a house hears of the whole street
    ],
)
def test_house_coverage(houses, house, covered):
    assert parse_houses(houses).covers(AddressKey.of("Примерск", "Ленина", house).house) is covered


@pytest.mark.parametrize(
    "outage, address, covered",
    [
        (("г. Примерск", "ул. Ленина", "1-15"), ("Примерск", "Ленина", "д. 7"), True),
        (("г. Примерск", "ул. Ленина", "1-15"), ("ПРИМЕРСК", "улица ленина", "7"), True),
        (("г. Примерск", "ул. Ленина", "1-15"), ("г. Другой", "ул. Ленина", "7"), False),
        (("г. Примерск", "ул. Ленина", "1-15"), ("г. Примерск", "ул. Мира", "7"), False),
        (("г. Примерск", "ул. Ленина", "1-15"), ("г. Примерск", "ул. Ленина", "16"), False),
        (("г. Примерск", "ул. Мира", ""), ("г. Примерск", "пр-т Мира", "3"), False),
        (("г. Примерск", "Мира", ""), ("г. Примерск", "пр-т Мира", "3"), True),
        (("с. Заречное", "", ""), ("Заречное", "ул. Речная", "5"), True),  # the whole settlement
        (("с. Заречное", "ул. Речная", "3, 5"), ("с. Заречное", "", "12"), True),  # an address without a street
        (("д. Берёзовка", "ул. Полевая", "1-9"), ("деревня Березовка", "Полевая ул.", "9"), True),
        (("г. Примерск", "ул. Ленина", "1-15"), ("г. Примерск", "ул. Ленина", "б/н"), True),  # no number: whole street
    ],
)
def test_place_covers_address(outage, address, covered):
    assert OutagePlace.of(*outage).covers(AddressKey.of(*address)) is covered
