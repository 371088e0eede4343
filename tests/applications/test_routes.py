"""The consumer's pages: the form (submit and draft), the list, the card with its live
status block, documents, answering a request, withdrawing, notifying fulfilment; bad
input; another consumer's application or document is 404; steps off the table are 403."""

import io
from datetime import date
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from app.applications.models import Application, ApplicationDocument, ApplicationEvent
from app.auth.models import User
from app.core.storage import StoredFile
from app.extensions import db
from app.notifications.models import Notification
from tests.applications.conftest import application_form
from tests.helpers import PNG, Page, pdf_file


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def post_application(client, url="/applications/new", **changes):
    return client.submit(url, application_form(**changes), content_type="multipart/form-data")


CONTRACT_FIELDS = (
    "kind",
    "object_name",
    "object_settlement",
    "object_street",
    "object_house",
    "object_address_extra",
    "cadastral_number",
    "power_kw",
    "existing_power_kw",
    "voltage_kv",
    "reliability",
    "load_character",
    "connection_points",
    "supplier",
    "commissioning_date",
    "stages",
    "preferential",
    "passport_series",
    "passport_number",
    "passport_issued_by",
    "passport_issued_on",
    "site_plan",
    "title_document",
    "power_of_attorney",
    "preferential_proof",
    "other_documents",
)


def test_the_form_has_the_fields_of_the_contract(consumer_client, consumer, make_application):
    """The form in steps carries every field of SPEC §4.2 under its name; step 1 is the page
    of /applications/new and posts to it (multipart, as the one-page form does)."""
    page = consumer_client.page("/applications/new")
    form = page.select_one("form.application-form")
    assert form["action"] == "/applications/new" and form["enctype"] == "multipart/form-data"
    names = {i["name"] for i in form.select("[name]")}
    draft = make_application(consumer, status="draft")
    for step in (2, 3, 4):
        form = consumer_client.page(f"/applications/{draft.id}/steps/{step}").select_one("form.application-form")
        names |= {i["name"] for i in form.select("[name]")}
    assert set(CONTRACT_FIELDS) <= names
    assert consumer_client.page(f"/applications/{draft.id}/steps/4").select_one("form.application-form")["enctype"] == (
        "multipart/form-data"
    )


def test_a_legal_entity_sees_no_passport_fields(app, make_user, login):
    legal = make_user(
        "consumer",
        applicant_type="legal",
        inn="7707083893",
        kpp="770701001",
        ogrn="1027700132195",
        org_name="ООО «Ромашка»",
        snils=None,
    )
    c = app.test_client()
    login(legal, c=c)
    assert not c.page("/applications/new").select("[name=passport_series]")


def test_consumer_submits_and_sees_the_number_and_date(consumer_client, consumer, fixed_clock, decision):
    response = post_application(consumer_client)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    application = db.session.scalar(sa.select(Application))
    assert response.headers["Location"] == f"/applications/{application.id}"
    assert application.number == "ТП-2026-000001" and application.status == "submitted"
    assert application.category == "up_to_15" and application.consumer_id == consumer.id
    assert application.due_date == date(2026, 3, 11), "3 working days after Thu 05.03.2026, 08.03 a holiday (Mon 09.03)"
    kinds = sorted(db.session.scalars(sa.select(ApplicationDocument.kind)))
    assert kinds == ["application_form", "site_plan", "title_document"]
    note = db.session.scalar(sa.select(Notification))
    assert note.link == application.link and "ТП-2026-000001" in note.title
    page = consumer_client.page(response.headers["Location"])
    assert "ТП-2026-000001" in page.title
    assert "05.03.2026" in page.text("#application-status")
    assert "Заявка в поданном виде" in page.text()


