"""Fixtures of the outage tests: a fixed clock and an outage factory."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.core import clock
from app.core.clock import company_zone
from app.extensions import db

#: «Now» in these tests: Tuesday 1 December 2026, 09:00 in Moscow.
NOW = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)


@pytest.fixture
def fixed_clock(app):
    """Request tests use it (pytestmark); the unit tests of addresses.py need no app."""
    clock.set_now(NOW)
    yield NOW
    clock.set_now(None)


def local(day: int, hour: int = 9, minute: int = 0, month: int = 12, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=company_zone())


@pytest.fixture
def make_outage(app):
    """make_outage(settlement="г. Примерск", street="ул. Ленина", houses="1-15", day=3, hours=8, **fields)"""
    from app.outages.services import OutageData, create_outage

    def factory(
        settlement="г. Примерск",
        street="ул. Ленина",
        houses="1-15",
        day=3,
        hour=9,
        hours=8,
        district="Северный РЭС",
        reason="Замена опор",
        external_id=None,
        status=None,
        commit=True,
    ):
        start = local(day, hour)
        outage = create_outage(
            OutageData(
                district,
                settlement,
                street,
                houses,
                start,
                start + timedelta(hours=hours),
                reason,
                status=status,
                external_id=external_id,
            )
        )
        if commit:
            db.session.commit()
        return outage

    return factory


@pytest.fixture
def address_of(app):
    """address_of(user, settlement, street, house): a manual «мой адрес»."""
    from app.outages.services import add_address

    def factory(user, settlement="г. Примерск", street="ул. Ленина", house="7"):
        address = add_address(user, settlement, street, house)
        db.session.commit()
        return address

    return factory
