"""Due dates: working days from the next working day, calendar days moved off days off."""

from datetime import date

from app.appeals.deadlines import due_date_for
from app.workdays.services import Term, WorkCalendar


def test_working_days_count_from_the_next_day_and_skip_holidays():
    calendar = WorkCalendar()
    # Thursday 05.03.2026: 09.03 is the day off for 08.03 (a Sunday).
    assert due_date_for(date(2026, 3, 5), Term(15, "wd"), calendar) == date(2026, 3, 27)
    assert due_date_for(date(2026, 3, 6), Term(15, "wd"), calendar) == date(2026, 3, 30)


def test_calendar_days_ending_on_a_day_off_move_to_the_next_working_day():
    calendar = WorkCalendar()
    assert due_date_for(date(2026, 3, 6), Term(30, "d"), calendar) == date(2026, 4, 6)  # 05.04 is a Sunday
    assert due_date_for(date(2026, 12, 30), Term(30, "d"), calendar) == date(2027, 1, 29)


def test_an_override_moves_the_due_date():
    calendar = WorkCalendar({date(2026, 3, 27): False})
    assert due_date_for(date(2026, 3, 5), Term(15, "wd"), calendar) == date(2026, 3, 30)