def test_missing_fields_are_shown_next_to_them_and_nothing_is_saved(consumer_client, fixed_clock):
    response = post_application(consumer_client, object_settlement="", power_kw="", supplier="", site_plan=None)
    assert response.status_code == 200
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert page.title.text.startswith("Ошибка: ")
    errors = {e.parent.select_one("[name]")["name"]: e.text for e in page.select(".field .error")}
    assert errors["object_settlement"] == "Укажите населённый пункт."
    assert errors["power_kw"] == "Укажите максимальную мощность."
    assert errors["supplier"] == "Укажите гарантирующего поставщика."
    assert errors["site_plan"] == "Приложите план расположения энергопринимающих устройств."
    assert page.select(".error-summary li")
    assert count(Application) == 0 and count(StoredFile) == 0


def test_inconsistent_values_are_refused_in_russian(consumer_client, fixed_clock):
    response = post_application(
        consumer_client,
        power_kw="10",
        existing_power_kw="12",
        voltage_kv="110",
        cadastral_number="50-20-1",
        commissioning_date="2026-01-10",
        passport_series="45a0",
    )
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "не может быть больше максимальной" in text
    assert "кадастровый номер" in text.lower() and "77:01:0004012:1234" in text
    assert "не может быть в прошлом" in text
    assert "Серия паспорта — 4 цифры." in text
    assert count(Application) == 0 and count(StoredFile) == 0


def test_digits_of_other_scripts_are_refused_in_russian(consumer_client, fixed_clock):
    """'٤٥١٠' passed re's \\d and was saved as a passport series; '²' too, in the power, to
    int() and Decimal() (issue 16)."""
    numbers = post_application(consumer_client, power_kw="١٥", connection_points="²")
    identifiers = post_application(
        consumer_client, passport_series="٤٥١٠", passport_number="１２３４５６", cadastral_number="50:20:0010203:45⁶"
    )
    for response, names in (
        (numbers, ("Максимальная мощность, кВт (с учётом ранее присоединённой)", "Количество точек присоединения")),
        (identifiers, ("Серия паспорта", "Номер паспорта", "Кадастровый номер")),
    ):
        assert response.status_code == 200
        for name in names:
            assert f"{name}: наберите обычными цифрами 0–9" in response.get_data(as_text=True), name
    assert count(Application) == 0 and count(StoredFile) == 0


def test_a_voltage_that_does_not_fit_the_power(consumer_client, fixed_clock):
    response = post_application(consumer_client, power_kw="2000", voltage_kv="0.4", load_character="industrial")
    assert "выберите более высокий уровень напряжения" in response.get_data(as_text=True)
    assert count(Application) == 0


def test_a_disguised_or_oversize_file_is_refused_with_the_reason(consumer_client, fixed_clock):
    fake = (pdf_file("план.pdf", b"MZ\x90\x00 not a pdf")[0], "план.pdf")
    response = post_application(consumer_client, site_plan=fake)
    assert response.status_code == 200
    assert "не похож на допустимый документ" in response.get_data(as_text=True)
    big = pdf_file("огромный.pdf", b"%PDF-1.4" + b"0" * (10 * 1024 * 1024))
    response = post_application(consumer_client, title_document=big)
    assert "больше допустимого размера" in response.get_data(as_text=True)
    assert count(Application) == 0 and count(StoredFile) == 0


def test_a_draft_is_shown_back_with_its_choices(consumer_client, consumer, fixed_clock):
    post_application(
        consumer_client,
        action="draft",
        kind="increase",
        reliability="2",
        load_character="commercial",
        preferential="y",
        existing_power_kw="5",
        voltage_kv="0.4",
    )
    draft = db.session.scalar(sa.select(Application))
    step1, page = (consumer_client.page(f"/applications/{draft.id}/steps/{n}") for n in (1, 3))
    checked = {
        (i["name"], i["value"])
        for i in [*step1.select("input[type=radio][checked]"), *page.select("input[type=radio][checked]")]
    }
    assert {("kind", "increase"), ("reliability", "2"), ("load_character", "commercial"), ("preferential", "y")} <= (
        checked
    )
    assert page.select_one("#voltage_kv option[selected]")["value"] == "0.4"
    assert page.select_one("#existing_power_kw")["value"] == "5", "as typed, not 5.000"


