"""The consumer's pages: file an appeal, the list, the card with its live status block,
clarifications, downloads; bad input; another consumer's appeal is 404."""

from datetime import date

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from app.appeals.models import Appeal, AppealEvent, AppealFile, AppealMessage
from app.appeals.services import answer_appeal, take_into_work
from app.core.storage import StoredFile
from app.extensions import db
from app.notifications.models import Notification
from tests.helpers import PDF, Page, pdf_file

STATEMENT = {
    "kind": "statement",
    "topic": "connection",
    "text": "Прошу сообщить сроки работ по моей заявке.",
    "channel": "cabinet",
}
SUPPLY = {
    "kind": "complaint",
    "topic": "quality",
    "text": "Вечерами напряжение 180 В.",
    "channel": "email",
    "complainant_details": "Петров Иван Сергеевич",
    "contract_number": "ЭС-1",
    "supply_address": "д. Берёзовка, ул. Садовая, д. 7",
    "problem_date": "2026-03-02",
    "problem_time": "с 18:00 до 22:00",
    "demands": "Восстановить напряжение 230 В.",
}


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def post_appeal(client, data, files=None):
    payload = dict(data)
    if files is not None:
        payload["files"] = files
    return client.submit("/appeals/new", payload, content_type="multipart/form-data")


def test_new_appeal_form_shows_the_complaint_fields_with_a_hint(consumer_client, consumer):
    page = consumer_client.page("/appeals/new")
    form = page.select_one("form.appeal-form")
    assert form["enctype"] == "multipart/form-data"
    for name in (
        "kind",
        "topic",
        "text",
        "channel",
        "files",
        "postal_address",
        "complainant_details",
        "contract_number",
        "supply_address",
        "problem_date",
        "problem_time",
        "demands",
    ):
        assert form.select_one(f"[name={name}]"), name
    assert "постановление Правительства РФ № 442" in page.text(".supply")
    assert page.select_one("#complainant_details")["value"] == consumer.person_name


def test_consumer_files_a_statement(consumer_client, consumer, fixed_clock):
    response = post_appeal(consumer_client, STATEMENT)
    assert response.status_code == 302
    appeal = db.session.scalar(sa.select(Appeal))
    assert response.headers["Location"] == f"/appeals/{appeal.id}"
    assert appeal.number == "ОБ-2026-000001" and appeal.consumer_id == consumer.id
    assert appeal.status == "registered" and appeal.received_via == "website" and appeal.registered_by_id is None
    assert appeal.due_date == date(2026, 4, 6), "30 calendar days from 05.03.2026, moved off Sunday 05.04"
    assert appeal.complainant_details == "" and appeal.problem_date is None
    event = db.session.scalar(sa.select(AppealEvent))
    assert event.from_status is None and event.to_status == "registered" and event.actor_id == consumer.id
    note = db.session.scalar(sa.select(Notification))
    assert note.user_id == consumer.id and note.link == f"/appeals/{appeal.id}" and "ОБ-2026-000001" in note.title
    assert "06.04.2026" in note.body
    page = consumer_client.page(response.headers["Location"])
    assert "ОБ-2026-000001 зарегистрировано" in page and "не позднее 06.04.2026" in page


def test_numbers_are_gap_free_and_per_year(consumer_client, fixed_clock):
    for _ in range(3):
        post_appeal(consumer_client, STATEMENT)
    numbers = db.session.scalars(sa.select(Appeal.number).order_by(Appeal.id)).all()
    assert numbers == ["ОБ-2026-000001", "ОБ-2026-000002", "ОБ-2026-000003"]


def test_a_complaint_about_quality_needs_decree_442_details(consumer_client):
    page = Page(post_appeal(consumer_client, {**STATEMENT, "kind": "complaint", "topic": "quality"}))
    assert page.status == 200 and page.title.startswith("Ошибка: ")
    errors = page.errors()
    assert "Укажите адрес энергопринимающих устройств." in errors
    assert "Укажите дату, когда возникла проблема." in errors and "Укажите ваши требования." in errors
    assert page.select_one(".error-summary a[href='#supply_address']")
    assert count(Appeal) == 0


