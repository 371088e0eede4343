"""/outages.ics parsed back with the icalendar library."""

from datetime import timedelta

import pytest
from icalendar import Calendar

from app.extensions import db
from app.outages.services import cancel_outage, update_outage
from tests.outages.conftest import local

pytestmark = pytest.mark.usefixtures("fixed_clock")


def feed(client, query=""):
    response = client.get(f"/outages.ics{query}")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/calendar")
    return Calendar.from_ical(response.data)


def test_one_event_per_outage_in_the_filter(client, make_outage):
    a = make_outage(street="ул. Ленина", houses="1-15, 17", day=3)
    b = make_outage(settlement="с. Заречное", street="", houses="", day=4)
    make_outage(day=25)  # outside the default fortnight
    cal = feed(client)
    events = cal.walk("VEVENT")
    assert [str(e["UID"]) for e in events] == [f"outage-{a.id}@127.0.0.1", f"outage-{b.id}@127.0.0.1"]
    first = events[0]
    assert first.decoded("DTSTART") == local(3, 9) and first.decoded("DTEND") == local(3, 17)
    assert first["DTSTART"].params["TZID"] == "Europe/Moscow"
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Europe/Moscow"]
    assert str(first["SUMMARY"]) == "Плановое отключение электроэнергии: г. Примерск, ул. Ленина, д. 1-15, 17"
    assert "Причина: Замена опор" in str(first["DESCRIPTION"])
    assert str(first["STATUS"]) == "CONFIRMED"
    assert [str(e["UID"]) for e in feed(client, "?settlement=Заречное").walk("VEVENT")] == [f"outage-{b.id}@127.0.0.1"]


def test_the_uid_is_stable_and_the_sequence_grows_with_changes(client, make_outage):
    outage = make_outage(day=3)
    before = feed(client).walk("VEVENT")[0]
    update_outage(outage, _data_of(outage, ends_at=outage.ends_at + timedelta(hours=2)))
    db.session.commit()
    after = feed(client).walk("VEVENT")[0]
    assert after["UID"] == before["UID"]
    assert after.decoded("SEQUENCE") == before.decoded("SEQUENCE") + 1
    assert after.decoded("DTEND") == local(3, 19)


def test_a_cancelled_outage_is_cancelled_in_the_calendar(client, make_outage):
    outage = make_outage(day=3)
    cancel_outage(outage)
    db.session.commit()
    event = feed(client).walk("VEVENT")[0]
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["SUMMARY"]).startswith("Отменено")


def test_an_empty_feed_is_still_a_calendar(client):
    cal = feed(client, "?settlement=")
    assert cal.walk("VEVENT") == [] and str(cal["VERSION"]) == "2.0"


def test_an_unknown_settlement_is_a_russian_400(client, make_outage):
    make_outage()
    response = client.get("/outages.ics?settlement=Атлантида")
    assert response.status_code == 400 and "Атлантида" in response.get_data(as_text=True)


def _data_of(outage, **changes):
    from app.outages.services import OutageData

    values = dict(
        district=outage.district,
        settlement=outage.settlement,
        street=outage.street,
        houses=outage.houses,
        starts_at=outage.starts_at,
        ends_at=outage.ends_at,
        reason=outage.reason,
    )
    values.update(changes)
    return OutageData(**values)