def test_a_draft_keeps_partial_data_and_is_submitted_later(consumer_client, consumer, fixed_clock, decision):
    response = post_application(
        consumer_client, action="draft", supplier="", title_document=None, power_kw="", voltage_kv=""
    )
    assert response.status_code == 302
    draft = db.session.scalar(sa.select(Application))
    assert draft.status == "draft" and draft.number is None and draft.power_kw is None
    assert response.headers["Location"] == f"/applications/{draft.id}/edit"
    # Its page is the summary of the form in steps.
    assert (
        consumer_client.get(f"/applications/{draft.id}/edit").headers["Location"] == f"/applications/{draft.id}/summary"
    )
    page = consumer_client.page(f"/applications/{draft.id}/steps/2")
    assert page.select_one("#object_settlement")["value"] == "д. Берёзовка"
    assert "план.pdf" in consumer_client.page(f"/applications/{draft.id}/steps/4").text("#files")
    # The card of a draft is its summary; the office never sees it.
    assert consumer_client.get(f"/applications/{draft.id}").headers["Location"] == f"/applications/{draft.id}/summary"
    # Submitting the draft: the site plan attached before counts.
    response = post_application(consumer_client, f"/applications/{draft.id}/edit", site_plan=None)
    assert response.status_code == 302
    db.session.refresh(draft)
    assert draft.status == "submitted" and draft.number == "ТП-2026-000001" and count(Application) == 1


def test_a_file_can_be_removed_from_a_draft_and_the_draft_deleted(
    consumer_client, consumer, make_application, fixed_clock
):
    draft = make_application(consumer, status="draft")
    doc = db.session.scalar(sa.select(ApplicationDocument).where(ApplicationDocument.kind == "site_plan"))
    path = db.session.get(StoredFile, doc.stored_file_id).path
    consumer_client.submit(f"/applications/{draft.id}/documents/{doc.id}/delete", expect=302)
    assert not path.exists() and db.session.get(ApplicationDocument, doc.id) is None
    consumer_client.submit(f"/applications/{draft.id}/delete", expect=302)
    assert count(Application) == 0 and count(StoredFile) == 0


def test_a_submitted_application_cannot_be_edited_or_deleted(consumer_client, consumer, make_application):
    application = make_application(consumer)
    assert consumer_client.get(f"/applications/{application.id}/edit").status_code == 302
    assert consumer_client.submit(f"/applications/{application.id}/delete").status_code == 403
    assert db.session.get(Application, application.id).status == "submitted"


def test_the_list_shows_status_and_the_due_date(consumer_client, consumer, make_application, fixed_clock):
    make_application(consumer, status="needs_info")
    make_application(consumer, status="draft", object_name="Баня")
    page = consumer_client.page("/applications")
    items = page.select("[data-application-id]")
    assert len(items) == 2
    assert "Черновик" in items[0].text and "Нужны сведения" in items[1].text
    assert "представить недостающие сведения" in items[1].text


def test_the_card_polls_its_status_block_and_gets_204_when_nothing_changed(
    consumer_client, consumer, make_application, operator
):
    from app.applications.office_operations import request_info

    application = make_application(consumer)
    page = consumer_client.page(f"/applications/{application.id}")
    block = page.select_one("#application-status")
    url = block["hx-get"]
    assert url.endswith(f"v={application.version}") and "every" in block["hx-trigger"]
    assert consumer_client.get(url, headers={"HX-Request": "true"}).status_code == 204
    request_info(db.session.get(Application, application.id), operator, "Нужен план участка.")
    db.session.commit()
    response = consumer_client.get(url, headers={"HX-Request": "true"})
    assert response.status_code == 200
    fragment = response.get_data(as_text=True)
    assert "<html" not in fragment and "Нужны сведения" in fragment and "Обновите страницу" in fragment
    assert len(fragment.encode()) < 2048
    # Without HX-Request the same URL is the whole page.
    assert "<html" in consumer_client.get(url).get_data(as_text=True)


