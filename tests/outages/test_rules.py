"""How an outage's times are written (app/outages/rules.py)."""

from app.outages.models import Outage
from app.outages.rules import outage_period, time_range
from tests.outages.conftest import local


def test_a_period_within_a_day_and_across_midnight():
    day = Outage(starts_at=local(3, 9), ends_at=local(3, 17))
    night = Outage(starts_at=local(3, 22), ends_at=local(4, 6, 30))
    assert outage_period(day) == "03.12.2026 09:00 – 17:00"
    assert time_range(day) == "09:00 – 17:00"
    assert outage_period(night) == time_range(night) == "03.12.2026 22:00 – 04.12.2026 06:30"
