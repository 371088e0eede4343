import pytest

from app.auth import identifiers as ids
from app.extensions import db


@pytest.mark.parametrize(
    "value, expected",
    [
        ("112-233-445 95", "11223344595"),
        ("11223344595", "11223344595"),
        ("001-001-998 00", "00100199800"),  # before checksums were introduced: any control number
        ("001-001-998 77", "00100199877"),
        ("087-654-303 00", "08765430300"),  # sum 202, modulo 101 -> 00
    ],
)
def test_snils_accepted(value, expected):
    assert ids.validate_snils(value) == expected


@pytest.mark.parametrize(
    "value, fragment",
    [
        ("112-233-445 96", "контрольное число"),
        ("1122334459", "11 цифр"),
        ("abc", "11 цифр"),
        ("001-001-999 00", "контрольное число"),  # first number with a checksum
    ],
)
def test_snils_refused(value, fragment):
    with pytest.raises(ids.IdentifierError, match=fragment):
        ids.validate_snils(value)


def test_snils_checksum_rules():
    assert ids.snils_checksum("112233445") == 95
    assert ids.snils_checksum("000000001") == 1  # below 100: the sum itself
    assert ids.snils_checksum("087654303") == 0  # 202 % 101 -> 0
    assert ids.snils_checksum("920000003") == 0  # exactly 100 -> 0
    assert ids.snils_checksum("920000004") == 0  # exactly 101 -> 0


@pytest.mark.parametrize("value, length", [("7707083893", 10), ("500100732259", 12)])
def test_inn_accepted(value, length):
    assert ids.validate_inn(value, length) == value


@pytest.mark.parametrize(
    "value, length, fragment",
    [
        ("7707083894", 10, "контрольная"),
        ("500100732259", 10, "10 цифр"),
        ("7707083893", 12, "12 цифр"),
        ("77070838ab", 10, "10 цифр"),
    ],
)
def test_inn_refused(value, length, fragment):
    with pytest.raises(ids.IdentifierError, match=fragment):
        ids.validate_inn(value, length)


@pytest.mark.parametrize("value", ["770701001", "7707AB001", "7707ab001"])
def test_kpp_accepted(value):
    assert ids.validate_kpp(value) == value.upper()


@pytest.mark.parametrize("value", ["77070100", "7707010011", "770А01001", "AB0701001"])
def test_kpp_refused(value):
    with pytest.raises(ids.IdentifierError):
        ids.validate_kpp(value)


def test_ogrn_and_ogrnip():
    assert ids.validate_ogrn("1027700132195", entrepreneur=False) == "1027700132195"
    assert ids.validate_ogrn("304500116000157", entrepreneur=True) == "304500116000157"
    with pytest.raises(ids.IdentifierError, match="контрольная"):
        ids.validate_ogrn("1027700132196", entrepreneur=False)
    with pytest.raises(ids.IdentifierError, match="15 цифр"):
        ids.validate_ogrn("1027700132195", entrepreneur=True)
    with pytest.raises(ids.IdentifierError, match="начинается с цифры 3"):
        ids.validate_ogrn("104500116000157", entrepreneur=True)


@pytest.mark.parametrize(
    "value, expected",
    [
        ("+7 900 123-45-67", "+79001234567"),
        ("8 (900) 123 45 67", "+79001234567"),
        ("9001234567", "+79001234567"),
    ],
)
def test_phone(value, expected):
    assert ids.normalize_phone(value) == expected


@pytest.mark.parametrize("value", ["12345", "+1 202 555 0100 11", "телефон"])
def test_phone_refused(value):
    with pytest.raises(ids.IdentifierError):
        ids.normalize_phone(value)


# --- ASCII digits only (issue 16) ----------------------------------------------------------------

#: Digits of other scripts that str.isdigit() and re's \d take: int() fails on superscripts
#: (a 500 in the registration form) and silently reads the others.
OTHER_DIGITS = {
    "superscript": "⁰¹²³⁴⁵⁶⁷⁸⁹",
    "arabic-indic": "٠١٢٣٤٥٦٧٨٩",
    "full-width": "０１２３４５６７８９",
    "devanagari": "०१२३४५६७८९",
}


def written_in(script: str, value: str) -> str:
    return value.translate(str.maketrans("0123456789", OTHER_DIGITS[script]))


IDENTIFIERS = {
    "СНИЛС": (ids.validate_snils, "112-233-445 95"),
    "ИНН": (lambda v: ids.validate_inn(v, 10), "7707083893"),
    "ИНН ": (lambda v: ids.validate_inn(v, 12), "500100732259"),
    "КПП": (ids.validate_kpp, "770701001"),
    "ОГРН": (lambda v: ids.validate_ogrn(v, entrepreneur=False), "1027700132195"),
    "ОГРНИП": (lambda v: ids.validate_ogrn(v, entrepreneur=True), "304500116000157"),
    "Телефон": (ids.normalize_phone, "+7 900 123-45-67"),
}


@pytest.mark.parametrize("script", OTHER_DIGITS)
@pytest.mark.parametrize("name", IDENTIFIERS)
def test_identifiers_take_ascii_digits_only(name, script):
    validate, valid = IDENTIFIERS[name]
    assert validate(valid)
    with pytest.raises(ids.IdentifierError, match=f"^{name.strip()}: наберите обычными цифрами 0–9"):
        validate(written_in(script, valid))


@pytest.mark.parametrize("name", IDENTIFIERS)
def test_one_foreign_digit_is_enough(name):
    validate, valid = IDENTIFIERS[name]
    with pytest.raises(ids.IdentifierError, match="обычными цифрами"):
        validate(valid[:-1] + written_in("superscript", valid[-1]))


@pytest.mark.parametrize(
    "field, value",
    [
        ("snils", "112-233-445 9⁵"),
        ("snils", written_in("arabic-indic", "11223344595")),
        ("phone", written_in("full-width", "+7 900 123-45-67")),
    ],
)
def test_the_registration_form_says_so(client, field, value):
    from tests.auth.test_registration import INDIVIDUAL, users
    from tests.helpers import Page

    page = Page(client.submit("/register", {**INDIVIDUAL, field: value}, expect=200))
    assert page.title.startswith("Ошибка: ")
    assert any("обычными цифрами 0–9" in e for e in page.errors())
    assert users() == []


@pytest.mark.parametrize(
    "field, value",
    [
        ("inn", written_in("arabic-indic", "500100732259")),
        ("ogrn", "30450011600015⁷"),
    ],
)
def test_the_registration_form_says_so_for_an_entrepreneur(client, field, value):
    from tests.auth.test_registration import ENTREPRENEUR, users
    from tests.helpers import Page

    page = Page(client.submit("/register", {**ENTREPRENEUR, field: value}, expect=200))
    assert any("обычными цифрами 0–9" in e for e in page.errors())
    assert users() == []


def test_the_cabinet_phone_says_so(consumer_client, consumer):
    from tests.helpers import Page

    response = consumer_client.submit(
        "/profile", {"section": "contacts", "contacts-phone": written_in("arabic-indic", "+7 900 555-44-33")}
    )
    assert response.status_code == 200
    assert any("обычными цифрами 0–9" in e for e in Page(response).errors())
    db.session.refresh(consumer)
    assert consumer.phone == "+79001112233"
