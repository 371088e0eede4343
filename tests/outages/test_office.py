"""Staff pages: who gets in, add, change, cancel (confirmed), close, settings, short-notice warning."""

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.extensions import db
from app.outages.models import Outage
from tests.outages.conftest import local

pytestmark = pytest.mark.usefixtures("fixed_clock")

VALID = {
    "district": "Северный РЭС",
    "settlement": "г. Примерск",
    "street": "ул. Ленина",
    "houses": "1-15, 17",
    "starts_at": "2026-12-10T09:00",
    "ends_at": "2026-12-10T17:00",
    "reason": "Замена опор ВЛ-0,4 кВ",
}


def only_outage() -> Outage:
    return db.session.scalars(sa.select(Outage)).one()


@pytest.fixture
def outage(make_outage):
    return make_outage(day=10)


OFFICE_URLS = ["/office/outages/", "/office/outages/new", "/office/outages/import", "/office/outages/settings"]


@pytest.mark.parametrize("url", OFFICE_URLS)
def test_anonymous_is_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("url", OFFICE_URLS)
def test_a_consumer_gets_403(consumer_client, url):
    assert consumer_client.get(url).status_code == 403


def test_a_consumer_cannot_post_to_the_office(consumer_client, outage):
    assert consumer_client.submit(f"/office/outages/{outage.id}/cancel", {}).status_code == 403
    assert consumer_client.submit("/office/outages/new", VALID).status_code == 403
    assert db.session.get(Outage, outage.id).status == "planned"


@pytest.mark.parametrize("url", OFFICE_URLS[:3])
def test_staff_get_in(operator_client, url):
    operator_client.page(url)


def test_settings_are_for_admins(operator_client, admin_client):
    assert operator_client.get("/office/outages/settings").status_code == 403
    admin_client.page("/office/outages/settings")
    admin_client.submit("/office/outages/settings", {"min_notice_days": "5"}, expect=302)
    from app.outages.services import get_settings

    assert get_settings().min_notice_days == 5
    page = admin_client.page("/office/outages/settings")
    assert page.select_one("#min_notice_days")["value"] == "5"
    bad = admin_client.submit("/office/outages/settings", {"min_notice_days": "0"})
    from tests.helpers import Page

    assert "Укажите число дней." in Page(bad).errors() or "От 1 до 60 дней." in Page(bad).errors()
    other_script = admin_client.submit("/office/outages/settings", {"min_notice_days": "٧"})  # int() read it as 7
    assert any("обычными цифрами 0–9" in e for e in Page(other_script).errors())
    assert get_settings().min_notice_days == 5


def test_the_list_with_filters(operator_client, make_outage):
    a = make_outage(street="ул. Ленина", day=5)
    make_outage(settlement="с. Заречное", street="", houses="", day=6)
    page = operator_client.page("/office/outages/")
    assert "Найдено: 2." in page
    page = operator_client.page("/office/outages/?settlement=Примерск")
    assert "Найдено: 1." in page and a.reason in page
    page = operator_client.page("/office/outages/?settlement=Атлантида")
    assert page.title.startswith("Ошибка: ") and "Атлантида" in page.text(".error-summary")
    assert "Найдено: 0." in operator_client.page("/office/outages/?status=cancelled")


def test_add_an_outage(operator_client, operator):
    response = operator_client.submit("/office/outages/new", VALID, expect=302)
    outage = only_outage()
    assert outage.starts_at == local(10, 9) and outage.houses == "1-15, 17" and outage.status == "planned"
    assert outage.created_by_id == operator.id
    assert "settlement=" in response.headers["Location"]
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "office.outage_published"))
    assert event.object_id == outage.id
    assert "Отключение опубликовано" in operator_client.page(response.headers["Location"]).text(".flashes")


