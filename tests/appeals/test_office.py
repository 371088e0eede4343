"""Appeals in the back-office: the queue (filters, search, sort, pages, htmx, fixed query
count), registration on a consumer's behalf, the card and every staff action, the letter,
the answer terms, the dashboard widget."""

import io
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup
from pypdf import PdfReader

from app.appeals.models import Appeal, AppealEvent, AppealFile, AppealMessage, AppealTerm
from app.appeals.operations import answer_appeal
from app.audit.models import AuditEvent
from app.core import clock
from app.core.storage import StoredFile, stage_bytes
from app.extensions import db
from app.notifications.models import Notification
from app.notifications.services import set_preferences
from tests.core.query_counter import count_queries
from tests.helpers import PDF, Page, pdf_file


def queue_ids(page: Page) -> list[int]:
    return [int(r["data-appeal-id"]) for r in page.select("[data-appeal-id]")]


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


# --- access -----------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/office/appeals/", "/office/appeals/new", "/office/appeals/terms"])
def test_anonymous_is_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_operator_pages(operator_client, consumer, make_appeal):
    appeal = make_appeal(consumer)
    operator_client.page("/office/appeals/")
    operator_client.page("/office/appeals/new")
    operator_client.page(f"/office/appeals/{appeal.id}")
    assert operator_client.get("/office/appeals/999999").status_code == 404
    assert operator_client.get("/office/appeals/terms").status_code == 403, "terms are for admins"


def test_office_menu_lists_the_queue(operator_client):
    page = operator_client.page("/office/")
    assert page.select_one("nav.menu a[href='/office/appeals/']")


def test_consumer_menu_lists_appeals(consumer_client):
    page = consumer_client.page("/cabinet")
    assert page.select_one("nav.menu a[href='/appeals']")


# --- the queue ---------------------------------------------------------------------------------


def test_queue_filters(operator_client, operator, consumer, make_appeal, fixed_clock):
    a = make_appeal(consumer, kind="complaint", topic="quality", channel="email")
    b = make_appeal(consumer, kind="request", topic="metering", channel="post")
    c = make_appeal(consumer, kind="statement", topic="other")
    answer_appeal(db.session.get(Appeal, c.id), operator, "Ответ.")
    db.session.get(Appeal, b.id).assigned_to_id = operator.id
    db.session.commit()
    assert queue_ids(operator_client.page("/office/appeals/")) == [a.id, b.id], "open ones by default, by due date"
    assert queue_ids(operator_client.page("/office/appeals/?status=all")) == [a.id, b.id, c.id]
    assert queue_ids(operator_client.page("/office/appeals/?status=answered")) == [c.id]
    assert queue_ids(operator_client.page("/office/appeals/?kind=request")) == [b.id]
    assert queue_ids(operator_client.page("/office/appeals/?topic=quality")) == [a.id]
    assert queue_ids(operator_client.page("/office/appeals/?channel=email")) == [a.id]
    assert queue_ids(operator_client.page("/office/appeals/?mine=y")) == [b.id]
    assert queue_ids(operator_client.page("/office/appeals/?status=all&sort=new")) == [c.id, b.id, a.id]


def test_overdue_and_due_soon(operator_client, consumer, make_appeal, fixed_clock):
    quality = make_appeal(consumer, kind="complaint", topic="quality")  # due 27.03.2026
    statement = make_appeal(consumer)  # due 06.04.2026
    clock.set_now(fixed_clock + timedelta(days=22))  # 27.03
    assert queue_ids(operator_client.page("/office/appeals/?due_soon=y")) == [quality.id]
    assert queue_ids(operator_client.page("/office/appeals/?overdue=y")) == []
    clock.set_now(fixed_clock + timedelta(days=23))  # 28.03
    assert queue_ids(operator_client.page("/office/appeals/?overdue=y")) == [quality.id]
    assert queue_ids(operator_client.page("/office/appeals/?due_soon=y")) == []
    clock.set_now(fixed_clock + timedelta(days=29))  # 03.04
    assert queue_ids(operator_client.page("/office/appeals/?due_soon=y")) == [statement.id]
    page = operator_client.page("/office/appeals/")
    assert page.select_one(f"[data-appeal-id='{quality.id}'] .overdue")