def test_opening_the_card_reads_its_notifications(consumer_client, consumer, make_application):
    from app.notifications.services import notify
    from tests.core.query_counter import count_queries

    application = make_application(consumer)
    notify(consumer, "application_status", "Другая новость", link="/appeals/1")
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).where(Notification.read_at.is_(None))) == 2
    page = consumer_client.page(f"/applications/{application.id}")
    about = db.session.scalar(sa.select(Notification).where(Notification.link == application.link))
    assert about.read_at is not None
    assert page.select_one("#inbox-badge [data-unread]")["data-unread"] == "1", "the badge counts after reading"
    with count_queries() as statements:
        page = consumer_client.page(f"/applications/{application.id}")
    assert page.select_one("#inbox-badge [data-unread]")["data-unread"] == "1"
    assert len([s for s in statements if "FROM notifications" in s]) == 1, "one count serves the card and the badge"


def test_the_card_reads_its_notifications_while_another_writer_holds_the_lock(
    consumer_client, consumer, make_application
):
    """The mail sender (or any writer) commits while the card opens: the card waits its turn to
    mark its notifications read instead of failing with «database is locked»."""
    from app.notifications.services import notify
    from tests.helpers import WriteLockHolder

    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's write lock")
    application = make_application(consumer)
    notify(consumer, "application_status", "Заявка зарегистрирована", link=application.link)
    db.session.commit()
    with WriteLockHolder(db.engine.url.database, 0.3):
        page = consumer_client.page(f"/applications/{application.id}")
    assert page.status == 200
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).where(Notification.read_at.is_(None))) == 0


