"""The rules as plain functions: transitions, default terms, what an appeal must hold."""

import pytest

from app.appeals.models import AppealStatus, is_supply_complaint
from app.appeals.rules import (
    MAX_TEXT,
    TRANSITIONS,
    AppealData,
    can_change,
    data_problems,
    default_term,
    next_statuses,
)
from app.workdays.services import Term


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
