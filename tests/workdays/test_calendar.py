"""The working-day calendar against the real 2025 and 2026 Russian calendars (SPEC §2.8)."""

from datetime import date

import pytest

from app.workdays.services import WorkCalendar, plural, term_label

cal = WorkCalendar()


@pytest.mark.parametrize(
    "day, working",
    [
        (date(2025, 1, 1), False),
        (date(2025, 1, 8), False),
        (date(2025, 1, 9), True),
        (date(2025, 11, 1), True),  # a working Saturday (moved to 2025-11-03)
        (date(2025, 11, 3), False),
        (date(2025, 11, 4), False),
        (date(2025, 11, 5), True),
        (date(2025, 12, 31), False),
        (date(2026, 1, 9), False),
        (date(2026, 1, 12), True),
        (date(2026, 3, 9), False),
        (date(2026, 5, 11), False),
        (date(2026, 12, 31), False),
        (date(2026, 11, 28), False),  # an ordinary Saturday
    ],
)
def test_production_calendar(day, working):
    assert cal.is_working_day(day) is working


def test_working_days_count_from_the_next_day():
    # Friday 2026-11-20: Monday is the first working day of the term.
    assert cal.add_working_days(date(2026, 11, 20), 1) == date(2026, 11, 23)
    assert cal.add_working_days(date(2026, 11, 23), 3) == date(2026, 11, 26)


def test_working_days_skip_the_new_year_holidays():
    assert cal.add_working_days(date(2025, 12, 29), 1) == date(2025, 12, 30)
    assert cal.add_working_days(date(2025, 12, 30), 1) == date(2026, 1, 12)
    assert cal.add_working_days(date(2025, 12, 26), 10) == date(2026, 1, 21)


def test_the_working_saturday_counts():
    assert cal.add_working_days(date(2025, 10, 31), 1) == date(2025, 11, 1)
    assert cal.add_working_days(date(2025, 11, 1), 1) == date(2025, 11, 5)


def test_month_term_ending_on_a_sunday_moves_to_monday():
    assert cal.add_months(date(2026, 1, 22), 1) == date(2026, 2, 24)  # 22.02 Sun, 23.02 holiday
    assert cal.add_months(date(2026, 7, 5), 4) == date(2026, 11, 5)  # 05.11 Thu stays
    assert cal.add_months(date(2026, 4, 29), 6) == date(2026, 10, 29)
    assert cal.add_months(date(2025, 12, 28), 6) == date(2026, 6, 29)  # 28.06 Sun


def test_month_without_the_day_ends_on_its_last_day():
    assert cal.add_months(date(2026, 1, 31), 1) == date(2026, 3, 2)  # 28.02 Sat -> Mon 02.03
    assert cal.add_months(date(2025, 8, 31), 2) == date(2025, 10, 31)
    assert cal.add_years(date(2024, 2, 29), 1) == date(2025, 2, 28)


def test_years_and_days():
    assert cal.add_years(date(2025, 11, 4), 1) == date(2026, 11, 5)  # 04.11 holiday
    assert cal.add_days(date(2026, 12, 25), 7) == date(2027, 1, 11)


def test_overrides_win():
    custom = WorkCalendar({date(2026, 11, 27): False, date(2026, 11, 28): True})
    assert not custom.is_working_day(date(2026, 11, 27))
    assert custom.add_working_days(date(2026, 11, 26), 1) == date(2026, 11, 28)


def test_add_term_and_labels():
    assert cal.add_term(date(2026, 11, 23), 3, "wd") == date(2026, 11, 26)
    assert cal.add_term(date(2026, 11, 23), 6, "m") == date(2027, 5, 24)
    assert term_label(10, "wd") == "10 рабочих дней"
    assert term_label(1, "y") == "1 год" and term_label(2, "y") == "2 года" and term_label(4, "m") == "4 месяца"
    assert plural(21, ("день", "дня", "дней")) == "день" and plural(11, ("день", "дня", "дней")) == "дней"
    with pytest.raises(ValueError):
        cal.add_term(date(2026, 1, 1), 1, "weeks")