def test_the_consumer_answers_a_request_for_data(consumer_client, consumer, make_application, fixed_clock):
    application = make_application(consumer, status="needs_info")
    page = consumer_client.page(f"/applications/{application.id}")
    assert "план участка" in page.text(".notice")
    response = consumer_client.submit(
        f"/applications/{application.id}/reply",
        {"text": "Прикладываю план.", "files": pdf_file("план-2.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    db.session.refresh(application)
    assert application.status == "submitted" and application.info_request == ""
    doc = db.session.scalar(sa.select(ApplicationDocument).where(ApplicationDocument.kind == "info_response"))
    assert doc is not None and doc.event_id is not None
    # An empty answer is refused, and answering twice is off the table.
    response = consumer_client.submit(
        f"/applications/{application.id}/reply", {"text": ""}, content_type="multipart/form-data"
    )
    assert response.status_code == 403


def test_an_empty_answer_is_refused_in_russian(consumer_client, consumer, make_application):
    application = make_application(consumer, status="needs_info")
    response = consumer_client.submit(
        f"/applications/{application.id}/reply", {"text": "  "}, content_type="multipart/form-data"
    )
    assert response.status_code == 200
    assert "Напишите ответ или приложите файлы." in response.get_data(as_text=True)
    assert db.session.get(Application, application.id).status == "needs_info"


def test_withdrawal_asks_first_and_works_before_the_contract_only(consumer_client, consumer, make_application):
    application = make_application(consumer, status="offer_sent")
    page = consumer_client.page(f"/applications/{application.id}/withdraw")
    assert "нельзя вернуть" in page.text()
    consumer_client.submit(f"/applications/{application.id}/withdraw", {"reason": "Построю позже."}, expect=302)
    db.session.refresh(application)
    assert application.status == "withdrawn" and application.closing_reason == "Построю позже."
    concluded = make_application(consumer, status="contract_concluded")
    assert consumer_client.get(f"/applications/{concluded.id}/withdraw").status_code == 403
    assert consumer_client.submit(f"/applications/{concluded.id}/withdraw").status_code == 403
    assert db.session.get(Application, concluded.id).status == "contract_concluded"


def test_the_consumer_notifies_fulfilment_with_files(consumer_client, consumer, make_application):
    application = make_application(consumer, status="in_progress")
    response = consumer_client.submit(
        f"/applications/{application.id}/fulfilment", {"text": "Готово."}, content_type="multipart/form-data"
    )
    assert response.status_code == 200 and "Приложите документы" in response.get_data(as_text=True)
    disguised = (io.BytesIO(b"#!/bin/sh\necho hi"), "акт.pdf")
    response = consumer_client.submit(
        f"/applications/{application.id}/fulfilment",
        {"text": "Готово.", "files": [pdf_file("схема.pdf"), disguised]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200 and "не похож на допустимый документ" in response.get_data(as_text=True)
    assert db.session.get(Application, application.id).status == "in_progress"
    response = consumer_client.submit(
        f"/applications/{application.id}/fulfilment",
        {"text": "Готово.", "files": [pdf_file("схема.pdf"), (io.BytesIO(PNG), "фото.png")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    db.session.refresh(application)
    assert application.status == "tu_fulfilled"


def test_steps_off_the_table_are_403(consumer_client, consumer, make_application):
    submitted = make_application(consumer)
    assert (
        consumer_client.submit(
            f"/applications/{submitted.id}/fulfilment", {"text": "x"}, content_type="multipart/form-data"
        ).status_code
        == 403
    )
    done = make_application(consumer, status="completed")
    assert (
        consumer_client.submit(
            f"/applications/{done.id}/reply", {"text": "x"}, content_type="multipart/form-data"
        ).status_code
        == 403
    )


def test_documents_download_with_a_safe_disposition(consumer_client, consumer, make_application):
    application = make_application(consumer, status="offer_sent")
    docs = {d.kind: d for d in db.session.scalars(sa.select(ApplicationDocument))}
    assert {"application_form", "contract_terms", "instruction", "invoice", "technical_conditions"} <= set(docs)
    response = consumer_client.get(f"/applications/{application.id}/documents/{docs['invoice'].id}")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["Cache-Control"] == "no-store"


def test_another_consumers_application_and_documents_are_404(consumer, other_client, make_application):
    application = make_application(consumer, status="in_progress")
    doc = db.session.scalar(sa.select(ApplicationDocument))
    for url in (
        f"/applications/{application.id}",
        f"/applications/{application.id}/edit",
        f"/applications/{application.id}/withdraw",
        f"/applications/{application.id}/documents/{doc.id}",
    ):
        assert other_client.get(url).status_code == 404, url
    for url in (
        f"/applications/{application.id}/reply",
        f"/applications/{application.id}/fulfilment",
        f"/applications/{application.id}/withdraw",
        f"/applications/{application.id}/delete",
    ):
        assert other_client.submit(url, {"text": "чужое"}).status_code == 404, url
    assert db.session.get(Application, application.id).status == "in_progress"


def test_a_document_of_another_application_is_404_through_my_own(
    consumer_client, consumer, other_client, make_application
):
    mine = make_application(consumer)
    theirs = make_application(other_client.user)
    their_doc = db.session.scalar(
        sa.select(ApplicationDocument.id).where(ApplicationDocument.application_id == theirs.id)
    )
    assert consumer_client.get(f"/applications/{mine.id}/documents/{their_doc}").status_code == 404


def test_no_field_lets_a_consumer_set_status_numbers_or_assignee(
    consumer_client, consumer, operator, fixed_clock, decision
):
    response = post_application(
        consumer_client,
        status="completed",
        number="ТП-1999-999999",
        category="over_670",
        due_date="2030-01-01",
        assigned_to_id=str(operator.id),
        consumer_id="999",
    )
    assert response.status_code == 302
    application = db.session.scalar(sa.select(Application))
    assert application.status == "submitted" and application.number == "ТП-2026-000001"
    assert application.category == "up_to_15" and application.assigned_to_id is None
    assert application.consumer_id == consumer.id


def test_staff_are_sent_to_the_office_and_anonymous_to_login(client, operator_client, consumer, make_application):
    application = make_application(consumer)
    assert client.get("/applications").headers["Location"].startswith("/login")
    assert client.get(f"/applications/{application.id}").headers["Location"].startswith("/login")
    assert operator_client.get("/applications").headers["Location"] == "/office/applications/"
    assert (
        operator_client.get(f"/applications/{application.id}").headers["Location"]
        == f"/office/applications/{application.id}"
    )


def test_a_completed_card_invites_a_rating_and_offers_the_final_acts(consumer_client, consumer, make_application):
    application = make_application(consumer, status="completed")
    page = consumer_client.page(f"/applications/{application.id}")
    assert page.select_one(f'a[href="/applications/{application.id}/rating"]')
    sections = [h.get_text(strip=True) for h in page.select("#documents h3")]
    assert sections == [
        "Заявка",
        "Договор, технические условия и счёт",
        "Выполнение технических условий",
        "Присоединение и итоговые акты",
    ], "stages in the order of the path; none empty"
    final = page.select("#documents ul")[-1].get_text()
    assert "Акт об осуществлении технологического присоединения" in final and "Акт допуска прибора учёта" in final
    assert not page.select_one("#application-status").get("hx-get"), "a closed application is not polled"


def test_the_card_links_to_the_calculator_prefilled(consumer_client, consumer, make_application):
    application = make_application(consumer, power_kw=Decimal("12"))
    page = consumer_client.page(f"/applications/{application.id}")
    link = page.select_one('a[href^="/calculator?"]')["href"]
    assert "power_kw=12" in link and "applicant_type=individual" in link and "voltage_kv=0.4" in link
    for power, shown in ((Decimal("400.000"), "400"), (Decimal("12.500"), "12,5")):
        other = make_application(consumer, power_kw=power)
        href = consumer_client.page(f"/applications/{other.id}").select_one('a[href^="/calculator?"]')["href"]
        assert parse_qs(urlsplit(href).query)["power_kw"] == [shown], "as the form shows it"
        assert consumer_client.page(href).select_one("input[name=power_kw]")["value"] == shown
    invoiced = make_application(consumer, status="offer_sent", power_kw=Decimal("12"))
    page = consumer_client.page(f"/applications/{invoiced.id}")
    assert not page.select_one('a[href^="/calculator?"]'), "the invoice gives the price: no estimate"


@pytest.mark.parametrize(
    "settlement, territory",
    [("с. Заречное", "rural"), ("д. Берёзовка", "rural"), ("г. Примерск", "urban"), ("Примерск", "urban")],
)
def test_the_calculator_link_takes_the_territory_from_the_kind_of_settlement(
    consumer_client, consumer, make_application, settlement, territory
):
    application = make_application(consumer, object_settlement=settlement)
    href = consumer_client.page(f"/applications/{application.id}").select_one('a[href^="/calculator?"]')["href"]
    assert parse_qs(urlsplit(href).query)["territory"] == [territory]
    checked = consumer_client.page(href).select_one("input[name=territory][checked]")
    assert checked["value"] == territory, "the calculator opens with it chosen; the person can change it"


def test_the_offer_notice_says_what_was_paid_and_later_cards_read_no_payments(
    consumer_client, consumer, make_application, fixed_clock
):
    from app.applications.office_operations import record_payment
    from app.core import clock
    from tests.core.query_counter import count_queries

    offer = make_application(consumer, status="offer_sent")
    staff = db.session.scalar(sa.select(User).where(User.role == "operator"))
    record_payment(offer, staff, clock.today(), Decimal("100.00"))
    db.session.commit()
    notice = consumer_client.page(f"/applications/{offer.id}").text("#offer-h + p")
    assert "Оплачено: 100,00" in notice
    working = make_application(consumer, status="in_progress")
    consumer_client.get(f"/applications/{working.id}")
    with count_queries() as statements:
        consumer_client.page(f"/applications/{working.id}")
    assert not [s for s in statements if "application_payments" in s], "nothing on the card prints payments"


def test_the_card_lists_documents_and_history_as_the_consumer_sees_them(consumer_client, consumer, make_application):
    from app.applications.office_operations import assign

    application = make_application(consumer, status="in_progress")
    staff = db.session.scalar(sa.select(User).where(User.role == "operator"))
    assign(db.session.get(Application, application.id), staff, staff)  # staff see it; the consumer does not
    db.session.commit()
    page = consumer_client.page(f"/applications/{application.id}")
    invoice = next(li for li in page.select("#documents li") if "Счёт на оплату" in li.get_text())
    stored = db.session.scalar(
        sa.select(StoredFile)
        .join(ApplicationDocument)
        .where(ApplicationDocument.application_id == application.id, ApplicationDocument.kind == "invoice")
    )
    assert f"{stored.original_name}, {stored.size_label}, " in invoice.get_text()
    assert invoice.a["href"].startswith(f"/applications/{application.id}/documents/")
    told = [li.get_text(" ", strip=True) for li in page.select("ol.history li")]
    titles = [
        "Зарегистрирована, на проверке",
        "Документы направлены заявителю",
        "Оплата",
        "Договор заключён",
        "Выполнение технических условий",
    ]
    assert len(told) == len(titles)
    assert all(t.split(" — ", 1)[1].startswith(title) for t, title in zip(told, titles, strict=True)), told
    assert told[0].endswith("Подана через личный кабинет"), "with the event's comment"
    assert not [t for t in told if "Ответственный" in t], "the consumer is not told who was assigned"
    assert [li.get("aria-current") for li in page.select("ol.timeline li")].count("step") == 1


def test_history_rows_name_each_status(consumer, make_application):
    application = make_application(consumer, status="connected")
    statuses = list(
        db.session.scalars(
            sa.select(ApplicationEvent.to_status)
            .where(ApplicationEvent.application_id == application.id, ApplicationEvent.action == "status")
            .order_by(ApplicationEvent.id)
        )
    )
    assert statuses == ["submitted", "offer_sent", "contract_concluded", "in_progress", "tu_fulfilled", "connected"]


def test_the_card_polls_are_marked_as_polls(consumer_client, consumer, make_application):
    application = make_application(consumer, status="submitted")
    section = consumer_client.page(f"/applications/{application.id}").select_one("#application-status")
    assert section.get("hx-trigger", "").startswith("every ") and '"X-Poll": "1"' in section["hx-headers"]


def test_sending_the_missing_data_is_acknowledged_not_registered_again(
    consumer_client, consumer, make_application, mailbox
):
    application = make_application(consumer, status="needs_info")
    before = len(mailbox())
    consumer_client.submit(
        f"/applications/{application.id}/reply", {"text": "Прикладываю план."}, content_type="multipart/form-data"
    )
    latest = db.session.scalars(
        sa.select(Notification).where(Notification.user_id == consumer.id).order_by(Notification.id.desc())
    ).first()
    assert latest.title == f"Сведения по заявке {application.number} получены"
    assert "зарегистрирована" not in latest.title and "снова на проверке" in latest.body
    assert [m["Subject"] for m in mailbox()[before:]] == [f"Сведения по заявке {application.number} получены"]


def test_the_fulfilment_field_is_labelled_for_what_it_is(consumer_client, consumer, make_application):
    application = make_application(consumer, status="in_progress")
    label = consumer_client.page(f"/applications/{application.id}").select_one("#tu-h ~ form label[for=text]")
    assert label.get_text() == "Уведомление о выполнении ТУ"
    page = Page(
        consumer_client.submit(
            f"/applications/{application.id}/fulfilment", {"text": "Готово."}, content_type="multipart/form-data"
        )
    )
    assert page.select_one("#tu-h ~ form label[for=text]").get_text() == "Уведомление о выполнении ТУ"
    asked = make_application(consumer, status="needs_info")
    assert (
        consumer_client.page(f"/applications/{asked.id}").select_one("#reply-h ~ form label[for=text]").get_text()
        == "Ответ"
    )
