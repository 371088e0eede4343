"""The template filters: Russian dates in the company's zone, money and numbers."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from app.core.templating import format_date, format_datetime, format_money, format_number


def test_dates_are_russian_and_in_the_company_zone(app):
    late_evening_utc = datetime(2026, 12, 31, 21, 30, tzinfo=UTC)  # 00:30 on 1 January in Moscow
    assert format_date(late_evening_utc) == "01.01.2027"
    assert format_date(late_evening_utc, "long") == "1 января 2027"
    assert format_datetime(late_evening_utc) == "01.01.2027 00:30"
    assert format_datetime(datetime(2026, 3, 5, 6, 7, tzinfo=UTC)) == "05.03.2026 09:07"
    assert format_date(date(2026, 11, 3)) == "03.11.2026"
    assert format_date(date(2026, 11, 3), "long") == "3 ноября 2026"
    assert format_date(None) == format_datetime(None) == ""


@pytest.mark.parametrize(
    "value, text",
    [
        (Decimal("1234567.891"), "1\u202f234\u202f567,89\u00a0₽"),
        (Decimal("-5"), "−5,00\u00a0₽"),
        (0, "0,00\u00a0₽"),
    ],
)
def test_money(value, text):
    assert format_money(value) == text


def test_numbers_drop_trailing_zeros():
    assert format_number(Decimal("15.500"), 3) == "15,5"
    assert format_number(Decimal("150"), 3) == "150"
    assert format_number(None) == ""


@pytest.mark.parametrize(
    "n, word",
    [
        (1, "день"),
        (2, "дня"),
        (4, "дня"),
        (5, "дней"),
        (11, "дней"),
        (21, "день"),
        (22, "дня"),
        (25, "дней"),
        (111, "дней"),
        (0, "дней"),
    ],
)
def test_plural_forms_follow_russian(n, word):
    from app.core.templating import plural

    assert plural(n, "день", "дня", "дней") == word
