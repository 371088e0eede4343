"""The rules as plain functions: transitions, terms and due dates, file checks, filters."""

import io
from datetime import date

import pytest
from werkzeug.datastructures import FileStorage, MultiDict

from app.appeals.models import AppealStatus, is_supply_complaint
from app.appeals.services import (
    MAX_FILES,
    MAX_TEXT,
    TRANSITIONS,
    AppealData,
    QueueFilters,
    Term,
    can_change,
    check_files,
    data_problems,
    default_term,
    due_date_for,
    next_statuses,
)
from app.workdays.services import WorkCalendar
from tests.helpers import PDF, PNG


def upload(data: bytes, name: str) -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=name)


@pytest.mark.parametrize(
    ("frm", "to", "allowed"),
    [
        ("registered", "in_progress", True),
        ("registered", "answered", True),
        ("in_progress", "answered", True),
        ("registered", "declined", True),
        ("in_progress", "declined", True),
        ("answered", "closed", True),
        ("registered", "closed", False),
        ("answered", "in_progress", False),
        ("answered", "declined", False),
        ("closed", "in_progress", False),
        ("declined", "answered", False),
        ("in_progress", "registered", False),
    ],
)
def test_transitions_table(frm, to, allowed):
    assert can_change(frm, to, actor_is_staff=True) is allowed


def test_only_staff_change_a_status():
    assert all(who == "staff" for who in TRANSITIONS.values())
    assert not can_change("registered", "in_progress", actor_is_staff=False)
    assert next_statuses("registered", actor_is_staff=False) == []


def test_next_statuses():
    assert set(next_statuses("registered")) == {AppealStatus.in_progress, AppealStatus.answered, AppealStatus.declined}
    assert next_statuses("answered") == [AppealStatus.closed]
    assert next_statuses("closed") == [] and next_statuses("declined") == []


def test_supply_complaint_is_a_complaint_about_quality():
    assert is_supply_complaint("complaint", "quality")
    assert not is_supply_complaint("statement", "quality")
    assert not is_supply_complaint("complaint", "metering")


def test_default_terms():
    assert default_term("complaint", "quality") == Term(15, "wd")
    assert default_term("complaint", "metering") == Term(30, "d")
    assert default_term("request", "quality") == Term(30, "d")
    assert Term(15, "wd").label == "15 рабочих дней" and Term(30, "d").label == "30 дней"


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


def test_check_files_recognises_content_not_names(app):  # staging writes into UPLOAD_DIR
    checked, errors = check_files([upload(PDF, "a.pdf"), upload(PNG, "photo.png"), FileStorage(filename="")])
    assert errors == [] and [f.content_type for f in checked] == ["application/pdf", "image/png"]
    checked, errors = check_files([upload(b"MZ\x90\x00 not a pdf", "акт.pdf")])
    assert checked == [] and "не похож на допустимый документ" in errors[0]


def test_check_files_refuses_too_many(app):
    checked, errors = check_files([upload(PDF, f"{n}.pdf") for n in range(MAX_FILES + 1)])
    assert checked == [] and f"не больше {MAX_FILES} файлов" in errors[0]


def test_check_files_refuses_an_oversize_file(app):
    big = PDF + b"0" * (5 * 1024 * 1024)
    _, errors = check_files([upload(big, "big.pdf")])
    assert "больше допустимого размера" in errors[0]


def test_data_problems():
    assert data_problems(AppealData(kind="statement", topic="other", text="Текст")) == []
    assert "Опишите суть обращения." in data_problems(AppealData(kind="statement", topic="other", text="  "))
    assert any(
        str(MAX_TEXT) in p for p in data_problems(AppealData(kind="request", topic="other", text="я" * (MAX_TEXT + 1)))
    )
    assert "Укажите почтовый адрес для ответа." in data_problems(
        AppealData(kind="request", topic="other", text="Текст", channel="post")
    )
    problems = data_problems(AppealData(kind="complaint", topic="quality", text="Напряжение низкое"))
    assert {
        "Укажите адрес энергопринимающих устройств.",
        "Укажите, когда возникла проблема.",
        "Укажите ваши требования.",
        "Укажите сведения о потребителе.",
    } <= set(problems)
    assert "Выберите вид обращения." in data_problems(AppealData(kind="praise", topic="other", text="Текст"))


def test_queue_filters_from_args():
    f = QueueFilters.from_args(MultiDict())
    assert f.status == "open" and f.sort == "due" and f.as_args() == {"status": "open"}
    f = QueueFilters.from_args(MultiDict({"q": "Иванова", "kind": "complaint", "topic": "bogus", "overdue": "y"}))
    assert f.status == "all", "a search looks in every status"
    assert f.kind == "complaint" and f.topic == "" and f.overdue and not f.mine
    assert QueueFilters.from_args(MultiDict({"status": "'; drop"})).status == "open"