def test_search_by_number_or_applicant_in_cyrillic(operator_client, make_user, make_appeal, operator):
    yolkina = make_user(last_name="Ёлкина", first_name="Алёна", email="alena@example.ru")
    petrov = make_user(last_name="Петров", email="petrov@example.ru")
    mine = make_appeal(yolkina)
    theirs = make_appeal(petrov)
    answer_appeal(db.session.get(Appeal, mine.id), operator, "Ответ.")
    db.session.commit()
    for q in ("ЕЛКИНА", "ёлкина", "алена", "alena@EXAMPLE"):
        assert queue_ids(operator_client.page(f"/office/appeals/?q={q}")) == [mine.id], q
    assert queue_ids(operator_client.page(f"/office/appeals/?q={theirs.number}")) == [theirs.id]
    assert queue_ids(operator_client.page(f"/office/appeals/?q={theirs.number.lower()}")) == [theirs.id]
    assert queue_ids(operator_client.page("/office/appeals/?q=%25")) == []
    page = operator_client.page("/office/appeals/?q=ёлкина")
    assert page.select_one("#q")["value"] == "ёлкина" and page.select_one("#status option[selected]")["value"] == "all"


def test_queue_is_paginated_and_links_keep_the_filters(operator_client, consumer, make_appeal):
    for _ in range(31):
        make_appeal(consumer, kind="request")
    page = operator_client.page("/office/appeals/?kind=request")
    assert len(queue_ids(page)) == 30
    next_link = page.select_one("a[rel=next]")["href"]
    assert "kind=request" in next_link and "page=2" in next_link
    assert len(queue_ids(operator_client.page(next_link))) == 1


def test_queue_with_and_without_htmx(operator_client, consumer, make_appeal):
    make_appeal(consumer)
    full = operator_client.page("/office/appeals/?q=Петров")
    form = full.select_one("form.filters")
    assert form["hx-get"] == "/office/appeals/" and form["hx-target"] == "#results"
    assert "[" not in form["hx-trigger"], "no trigger filters (CSP)"
    fragment = operator_client.get("/office/appeals/?q=Петров", headers={"HX-Request": "true"})
    html = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in html and html.lstrip().startswith('<div id="results">')
    assert len(BeautifulSoup(html, "html.parser").select("[data-appeal-id]")) == 1


def test_queue_runs_a_fixed_number_of_queries(operator_client, make_user, make_appeal, operator):
    def queries() -> int:
        with count_queries() as statements:
            operator_client.page("/office/appeals/?status=all")
        return len(statements)

    first = make_user()
    make_appeal(first)
    few = queries()
    for n in range(25):
        user = make_user(email=f"c{n}@example.ru")
        appeal = make_appeal(user)
        db.session.get(Appeal, appeal.id).assigned_to_id = operator.id
    db.session.commit()
    assert queries() == few


# --- registration on a consumer's behalf -------------------------------------------------------


