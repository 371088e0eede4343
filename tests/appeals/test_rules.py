"""The rules as plain functions: transitions, default terms and their sources, the extension of
a term, what an appeal must hold."""

from datetime import date

import pytest

from app.appeals.models import AppealStatus, is_supply_complaint
from app.appeals.rules import (
    MAX_TEXT,
    TRANSITIONS,
    AppealData,
    can_change,
    data_problems,
    default_term,
    extension_problems,
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


# --- the terms' sources and the extension (docs/appeals.md, «Сроки ответа») -------------------


def test_every_default_term_names_its_act():
    """Order 186 (Единые стандарты): 30 days from registration; Decree 442 (as amended by Decree
    55 of 24.01.2024): a complaint about the quality of supply, 15 working days."""
    from app.appeals.rules import DECREE_442, ORDER_186, term_rule

    assert term_rule("statement", "connection").source.startswith(ORDER_186)
    assert term_rule("statement", "connection").term == Term(30, "d")
    assert term_rule("complaint", "quality").source.startswith(DECREE_442)
    assert term_rule("complaint", "quality").term == Term(15, "wd")
    assert not term_rule("statement", "connection").confirmed and not term_rule("complaint", "quality").confirmed, (
        "docs/appeals.md says «не подтверждён» for both: flip this with the doc once checked against the act"
    )


def test_every_extension_ground_names_its_act():
    from app.appeals.rules import EXTENSION_GROUNDS, EXTENSION_MAX_RULE, extension_ground

    assert len({g.code for g in EXTENSION_GROUNDS}) == len(EXTENSION_GROUNDS) >= 2
    assert all(g.label and "№ 186" in g.source for g in EXTENSION_GROUNDS)
    assert extension_ground("inquiry").label.startswith("Необходимость запроса")
    assert extension_ground("nonsense") is None and extension_ground(None) is None
    assert EXTENSION_MAX_RULE.term == Term(20, "wd") and "59-ФЗ" in EXTENSION_MAX_RULE.source


def test_the_rules_table_in_the_docs_lists_every_rule():
    """docs/appeals.md has a row for every default term and every ground, with its act."""
    from pathlib import Path

    from app.appeals.rules import EXTENSION_GROUNDS

    doc = (Path(__file__).parents[2] / "docs" / "appeals.md").read_text(encoding="utf-8")
    for g in EXTENSION_GROUNDS:
        assert f"`{g.code}`" in doc and g.label in doc
    assert "№ 186" in doc and "№ 442" in doc and "№ 59-ФЗ" in doc
    assert "не подтверждён" in doc, "the doc says where the act's current text was not confirmed"


EXTENSIBLE = dict(
    is_open=True,
    already_extended=False,
    due_date=date(2026, 4, 6),
    today=date(2026, 4, 6),
    days=5,
    ground="inquiry",
    comment="Запрошены сведения у гарантирующего поставщика.",
    max_days=20,
)


def test_an_open_appeal_may_be_extended_up_to_its_due_date_and_by_up_to_the_max():
    assert extension_problems(**EXTENSIBLE) == [], "on the due date itself"
    assert extension_problems(**{**EXTENSIBLE, "today": date(2026, 3, 5)}) == []
    assert extension_problems(**{**EXTENSIBLE, "days": 20}) == [], "the max itself"
    assert extension_problems(**{**EXTENSIBLE, "days": 1, "ground": "inspection"}) == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"is_open": False}, "только по открытому обращению"),
        ({"already_extended": True}, "только один раз"),
        ({"today": date(2026, 4, 7)}, "Срок ответа уже истёк"),
        ({"days": 21}, "числом от 1 до 20"),
        ({"days": 0}, "числом от 1 до 20"),
        ({"days": None}, "числом от 1 до 20"),
        ({"max_days": 3}, "числом от 1 до 3"),
        ({"ground": "because"}, "Выберите основание"),
        ({"ground": None}, "Выберите основание"),
        ({"comment": "  "}, "Напишите комментарий"),
        ({"comment": "я" * 2001}, "длиннее 2000 символов"),
    ],
)
def test_an_extension_is_refused(change, message):
    problems = extension_problems(**{**EXTENSIBLE, **change})
    assert problems and any(message in p for p in problems), problems
