"""Throttling failed logins without letting an attacker lock the owner out (SPEC §2.10)."""

from datetime import timedelta

from app.core import clock
from tests.conftest import DEFAULT_PASSWORD


def attempt(app, email, password, ip):
    return app.test_client().submit("/login", {"email": email, "password": password}, environ_base={"REMOTE_ADDR": ip})


def test_failures_from_many_addresses_do_not_lock_the_owner_out(app, consumer, login):
    login(consumer, c=app.test_client())  # the owner's address is known from now on
    for n in range(40):
        attempt(app, consumer.email, f"guess {n}", f"10.1.{n // 200}.{n % 200}")
    assert attempt(app, consumer.email, DEFAULT_PASSWORD, "127.0.0.1").status_code == 302


def test_strangers_are_let_in_again_after_the_window(app, consumer):
    for n in range(5):
        attempt(app, consumer.email, f"guess {n}", f"10.2.0.{n}")
    assert attempt(app, consumer.email, DEFAULT_PASSWORD, "10.2.1.1").status_code == 429
    clock.set_now(clock.now() + timedelta(minutes=16))
    assert attempt(app, consumer.email, DEFAULT_PASSWORD, "10.2.1.1").status_code == 302


def test_failures_for_other_logins_do_not_count_against_an_account(app, consumer):
    for n in range(9):
        attempt(app, f"nobody{n}@example.ru", "whatever", f"10.3.0.{n}")
    assert attempt(app, consumer.email, DEFAULT_PASSWORD, "10.3.1.1").status_code == 302


def test_the_answer_for_a_blocked_account_is_the_same_for_an_unknown_one(app, consumer):
    for n in range(5):
        attempt(app, consumer.email, "x" * 8, f"10.4.0.{n}")
        attempt(app, "ghost@example.ru", "x" * 8, f"10.4.1.{n}")
    known = attempt(app, consumer.email, "x" * 8, "10.4.2.1")
    unknown = attempt(app, "ghost@example.ru", "x" * 8, "10.4.2.2")
    assert known.status_code == unknown.status_code == 429, "which logins exist is not told"


def test_a_blocked_stranger_does_not_learn_the_password_was_right(app, consumer):
    for n in range(5):
        attempt(app, consumer.email, f"guess {n}", f"10.5.0.{n}")
    right = attempt(app, consumer.email, DEFAULT_PASSWORD, "10.5.1.1")
    wrong = attempt(app, consumer.email, "still a guess", "10.5.1.2")
    assert right.status_code == wrong.status_code == 429
