"""The generated documents of an application (SPEC §2.2): the application as submitted,
the contract terms, the instruction, the invoice and its ГОСТ Р 56042-2014 payment QR code."""

from __future__ import annotations

import io
from decimal import Decimal
from types import SimpleNamespace

import pytest
import segno
import sqlalchemy as sa
from pypdf import PdfReader
from sqlalchemy.orm import joinedload

from app.applications import pdf, pdf_invoice
from app.applications.models import ApplicationDocument
from app.core.templating import format_money
from app.extensions import db

COMPANY = dict(
    full_name="АО «Примерская сетевая компания»",
    short_name="ПСК",
    address="г. Примерск, ул. Ленина, д. 1",
    phone="+7 (800) 555-00-11",
    email="tp@psk.example.ru",
    inn="7701234567",
    kpp="770101001",
    ogrn="1027700000001",
    bank_name="ПАО «Пример-Банк»",
    bank_bic="044525225",
    bank_account="40702810900000000001",
    bank_corr_account="30101810400000000225",
    site_url="https://lk.psk.example.ru",
)
LEGAL = dict(
    applicant_type="legal", inn="7707083893", kpp="770701001", ogrn="1027700132195", org_name="ООО «Тест»", snils=None
)


@pytest.fixture
def company(app):
    from app.company.services import save_company

    row = save_company(dict(COMPANY))
    db.session.commit()
    return row


def stored(application, kind: str) -> bytes:
    doc = db.session.scalar(
        sa.select(ApplicationDocument)
        .options(joinedload(ApplicationDocument.stored))
        .where(ApplicationDocument.application_id == application.id, ApplicationDocument.kind == kind)
    )
    assert doc is not None, f"no generated {kind}"
    data = doc.stored.path.read_bytes()
    assert data.startswith(b"%PDF") and doc.stored.content_type == "application/pdf"
    return data


def text_of(data: bytes) -> str:
    """The text of every page, whitespace (thin and no-break spaces too) collapsed."""
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())


def money(text: str) -> str:
    """A sum as the page prints it (format_money), whitespace collapsed like text_of."""
    return " ".join(text.split())


def consumer_of(application):
    from app.auth.models import User

    return db.session.get(User, application.consumer_id)


# --- the application as submitted ------------------------------------------------------------------


def test_application_form_is_the_application_as_submitted(fixed_clock, company, consumer, make_application):
    application = make_application(consumer, object_address_extra="участок 12")
    text = text_of(stored(application, "application_form"))

    assert "Заявка на технологическое присоединение" in text
    assert f"№ {application.number} от 05.03.2026" in text
    assert "05.03.2026 12:00" in text
    assert "Петров Иван Сергеевич" in text and "Физическое лицо" in text
    assert consumer.email in text and "+79001112233" in text
    assert "Новое присоединение" in text
    assert "Жилой дом" in text
    assert "д. Берёзовка, ул. Садовая, д. 7, участок 12" in text
    assert "50:20:0010203:456" in text
    assert "Максимальная мощность (с учётом ранее присоединённой) 15 кВт" in text
    assert "Ранее присоединённая мощность 0 кВт" in text and "Присоединяемая мощность 15 кВт" in text
    assert "0,4 кВ" in text and "Категория надёжности III" in text and "Бытовая" in text
    assert "Количество точек присоединения 1" in text
    assert "АО «Примерэнергосбыт»" in text and "Льготная категория заявителя нет" in text
    assert "до 15 кВт включительно (физическое лицо, бытовые нужды)" in text
    # the applicant's own passport, from the application
    assert "серия 4510 № 123456, выдан ОВД района Примерный 01.06.2015" in text
    # the attachments, by kind and file name
    assert "План расположения энергопринимающих устройств: план.pdf" in text
    assert "выписка.pdf" in text
    assert "Заявка в поданном виде" not in text  # the generated form is not its own attachment