def test_a_complaint_about_quality_with_a_file(consumer_client, consumer, fixed_clock, app):
    response = post_appeal(consumer_client, SUPPLY, files=[pdf_file("замеры.pdf")])
    assert response.status_code == 302
    appeal = db.session.scalar(sa.select(Appeal))
    assert appeal.supply_address == SUPPLY["supply_address"] and appeal.problem_date == date(2026, 3, 2)
    assert appeal.demands == SUPPLY["demands"] and appeal.contract_number == "ЭС-1"
    assert appeal.due_date == date(2026, 3, 27), "15 working days for a complaint about the quality of supply"
    item = db.session.scalar(sa.select(AppealFile))
    stored = db.session.get(StoredFile, item.stored_file_id)
    assert item.message_id is None and stored.path.read_bytes() == PDF and stored.original_name == "замеры.pdf"
    page = consumer_client.page(f"/appeals/{appeal.id}")
    assert "Восстановить напряжение 230 В." in page and "замеры.pdf" in page


def test_problem_date_in_russian_format_and_in_the_future(consumer_client, fixed_clock):
    page = Page(post_appeal(consumer_client, {**SUPPLY, "problem_date": "32.13.2026"}))
    assert "Укажите дату в виде ДД.ММ.ГГГГ, например 12.03.2026." in page.errors()
    page = Page(post_appeal(consumer_client, {**SUPPLY, "problem_date": "01.04.2026"}))
    assert "Дата не может быть позже сегодняшней." in page.errors()
    assert post_appeal(consumer_client, {**SUPPLY, "problem_date": "02.03.2026"}).status_code == 302


def test_bad_input_saves_nothing(consumer_client, mailbox):
    cases = [
        ({**STATEMENT, "text": ""}, None, "Опишите суть обращения."),
        ({**STATEMENT, "text": "я" * 5001}, None, "Текст обращения не должен быть длиннее 5000 символов."),
        ({**STATEMENT, "channel": "post"}, None, "Укажите почтовый адрес для ответа."),
        (STATEMENT, [pdf_file("акт.pdf", b"MZ\x90\x00 an exe")], "не похож на допустимый документ"),
        (STATEMENT, [pdf_file(f"{n}.pdf") for n in range(6)], "Можно приложить не больше 5 файлов"),
        ({**STATEMENT, "kind": ""}, None, "Выберите вид обращения."),
    ]
    for data, files, message in cases:
        page = Page(post_appeal(consumer_client, data, files))
        assert page.status == 200, message
        assert any(message in e for e in page.errors()), (message, page.errors())
        assert any(message in li.get_text() for li in page.select(".error-summary li")), message
    assert count(Appeal) == 0 and count(StoredFile) == 0 and count(Notification) == 0
    assert mailbox() == []


def test_a_good_file_is_not_kept_when_another_is_bad(consumer_client, app):
    post_appeal(consumer_client, STATEMENT, files=[pdf_file("good.pdf"), pdf_file("bad.pdf", b"GIF89a")])
    assert count(StoredFile) == 0
    uploads = app.config["UPLOAD_DIR"]
    assert not uploads.exists() or not any(p.is_file() for p in uploads.rglob("*"))


def test_list_shows_only_my_appeals_with_status_and_due_date(
    consumer_client, consumer, other_client, make_appeal, fixed_clock
):
    mine = make_appeal(consumer)
    theirs = make_appeal(other_client.user, text="Чужое обращение")
    page = consumer_client.page("/appeals")
    rows = page.select("[data-appeal-id]")
    assert [r["data-appeal-id"] for r in rows] == [str(mine.id)]
    assert "Зарегистрировано" in page and "06.04.2026" in page and theirs.number not in page


def test_list_is_paginated(consumer_client, consumer, make_appeal):
    for _ in range(21):
        make_appeal(consumer)
    assert len(consumer_client.page("/appeals").select("[data-appeal-id]")) == 20
    assert len(consumer_client.page("/appeals?page=2").select("[data-appeal-id]")) == 1