def test_operator_registers_an_appeal_received_by_phone(operator_client, operator, make_user, fixed_clock):
    visitor = make_user(last_name="Звонарёва", email="zvon@example.ru")
    page = operator_client.page("/office/appeals/new?consumer_q=звонарева")
    link = page.select_one(f"a[href='/office/appeals/new?consumer_id={visitor.id}']")
    assert link is not None
    form_page = operator_client.page(link["href"])
    assert form_page.select_one("[name=received_via]") and "Звонарёва" in form_page
    response = operator_client.submit(
        f"/office/appeals/new?consumer_id={visitor.id}",
        {
            "received_via": "phone",
            "kind": "request",
            "topic": "metering",
            "text": "Звонила: просит дату поверки.",
            "channel": "post",
            "postal_address": "123456, г. Примерск, ул. Лесная, 1",
            "files": [pdf_file()],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    appeal = db.session.scalar(sa.select(Appeal))
    assert response.headers["Location"] == f"/office/appeals/{appeal.id}"
    assert (
        appeal.consumer_id == visitor.id and appeal.received_via == "phone" and appeal.registered_by_id == operator.id
    )
    assert appeal.postal_address.startswith("123456")
    assert db.session.scalar(sa.select(Notification.user_id)) == visitor.id
    assert db.session.scalar(sa.select(AppealEvent.actor_id)) == operator.id
    assert db.session.scalar(sa.select(StoredFile.uploaded_by_id)) == operator.id


def test_registration_on_behalf_needs_how_it_came(operator_client, make_user):
    visitor = make_user()
    page = Page(
        operator_client.submit(
            f"/office/appeals/new?consumer_id={visitor.id}",
            {"kind": "request", "topic": "other", "text": "Вопрос", "channel": "cabinet"},
        )
    )
    assert "Укажите, как поступило обращение." in page.errors()
    page = Page(
        operator_client.submit(
            f"/office/appeals/new?consumer_id={visitor.id}",
            {"received_via": "website", "kind": "request", "topic": "other", "text": "Вопрос", "channel": "cabinet"},
        )
    )
    assert page.errors(), "the office does not register website appeals"
    assert count(Appeal) == 0


def test_registration_on_behalf_of_staff_is_not_offered(operator_client, admin):
    page = operator_client.page(f"/office/appeals/new?consumer_id={admin.id}")
    assert page.select_one("#consumer_q"), "back to finding a consumer"


# --- the card and the actions ------------------------------------------------------------------


def test_take_assign_and_note(operator_client, operator, admin, consumer, consumer_client, make_appeal):
    appeal = make_appeal(consumer)
    operator_client.submit(f"/office/appeals/{appeal.id}/take", {}, expect=302)
    db.session.expire_all()
    appeal = db.session.get(Appeal, appeal.id)
    assert appeal.status == "in_progress" and appeal.assigned_to_id == operator.id
    operator_client.submit(f"/office/appeals/{appeal.id}/assign", {"assign-assignee": str(admin.id)}, expect=302)
    assert db.session.get(Appeal, appeal.id).assigned_to_id == admin.id
    page = Page(operator_client.submit(f"/office/appeals/{appeal.id}/assign", {"assign-assignee": str(consumer.id)}))
    assert page.status == 200 and "Выберите сотрудника из списка." in page.errors()
    operator_client.submit(f"/office/appeals/{appeal.id}/notes", {"note-text": "Позвонить в РЭС завтра."}, expect=302)
    card = operator_client.page(f"/office/appeals/{appeal.id}")
    assert "Позвонить в РЭС завтра." in card and "В работе" in card.text(".history")
    consumer_view = consumer_client.page(f"/appeals/{appeal.id}")
    assert "Позвонить в РЭС" not in consumer_view, "internal notes never reach the consumer"
    titles = db.session.scalars(sa.select(Notification.title).order_by(Notification.id)).all()
    assert titles[-1] == f"Обращение {appeal.number} принято в работу"


def test_empty_note_is_refused(operator_client, consumer, make_appeal):
    appeal = make_appeal(consumer)
    page = Page(operator_client.submit(f"/office/appeals/{appeal.id}/notes", {"note-text": " "}))
    assert page.status == 200 and "Напишите текст заметки." in page.errors() and page.title.startswith("Ошибка: ")
    assert count(AppealMessage) == 0


def test_answer_with_a_file(operator_client, operator, consumer, consumer_client, make_appeal, mailbox):
    appeal = make_appeal(consumer)
    consumer_client.page(f"/appeals/{appeal.id}")  # the registration notice is read
    response = operator_client.submit(
        f"/office/appeals/{appeal.id}/answer",
        {"answer-text": "Работы начнутся 10 апреля.", "answer-files": [pdf_file("график.pdf")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    db.session.expire_all()
    appeal = db.session.get(Appeal, appeal.id)
    assert appeal.status == "answered" and appeal.answered_at is not None and appeal.version == 2
    message = db.session.scalar(sa.select(AppealMessage))
    assert message.kind == "answer" and message.author_id == operator.id
    item = db.session.scalar(sa.select(AppealFile))
    assert item.message_id == message.id
    page = consumer_client.page("/cabinet")
    assert page.select_one("#inbox-badge .count")["data-unread"] == "1"
    page = consumer_client.page(f"/appeals/{appeal.id}")
    assert "Работы начнутся 10 апреля." in page.text(".answer") and "график.pdf" in page.text(".answer")
    assert page.select_one("#inbox-badge .count")["data-unread"] == "0"
    download = consumer_client.get(f"/appeals/{appeal.id}/files/{item.id}")
    assert download.status_code == 200 and download.data == PDF


def test_answer_bad_input_saves_nothing(operator_client, consumer, make_appeal):
    appeal = make_appeal(consumer)
    url = f"/office/appeals/{appeal.id}/answer"
    page = Page(operator_client.submit(url, {"answer-text": ""}))
    assert "Напишите текст ответа." in page.errors()
    page = Page(
        operator_client.submit(
            url,
            {"answer-text": "Ответ", "answer-files": [pdf_file("a.pdf", b"PK\x03\x04zip")]},
            content_type="multipart/form-data",
        )
    )
    assert any("не похож на допустимый документ" in e for e in page.errors())
    page = Page(operator_client.submit(url, {"answer-text": "x" * 20001}))
    assert "Ответ не должен быть длиннее 20000 символов." in page.errors()
    assert db.session.get(Appeal, appeal.id).status == "registered"
    assert count(AppealMessage) == 0 and count(StoredFile) == 0


def test_decline_with_a_reason(operator_client, consumer, consumer_client, make_appeal):
    appeal = make_appeal(consumer)
    page = Page(operator_client.submit(f"/office/appeals/{appeal.id}/decline", {"decline-reason": ""}))
    assert any("Укажите причину" in e for e in page.errors())
    assert db.session.get(Appeal, appeal.id).status == "registered"
    operator_client.submit(
        f"/office/appeals/{appeal.id}/decline", {"decline-reason": "Текст оскорбителен."}, expect=302
    )
    db.session.expire_all()
    appeal = db.session.get(Appeal, appeal.id)
    assert appeal.status == "declined" and appeal.decline_reason == "Текст оскорбителен." and appeal.closed_at
    note = db.session.scalar(sa.select(Notification).order_by(Notification.id.desc()))
    assert "без ответа по существу" in note.title and "Текст оскорбителен." in note.body
    assert "Текст оскорбителен." in consumer_client.page(f"/appeals/{appeal.id}")


def test_close_only_after_the_answer(operator_client, operator, consumer, make_appeal):
    appeal = make_appeal(consumer)
    response = operator_client.submit(f"/office/appeals/{appeal.id}/close", {})
    assert response.status_code == 302
    assert "нельзя перевести" in operator_client.page(response.headers["Location"]).text(".flashes")
    assert db.session.get(Appeal, appeal.id).status == "registered"
    answer_appeal(db.session.get(Appeal, appeal.id), operator, "Ответ.")
    db.session.commit()
    operator_client.submit(f"/office/appeals/{appeal.id}/close", {}, expect=302)
    db.session.expire_all()
    assert db.session.get(Appeal, appeal.id).status == "closed"
    statuses = db.session.scalars(sa.select(AppealEvent.to_status).order_by(AppealEvent.id)).all()
    assert statuses == ["registered", "answered", "closed"]
    page = operator_client.page(f"/office/appeals/{appeal.id}")
    assert not page.select_one("form[action$='/answer']") and not page.select_one("form[action$='/decline']")


def test_actions_need_csrf(operator_client, consumer, make_appeal):
    appeal = make_appeal(consumer)
    assert operator_client.submit(f"/office/appeals/{appeal.id}/take", {}, csrf=False).status_code == 400
    assert db.session.get(Appeal, appeal.id).status == "registered"


def test_the_letter(operator_client, operator, consumer, make_appeal, app):
    from app.company.services import save_company

    save_company(
        {
            "full_name": "ООО «Тест-Сеть»",
            "short_name": "Тест-Сеть",
            "address": "г. Примерск, ул. Мира, 1",
            "inn": "7707083893",
        }
    )
    db.session.commit()
    appeal = make_appeal(consumer, channel="post", postal_address="654321, г. Лесной, ул. Кедровая, 5")
    early = operator_client.get(f"/office/appeals/{appeal.id}/letter.pdf")
    assert early.status_code == 302
    answer_appeal(
        db.session.get(Appeal, appeal.id),
        operator,
        "Работы завершатся в мае.",
        [stage_bytes(PDF, "application/pdf", "схема.pdf")],
    )
    db.session.commit()
    card = operator_client.page(f"/office/appeals/{appeal.id}")
    assert card.select_one(f"a[href='/office/appeals/{appeal.id}/letter.pdf']")
    response = operator_client.get(f"/office/appeals/{appeal.id}/letter.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    for expected in (
        appeal.number,
        "Работы завершатся в мае.",
        "654321, г. Лесной",
        "Тест-Сеть",
        "7707083893",
        "схема.pdf",
        consumer.display_name,
    ):
        assert expected in text, expected


def test_staff_download(operator_client, consumer, make_appeal):
    appeal = make_appeal(consumer, files=[stage_bytes(PDF, "application/pdf", "a.pdf")])
    other = make_appeal(consumer)
    item = db.session.scalar(sa.select(AppealFile))
    assert operator_client.get(f"/office/appeals/{appeal.id}/files/{item.id}").data == PDF
    assert operator_client.get(f"/office/appeals/{other.id}/files/{item.id}").status_code == 404


# --- answer by channel and preference ----------------------------------------------------------


def answer_via_office(operator_client, appeal, text="Ответ по существу: работы в апреле."):
    operator_client.submit(f"/office/appeals/{appeal.id}/answer", {"answer-text": text}, expect=302)


def test_email_channel_mails_the_answer_whatever_the_preference(operator_client, consumer, make_appeal, mailbox):
    set_preferences(consumer, {"appeal_status": False})
    db.session.commit()
    appeal = make_appeal(consumer, channel="email")
    assert mailbox() == [], "the registration notice follows the preference"
    answer_via_office(operator_client, appeal)
    [message] = mailbox()
    assert message["To"] == consumer.email and appeal.number in message["Subject"]
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert "Ответ по существу: работы в апреле." in body and f"/appeals/{appeal.id}" in body


def test_email_channel_sends_one_mail_when_the_preference_is_on(operator_client, consumer, make_appeal, mailbox):
    appeal = make_appeal(consumer, channel="email")
    before = len(mailbox())
    answer_via_office(operator_client, appeal)
    mails = mailbox()[before:]
    assert len(mails) == 1 and "Ответ по существу" in mails[0].get_body(preferencelist=("plain",)).get_content()


@pytest.mark.parametrize("wants_mail", [True, False])
def test_cabinet_channel_follows_the_preference(operator_client, consumer, make_appeal, mailbox, wants_mail):
    set_preferences(consumer, {"appeal_status": wants_mail})
    db.session.commit()
    appeal = make_appeal(consumer, channel="cabinet")
    before = len(mailbox())
    answer_via_office(operator_client, appeal)
    mails = mailbox()[before:]
    assert len(mails) == (1 if wants_mail else 0)
    if wants_mail:
        body = mails[0].get_body(preferencelist=("plain",)).get_content()
        assert "Получен ответ на обращение" in mails[0]["Subject"] and "Ответ по существу" not in body
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(Notification).where(Notification.title.like("Получен ответ%"))
        )
        == 1
    ), "the cabinet always gets it"


# --- answer terms and recomputation ------------------------------------------------------------


def test_admin_changes_a_term_and_open_due_dates_follow(admin_client, operator, consumer, make_appeal, fixed_clock):
    open_one = make_appeal(consumer, kind="request", topic="metering")
    answered = make_appeal(consumer, kind="request", topic="metering")
    answer_appeal(db.session.get(Appeal, answered.id), operator, "Ответ.")
    db.session.commit()
    page = admin_client.page("/office/appeals/terms")
    assert page.select_one("#amount_complaint_quality")["value"] == "15"
    assert page.select_one("#unit_complaint_quality option[selected]")["value"] == "wd"
    data = {f.get("name"): f.get("value") for f in page.select("input[name^=amount_]")}
    data.update({s["name"]: s.select_one("option[selected]")["value"] for s in page.select("select[name^=unit_]")})
    data.update({"amount_request_metering": "10", "unit_request_metering": "wd"})
    response = admin_client.submit("/office/appeals/terms", data)
    assert response.status_code == 302
    assert "Пересчитано сроков открытых обращений: 1" in admin_client.page("/office/appeals/terms").text(".flashes")
    db.session.expire_all()
    assert db.session.get(Appeal, open_one.id).due_date == date(2026, 3, 20)
    assert db.session.get(Appeal, answered.id).due_date == date(2026, 4, 6), "answered appeals keep their date"
    assert [(t.kind, t.topic, t.amount, t.unit) for t in db.session.scalars(sa.select(AppealTerm))] == [
        ("request", "metering", 10, "wd")
    ], "only terms that differ from the default are stored"
    later = make_appeal(consumer, kind="request", topic="metering")
    assert later.due_date == date(2026, 3, 20)


def test_terms_bad_input(admin_client):
    page = admin_client.page("/office/appeals/terms")
    data = {f.get("name"): f.get("value") for f in page.select("input[name^=amount_]")}
    data.update({s["name"]: "d" for s in page.select("select[name^=unit_]")})
    data["amount_statement_other"] = "0"
    page = Page(admin_client.submit("/office/appeals/terms", data))
    assert page.status == 200 and "Укажите срок числом от 1 до 365." in page.text(".error-summary")
    assert count(AppealTerm) == 0


def test_calendar_change_recomputes_due_dates(admin_client, consumer, make_appeal, fixed_clock):
    appeal = make_appeal(consumer, kind="complaint", topic="quality")
    assert appeal.due_date == date(2026, 3, 27)
    response = admin_client.submit(
        "/office/calendar/", {"day": "2026-03-20", "is_working": "0", "note": "Региональный праздник"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Appeal, appeal.id).due_date == date(2026, 3, 30)
    assert db.session.get(Appeal, appeal.id).version == 2, "the consumer's status block refreshes"


# --- the dashboard -----------------------------------------------------------------------------


def test_dashboard_shows_due_today_and_overdue(operator_client, consumer, make_appeal, fixed_clock):
    quality = make_appeal(consumer, kind="complaint", topic="quality")  # due 27.03
    make_appeal(consumer)  # due 06.04
    clock.set_now(fixed_clock + timedelta(days=22))  # 27.03
    page = operator_client.page("/office/")
    assert "Срок сегодня: 0" not in page.text("#appeals-due-h + p") and quality.number in page.text(
        "#appeals-due-h + p + ul"
    )
    clock.set_now(fixed_clock + timedelta(days=33))  # 07.04: both overdue
    page = operator_client.page("/office/")
    widget = page.select_one("section[aria-labelledby=appeals-due-h]")
    assert "Просрочено: 2" in widget.get_text(" ", strip=True)
    assert len(widget.select("li")) == 2


def test_appeal_assignment_names_the_assignee_with_one_dot(operator_client, make_user, consumer, make_appeal):
    assignee = make_user("operator", last_name="Кузнецова", first_name="Ольга")
    appeal = make_appeal(consumer)
    operator_client.submit(f"/office/appeals/{appeal.id}/assign", {"assign-assignee": str(assignee.id)}, expect=302)
    flashes = operator_client.page(f"/office/appeals/{appeal.id}").text(".flashes")
    assert "Ответственный: Кузнецова О." in flashes and ".." not in flashes


def test_the_letter_has_a_letterhead_an_outgoing_number_a_date_and_a_signatory(
    operator_client, make_user, consumer, consumer_client, make_appeal, fixed_clock
):
    from app.company.services import save_company

    save_company(
        {
            "full_name": "ООО «Тест-Сеть»",
            "short_name": "Тест-Сеть",
            "address": "г. Примерск, ул. Мира, 1",
            "phone": "+7 (800) 555-00-11, +7 (3852) 12-34-56",
            "email": "office@test-set.example.ru",
            "inn": "7707083893",
            "kpp": "770701001",
            "ogrn": "1027700132195",
        }
    )
    signer = make_user(
        "operator", last_name="Кузнецова", first_name="Ольга", middle_name="Игоревна", position="Начальник отдела"
    )
    appeal = make_appeal(consumer, channel="post", postal_address="654321, г. Лесной, ул. Кедровая, 5")
    answer_appeal(db.session.get(Appeal, appeal.id), signer, "Работы завершатся в мае.", [])
    other = make_appeal(consumer, channel="post", postal_address="654321, г. Лесной, ул. Кедровая, 5")
    answer_appeal(db.session.get(Appeal, other.id), signer, "Ответ.", [])
    db.session.commit()

    def letter(of) -> list[str]:
        response = operator_client.get(f"/office/appeals/{of.id}/letter.pdf")
        assert response.status_code == 200
        page = PdfReader(io.BytesIO(response.data)).pages[0].extract_text()
        return [" ".join(line.split()) for line in page.splitlines()]

    lines = letter(appeal)
    year = clock.today().year
    first = f"ИСХ-{year}-000001"
    today = clock.today().strftime("%d.%m.%Y")
    assert f"Исх. № {first} от {today}" in lines
    assert f"На № {appeal.number} от {appeal.registered_at.astimezone(clock.company_zone()):%d.%m.%Y}" in lines
    # the letterhead, before the number
    head = lines[: lines.index(f"Исх. № {first} от {today}")]
    assert "ООО «Тест-Сеть»" in head
    assert (
        "г. Примерск, ул. Мира, 1 · Тел.: +7 (800) 555-00-11, +7 (3852) 12-34-56 · Эл. почта: office@test-set.example.ru"
        in head
    )
    assert "ИНН 7707083893 · КПП 770701001 · ОГРН 1027700132195" in head
    # the signatory: position and name from the staff profile
    signed = lines.index("Начальник отдела")
    assert lines[signed : signed + 3] == ["Начальник отдела", "_______________", "О.И. Кузнецова"]
    # printed again: the same number; the next letter takes the next one
    assert f"Исх. № {first} от {today}" in letter(appeal)
    assert f"Исх. № ИСХ-{year}-000002 от {today}" in letter(other)
    numbered = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "appeal.letter_numbered")).all()
    assert len(numbered) == 2
    # the position is for the letter only: the consumer's pages do not show it
    assert "Начальник отдела" not in consumer_client.page(f"/appeals/{appeal.id}").text()


# --- extension of the answer term --------------------------------------------------------------

EXTEND = {"extend-days": "5", "extend-ground": "inquiry", "extend-comment": "Запрошены сведения у поставщика."}


def test_operator_extends_the_term_and_the_consumer_sees_it(
    operator_client, consumer, consumer_client, make_appeal, fixed_clock, mailbox
):
    appeal = make_appeal(consumer)  # due 06.04.2026
    page = operator_client.page(f"/office/appeals/{appeal.id}")
    assert page.select_one(f"form[action='/office/appeals/{appeal.id}/extend'] select[name='extend-ground']")
    before = len(mailbox())
    response = operator_client.submit(f"/office/appeals/{appeal.id}/extend", EXTEND, expect=302)
    page = operator_client.page(response.headers["Location"])
    assert "Срок ответа продлён до 13.04.2026" in page.text(".flashes")
    assert "Срок ответа продлён до 13.04.2026" in page.text("#history-h + ol")
    assert "Запрошены сведения у поставщика." in page.text("#history-h + ol")
    assert not page.select_one("form[action$='/extend']") and "Продлить его ещё раз нельзя" in page
    db.session.expire_all()
    assert db.session.get(Appeal, appeal.id).due_date == date(2026, 4, 13)
    [mail] = mailbox()[before:]
    assert "продлён до 13.04.2026: необходимость запроса" in mail["Subject"]
    card = consumer_client.page(f"/appeals/{appeal.id}")
    assert "Срок ответа продлён до 13.04.2026 (основание: необходимость запроса дополнительных сведений" in card.text(
        "#appeal-status"
    )
    assert "Запрошены сведения у поставщика." not in card, "the comment stays in the office"
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "appeal.extended"))
    assert event is not None and event.object_id == appeal.id


