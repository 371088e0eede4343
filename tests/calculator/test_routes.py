"""/calculator through the test client: the plain GET form (no JS), the htmx fragment of the
same template, errors next to the fields, the PDF of the same query."""

from __future__ import annotations

import gzip
import io
from urllib.parse import urlencode

import pytest
from bs4 import BeautifulSoup

from tests.helpers import Page

HX = {"HX-Request": "true"}
#: Every field of SPEC §4.2 with a value: an individual's 15 kW with an overhead line.
FULL = dict(
    applicant_type="individual",
    power_kw="15",
    existing_power_kw="0",
    voltage_kv="0.4",
    reliability="3",
    territory="urban",
    within_distance="y",
    preferential="n",
    overhead_km="0.5",
    cable_km="0",
    overhead_variant="",
    cable_variant="",
    sectioning_points="0",
    substation="n",
    distribution_substation="n",
    supply_center="n",
    metering="none",
    metering_points="1",
    date="2026-03-02",
)


def url(**params) -> str:
    return "/calculator?" + urlencode(params)


def fragment(client, **params) -> BeautifulSoup:
    response = client.get(url(**params), headers=HX)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" not in html and "<title" not in html
    return BeautifulSoup(html, "html.parser")


def totals(node) -> tuple[str, str]:
    return (
        node.select_one("[data-total-without-vat]")["data-total-without-vat"],
        node.select_one("[data-total-with-vat]")["data-total-with-vat"],
    )


def test_empty_form_for_anyone(client, decision):
    page = client.page("/calculator")
    form = page.select_one("form#calc-form")
    assert form["method"] == "get" and form["action"] == "/calculator"
    names = {field["name"] for field in form.select("[name]")}
    assert set(FULL) <= names
    assert not page.select("[data-total-with-vat]")
    assert "Укажите максимальную мощность" in page.text("#calc-result")
    assert page.select_one("#applicant_type-0").has_attr("checked")  # the defaults
    assert page.select_one("#within_distance-0").has_attr("checked")


def test_result_without_javascript(client, decision):
    page = client.page(url(**FULL))
    assert totals(page) == ("61475.41", "75000.00")
    assert "Итого с НДС: 75" in page.text("#calc-status")  # beside the button, announced politely
    result = page.text("#calc-result")
    assert "Применена льготная плата" in result
    assert "C1 — технические условия" in result and "C2 — строительство воздушной линии" in result
    assert "1 166 223,00" in result  # the C2 amount
    assert "Примерская область (пример)" in result and "01.01.2026" in result and "31.12.2026" in result
    assert "НДС 22 %" in result
    assert "6 месяцев" in result  # construction needed, within the distance: p.16 term
    assert page.select_one("#power_kw")["value"] == "15"  # the form keeps what was asked
    assert page.select_one("#overhead_km")["value"] == "0.5"


def test_the_same_result_as_an_htmx_fragment(client, decision):
    node = fragment(client, **FULL)
    assert totals(node) == ("61475.41", "75000.00")
    assert node.select_one("#calc-errors")["hx-swap-oob"] == "true"
    assert node.select_one('[hx-swap-oob="innerHTML:.error-slot"]') is not None
    assert node.select_one("form") is None  # the inputs are never swapped while someone types
    status = node.select_one('[hx-swap-oob="innerHTML:#calc-status"]')
    assert status.get_text(" ", strip=True) == "Итого с НДС: 75\u202f000,00\u00a0₽"


def test_the_page_and_the_fragment_vary_on_hx_request(client, decision):
    assert "HX-Request" in client.get(url(**FULL)).headers["Vary"]
    assert "HX-Request" in client.get(url(**FULL), headers=HX).headers["Vary"]


def test_the_form_is_wired_for_htmx(client, decision):
    form = client.page("/calculator").select_one("form#calc-form")
    assert form["hx-get"] == "/calculator" and form["hx-target"] == "#calc-result"
    assert form["hx-replace-url"] == "true"
    assert "[" not in form["hx-trigger"]  # no trigger filters: the CSP forbids eval
    assert "input" in form["hx-trigger"] and "submit" in form["hx-trigger"]


