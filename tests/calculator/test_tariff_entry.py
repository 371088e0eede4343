"""/office/tariffs/: a sample file to copy from, and a decision typed in by hand that goes
through the same checks and the same store_decision as a file."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.calculator.demo import EXAMPLE_RATES
from app.calculator.models import TariffDecision
from app.calculator.tariff_file import parse_file, to_file
from app.extensions import db
from tests.helpers import Page


def decisions() -> list[TariffDecision]:
    return db.session.scalars(sa.select(TariffDecision).order_by(TariffDecision.id)).all()


def test_the_list_page_offers_a_sample_and_the_form_and_no_spec_talk(admin_client):
    page = admin_client.page("/office/tariffs/")
    assert "спецификации" not in page.text() and "4.3" not in page.text()
    assert page.select_one('a[href="/office/tariffs/sample.json"]')
    assert page.select_one('a[href="/office/tariffs/new"]')


def test_the_sample_file_is_a_valid_decision_that_imports(admin_client, fixed_today):
    response = admin_client.get("/office/tariffs/sample.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    assert "sandbox" in response.headers["Content-Security-Policy"]
    parsed = parse_file(response.data)
    assert parsed.rates["c1"] == EXAMPLE_RATES["c1"]
    imported = admin_client.submit(
        "/office/tariffs/import",
        {"file": (io.BytesIO(response.data), "tariff-sample.json")},
        content_type="multipart/form-data",
    )
    assert imported.status_code == 302
    [decision] = decisions()
    assert decision.content_hash == parsed.content_hash


@pytest.mark.parametrize("who", ["consumer_client", "operator_client"])
def test_sample_and_form_are_for_admins(request, who):
    c = request.getfixturevalue(who)
    assert c.get("/office/tariffs/sample.json").status_code == 403
    assert c.get("/office/tariffs/new").status_code == 403


BANDS = ("0.4", "1-20", "35", "110")
COLUMNS = ("c2_urban", "c2_rural", "c3_urban", "c3_rural", "c4", "c5", "c6", "c7")


def typed(rates: dict) -> dict:
    """The form's fields for the rates of a decision file (numbers typed Russian-style)."""
    data = {}

    def put(name, value):
        if isinstance(value, str):
            data[name] = value.replace(".", ",")

    for key, value in rates.get("c1", {}).items():
        put(f"c1_{key}", value)
    for i, band in enumerate(BANDS):
        for column in COLUMNS:
            section = {"c2": "c2_per_km", "c3": "c3_per_km", "c4": "c4_per_point", "c5": "c5_per_kw"}.get(
                column[:2], {"c6": "c6_per_kw", "c7": "c7_per_kw"}.get(column[:2])
            )
            value = rates.get(section, {}).get(band)
            if isinstance(value, dict):
                value = value.get(column.split("_")[1])
            put(f"bands-{i}-{column}", value)
    n = 0
    for section in ("c2_per_km", "c3_per_km"):
        for band, by_territory in rates.get(section, {}).items():
            for territory, value in by_territory.items():
                if isinstance(value, list):
                    for variant in value:
                        data[f"variants-{n}-cell"] = f"{section}.{band}.{territory}"
                        data[f"variants-{n}-code"] = variant["code"]
                        data[f"variants-{n}-name"] = variant["name"]
                        data[f"variants-{n}-rate"] = variant["rate"].replace(".", ",")
                        n += 1
    for key, value in rates.get("c8_per_point", {}).items():
        put(f"c8_{key}", value)
    for key, value in rates.get("preferential_per_kw", {}).items():
        put(f"preferential_{key}", value)
    return data


HEADER = {"region": "Примерская область", "decision": "Постановление РЭК № 45/3 от 20.12.2025"}


