"""An outage published, changed or cancelled at a consumer's address is one notification
(and a mail by preference); nothing else is."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.notifications.models import Notification
from app.notifications.services import set_preferences
from app.outages.services import OutageData, cancel_outage, close_outage, matching_user_ids, place_of, update_outage
from tests.core.query_counter import count_queries
from tests.helpers import mail_text

pytestmark = pytest.mark.usefixtures("fixed_clock")


def notes(user):
    return db.session.scalars(
        sa.select(Notification)
        .where(Notification.user_id == user.id, Notification.kind == "outage")
        .order_by(Notification.id)
    ).all()


def data_of(outage, **changes):
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


@pytest.fixture
def resident(make_user, address_of):
    """A consumer at г. Примерск, ул. Ленина, д. 7 (written differently on purpose)."""
    user = make_user(email="resident@example.ru")
    address_of(user, "Примерск", "Ленина улица", "д. 7")
    return user


def test_published_at_my_address(resident, make_outage, mailbox):
    outage = make_outage(settlement="г. Примерск", street="ул. Ленина", houses="1-15, 17", day=3)
    [note] = notes(resident)
    assert note.title.startswith("Плановое отключение: 03.12.2026 09:00 – 17:00")
    assert "ул. Ленина" in note.title and "Причина: Замена опор" in note.body
    assert note.link.startswith("/outages?settlement=") and "date_from=2026-12-03" in note.link
    [message] = mailbox()
    assert message["To"] == "resident@example.ru" and "Плановое отключение" in message["Subject"]
    assert outage.place in mail_text(message)


def test_not_at_my_address(resident, make_outage):
    make_outage(street="ул. Ленина", houses="20-40")
    make_outage(street="ул. Садовая", houses="")
    make_outage(settlement="с. Заречное", street="", houses="")
    assert notes(resident) == []


def test_once_per_event_even_with_several_matching_addresses(resident, address_of, make_outage):
    address_of(resident, "г. Примерск", "ул. Ленина", "9")
    address_of(resident, "г. Примерск", "", "")
    make_outage(street="ул. Ленина", houses="1-15")
    assert len(notes(resident)) == 1


def test_changed_and_cancelled(resident, make_outage):
    outage = make_outage(houses="1-15")
    update_outage(outage, data_of(outage, ends_at=outage.ends_at + timedelta(hours=2)))
    db.session.commit()
    cancel_outage(outage)
    db.session.commit()
    titles = [n.title for n in notes(resident)]
    assert [t.split(":")[0] for t in titles] == [
        "Плановое отключение",
        "Изменено плановое отключение",
        "Отменено плановое отключение",
    ]
    assert "09:00 – 19:00" in titles[1]
    assert "Отключение не состоится." in notes(resident)[2].body


def test_an_outage_moved_away_tells_those_it_no_longer_concerns(resident, make_outage):
    outage = make_outage(houses="1-15")
    update_outage(outage, data_of(outage, houses="20-40"))
    db.session.commit()
    assert len(notes(resident)) == 2, "published, then changed (to other houses)"


def test_spelling_and_closing_are_not_news(resident, make_outage):
    outage = make_outage(houses="1-15")
    assert update_outage(outage, data_of(outage, street="улица Ленина", district="Северный  РЭС")) == "spelling"
    close_outage(outage)
    db.session.commit()
    assert len(notes(resident)) == 1


def test_nothing_for_an_outage_already_over(resident, make_outage):
    make_outage(day=1, hour=3, hours=2)  # 03:00–05:00 today, «now» is 09:00
    assert notes(resident) == []


def test_mail_follows_the_preference(resident, make_outage, mailbox):
    set_preferences(resident, {"outage": False})
    db.session.commit()
    make_outage(houses="1-15")
    assert len(notes(resident)) == 1 and mailbox() == []


def test_staff_and_disabled_accounts_are_not_told(make_user, address_of, make_outage):
    operator = make_user("operator")
    address_of(operator)
    gone = make_user(is_enabled=False)
    address_of(gone)
    make_outage(houses="1-15")
    assert notes(operator) == [] and notes(gone) == []


def test_publishing_in_the_office_tells_the_resident(operator_client, resident):
    operator_client.submit(
        "/office/outages/new",
        {
            "district": "Северный РЭС",
            "settlement": "г. Примерск",
            "street": "ул. Ленина",
            "houses": "7",
            "starts_at": "2026-12-10T09:00",
            "ends_at": "2026-12-10T12:00",
            "reason": "Ремонт",
        },
        expect=302,
    )
    assert len(notes(resident)) == 1


def test_matching_looks_up_candidates_by_key_not_by_scanning(make_user, make_outage, address_of):
    """The candidate query filters by the indexed settlement and street keys; its count of
    statements does not grow with the number of addresses elsewhere."""
    outage = make_outage(houses="1-15")
    for n in range(30):
        address_of(make_user(), f"с. Село-{n}", "ул. Полевая", str(n))
    place = place_of(outage)
    with count_queries() as statements:
        matching_user_ids(place)
    assert len(statements) == 1
    assert "settlement_key" in statements[0] and "street_key" in statements[0]
    from app.extensions import db as _db

    plan = (
        _db.session.execute(sa.text("EXPLAIN QUERY PLAN " + statements[0].replace("?", "'x'"))).all()
        if _db.engine.dialect.name == "sqlite"
        else []
    )
    assert not plan or any("ix_user_addresses_settlement_key_street_key" in str(row) for row in plan), plan


def test_a_correction_to_a_cancelled_outage_is_not_news(resident, make_outage):
    outage = make_outage(houses="1-15")
    cancel_outage(outage)
    assert update_outage(outage, data_of(outage, reason="Другая причина")) == "quiet"
    db.session.commit()
    assert len(notes(resident)) == 2, "published and cancelled only"
    assert update_outage(outage, OutageData(**{**data_of(outage).__dict__, "status": "planned"})) == "published"