def test_fragment_is_small(client, decision):
    worst = dict(
        FULL,
        power_kw="15",
        existing_power_kw="5",
        cable_km="0.1",
        sectioning_points="1",
        substation="y",
        metering="three_phase_direct",
        metering_points="2",
        preferential="y",
    )
    response = client.get(url(**worst), headers={**HX, "Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert len(response.data) <= 2048, len(response.data)
    assert len(gzip.decompress(response.data)) > 2048  # it is the full result, compressed


def test_prefilled_from_the_query(client, decision):
    """The applications feature links to the calculator with the application's parameters."""
    page = client.page(
        url(
            applicant_type="legal",
            power_kw="250",
            existing_power_kw="100",
            voltage_kv="10",
            reliability="2",
            territory="rural",
            within_distance="n",
            substation="y",
        )
    )
    assert page.select_one("#applicant_type-2").has_attr("checked")
    assert page.select_one("#voltage_kv option[selected]")["value"] == "10"
    assert page.select_one("#reliability-1").has_attr("checked")
    assert page.select_one("#territory-1").has_attr("checked")
    assert page.select_one("#within_distance-1").has_attr("checked")
    assert page.select_one("#substation").has_attr("checked")
    # C1 over 150 + C5 12 000 × 150 kW = 21 452 + 1 800 000
    assert totals(page) == ("1821452.00", "2222171.44")


def test_a_line_variant_from_the_decision(client, decision):
    page = client.page(
        url(applicant_type="legal", power_kw="100", voltage_kv="10", overhead_km="1", overhead_variant="sip3-95")
    )
    options = {o["value"]: o.get_text() for o in page.select("#overhead_variant option")}
    assert options[""] == "по умолчанию" and "СИП-3 1×95" in options["sip3-95"]
    assert page.select_one("#overhead_variant option[selected]")["value"] == "sip3-95"
    assert "СИП-3 1×95" in page.text("#calc-result")
    assert totals(page)[0] == "3369745.00"  # 19 745 + 3 350 000


def test_the_date_picks_the_vat_rate(client, example_bytes, fixed_today):
    from app.calculator.services import import_decision
    from app.extensions import db

    import_decision(example_bytes(valid_from="2025-01-01"))
    db.session.commit()
    base = dict(applicant_type="legal", power_kw="20")
    assert totals(client.page(url(**base, date="2025-12-31")))[1] == "23694.00"
    assert totals(client.page(url(**base, date="2026-01-01")))[1] == "24088.90"
    assert "НДС 20 %" in client.page(url(**base, date="2025-12-31")).text("#calc-result")


@pytest.mark.parametrize(
    "params, field, message",
    [
        ({"power_kw": ""}, "power_kw", "Укажите максимальную мощность"),
        ({"power_kw": "много"}, "power_kw", "Введите число"),
        ({"power_kw": "-5"}, "power_kw", "не может быть отрицательным"),
        ({"power_kw": "0"}, "power_kw", "больше 0"),
        ({"power_kw": "1000000"}, "power_kw", "Не больше 100000 кВт"),
        ({"power_kw": "10.12345"}, "power_kw", "Не больше 3 знаков"),
        ({"existing_power_kw": "20"}, "existing_power_kw", "не может быть больше максимальной"),
        ({"overhead_km": "пять"}, "overhead_km", "Введите число"),
        ({"cable_km": "9999"}, "cable_km", "Не больше 500 км"),
        ({"sectioning_points": "1.5"}, "sectioning_points", "целое число"),
        ({"power_kw": "١٥"}, "power_kw", "обычными цифрами 0–9"),  # Decimal() read it as 15
        ({"sectioning_points": "２"}, "sectioning_points", "обычными цифрами 0–9"),  # int() read it as 2
        ({"cable_km": "0,⁵"}, "cable_km", "обычными цифрами 0–9"),
        ({"sectioning_points": "-1"}, "sectioning_points", "не может быть отрицательным"),
        ({"metering": "single_phase", "metering_points": "0"}, "metering_points", "хотя бы одну точку"),
        ({"metering": "quantum"}, "metering", "Выберите тип учёта"),
        ({"voltage_kv": "15"}, "voltage_kv", "Выберите уровень напряжения"),
        ({"reliability": "4"}, "reliability", "I, II или III"),
        ({"applicant_type": "robot"}, "applicant_type", "Выберите тип заявителя"),
        ({"date": "31-31-2026"}, "date", "ГГГГ-ММ-ДД"),
        ({"date": "2027-01-01"}, "date", "нет действующего тарифного решения"),
        ({"voltage_kv": "35", "overhead_km": "1"}, "overhead_km", "нет ставки C2"),
        ({"distribution_substation": "y"}, "distribution_substation", "нет ставки C6"),
        (
            {"voltage_kv": "10", "overhead_km": "1", "overhead_variant": "gold"},
            "overhead_variant",
            "нет такого варианта",
        ),
    ],
)
def test_errors_next_to_the_field_and_in_the_summary(client, decision, params, field, message):
    query = {"applicant_type": "legal", "power_kw": "10", **params}
    page = client.page(url(**query))
    assert page.title.startswith("Ошибка: ")
    slot = page.select_one(f"#err-{field}")
    assert message in slot.get_text(), (slot, page.text("#calc-errors"))
    assert message.lower() in page.text("#calc-errors").lower()
    assert page.select_one(f'#calc-errors a[href="#{field}"]')
    assert not page.select("[data-total-with-vat]")  # never a zero or a half result
    node = fragment(client, **query)  # the same with htmx, out of band
    oob = node.select_one(f"#err-{field}")
    assert oob["hx-swap-oob"] == "true" and message in oob.get_text()
    assert message.lower() in node.select_one("#calc-errors").get_text().lower()


def test_several_errors_at_once(client, decision):
    page = client.page(url(power_kw="abc", overhead_km="-1", metering_points="x"))
    assert len(page.select("#calc-errors li")) == 3
    assert page.select_one("#power_kw")["value"] == "abc"  # shown back as typed


def test_comma_decimals_are_accepted(client, decision):
    page = client.page(url(applicant_type="legal", power_kw="15,5", overhead_km="0,5"))
    assert totals(page)[0] == "1185968.00"


def test_no_decision_in_force_says_so(client, fixed_today):
    page = client.page("/calculator")
    assert "нет действующего тарифного решения" in page.text("#calc-result")
    page = client.page(url(power_kw="10"))
    assert "нет действующего тарифного решения" in page.text("#err-date")


def test_pdf_of_the_same_calculation(client, decision):
    from pypdf import PdfReader

    page = client.page(url(**FULL))
    link = page.select_one('#calc-result a[href^="/calculator/pdf?"]')
    assert link.get_text() == "Скачать PDF"
    response = client.get(link["href"])
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment")
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    text = " ".join(text.split())
    assert "Расчёт стоимости технологического присоединения" in text
    assert "75 000,00" in text and "61 475,41" in text
    assert "Применена льготная плата" in text
    assert "Примерская область (пример)" in text and "НДС на дату расчёта: 22 %" in text
    assert "6 месяцев" in text


def test_pdf_of_a_bad_query_goes_back_to_the_form(client, decision):
    response = client.get("/calculator/pdf?power_kw=abc")
    assert response.status_code == 302 and response.headers["Location"] == "/calculator?power_kw=abc"


def test_consumers_see_their_menu_on_the_calculator(consumer_client, decision):
    page = consumer_client.page(url(**FULL))
    current = page.select_one('nav.menu a[aria-current="page"]')
    assert current["href"] == "/calculator"
    assert consumer_client.get("/calculator").headers["Cache-Control"] == "no-store"


def test_query_count_is_small_and_fixed(client, decision):
    from tests.core.query_counter import count_queries

    client.get(url(**FULL))  # warm up
    with count_queries() as queries:
        response = client.get(url(**FULL), headers=HX)
    assert response.status_code == 200
    assert len(queries) <= 3, queries  # company settings, the VAT schedule, the decision


def test_every_page_passes_the_basic_checks(client, decision):
    """One title, labels for every field, unique ids, no inline script or style."""
    for params in (FULL, {"power_kw": "x"}, {}):
        Page(client.get(url(**params) if params else "/calculator"))


@pytest.mark.parametrize("power", ["-5", "0"])
def test_a_negative_power_gets_its_own_error_only(client, decision, power):
    page = client.page(url(applicant_type="legal", power_kw=power, existing_power_kw="2"))
    assert page.text("#err-power_kw").strip()
    assert not page.text("#err-existing_power_kw").strip()
    assert len(page.select("#calc-errors li")) == 1, page.text("#calc-errors")
