from datetime import date
from decimal import Decimal

from app.company.models import VatRate
from app.company.services import get_company, vat_percent_on, vat_rate_on
from app.extensions import db
from tests.helpers import Page

SETTINGS = dict(full_name="АО «Тестовая сеть»", short_name="Тест-Сеть", address="г. Тест, ул. Тестовая, 1",
                phone="+7 800 111-22-33", email="info@test-set.ru", inn="7707083893", kpp="770701001",
                ogrn="1027700132195", bank_name="Банк", bank_bic="044525225", bank_account="40702810900000000001",
                bank_corr_account="30101810400000000225", vat_payer="y", region="Тестовая область",
                time_zone="Asia/Yekaterinburg", site_url="https://lk.test-set.ru")


def test_statutory_vat_by_date(app):
    assert vat_percent_on(date(2025, 12, 31)) == Decimal("20")
    assert vat_percent_on(date(2026, 1, 1)) == Decimal("22")
    assert vat_rate_on(date(2026, 6, 1)) == Decimal("0.22")


def test_company_without_vat(app):
    company = get_company()
    company.vat_payer = False
    assert vat_percent_on(date(2026, 6, 1), company) == 0


def test_admin_edits_the_settings_and_pages_use_them(admin_client, client):
    admin_client.submit("/office/settings/", SETTINGS, expect=302)
    company = db.session.get(type(get_company()), 1)
    assert company.short_name == "Тест-Сеть" and company.time_zone == "Asia/Yekaterinburg"
    page = client.page("/login")
    assert "Тест-Сеть" in page.title and "АО «Тестовая сеть»" in page.text("footer")


def test_bad_settings_get_russian_messages(admin_client):
    page = Page(admin_client.submit("/office/settings/", {**SETTINGS, "inn": "123", "time_zone": "Mars/Olympus",
                                                           "site_url": "lk"}, expect=200))
    errors = " ".join(page.errors())
    assert "ИНН: 10 цифр." in errors and "Неизвестный часовой пояс" in errors and "https://" in errors


def test_admin_adds_a_vat_rate(admin_client, app):
    admin_client.submit("/office/settings/vat", {"valid_from": "2027-01-01", "percent": "25"}, expect=302)
    assert vat_percent_on(date(2027, 1, 1)) == Decimal("25")
    assert vat_percent_on(date(2026, 1, 1)) == Decimal("22"), "the statutory history is kept"
    rates = db.session.query(VatRate).count()
    assert rates == 3


def test_operator_cannot_edit_settings(operator_client):
    assert operator_client.get("/office/settings/").status_code == 403
    assert operator_client.submit("/office/settings/", SETTINGS).status_code == 403
