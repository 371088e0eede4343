"""Password rules (OWASP ASVS 5.0 V6.2): at least 8 characters, long ones welcome, no
composition rules, the commonest refused — from a list we may ship."""

import pytest

from app.auth.passwords import COMMON_PASSWORDS_FILE, MAX_LENGTH, is_common, password_problems
from tests.conftest import DEFAULT_PASSWORD
from tests.helpers import Page


def test_the_list_is_shipped_with_its_origin_and_licence():
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    header = "\n".join(line for line in lines if line.startswith("#"))
    assert "zxcvbn" in header and "MIT" in header and "public domain" in header
    entries = [line for line in lines if line and not line.startswith("#")]
    assert 3000 <= len(entries) <= 5000, "the commonest few thousand"
    assert all(len(e) >= 8 for e in entries), "shorter ones are refused by length anyway"


@pytest.mark.parametrize(
    "password", ["password", "PASSWORD", "Qwertyuiop", "iloveyou", "12345678", "1q2w3e4r", "йцукенгшщз", "зфыыцщкв"]
)
def test_common_passwords_are_refused_in_any_case_and_layout(password):
    assert is_common(password)
    assert password_problems(password) == ["Этот пароль слишком распространён, его легко подобрать. Выберите другой."]


@pytest.mark.parametrize(
    "password",
    ["correct horse battery", "кот учёный ходит по цепи", "abcdefgh1", "alllowercaseletters", "x" * MAX_LENGTH],
)
def test_no_composition_rules_and_long_ones_are_fine(password):
    assert password_problems(password) == []


def test_length_limits():
    assert password_problems("1234567") == ["Пароль должен быть не короче 8 символов."]
    assert password_problems("x" * (MAX_LENGTH + 1)) == [f"Пароль должен быть не длиннее {MAX_LENGTH} символов."]
    assert password_problems("Me@Example.ru", "me@example.ru") == [
        "Пароль не должен совпадать с адресом электронной почты."
    ]


def test_the_change_form_refuses_a_common_password(consumer_client):
    page = Page(
        consumer_client.submit(
            "/password/change",
            {"current_password": DEFAULT_PASSWORD, "new_password": "Sunshine1", "new_password_confirm": "Sunshine1"},
            expect=200,
        )
    )
    assert page.errors() == ["Этот пароль слишком распространён, его легко подобрать. Выберите другой."]
    long = "a passphrase of many words is better than a short one " * 5
    consumer_client.submit(
        "/password/change",
        {"current_password": DEFAULT_PASSWORD, "new_password": long, "new_password_confirm": long},
        expect=302,
    )


def test_wrong_current_passwords_are_throttled(consumer_client, app):
    app.config["SUBMISSION_LIMIT"] = "1000 per minute"  # the per-address form limit is another test
    """A stolen session cannot be used to guess the password through the change form."""
    data = {
        "current_password": "guess",
        "new_password": "a brand new secret",
        "new_password_confirm": "a brand new secret",
    }
    for _ in range(app.config["LOGIN_FAILURES_PER_ADDRESS"]):
        consumer_client.submit("/password/change", data, expect=200)
    page = Page(consumer_client.submit("/password/change", {**data, "current_password": DEFAULT_PASSWORD}, expect=200))
    assert any("Слишком много неверных попыток" in e for e in page.errors())
