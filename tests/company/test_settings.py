from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.company import services
from app.company.models import CompanySettings, VatRate
from app.company.services import get_company, save_company, vat_percent_on, vat_rate_on
from app.extensions import db
from tests.core.query_counter import count_queries
from tests.helpers import Page

SETTINGS = dict(
    full_name="АО «Тестовая сеть»",
    short_name="Тест-Сеть",
    address="г. Тест, ул. Тестовая, 1",
    phone="+7 800 111-22-33",
    email="info@test-set.ru",
    inn="7707083893",
    kpp="770701001",
    ogrn="1027700132195",
    bank_name="Банк",
    bank_bic="044525225",
    bank_account="40702810900000000001",
    bank_corr_account="30101810400000000225",
    vat_payer="y",
    region="Тестовая область",
    time_zone="Asia/Yekaterinburg",
    site_url="https://lk.test-set.ru",
)


def test_statutory_vat_by_date(app):
    assert vat_percent_on(date(2025, 12, 31)) == Decimal("20")
    assert vat_percent_on(date(2026, 1, 1)) == Decimal("22")
    assert vat_rate_on(date(2026, 6, 1)) == Decimal("0.22")


def test_company_without_vat(app):
    company = get_company()
    company.vat_payer = False
    assert vat_percent_on(date(2026, 6, 1), company) == 0


def test_admin_edits_the_settings_and_pages_use_them(admin_client, client):
    assert "Тест-Сеть" not in client.page("/login").title  # the defaults, read and kept by this process
    admin_client.submit("/office/settings/", SETTINGS, expect=302)
    company = db.session.get(type(get_company()), 1)
    assert company.short_name == "Тест-Сеть" and company.time_zone == "Asia/Yekaterinburg"
    page = client.page("/login")
    assert "Тест-Сеть" in page.title and "АО «Тестовая сеть»" in page.text("footer")


def test_bad_settings_get_russian_messages(admin_client):
    page = Page(
        admin_client.submit(
            "/office/settings/", {**SETTINGS, "inn": "123", "time_zone": "Mars/Olympus", "site_url": "lk"}, expect=200
        )
    )
    errors = " ".join(page.errors())
    assert "ИНН: 10 цифр." in errors and "Неизвестный часовой пояс" in errors and "https://" in errors


def test_requisites_take_ascii_digits_only(admin_client):
    """re's \\d took '٠٤٤٥٢٥٢٢٥' as a БИК and saved it (issue 16)."""
    arabic = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
    bad = {
        name: SETTINGS[name].translate(arabic)
        for name in ("inn", "kpp", "ogrn", "bank_bic", "bank_account", "bank_corr_account", "phone")
    }
    page = Page(admin_client.submit("/office/settings/", {**SETTINGS, **bad}, expect=200))
    errors = page.errors()
    for name in ("ИНН", "КПП", "ОГРН", "БИК", "Расчётный счёт", "Корреспондентский счёт", "Телефоны"):
        assert (
            f"{name}: наберите обычными цифрами 0–9 — в поле есть знаки, только похожие на цифры (надстрочные, "
            "арабские, широкие)." in errors
        ), name
    assert get_company().bank_bic != bad["bank_bic"]


def test_admin_adds_a_vat_rate(admin_client, app):
    admin_client.submit("/office/settings/vat", {"valid_from": "2027-01-01", "percent": "25"}, expect=302)
    assert vat_percent_on(date(2027, 1, 1)) == Decimal("25")
    assert vat_percent_on(date(2026, 1, 1)) == Decimal("22"), "the statutory history is kept"
    rates = db.session.query(VatRate).count()
    assert rates == 3


@pytest.mark.parametrize(
    "percent, message",
    [
        ("60", "Ставка, %: Ставка от 0 до 50 %."),  # NumberRange's bare «%» was a ValueError: a 500
        ("-1", "Ставка, %: Ставка от 0 до 50 %."),
        ("٢٥", "Ставка, %: Наберите обычными цифрами 0–9 — в поле есть знаки"),  # Decimal() read it as 25
        ("²", "Ставка, %: Наберите обычными цифрами 0–9 — в поле есть знаки"),
    ],
)
def test_a_bad_vat_rate_gets_a_russian_message(admin_client, percent, message):
    response = admin_client.submit("/office/settings/vat", {"valid_from": "2027-01-01", "percent": percent})
    assert response.status_code == 302
    assert message in admin_client.page(response.headers["Location"])
    assert db.session.query(VatRate).count() == 0, "the statutory schedule stays built in"


def test_operator_cannot_edit_settings(operator_client):
    assert operator_client.get("/office/settings/").status_code == 403
    assert operator_client.submit("/office/settings/", SETTINGS).status_code == 403


def test_pages_read_the_settings_once_per_process_and_see_another_process_change_them(app, client, monkeypatch):
    save_company({"short_name": "Сеть-1"})
    db.session.commit()
    assert "Сеть-1" in client.page("/login").title
    with count_queries(ignore=()) as statements:
        assert "Сеть-1" in client.page("/login").title
    assert not [s for s in statements if "company_settings" in s]

    # Another worker saves a new name: this one prints the old name until its copy is old.
    db.session.execute(sa.update(CompanySettings).values(short_name="Сеть-2"))
    db.session.commit()
    assert "Сеть-1" in client.page("/login").title
    later = services.time.monotonic() + app.config["COMPANY_CACHE_SECONDS"] + 1
    monkeypatch.setattr(services.time, "monotonic", lambda: later)
    assert "Сеть-2" in client.page("/login").title


def test_a_change_to_the_copy_a_request_got_is_not_seen_by_the_next(app, client):
    save_company({"short_name": "Сеть-1", "vat_payer": True})
    db.session.commit()
    client.get("/login")
    get_company().vat_payer = False
    get_company().short_name = "Чужое"
    assert "Чужое" not in client.page("/login").title
    db.session.commit()
    assert db.session.get(CompanySettings, 1).vat_payer is True


def test_outside_an_app_the_settings_are_the_defaults_and_the_zone_moscow():
    """Scripts and mail bodies rendered without an app context still get a company."""
    from app.core.clock import company_zone

    assert get_company().short_name == services.DEFAULTS["short_name"]
    assert str(company_zone()) == "Europe/Moscow"
