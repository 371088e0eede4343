"""The applicant's group of the Rules of Decree 861 on an application: derived on save, shown
with its point, deciding the procedure, the p.16 term (subpoint «б») and the p.17 fee; and the
calculator agreeing with the card for the same inputs."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa

from app.applications import offer, office_operations
from app.core import clock
from app.extensions import db
from tests.applications.conftest import application_form, checked
from tests.applications.test_office import MULTIPART, card_url, fresh, offer_data
from tests.applications.test_rules import LEGAL
from tests.helpers import Page


@pytest.fixture
def legal(make_user):
    return make_user("consumer", **LEGAL)


def post_application(client, **changes):
    return client.submit("/applications/new", application_form(**changes), content_type="multipart/form-data")


@pytest.mark.parametrize(
    "who, changes, group, small, point",
    [
        ("individual", {}, "individual_15", True, "п. 14 Правил"),
        # p.14 needs one source of supply: category II is the general procedure
        ("individual", {"reliability": 2}, "general_670", False, "п. 13 Правил"),
        # an individual between 15 and 150 kW is neither p.12(1) nor p.14
        ("individual", {"power_kw": Decimal("50")}, "general_670", False, "п. 13 Правил"),
        ("legal", {"power_kw": Decimal("150"), "load_character": "commercial"}, "small_150", True, "п. 12(1) Правил"),
        ("legal", {"power_kw": Decimal("100"), "generation": True}, "general_670", False, "п. 13 Правил"),
        (
            "legal",
            {"power_kw": Decimal("300"), "partnership_members": 20, "load_character": "household"},
            "partnership",
            True,
            "пп. 13(2)–13(5) Правил",
        ),
        (
            "legal",
            {"kind": "temporary", "power_kw": Decimal("150"), "mobile_devices": True, "cadastral_number": ""},
            "temporary_mobile",
            True,
            "подп. «б» п. 16 Правил",
        ),
    ],
)
def test_the_group_is_derived_and_shown_with_its_point(
    consumer, legal, make_application, login, client, who, changes, group, small, point
):
    owner = consumer if who == "individual" else legal
    if who == "legal":
        changes = {"passport_series": "", "passport_number": "", "passport_issued_by": "", **changes}
        changes["passport_issued_on"] = None
    application = make_application(owner, **changes)
    assert application.applicant_group == group and application.is_small is small
    login(owner)
    shown = Page(client.get(f"/applications/{application.id}")).text(".applicant-group")
    assert shown.startswith(point)
    assert ("оплатой счёта" in shown) is small


def test_the_group_follows_a_change_of_the_draft(consumer, make_application):
    from app.applications import operations
    from tests.applications.conftest import application_data

    draft = make_application(consumer, status="draft")
    assert draft.applicant_group == "individual_15" and draft.procedure == "personal_account"
    operations.save_application(consumer, application_data(reliability=2), submit=False, app=draft)
    db.session.commit()
    assert fresh(draft).applicant_group == "general_670" and fresh(draft).procedure == "general"


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"kind": "temporary", "requested_term_wd": "10"}, "requested_term_wd", "больше 15"),
        ({"kind": "temporary", "requested_term_wd": "251"}, "requested_term_wd", "не больше 250"),
        ({"kind": "temporary", "requested_term_wd": "много"}, "requested_term_wd", "число"),
    ],
)
def test_the_group_facts_are_checked_in_russian(consumer_client, fixed_clock, changes, field, message):
    response = post_application(consumer_client, **changes)
    assert response.status_code == 200
    page = Page(response)
    errors = {e.parent.select_one("[name]")["name"]: e.text for e in page.select(".field .error")}
    assert message in errors[field]


def test_a_permanent_connection_drops_the_temporary_facts(consumer_client, consumer, fixed_clock):
    from app.applications.models import Application

    response = post_application(consumer_client, requested_term_wd="30", mobile_devices="y")
    assert response.status_code == 302
    saved = db.session.scalar(sa.select(Application))
    assert saved.requested_term_wd is None and saved.mobile_devices is False


def test_only_a_temporary_connection_is_asked_its_mobile_devices_and_term(consumer_client, make_application, consumer):
    draft = make_application(consumer, status="draft")
    page = Page(consumer_client.get(f"/applications/{draft.id}/steps/3"))
    assert not page.select_one("[name=mobile_devices]") and not page.select_one("[name=requested_term_wd]")
    temporary = make_application(consumer, status="draft", kind="temporary")
    page = Page(consumer_client.get(f"/applications/{temporary.id}/steps/3"))
    assert page.select_one("[name=mobile_devices]") and page.select_one("[name=requested_term_wd]")


def test_a_legal_entity_is_asked_for_a_partnership_s_members_and_an_individual_is_not(
    consumer_client, client, legal, login
):
    assert not Page(consumer_client.get("/applications/new")).select_one("[name=partnership_members]")
    login(legal)
    assert Page(client.get("/applications/new")).select_one("[name=partnership_members]")


def offer_of(operator_client, application, **changes):
    response = operator_client.submit(card_url(application, "offer"), offer_data(**changes), **MULTIPART)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return fresh(application)


def test_a_temporary_connection_takes_the_longer_term_the_application_names(operator_client, legal, make_application):
    """Subpoint «б» of p.16: 15 working days «если в заявке не указан более продолжительный срок»."""
    application = make_application(
        legal,
        kind="temporary",
        power_kw=Decimal("100"),
        load_character="commercial",
        mobile_devices=True,
        requested_term_wd=30,
        cadastral_number="",
        passport_series="",
        passport_number="",
        passport_issued_by="",
        passport_issued_on=None,
    )
    posted = offer_of(operator_client, application)
    assert (posted.implementation_amount, posted.implementation_unit) == (30, "wd")


@pytest.mark.parametrize(
    "investment, substation, term",
    [("auto", False, (4, "m")), ("auto", True, (6, "m")), ("y", False, (6, "m")), ("n", True, (4, "m"))],
)
def test_the_investment_programme_flag_decides_the_four_months(
    operator_client, consumer, make_application, investment, substation, term
):
    """Subpoint «б» of p.16: 4 months only when no object of the investment programme is built;
    the staff's flag, prefilled by the construction entered."""
    application = make_application(consumer)
    changes = {"offer-investment_construction": investment}
    if substation:
        changes["offer-substation"] = "y"
    posted = offer_of(operator_client, application, **changes)
    assert (posted.implementation_amount, posted.implementation_unit) == term