def test_snils_is_never_printed_in_full(fixed_clock, company, consumer, make_application):
    application = make_application(consumer, status="offer_sent")
    form = text_of(stored(application, "application_form"))
    assert "***-***-*** 95" in form
    for kind in ("application_form", "contract_terms", "instruction", "invoice"):
        text = text_of(stored(application, kind)).replace(" ", "").replace("-", "")
        assert "11223344595" not in text and "112233445" not in text, kind


def test_masked_snils():
    assert pdf.masked_snils("11223344595") == "***-***-*** 95"
    assert pdf.masked_snils("112-233-445 95") == "***-***-*** 95"
    assert pdf.masked_snils("") == pdf.masked_snils(None) == ""
    assert pdf.masked_snils("123") == ""


def test_application_form_of_an_organisation(fixed_clock, company, make_user, make_application):
    org = make_user("consumer", **LEGAL)
    application = make_application(
        org,
        power_kw=Decimal("400"),
        existing_power_kw=Decimal("100"),
        voltage_kv="10",
        load_character="industrial",
        reliability=2,
        connection_points=2,
        stages="1 этап: 200 кВт — 2026; 2 этап: 400 кВт — 2027",
    )
    text = text_of(stored(application, "application_form"))
    assert "ООО «Тест»" in text and "Юридическое лицо" in text
    assert "ИНН 7707083893" in text and "КПП 770701001" in text and "ОГРН 1027700132195" in text
    assert "Паспорт" not in text and "4510" not in text  # an organisation has no passport
    assert "Максимальная мощность (с учётом ранее присоединённой) 400 кВт" in text
    assert "Ранее присоединённая мощность 100 кВт" in text and "Присоединяемая мощность 300 кВт" in text
    assert "10 кВ" in text and "Категория надёжности II" in text and "Производственная" in text
    assert "Количество точек присоединения 2" in text
    assert "1 этап: 200 кВт — 2026; 2 этап: 400 кВт — 2027" in text
    assert "свыше 150 до 670 кВт включительно" in text


# --- the offer: contract terms, instruction, invoice -----------------------------------------------


def test_small_path_documents(fixed_clock, company, consumer, make_application):
    application = make_application(consumer, status="offer_sent")
    terms = text_of(stored(application, "contract_terms"))
    assert "Условия типового договора об осуществлении технологического присоединения" in terms
    assert f"по заявке № {application.number} от 05.03.2026" in terms
    assert "АО «Примерская сетевая компания»" in terms and "ИНН / КПП 7701234567 / 770101001" in terms
    assert "ОГРН 1027700000001" in terms and "г. Примерск, ул. Ленина, д. 1" in terms
    assert "Петров Иван Сергеевич" in terms
    assert "д. Берёзовка, ул. Садовая, д. 7" in terms and "50:20:0010203:456" in terms
    assert "Присоединяемая мощность 15 кВт" in terms and "0,4 кВ" in terms
    assert "Срок выполнения мероприятий по технологическому присоединению — 4 месяца" in terms
    assert money(format_money(application.invoice_with_vat)) in terms
    assert "НДС 22 %" in terms
    assert "Договор считается заключённым со дня оплаты заявителем счёта" in terms
    assert "5 рабочих дней" in terms and "подписывает проект договора" not in terms
    assert "Примерская область (пример)" in terms and "постановление РЭК Примерской области" in terms
    assert "6. Обязанности сетевой организации" in terms and "7. Обязанности заявителя" in terms

    guide = text_of(stored(application, "instruction"))
    assert "Инструкция по технологическому присоединению" in guide
    assert "Оплатите счёт" in guide and f"до {application.due_date:%d.%m.%Y}" in guide
    assert "договор считается заключённым в день оплаты" in guide
    assert "Уведомить о выполнении ТУ" in guide and "личном кабинете" in guide
    assert "Акт об осуществлении технологического присоединения" in guide
    assert "+7 (800) 555-00-11" in guide and "tp@psk.example.ru" in guide and "https://lk.psk.example.ru" in guide
    assert "Подпишите проект договора" not in guide