def test_the_form_takes_dates_as_typed_without_a_date_picker(operator_client):
    operator_client.submit(
        "/office/outages/new", {**VALID, "starts_at": "10.12.2026 09:00", "ends_at": "2026-12-10 17:30"}, expect=302
    )
    assert only_outage().ends_at == local(10, 17, 30)


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"ends_at": "2026-12-10T08:00"}, "ends_at", "Окончание отключения должно быть позже начала."),
        (
            {"starts_at": "завтра"},
            "starts_at",
            "Введите дату и время в виде ДД.ММ.ГГГГ ЧЧ:ММ, например 01.12.2026 09:00.",
        ),
        ({"starts_at": ""}, "starts_at", "Укажите начало отключения."),
        ({"houses": "15-1"}, "houses", "В диапазоне домов «15-1» начало больше конца."),
        ({"district": ""}, "district", "Укажите район электрических сетей (РЭС)."),
        ({"reason": ""}, "reason", "Укажите причину отключения."),
        (
            {"street": "", "houses": "1-5"},
            "houses",
            "Дома указываются вместе с улицей; для всего населённого пункта оставьте оба поля пустыми.",
        ),
    ],
)
def test_bad_input_is_shown_next_to_the_field_and_at_the_top(operator_client, changes, field, message):
    from tests.helpers import Page

    page = Page(operator_client.submit("/office/outages/new", {**VALID, **changes}))
    assert page.status == 200 and page.title.startswith("Ошибка: ")
    assert page.text(f"#{field}-error") == message
    assert message in page.text(".error-summary")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Outage)) == 0


def test_a_short_notice_warning(operator_client):
    response = operator_client.submit(
        "/office/outages/new", {**VALID, "starts_at": "2026-12-02T09:00", "ends_at": "2026-12-02T12:00"}, expect=302
    )
    flashes = operator_client.page(response.headers["Location"]).text(".flashes")
    assert "менее чем за 3 дн." in flashes
    response = operator_client.submit("/office/outages/new", VALID, expect=302)
    assert "менее чем" not in operator_client.page(response.headers["Location"]).text(".flashes")


def test_change_an_outage(operator_client, outage):
    page = operator_client.page(f"/office/outages/{outage.id}/edit")
    assert page.select_one("#starts_at")["value"] == "2026-12-10T09:00"
    operator_client.submit(f"/office/outages/{outage.id}/edit", {**VALID, "ends_at": "2026-12-10T19:00"}, expect=302)
    changed = db.session.get(Outage, outage.id)
    assert changed.status == "changed" and changed.ends_at == local(10, 19) and changed.revision == 2
    page = operator_client.page("/office/outages/")
    assert "изменено" in page


def test_another_outage_with_the_same_external_id_is_refused(operator_client, make_outage):
    make_outage(external_id="С-1", day=4)
    from tests.helpers import Page

    page = Page(operator_client.submit("/office/outages/new", {**VALID, "external_id": "С-1"}))
    assert "Отключение с этим идентификатором уже есть." in page.errors()


def test_cancel_asks_first(operator_client, outage):
    page = operator_client.page(f"/office/outages/{outage.id}/cancel")
    assert "Отменить отключение?" in page.text("h1") and outage.place in page
    assert db.session.get(Outage, outage.id).status == "planned", "a GET changes nothing"
    operator_client.submit(f"/office/outages/{outage.id}/cancel", {}, expect=302)
    assert db.session.get(Outage, outage.id).status == "cancelled"
    # A cancelled outage cannot be changed or cancelled again.
    assert operator_client.get(f"/office/outages/{outage.id}/edit").status_code == 302
    assert operator_client.get(f"/office/outages/{outage.id}/cancel").status_code == 302


def test_cancel_without_a_csrf_token_is_refused(operator_client, outage):
    assert operator_client.submit(f"/office/outages/{outage.id}/cancel", {}, csrf=False).status_code == 400
    assert db.session.get(Outage, outage.id).status == "planned"


def test_close_an_outage(operator_client, outage):
    operator_client.submit(f"/office/outages/{outage.id}/close", {}, expect=302)
    assert db.session.get(Outage, outage.id).status == "done"
    operator_client.submit(f"/office/outages/{outage.id}/close", {}, expect=302)
    assert db.session.get(Outage, outage.id).status == "done"


def test_unknown_outage_is_404(operator_client):
    assert operator_client.get("/office/outages/999/edit").status_code == 404
    assert operator_client.get("/office/outages/999/cancel").status_code == 404
    assert operator_client.submit("/office/outages/999/close", {}).status_code == 404