def test_another_consumers_appeal_and_files_are_404(consumer, other_client, make_appeal, operator, client):
    from app.core.storage import stage_bytes

    appeal = make_appeal(consumer, files=[stage_bytes(PDF, "application/pdf", "a.pdf")])
    item = db.session.scalar(sa.select(AppealFile))
    for url in (f"/appeals/{appeal.id}", f"/appeals/{appeal.id}/files/{item.id}"):
        assert other_client.get(url).status_code == 404
        assert other_client.get(url, headers={"HX-Request": "true"}).status_code == 404
    response = other_client.submit(f"/appeals/{appeal.id}/clarifications", {"text": "Моё уточнение"})
    assert response.status_code == 404
    assert count(AppealMessage) == 0
    anonymous = client.get(f"/appeals/{appeal.id}")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_consumer_pages_need_login(client):
    for url in ("/appeals", "/appeals/new", "/appeals/1", "/appeals/1/files/1"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url
    assert client.submit("/appeals/1/clarifications", {"text": "x"}).status_code == 302


def test_staff_are_sent_to_the_office(operator_client, consumer, make_appeal):
    appeal = make_appeal(consumer)
    assert operator_client.get("/appeals").headers["Location"] == "/office/appeals/"
    assert operator_client.get(f"/appeals/{appeal.id}").headers["Location"] == f"/office/appeals/{appeal.id}"


def test_consumer_gets_403_in_the_office(consumer_client, consumer, make_appeal):
    appeal = make_appeal(consumer)
    for url in (
        "/office/appeals/",
        "/office/appeals/new",
        f"/office/appeals/{appeal.id}",
        f"/office/appeals/{appeal.id}/letter.pdf",
        "/office/appeals/terms",
    ):
        assert consumer_client.get(url).status_code == 403, url
    assert consumer_client.submit(f"/office/appeals/{appeal.id}/take", {}).status_code == 403
    assert db.session.get(Appeal, appeal.id).status == "registered"


def test_opening_the_appeal_reads_its_notifications(consumer_client, consumer, make_appeal):
    appeal = make_appeal(consumer)
    other = make_appeal(consumer)
    assert consumer_client.page("/cabinet").select_one("#inbox-badge .count")["data-unread"] == "2"
    page = consumer_client.page(f"/appeals/{appeal.id}")
    assert page.select_one("#inbox-badge .count")["data-unread"] == "1"
    unread = db.session.scalars(sa.select(Notification.link).where(Notification.read_at.is_(None))).all()
    assert unread == [other.link]


def test_the_appeal_reads_its_notifications_while_another_writer_holds_the_lock(consumer_client, consumer, make_appeal):
    from tests.helpers import WriteLockHolder

    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's write lock")
    appeal = make_appeal(consumer)
    with WriteLockHolder(db.engine.url.database, 0.3):
        assert consumer_client.page(f"/appeals/{appeal.id}").status == 200
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).where(Notification.read_at.is_(None))) == 0


def test_status_block_polls_with_its_version(consumer_client, consumer, make_appeal, operator):
    appeal = make_appeal(consumer)
    page = consumer_client.page(f"/appeals/{appeal.id}")
    block = page.select_one("#appeal-status")
    poll = block["hx-get"]
    assert "every" in block["hx-trigger"] and f"v={appeal.version}" in poll
    unchanged = consumer_client.get(poll, headers={"HX-Request": "true"})
    assert unchanged.status_code == 204 and unchanged.data == b""
    take_into_work(db.session.get(Appeal, appeal.id), operator)
    db.session.commit()
    changed = consumer_client.get(poll, headers={"HX-Request": "true"})
    assert changed.status_code == 200 and b"<html" not in changed.data and len(changed.data) < 2048
    fragment = BeautifulSoup(changed.data, "html.parser")
    assert fragment.select_one("#appeal-status .status").get_text() == "В работе"
    assert fragment.select_one("#appeal-status")["hx-get"] != poll
    assert "Обновите страницу" in fragment.get_text()
    # Without htmx the same URL is the whole page.
    assert "<html" in consumer_client.get(poll).get_data(as_text=True)


