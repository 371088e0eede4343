"""The account's part of the purge: login records (app/auth/privacy.py)."""

from datetime import timedelta

import sqlalchemy as sa

from app.auth.models import LoginSession
from app.core import clock
from app.extensions import db
from app.privacy.services import anonymise, run_purge


def add_login(user, *, started_days_ago: int, lifetime_days: int = 30, ended_days_ago: int | None = None) -> int:
    moment = clock.now()
    row = LoginSession(
        user_id=user.id,
        secret_hash=f"{user.id}-{started_days_ago}-{ended_days_ago}".ljust(64, "0"),
        created_at=moment - timedelta(days=started_days_ago),
        remembered=True,
        expires_at=moment - timedelta(days=started_days_ago - lifetime_days),
        ended_at=None if ended_days_ago is None else moment - timedelta(days=ended_days_ago),
    )
    db.session.add(row)
    db.session.flush()
    return row.id


def remaining() -> set[int]:
    return set(db.session.scalars(sa.select(LoginSession.id)))


def test_ended_and_expired_login_records_go_a_week_later(consumer):
    going_on = add_login(consumer, started_days_ago=20)
    ended_lately = add_login(consumer, started_days_ago=10, ended_days_ago=6)
    add_login(consumer, started_days_ago=10, ended_days_ago=8)  # gone
    expired_lately = add_login(consumer, started_days_ago=35)  # expired 5 days ago
    add_login(consumer, started_days_ago=40)  # expired 10 days ago: gone
    db.session.commit()
    assert run_purge()["login_sessions"] == 2
    db.session.commit()
    assert remaining() == {going_on, ended_lately, expired_lately}


def test_an_anonymised_account_loses_its_login_records(consumer, make_user):
    other = make_user()
    add_login(consumer, started_days_ago=1)
    kept = add_login(other, started_days_ago=1)
    anonymise(consumer)
    db.session.commit()
    assert remaining() == {kept}
