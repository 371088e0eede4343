"""The penalty of subpoint «в» of p.16 of the Rules: accrued once the company's term of p.16(б)
has passed with the works not done, at the applicant's group's rate; shown on the card with a
claim to download and a complaint to file; listed in the office."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from app.applications.penalties import company_penalty, implementation_end
from app.core import clock
from app.extensions import db
from tests.applications.test_pdf import text_of as pdf_text
from tests.applications.test_rules import LEGAL
from tests.helpers import Page

TERM_END = date(2026, 7, 6)  # 4 months from the contract of 05.03.2026, 05.07.2026 a Sunday


def at(day: date) -> None:
    clock.set_now(datetime(day.year, day.month, day.day, 9, 0, tzinfo=clock.now().tzinfo))


@pytest.fixture
def late(consumer, make_application, fixed_clock):
    """The demo individual's 15 kW at work, 10 days after its term."""
    application = make_application(consumer, status="in_progress")
    assert implementation_end(application) == TERM_END
    at(TERM_END + timedelta(days=10))
    return application


def test_none_within_the_term(consumer, make_application, fixed_clock):
    application = make_application(consumer, status="in_progress")
    at(TERM_END)
    assert company_penalty(application) is None, "the last day of the term is still within it"


def test_a_quarter_percent_a_day_for_the_groups_of_pp_12_1_13_14(late):
    """Subpoint «в» of p.16: 0.25 % of the whole fee for each day of delay (p.14 applicant)."""
    penalty = company_penalty(late)
    assert penalty.days == 10 and penalty.percent_per_day == Decimal("0.25")
    assert penalty.amount == (late.invoice_with_vat * Decimal("0.0025") * 10).quantize(Decimal("0.01"))
    assert penalty.point == "подп. «в» п. 16 Правил"


def test_capped_at_a_year_of_delay_for_those_groups(late):
    at(TERM_END + timedelta(days=400))
    penalty = company_penalty(late)
    assert penalty.days == 400 and penalty.counted_days == 365


def test_the_general_procedure_counts_a_share_of_the_key_rate(app, make_user, make_application, fixed_clock):
    """Subpoint «в» of p.16: 0.014 of the key rate for a day, no cap (LK_KEY_RATE_PERCENT)."""
    app.config["KEY_RATE_PERCENT"] = "16"
    legal = make_user("consumer", **LEGAL)
    application = make_application(
        legal, status="in_progress", power_kw=Decimal("900"), voltage_kv="10", load_character="industrial"
    )
    at(implementation_end(application) + timedelta(days=400))
    penalty = company_penalty(application)
    assert penalty.percent_per_day == Decimal("0.224") and penalty.counted_days == 400
    assert "ключевой ставки" in penalty.rate_words


def test_none_once_the_works_are_done(late, consumer):
    from app.applications import operations
    from tests.applications.conftest import checked

    operations.notify_fulfilment(late, consumer, "Выполнено.", [checked("акт.pdf")])
    db.session.commit()
    assert company_penalty(late) is None


def test_the_card_shows_the_penalty_with_a_claim_and_a_complaint(consumer_client, late):
    page = Page(consumer_client.get(f"/applications/{late.id}"))
    panel = page.text(".penalty")
    assert "Просрочка на 16.07.2026 — 10 дней" in panel and "подп. «в» п. 16 Правил" in panel
    assert page.select_one(f".penalty a[href='/applications/{late.id}/claim.pdf']")
    assert page.select_one(f".penalty a[href='/appeals/new?application_id={late.id}']")


def test_no_penalty_panel_within_the_term(consumer_client, consumer, make_application, fixed_clock):
    application = make_application(consumer, status="in_progress")
    page = Page(consumer_client.get(f"/applications/{application.id}"))
    assert not page.select_one(".penalty")
    response = consumer_client.get(f"/applications/{application.id}/claim.pdf")
    assert response.status_code == 302 and response.headers["Location"] == f"/applications/{application.id}"


def test_the_claim_is_a_pdf_for_its_owner_only(consumer_client, other_client, operator_client, client, late):
    response = consumer_client.get(f"/applications/{late.id}/claim.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF-")
    assert response.mimetype == "application/pdf"
    assert other_client.get(f"/applications/{late.id}/claim.pdf").status_code == 404
    assert operator_client.get(f"/applications/{late.id}/claim.pdf").status_code == 404
    assert client.get(f"/applications/{late.id}/claim.pdf").status_code == 302, "to the login"


def test_the_claim_names_the_contract_the_days_and_the_amount(consumer_client, late):
    text = pdf_text(consumer_client.get(f"/applications/{late.id}/claim.pdf").data)
    assert "Претензия о нарушении срока технологического присоединения" in text
    assert late.number in text and "06.07.2026" in text and "10 дн." in text
    assert "подп. «в» п. 16 Правил" in text


def test_the_office_lists_the_penalties(operator_client, consumer_client, consumer, make_application, fixed_clock):
    late = make_application(consumer, status="in_progress")
    make_application(consumer, status="in_progress", object_name="Баня")
    make_application(consumer, status="submitted", object_name="Гараж")
    at(TERM_END + timedelta(days=10))
    page = Page(operator_client.get("/office/applications/penalties"))
    rows = page.select("table.penalties tbody tr")
    assert len(rows) == 2 and late.number in page.text("table.penalties")
    assert "Всего: 2" in page.text()
    assert consumer_client.get("/office/applications/penalties").status_code in (403, 404)