def test_a_closed_appeal_stops_polling(consumer_client, consumer, make_appeal, operator):
    appeal = make_appeal(consumer)
    from app.appeals.services import decline_appeal

    decline_appeal(db.session.get(Appeal, appeal.id), operator, "Повтор без новых доводов.")
    db.session.commit()
    page = consumer_client.page(f"/appeals/{appeal.id}")
    assert not page.select_one("#appeal-status").get("hx-get")
    assert "Повтор без новых доводов." in page.text("#appeal-status")
    assert not page.select_one("form[action$='/clarifications']"), "a closed appeal takes no clarification"


def test_clarification_while_open(consumer_client, consumer, make_appeal):
    appeal = make_appeal(consumer)
    response = consumer_client.submit(
        f"/appeals/{appeal.id}/clarifications",
        {"text": "Дополняю: номер заявки ТП-2026-000001.", "files": [pdf_file("фото.pdf")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    message = db.session.scalar(sa.select(AppealMessage))
    assert message.kind == "clarification" and message.author_id == consumer.id
    assert db.session.scalar(sa.select(AppealFile)).message_id == message.id
    assert db.session.get(Appeal, appeal.id).version == 2
    page = consumer_client.page(f"/appeals/{appeal.id}")
    assert "номер заявки ТП-2026-000001" in page.text("#thread") and "фото.pdf" in page.text("#thread")


def test_clarification_bad_input(consumer_client, consumer, make_appeal):
    appeal = make_appeal(consumer)
    url = f"/appeals/{appeal.id}/clarifications"
    page = Page(consumer_client.submit(url, {"text": ""}))
    assert page.status == 200 and "Напишите текст уточнения." in page.errors()
    page = Page(consumer_client.submit(url, {"text": "x" * 5001}))
    assert "Текст не должен быть длиннее 5000 символов." in page.errors()
    page = Page(
        consumer_client.submit(
            url, {"text": "Фото", "files": [pdf_file("x.pdf", b"<svg/>")]}, content_type="multipart/form-data"
        )
    )
    assert any("не похож на допустимый документ" in e for e in page.errors())
    assert count(AppealMessage) == 0 and count(StoredFile) == 0


def test_no_clarification_after_the_answer(consumer_client, consumer, make_appeal, operator):
    appeal = make_appeal(consumer)
    answer_appeal(db.session.get(Appeal, appeal.id), operator, "Ответ по существу.")
    db.session.commit()
    response = consumer_client.submit(f"/appeals/{appeal.id}/clarifications", {"text": "Ещё вопрос"})
    assert response.status_code == 302
    assert "дополнить его нельзя" in consumer_client.page(response.headers["Location"]).text(".flashes")
    assert count(AppealMessage) == 1


def test_downloads_are_the_owners(consumer_client, consumer, make_appeal, operator):
    from app.core.storage import stage_bytes

    appeal = make_appeal(consumer, files=[stage_bytes(PDF, "application/pdf", "моё.pdf")])
    other = make_appeal(consumer)
    item = db.session.scalar(sa.select(AppealFile))
    response = consumer_client.get(f"/appeals/{appeal.id}/files/{item.id}")
    assert response.status_code == 200 and response.data == PDF and response.headers["Cache-Control"] == "no-store"
    assert "attachment" in response.headers["Content-Disposition"]
    assert consumer_client.get(f"/appeals/{other.id}/files/{item.id}").status_code == 404
    assert consumer_client.get(f"/appeals/{appeal.id}/files/999999").status_code == 404


def test_line_breaks_count_as_one_character(consumer_client):
    text = "строка\n" * 714 + "xx"  # 5000 characters as the browser counts them
    assert len(text) == 5000
    assert post_appeal(consumer_client, {**STATEMENT, "text": text.replace("\n", "\r\n")}).status_code == 302
    assert "\r" not in db.session.scalar(sa.select(Appeal.text))