def test_large_path_documents(fixed_clock, company, make_user, make_application):
    org = make_user("consumer", **LEGAL)
    application = make_application(
        org, status="offer_sent", power_kw=Decimal("400"), voltage_kv="10", load_character="industrial"
    )
    assert not application.is_small
    terms = text_of(stored(application, "contract_terms"))
    assert "ООО «Тест»" in terms and "ИНН 7707083893" in terms and "ОГРН 1027700132195" in terms
    assert "Максимальная мощность (с учётом ранее присоединённой) 400 кВт" in terms and "10 кВ" in terms
    assert "подписывает проект договора" in terms and "10 рабочих дней" in terms
    assert "со дня оплаты заявителем счёта" not in terms
    assert money(format_money(application.invoice_with_vat)) in terms

    guide = text_of(stored(application, "instruction"))
    assert "Подпишите проект договора" in guide and f"до {application.due_date:%d.%m.%Y}" in guide
    assert "Оплатите счёт" not in guide
    assert "Уведомить о выполнении ТУ" in guide

    bill = text_of(stored(application, "invoice"))
    assert "Плательщик ООО «Тест»" in bill and "7707083893 / 770701001" in bill
    assert money(format_money(application.invoice_with_vat)) in bill
    assert "в порядке и сроки, установленные договором" in bill
    assert "Оплата счёта означает заключение договора" not in bill


def test_reissue_instruction_is_short(fixed_clock, company, consumer, make_application):
    application = make_application(consumer, kind="reissue")
    text = text_of(pdf.instruction(application))
    assert "Переоформление документов" in text and "7 рабочих дней" in text
    assert "Переоформленные документы появятся в личном кабинете" in text
    assert "Оплатите счёт" not in text and "Подпишите проект договора" not in text
    assert "+7 (800) 555-00-11" in text


def test_invoice(fixed_clock, company, consumer, make_application):
    application = make_application(consumer, status="offer_sent")
    text = text_of(stored(application, "invoice"))

    assert f"Счёт на оплату № {application.number} от 05.03.2026" in text
    for detail in (
        "АО «Примерская сетевая компания»",
        "7701234567 / 770101001",
        "ПАО «Пример-Банк»",
        "БИК 044525225",
        "Расчётный счёт 40702810900000000001",
        "Корреспондентский счёт 30101810400000000225",
    ):
        assert detail in text, detail
    assert "Плательщик Петров Иван Сергеевич" in text
    assert f"Плата за технологическое присоединение по заявке {application.number}" in text
    # the terms of the calculation, then the totals as the page formats money
    assert "C1 — технические условия и проверка их выполнения" in text
    assert "C8 — учёт электроэнергии" in text
    assert f"Итого без НДС {money(format_money(application.invoice_without_vat))}" in text
    assert "НДС 22 %" in text
    assert f"Всего к оплате с НДС {money(format_money(application.invoice_with_vat))}" in text
    # C1 19 745,00 + C8 2 155,09 = 21 900,09 without VAT; less than the preferential 5 000 ₽ × 15 kW
    assert "Итого без НДС 21 900,09 ₽" in text and "4 818,02 ₽" in text
    assert "Всего к оплате с НДС 26 718,11 ₽" in text
    assert "льготная плата" not in text.lower()
    assert f"Оплатите счёт до {application.due_date:%d.%m.%Y}" in text
    assert "Оплата счёта означает заключение договора" in text
    assert "ГОСТ Р 56042-2014" in text


def test_invoice_with_the_preferential_fee_explains_it(fixed_clock, company, consumer, make_application):
    from app.applications.offer import OfferInputs, invoice_calculation

    application = make_application(consumer, status="offer_sent")
    # 200 m of overhead line make the standard fee dearer than the preferential 5 000 ₽ × 15 kW
    calculation = invoice_calculation(
        application, OfferInputs(overhead_km=Decimal("0.2"), metering="single_phase", metering_points=1)
    )
    assert calculation.rule == "preferential"
    text = text_of(pdf_invoice.invoice(application, consumer, calculation))
    assert "C2 — строительство воздушной линии (ВЛ)" in text
    assert "Всего к оплате с НДС 75 000,00 ₽" in text and "Итого без НДС 61 475,41 ₽" in text
    assert "Льготная плата: 5 000,00 ₽ за кВт × 15 кВт = 75 000,00 ₽ с НДС" in text
    assert " ".join(calculation.explanation.split()) in text
    assert "Применена льготная плата" in text


