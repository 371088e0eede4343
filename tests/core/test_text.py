"""Sentences built around short names end in one full stop."""

import pytest

from app.auth.models import short_person_name
from app.core.text import sentence


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (("Кузнецова", "Ольга", ""), "Ответственный: Кузнецова О."),
        (("Кузнецова", "Ольга", "Игоревна"), "Ответственный: Кузнецова О.И."),
        (("Кузнецова", "", ""), "Ответственный: Кузнецова."),
    ],
)
def test_a_short_name_at_the_end_of_a_sentence_gets_one_dot(names, expected):
    assert sentence(f"Ответственный: {short_person_name(*names)}") == expected


def test_sentence_keeps_its_own_ending_and_adds_one_otherwise():
    assert sentence("Готово!") == "Готово!" and sentence("Ждём…") == "Ждём…"
    assert sentence("Ответственный: ivanova@example.ru ") == "Ответственный: ivanova@example.ru."
    assert sentence("") == ""