def test_the_offer_form_refuses_an_unknown_investment_answer(operator_client, consumer, make_application):
    application = make_application(consumer)
    response = operator_client.submit(
        card_url(application, "offer"), offer_data(**{"offer-investment_construction": "maybe"}), **MULTIPART
    )
    assert response.status_code in (200, 400, 422)
    assert "Выберите один из вариантов." in response.get_data(as_text=True)
    assert fresh(application).status == "submitted"


def test_the_preferential_fee_once_in_three_years(operator, consumer, make_application, fixed_clock):
    """p.17 of the Rules: the preferential fee is due not more than once in 3 years."""
    inputs = offer.OfferInputs(overhead_km=Decimal("0.5"), metering="single_phase", metering_points=1)
    first = make_application(consumer)
    office_operations.post_offer(first, operator, inputs, [checked("ТУ.pdf")])
    db.session.commit()
    assert fresh(first).fee_rule == "preferential" and fresh(first).invoice_with_vat == Decimal("75000.00")

    second = make_application(consumer, object_name="Баня")
    calculation = offer.invoice_calculation(second, inputs)
    assert calculation.rule == "standard"
    assert "не чаще одного раза в 3 года" in calculation.explanation


def test_a_withdrawn_application_does_not_use_up_the_preferential_fee(
    operator, consumer, make_application, fixed_clock
):
    from app.applications import operations

    inputs = offer.OfferInputs(overhead_km=Decimal("0.5"), metering="single_phase", metering_points=1)
    first = make_application(consumer)
    office_operations.post_offer(first, operator, inputs, [checked("ТУ.pdf")])
    operations.withdraw(first, consumer, "Передумал.")
    db.session.commit()
    second = make_application(consumer, object_name="Баня")
    assert offer.invoice_calculation(second, inputs).rule == "preferential"


def test_an_application_of_more_than_three_years_ago_does_not_count(operator, consumer, make_application):
    inputs = offer.OfferInputs(overhead_km=Decimal("0.5"), metering="single_phase", metering_points=1)
    first = make_application(consumer)
    office_operations.post_offer(first, operator, inputs, [checked("ТУ.pdf")])
    first.submitted_at = clock.now() - timedelta(days=3 * 366)
    db.session.commit()
    second = make_application(consumer, object_name="Баня")
    assert offer.preferential_fee_used_on(second) is None
    first.submitted_at = clock.now() - timedelta(days=3 * 365 - 5)
    db.session.commit()
    assert offer.preferential_fee_used_on(second) is not None


@pytest.mark.parametrize(
    "changes, query",
    [
        ({}, {}),
        ({"reliability": 2}, {"reliability": "2"}),
        ({"power_kw": Decimal("50")}, {"power_kw": "50"}),
        ({"voltage_kv": "10"}, {"voltage_kv": "10"}),
    ],
)
def test_the_calculator_and_the_card_agree_on_group_term_and_fee(
    operator_client, client, consumer, make_application, login, fixed_clock, changes, query
):
    application = make_application(consumer, **changes)
    posted = offer_of(operator_client, application, **{"offer-overhead_km": "0,25"})
    params = {
        "applicant_type": "individual",
        "power_kw": "15",
        "existing_power_kw": "0",
        "voltage_kv": "0.4",
        "reliability": "3",
        "territory": "urban",
        "within_distance": "y",
        "overhead_km": "0.25",
        "metering": "single_phase",
        "metering_points": "1",
        "date": clock.today().isoformat(),
        **query,
    }
    result = Page(client.get("/calculator?" + urlencode(params)))
    login(consumer)
    card = Page(client.get(f"/applications/{posted.id}"))
    assert card.text(".applicant-group") and result.text(".applicant-group") == card.text(".applicant-group")
    assert result.select_one("[data-total-with-vat]")["data-total-with-vat"] == str(posted.invoice_with_vat)
    term = offer.invoice_calculation(posted, offer.OfferInputs.from_json(posted.offer_inputs)).implementation_term
    assert (term.amount, term.unit) == (posted.implementation_amount, posted.implementation_unit)
    assert term.label in result.text("dl")