# --- the payment QR code ---------------------------------------------------------------------------


def qr_modules(data: bytes) -> list[list[bool]]:
    """The dark modules of the QR image embedded in the PDF's first image, read back from its pixels."""
    images = [image for page in PdfReader(io.BytesIO(data)).pages for image in page.images]
    assert len(images) == 1, "the invoice holds one image: the QR code"
    picture = images[0].image.convert("L")
    side = picture.width // pdf_invoice.QR_SCALE - 2 * pdf_invoice.QR_BORDER
    assert picture.width == picture.height == (side + 2 * pdf_invoice.QR_BORDER) * pdf_invoice.QR_SCALE
    half = pdf_invoice.QR_SCALE // 2
    return [
        [
            picture.getpixel(
                (
                    (pdf_invoice.QR_BORDER + col) * pdf_invoice.QR_SCALE + half,
                    (pdf_invoice.QR_BORDER + row) * pdf_invoice.QR_SCALE + half,
                )
            )
            < 128
            for col in range(side)
        ]
        for row in range(side)
    ]


def test_invoice_qr_code_holds_the_payment_payload(fixed_clock, company, consumer, make_application):
    from app.applications.offer import invoice_calculation, offer_defaults

    application = make_application(consumer, status="offer_sent")
    data = stored(application, "invoice")
    calculation = invoice_calculation(application, offer_defaults(application))
    payload = pdf_invoice.invoice_payload(application, consumer_of(application), calculation)

    assert payload.startswith(
        "ST00012|Name=АО «Примерская сетевая компания»|PersonalAcc=40702810900000000001|"
        "BankName=ПАО «Пример-Банк»|BIC=044525225|CorrespAcc=30101810400000000225|"
        "PayeeINN=7701234567|KPP=770101001|Sum=2671811|Purpose=Плата за технологическое "
        f"присоединение по заявке {application.number}, в т.ч. НДС 22 % 4818,02 руб."
    )
    assert payload.endswith("|LastName=Петров|FirstName=Иван|MiddleName=Сергеевич")
    expected = [[bool(v) for v in row] for row in segno.make_qr(payload, encoding="utf-8", error="m").matrix]
    assert qr_modules(data) == expected


def test_invoice_qr_code_of_an_organisation_has_its_inn(fixed_clock, company, make_user, make_application):
    org = make_user("consumer", **LEGAL)
    application = make_application(
        org, status="offer_sent", power_kw=Decimal("400"), voltage_kv="10", load_character="industrial"
    )
    from app.applications.offer import invoice_calculation, offer_defaults

    calculation = invoice_calculation(application, offer_defaults(application))
    payload = pdf_invoice.invoice_payload(application, org, calculation)
    assert f"|Sum={pdf_invoice.kopecks(application.invoice_with_vat)}|" in payload
    assert payload.endswith("|PayerINN=7707083893")  # no person's name for an organisation
    assert "LastName" not in payload
    expected = [[bool(v) for v in row] for row in segno.make_qr(payload, encoding="utf-8", error="m").matrix]
    assert qr_modules(stored(application, "invoice")) == expected


def test_invoice_without_bank_details_has_no_qr_code(fixed_clock, consumer, make_application):
    application = make_application(consumer, status="offer_sent")  # the company's settings were never saved
    data = stored(application, "invoice")
    assert [image for page in PdfReader(io.BytesIO(data)).pages for image in page.images] == []
    assert "QR-код для оплаты не сформирован" in text_of(data)