def test_a_second_extension_is_refused_with_a_message(operator_client, consumer, make_appeal, fixed_clock):
    appeal = make_appeal(consumer)
    operator_client.submit(f"/office/appeals/{appeal.id}/extend", EXTEND, expect=302)
    response = operator_client.submit(f"/office/appeals/{appeal.id}/extend", EXTEND, expect=302)
    assert "только один раз" in operator_client.page(response.headers["Location"]).text(".flashes")
    db.session.expire_all()
    assert db.session.get(Appeal, appeal.id).due_date == date(2026, 4, 13)


def test_no_extension_after_the_due_date(operator_client, consumer, make_appeal, fixed_clock):
    appeal = make_appeal(consumer, kind="complaint", topic="quality")  # due 27.03.2026
    clock.set_now(fixed_clock + timedelta(days=23))  # 28.03
    page = operator_client.page(f"/office/appeals/{appeal.id}")
    assert not page.select_one("form[action$='/extend']") and "продлить его можно только до его окончания" in page
    response = operator_client.submit(f"/office/appeals/{appeal.id}/extend", EXTEND, expect=302)
    assert "Срок ответа уже истёк" in operator_client.page(response.headers["Location"]).text(".flashes")
    db.session.expire_all()
    assert db.session.get(Appeal, appeal.id).due_date == date(2026, 3, 27)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"extend-days": ""}, "Укажите, на сколько рабочих дней"),
        ({"extend-days": "пять"}, "целым числом от 1 до 20"),
        ({"extend-days": "2.5"}, "целым числом от 1 до 20"),
        ({"extend-days": "0"}, "от 1 до 20"),
        ({"extend-days": "21"}, "от 1 до 20"),
        ({"extend-days": "٣"}, "цифрами"),
        ({"extend-ground": ""}, "Выберите основание"),
        ({"extend-ground": "whim"}, "Выберите основание"),
        ({"extend-comment": " "}, "Напишите комментарий"),
        ({"extend-comment": "я" * 2001}, "не должен быть длиннее 2000"),
    ],
)
def test_extension_bad_input_gives_a_russian_error(
    operator_client, consumer, make_appeal, fixed_clock, change, message
):
    appeal = make_appeal(consumer)
    page = Page(operator_client.submit(f"/office/appeals/{appeal.id}/extend", {**EXTEND, **change}))
    assert page.status == 200
    errors = page.errors()
    assert errors and any(message in e for e in errors), errors
    assert all(any("а" <= ch <= "я" for ch in e.lower()) for e in errors), "Russian"
    db.session.expire_all()
    assert db.session.get(Appeal, appeal.id).due_date == date(2026, 4, 6)
    assert db.session.get(Appeal, appeal.id).extension_days is None


def test_extension_needs_staff_and_csrf(operator_client, consumer_client, client, consumer, make_appeal, fixed_clock):
    appeal = make_appeal(consumer)
    url = f"/office/appeals/{appeal.id}/extend"
    assert consumer_client.submit(url, EXTEND).status_code == 403
    response = client.post(url, data=EXTEND)
    assert response.status_code == 400 or response.headers["Location"].startswith("/login"), "anonymous"
    assert operator_client.submit(url, EXTEND, csrf=False).status_code == 400
    assert operator_client.submit("/office/appeals/999999/extend", EXTEND).status_code == 404
    db.session.expire_all()
    assert db.session.get(Appeal, appeal.id).extension_days is None


def test_a_closed_appeal_has_no_extension_form(operator_client, operator, consumer, make_appeal, fixed_clock):
    appeal = make_appeal(consumer)
    answer_appeal(db.session.get(Appeal, appeal.id), operator, "Ответ.")
    db.session.commit()
    assert not operator_client.page(f"/office/appeals/{appeal.id}").select_one("form[action$='/extend']")
    response = operator_client.submit(f"/office/appeals/{appeal.id}/extend", EXTEND, expect=302)
    assert "только по открытому" in operator_client.page(response.headers["Location"]).text(".flashes")
