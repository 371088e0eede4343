"""«Мои адреса» in /profile: add, refuse bad input, remove own only, addresses of applications."""

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.outages import services
from app.outages.models import UserAddress
from tests.helpers import Page

pytestmark = pytest.mark.usefixtures("fixed_clock")


def addresses(user):
    return db.session.scalars(
        sa.select(UserAddress).where(UserAddress.user_id == user.id).order_by(UserAddress.id)
    ).all()


def test_the_profile_shows_the_block_with_its_form(consumer_client):
    page = consumer_client.page("/profile")
    block = page.select_one("#my-addresses")
    assert block is not None and "Мои адреса" in block.get_text()
    form = block.select_one("form")
    assert form["action"] == "/profile/addresses/new" and form["method"] == "post"
    assert {i["name"] for i in form.select("input")} >= {"address-settlement", "address-street", "address-house"}


def test_add_an_address(consumer_client, consumer):
    response = consumer_client.submit(
        "/profile/addresses/new",
        {"address-settlement": "г. Примерск", "address-street": "ул. Ленина", "address-house": "д. 7"},
        expect=302,
    )
    assert response.headers["Location"] == "/profile#my-addresses"
    [address] = addresses(consumer)
    assert (address.settlement_key, address.street_kind, address.street_key, address.house_key) == (
        "примерск",
        "улица",
        "ленина",
        "7",
    )
    page = consumer_client.page("/profile")
    assert "г. Примерск, ул. Ленина, д. 7" in page.text("#my-addresses")
    assert "добавлен" in page.text(".flashes")


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"address-settlement": ""}, "address-settlement", "Укажите населённый пункт."),
        (
            {"address-settlement": "Примерск", "address-house": "1-15"},
            "address-house",
            "Не удалось разобрать номер дома",
        ),
        ({"address-settlement": "Примерск", "address-house": "x" * 41}, "address-house", "Не длиннее 40 символов."),
    ],
)
def test_bad_input(consumer_client, consumer, data, field, message):
    page = Page(consumer_client.submit("/profile/addresses/new", data))
    assert page.status == 200 and page.title.startswith("Ошибка: ")
    assert message in page.text(f"#{field}-error") and message in page.text(".error-summary")
    assert addresses(consumer) == []


def test_the_same_address_twice(consumer_client, consumer, address_of):
    address_of(consumer, "г. Примерск", "ул. Ленина", "7")
    page = Page(
        consumer_client.submit(
            "/profile/addresses/new",
            {"address-settlement": "Примерск", "address-street": "Ленина улица", "address-house": "7"},
        )
    )
    assert "Этот адрес уже есть в списке." in page.errors()
    assert len(addresses(consumer)) == 1


def test_the_add_page_works_on_its_own(consumer_client):
    page = consumer_client.page("/profile/addresses/new")
    assert page.select_one("#address-settlement") is not None


def test_remove_own_address(consumer_client, consumer, address_of):
    address = address_of(consumer)
    consumer_client.submit(f"/profile/addresses/{address.id}/delete", {}, expect=302)
    assert addresses(consumer) == []


def test_another_consumers_address_is_404(consumer_client, make_user, address_of):
    other = make_user()
    theirs = address_of(other)
    assert consumer_client.submit(f"/profile/addresses/{theirs.id}/delete", {}).status_code == 404
    assert len(addresses(other)) == 1


def test_anonymous_and_staff(client, operator_client, consumer, address_of):
    address = address_of(consumer)
    response = client.get("/profile/addresses/new")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.submit(f"/profile/addresses/{address.id}/delete", {}).status_code == 302
    assert operator_client.get("/profile/addresses/new").status_code == 403
    assert len(addresses(consumer)) == 1


@pytest.fixture
def application_addresses():
    """A stand-in for app.applications.services.object_addresses(user)."""
    given: dict[int, list] = {}

    def source(user):
        return given.get(user.id, [])

    services.address_source(source)
    yield given
    services._address_sources.remove(source)


def test_addresses_of_applications_are_listed_and_mirrored(consumer_client, consumer, application_addresses):
    application_addresses[consumer.id] = [("с. Заречное", "ул. Речная", "5"), ("д. Берёзовка", "", "")]
    page = consumer_client.page("/profile")
    text = page.text("#my-addresses")
    assert "с. Заречное, ул. Речная, д. 5" in text and "из заявки" in text
    assert not page.select("#my-addresses form[action$='/delete']"), "they cannot be removed by hand"

    assert services.sync_source_addresses(consumer) == 2
    db.session.commit()
    assert {(a.settlement_key, a.source) for a in addresses(consumer)} == {
        ("заречное", "application"),
        ("березовка", "application"),
    }
    assert services.sync_source_addresses(consumer) == 0, "a second sync changes nothing"

    application_addresses[consumer.id] = [("с. Заречное", "ул. Речная", "5")]
    assert services.sync_source_addresses(consumer) == 1
    db.session.commit()
    [mirrored] = addresses(consumer)
    assert consumer_client.submit(f"/profile/addresses/{mirrored.id}/delete", {}).status_code == 404


def test_sync_command(app, consumer, application_addresses):
    application_addresses[consumer.id] = [("с. Заречное", "ул. Речная", "5")]
    result = app.test_cli_runner().invoke(args=["outages", "sync-addresses"])
    assert result.exit_code == 0 and "1 changed" in result.output
    assert len(addresses(consumer)) == 1


def test_the_cabinet_lists_upcoming_outages_at_my_addresses(consumer_client, consumer, address_of, make_outage):
    address_of(consumer, "г. Примерск", "ул. Ленина", "7")
    mine = make_outage(street="ул. Ленина", houses="1-15", day=4)
    make_outage(street="ул. Ленина", houses="20-30", day=4)
    page = consumer_client.page("/cabinet")
    block = page.text("section[aria-labelledby=my-outages-h]")
    assert mine.place in block and "20-30" not in block