BANK = SimpleNamespace(
    full_name="АО «Сеть|Север»",
    bank_account="40702810900000000001",
    bank_name="ПАО Банк",
    bank_bic="044525225",
    bank_corr_account="30101810400000000225",
    inn="7701234567",
    kpp="770101001",
)


def test_payment_payload_exactly():
    payload = pdf_invoice.payment_payload(
        BANK,
        Decimal("45123.45"),
        "Плата по заявке ТП-2026-000001 | срочно",
        payer_name="Иванова  Мария Петровна",
        payer_inn="500100732259",
    )
    assert payload == (
        "ST00012|Name=АО «Сеть Север»|PersonalAcc=40702810900000000001|BankName=ПАО Банк|BIC=044525225"
        "|CorrespAcc=30101810400000000225|PayeeINN=7701234567|KPP=770101001|Sum=4512345"
        "|Purpose=Плата по заявке ТП-2026-000001 срочно|PayerINN=500100732259"
        "|LastName=Иванова|FirstName=Мария|MiddleName=Петровна"
    )
    assert payload.encode("utf-8").decode("utf-8") == payload  # the header's "2": UTF-8


def test_payment_payload_kopecks_and_empty_fields():
    company = SimpleNamespace(**{**BANK.__dict__, "full_name": "ООО Сеть", "kpp": ""})
    assert pdf_invoice.payment_payload(company, Decimal("100"), "Оплата") == (
        "ST00012|Name=ООО Сеть|PersonalAcc=40702810900000000001|BankName=ПАО Банк|BIC=044525225"
        "|CorrespAcc=30101810400000000225|PayeeINN=7701234567|Sum=10000|Purpose=Оплата"
    )
    assert "|Sum=1|" in pdf_invoice.payment_payload(company, Decimal("0.005"), "x")  # half-up to a kopeck
    assert "|Sum=199999999|" in pdf_invoice.payment_payload(company, Decimal("1999999.99"), "x")
    # line breaks and the separator never reach the string; the required fields always stay first
    payload = pdf_invoice.payment_payload(company, Decimal("1"), "a\nb|c", payer_name="Петров")
    assert payload.endswith("|Purpose=a b c|LastName=Петров")
    assert [part.split("=")[0] for part in payload.split("|")][:6] == [
        "ST00012",
        "Name",
        "PersonalAcc",
        "BankName",
        "BIC",
        "CorrespAcc",
    ]
    assert pdf_invoice.payment_payload(company, Decimal("1"), "z" * 300).endswith("|Purpose=" + "z" * 210)


def pages_of(data: bytes) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages]


CLOSING = "Заявитель подтверждает достоверность сведений, указанных в заявке."


def test_an_application_of_the_demo_size_is_one_page(fixed_clock, company, make_user, make_application):
    """The demo's organisation (its details, two attachments) used to leave the closing
    statement alone on page 2; a form that nearly fits is fitted onto one page."""
    org = make_user("consumer", **LEGAL, last_name="Соколов", first_name="Андрей", phone="+74951112233")
    application = make_application(
        org, object_name="Склад", power_kw=Decimal("400"), voltage_kv="10", load_character="commercial"
    )
    [page] = pages_of(stored(application, "application_form"))
    assert CLOSING in page and "от 27.12.2004 № 861" in page
    assert "План расположения энергопринимающих устройств" in page


def test_a_long_application_keeps_the_closing_statement_with_the_attachments(
    fixed_clock, company, make_user, make_application
):
    org = make_user("consumer", **LEGAL)
    stages = "\n".join(f"{n} этап: {n * 10} кВт — до 31.12.{2026 + n}, отдельная линия и учёт" for n in range(1, 40))
    application = make_application(org, power_kw=Decimal("400"), voltage_kv="10", stages=stages)
    pages = pages_of(stored(application, "application_form"))
    assert len(pages) >= 2
    last = pages[-1]
    assert CLOSING in last
    body = last.split("ООО «Демо-Сеть»", 1)[-1] if "ООО «Демо-Сеть»" in last else last
    assert body.index("выписка.pdf") < body.index(CLOSING), "the last attachment shares the page with it"