def test_a_decision_typed_by_hand_is_the_same_decision_as_its_file(admin_client, fixed_today):
    form = {**HEADER, "valid_from": "01.01.2026", "valid_to": "2026-12-31", **typed(EXAMPLE_RATES)}
    response = admin_client.submit("/office/tariffs/new", form)
    assert response.status_code == 302, Page(response).errors()
    [decision] = decisions()
    same = parse_file(
        to_file(HEADER["region"], HEADER["decision"], decision.valid_from, decision.valid_to, EXAMPLE_RATES).encode()
    )
    assert decision.content_hash == same.content_hash and decision.file_name == "введено вручную"
    assert decision.rates["c2_per_km"]["1-20"]["urban"][1]["code"] == "sip3-95"
    actions = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert "office.tariff_entered" in actions
    # the same decision as a file changes nothing: one store_decision for both
    again = admin_client.submit(
        "/office/tariffs/import",
        {
            "file": (
                io.BytesIO(
                    to_file(
                        HEADER["region"], HEADER["decision"], decision.valid_from, decision.valid_to, EXAMPLE_RATES
                    ).encode()
                ),
                "d.json",
            )
        },
        content_type="multipart/form-data",
    )
    assert again.status_code == 302 and len(decisions()) == 1


def test_the_form_page_has_a_row_per_voltage_band(admin_client):
    page = admin_client.page("/office/tariffs/new")
    rows = page.select(".rate-table")[0].select("tbody tr")
    assert [r.th.get_text() for r in rows] == ["0,4 кВ", "6–20 кВ", "35 кВ", "110 кВ и выше"]
    assert page.select_one("#bands-3-c7") and page.select_one("#variants-2-rate")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"region": ""}, "region", "Обязательное поле не указано."),
        ({"valid_from": "31.02.2026"}, "valid_from", "Введите дату в формате ГГГГ-ММ-ДД"),
        ({"valid_to": "2025-01-01"}, "valid_to", "Не может быть раньше valid_from."),
        ({"c1_up_to_150": "", "c1_over_150": ""}, "c1_up_to_150", "Обязательное поле не указано."),
        ({"bands-1-c5": "-12"}, "bands-1-c5", "Должно быть неотрицательным числом."),
        ({"bands-0-c4": "двести"}, "bands-0-c4", "Должно быть неотрицательным числом."),
        ({"c8_single_phase": "2000000000"}, "c8_single_phase", "Слишком большое значение"),
        ({"variants-0-code": "АС 70"}, "variants-0-code", "Должно быть кодом из латинских букв"),
        ({"variants-1-code": "ac-70"}, "variants-1-code", "уже есть в этом списке"),
        ({"variants-0-cell": ""}, "variants-0-cell", "Выберите, к какой ставке относится вариант."),
        ({"bands-1-c2_urban": "3000000"}, "bands-1-c2_urban", "либо одну ставку в таблице, либо варианты"),
    ],
)
def test_errors_are_in_russian_next_to_their_field_and_nothing_is_saved(admin_client, changes, field, message):
    form = {**HEADER, "valid_from": "2026-01-01", **typed(EXAMPLE_RATES), **changes}
    page = Page(admin_client.submit("/office/tariffs/new", form))
    assert page.status == 200 and page.title.startswith("Ошибка: ")
    slot = page.select_one(f"#{field}-error")
    assert slot is not None and message in slot.get_text(), (field, page.errors())
    assert (
        page.select_one(f'.error-summary a[href="#{field}"]') and message.lower() in page.text(".error-summary").lower()
    )
    assert decisions() == []
    assert page.select_one(f"#{field}")["aria-invalid"] == "true"


def test_the_form_needs_csrf(admin_client):
    response = admin_client.submit("/office/tariffs/new", {**HEADER, "valid_from": "2026-01-01"}, csrf=False)
    assert response.status_code == 400 and decisions() == []


def test_the_summary_names_the_row_and_column_of_a_bad_rate(admin_client):
    form = {**HEADER, "valid_from": "2026-01-01", **typed(EXAMPLE_RATES), "bands-1-c5": "-1"}
    page = Page(admin_client.submit("/office/tariffs/new", form))
    assert "6–20 кВ, C5 ТП, ₽/кВт: должно быть неотрицательным числом." in page.text(".error-summary")
    assert page.select_one("#variants-0-cell").name == "select" and not page.select_one("#variants-0-cell").get("size")
