"""Applications in the back-office: access, the queue (filters, Cyrillic search, sort, pages,
htmx, a fixed query count), the card, every staff action with its effect and its refusals,
transitions outside the table (403), downloads, the stage deadlines, the dashboard widget."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from app.applications import offer, office_operations, operations, queries
from app.applications.models import (
    Application,
    ApplicationDocument,
    ApplicationEvent,
    ApplicationNote,
    ApplicationPayment,
    StageDeadline,
)
from app.audit.models import AuditEvent
from app.audit.services import action_label
from app.core import clock
from app.core.templating import format_number
from app.extensions import db
from app.notifications.models import Notification
from app.notifications.services import set_preferences
from tests.applications.conftest import checked
from tests.core.query_counter import count_queries
from tests.helpers import PDF, Page, pdf_file

MULTIPART = {"content_type": "multipart/form-data"}


def queue_ids(page: Page) -> list[int]:
    return [int(r["data-application-id"]) for r in page.select("[data-application-id]")]


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def fresh(application) -> Application:
    db.session.expire_all()
    return db.session.get(Application, application.id)


def notifications_of(user) -> list[Notification]:
    return db.session.scalars(
        sa.select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
    ).all()


def card_url(application, action: str = "") -> str:
    return f"/office/applications/{application.id}" + (f"/{action}" if action else "")


def offer_data(**changes) -> dict:
    data = {
        "offer-territory": "urban",
        "offer-within_distance": "y",
        "offer-overhead_km": "0",
        "offer-overhead_variant": "",
        "offer-cable_km": "0",
        "offer-cable_variant": "",
        "offer-sectioning_points": "0",
        "offer-metering": "single_phase",
        "offer-metering_points": "1",
        "offer-technical_conditions": [pdf_file("ТУ.pdf")],
        "offer-comment": "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


# --- access -----------------------------------------------------------------------------------

ACTIONS = (
    "assign",
    "notes",
    "check",
    "request-info",
    "offer",
    "payments",
    "signed",
    "start",
    "rework",
    "connect",
    "complete",
    "annul",
)


def test_anonymous_is_sent_to_login(client, consumer, make_application):
    application = make_application(consumer)
    doc = db.session.scalar(sa.select(ApplicationDocument))
    for url in (
        "/office/applications/",
        "/office/applications/deadlines",
        card_url(application),
        f"{card_url(application)}/documents/{doc.id}",
        f"{card_url(application)}/offer/preview",
    ):
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login"), url
    response = client.submit(card_url(application, "annul"), {"annul-reason": "x"})
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_consumer_never_reaches_the_office(consumer_client, consumer, make_application):
    application = make_application(consumer)
    doc = db.session.scalar(sa.select(ApplicationDocument))
    for url in (
        "/office/applications/",
        "/office/applications/deadlines",
        card_url(application),
        f"{card_url(application)}/documents/{doc.id}",
        f"{card_url(application)}/offer/preview",
    ):
        assert consumer_client.get(url).status_code == 403, url
    for action in ACTIONS:
        assert consumer_client.submit(card_url(application, action), {}).status_code == 403, action
    assert fresh(application).status == "submitted"
    assert db.session.scalar(
        sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action == "access.forbidden")
    ) >= len(ACTIONS)


def test_operator_pages(operator_client, admin_client, consumer, make_application):
    application = make_application(consumer)
    operator_client.page("/office/applications/")
    operator_client.page(card_url(application))
    assert operator_client.get("/office/applications/999999").status_code == 404
    draft = make_application(consumer, status="draft")
    assert operator_client.get(card_url(draft)).status_code == 404, "drafts are the applicant's own"
    assert operator_client.get("/office/applications/deadlines").status_code == 403, "deadlines are for admins"
    assert not operator_client.page("/office/applications/").select_one("a[href='/office/applications/deadlines']")
    assert admin_client.page("/office/applications/").select_one("a[href='/office/applications/deadlines']")
    admin_client.page("/office/applications/deadlines")


def test_office_menu_lists_the_queue(operator_client):
    page = operator_client.page("/office/")
    assert page.select_one("nav.menu a[href='/office/applications/']")


def test_audit_labels():
    for code in (
        "application.submitted",
        "application.needs_info",
        "application.offer_sent",
        "application.contract_concluded",
        "application.in_progress",
        "application.tu_fulfilled",
        "application.connected",
        "application.completed",
        "application.withdrawn",
        "application.annulled",
        "application.payment",
        "application.checked",
        "application.note",
        "application.assigned",
        "application.draft_saved",
        "application.draft_deleted",
        "office.application_deadlines",
    ):
        assert action_label(code) != code, code


# --- the queue ---------------------------------------------------------------------------------


def test_queue_filters(operator_client, operator, make_user, make_application, fixed_clock):
    first, second, third = (make_user(email=f"q{n}@example.ru") for n in range(3))
    small = make_application(first)
    large = make_application(second, power_kw=Decimal("200"))
    temporary = make_application(third, kind="temporary", cadastral_number="")
    done = make_application(first, status="completed")
    annulled = make_application(second, status="annulled")
    db.session.get(Application, large.id).assigned_to_id = operator.id
    db.session.commit()
    opened = queue_ids(operator_client.page("/office/applications/"))
    assert sorted(opened) == sorted([small.id, large.id, temporary.id]), "open ones by default"
    assert sorted(queue_ids(operator_client.page("/office/applications/?status=all"))) == sorted(
        [small.id, large.id, temporary.id, done.id, annulled.id]
    )
    assert queue_ids(operator_client.page("/office/applications/?status=completed")) == [done.id]
    assert queue_ids(operator_client.page("/office/applications/?status=annulled")) == [annulled.id]
    assert queue_ids(operator_client.page("/office/applications/?category=up_to_670")) == [large.id]
    assert queue_ids(operator_client.page("/office/applications/?category=up_to_15")) == [small.id]
    assert queue_ids(operator_client.page("/office/applications/?kind=temporary")) == [temporary.id]
    assert queue_ids(operator_client.page("/office/applications/?mine=y")) == [large.id]
    assert queue_ids(operator_client.page("/office/applications/?status=all&sort=new")) == [
        annulled.id,
        done.id,
        temporary.id,
        large.id,
        small.id,
    ]
    page = operator_client.page("/office/applications/?kind=nonsense&status=nonsense&category=x")
    assert sorted(queue_ids(page)) == sorted(opened), "unknown values are ignored"
    row = page.select_one(f"[data-application-id='{large.id}']").get_text(" ", strip=True)
    for expected in (
        large.number,
        second.display_name,
        "Новое присоединение",
        "150–670 кВт",
        "Зарегистрирована, на проверке",
        "Проверить полноту сведений",
        operator.short_person_name,
    ):
        assert expected in row, expected


def test_queue_filters_offer_every_choice_and_keep_the_chosen_ones(operator_client):
    page = operator_client.page("/office/applications/?status=needs_info&category=up_to_670&kind=temporary")
    statuses = [(o["value"], o.get_text()) for o in page.select("#status option")]
    assert statuses[:3] == [("open", "В работе"), ("all", "Все"), ("submitted", "Зарегистрирована, на проверке")]
    assert "draft" not in dict(statuses), "drafts are the applicant's own"
    assert [o.get_text() for o in page.select("#category option")] == [
        "Любая",
        "до 15 кВт",
        "до 150 кВт",
        "150–670 кВт",
        "свыше 670 кВт",
        "временное",
    ]
    assert len(page.select("#kind option")) == 6
    chosen = {
        s["id"]: s.select_one("option[selected]")["value"]
        for s in page.select("form.filters select")
        if s.select_one("option[selected]")
    }
    assert chosen == {"status": "needs_info", "category": "up_to_670", "kind": "temporary"}


def test_queue_sorted_by_due_date_with_overdue_and_due_week(
    operator_client, operator, consumer, make_application, fixed_clock
):
    small = make_application(consumer)  # offer within 10 wd
    waiting = make_application(consumer, status="needs_info")  # the applicant: 20 wd
    checked_one = make_application(consumer)
    office_operations.mark_checked(db.session.get(Application, checked_one.id), operator)
    db.session.commit()
    small, waiting, checked_one = fresh(small), fresh(waiting), fresh(checked_one)
    assert small.due_date < checked_one.due_date < waiting.due_date
    assert queue_ids(operator_client.page("/office/applications/")) == [small.id, checked_one.id, waiting.id]
    assert queue_ids(operator_client.page("/office/applications/?overdue=y")) == []
    assert queue_ids(operator_client.page("/office/applications/?due_week=y")) == [small.id]
    clock.set_now(clock.now() + timedelta(days=(small.due_date - clock.today()).days + 1))
    page = operator_client.page("/office/applications/?overdue=y")
    assert queue_ids(page) == [small.id]
    assert "просрочено" in page.select_one(f"[data-application-id='{small.id}'] .overdue").get_text()


def test_queue_rows_name_applicants_and_assignees_and_show_local_dates(
    operator_client, make_user, make_application, fixed_clock
):
    org = make_user(
        email="org@example.ru",
        applicant_type="legal",
        org_name="ООО «Ромашка»",
        snils=None,
        inn="7707083893",
        kpp="773601001",
        ogrn="1027700132195",
    )
    sole = make_user(
        email="ip@example.ru",
        applicant_type="entrepreneur",
        last_name="Орлов",
        first_name="Пётр",
        middle_name="",
        snils=None,
        inn="500100732259",
        ogrn="304500116000157",
    )
    nameless = make_user("operator", email="nameless.operator@example.ru", last_name="", first_name="", middle_name="")
    of_org, of_sole = make_application(org), make_application(sole)
    closed = make_application(sole, status="withdrawn")
    row = db.session.get(Application, of_org.id)
    row.assigned_to_id = nameless.id
    row.submitted_at = datetime(2026, 3, 4, 22, 30, tzinfo=UTC)  # 5 March after 01:00 in Moscow
    row.due_date = clock.today()
    db.session.commit()
    page = operator_client.page("/office/applications/?status=all")

    def text(application) -> str:
        return page.select_one(f"[data-application-id='{application.id}']").get_text(" ", strip=True)

    submitted = page.select_one(f"[data-application-id='{of_org.id}'] td .muted").get_text()
    assert submitted == "05.03.2026" and "ООО «Ромашка»" in text(of_org)
    assert "(сегодня)" in text(of_org) and "nameless.operator@example.ru" in text(of_org)
    assert "ИП Орлов Пётр" in text(of_sole) and text(of_sole).endswith("Ответственный: —")
    assert "Отозвана заявителем — Ответственный" in text(closed), "a closed application has no deadline"


def test_search_by_number_or_applicant_in_cyrillic(operator_client, make_user, make_application):
    yolkina = make_user(last_name="Ёлкина", first_name="Алёна", email="alena@example.ru")
    petrov = make_user(last_name="Петров", email="petrov@example.ru")
    mine = make_application(yolkina, status="annulled")
    theirs = make_application(petrov)
    for q in ("ЕЛКИНА", "ёлкина", "Елкина  Алена", "алёна", "ALENA@example"):
        assert queue_ids(operator_client.page(f"/office/applications/?q={q}")) == [mine.id], q
    assert queue_ids(operator_client.page(f"/office/applications/?q={theirs.number}")) == [theirs.id]
    assert queue_ids(operator_client.page(f"/office/applications/?q={theirs.number.lower()}")) == [theirs.id]
    assert queue_ids(operator_client.page("/office/applications/?q=%25")) == []
    page = operator_client.page("/office/applications/?q=ёлкина")
    assert page.select_one("#q")["value"] == "ёлкина"
    assert page.select_one("#status option[selected]")["value"] == "all", "a search looks at every status"


def test_queue_is_paginated_and_links_keep_the_filters(operator_client, consumer, make_application):
    application = make_application(consumer, kind="increase", existing_power_kw=Decimal("5"))
    copy_application(application, 30)
    page = operator_client.page("/office/applications/?kind=increase")
    assert len(queue_ids(page)) == 30
    next_link = page.select_one("a[rel=next]")["href"]
    assert "kind=increase" in next_link and "page=2" in next_link
    second = operator_client.page(next_link)
    assert len(queue_ids(second)) == 1 and second.select_one("a[rel=prev]")


def test_a_search_narrowed_to_open_applications_stays_narrowed_on_the_next_page(
    operator_client, consumer, make_application
):
    application = make_application(consumer)
    copy_application(application, 30)
    copy_application(application, 5, start=2000, status="withdrawn")
    page = operator_client.page("/office/applications/?q=петров&status=open")
    assert len(queue_ids(page)) == 30
    next_link = page.select_one("a[rel=next]")["href"]
    assert "status=open" in next_link, "a search alone would look at every status"
    second = operator_client.page(next_link)
    assert second.select_one("#status option[selected]")["value"] == "open"
    assert len(queue_ids(second)) == 1, "the withdrawn ones stay out"


def test_queue_with_and_without_htmx(operator_client, consumer, make_application):
    make_application(consumer)
    full = operator_client.page("/office/applications/?q=Петров")
    form = full.select_one("form.filters")
    assert form["action"] == "/office/applications/" and form["method"] == "get"
    assert form["hx-get"] == "/office/applications/" and form["hx-target"] == "#results"
    assert form["hx-push-url"] == "true" and "from:#q" in form["hx-trigger"]
    assert "[" not in form["hx-trigger"], "no trigger filters (CSP)"
    assert not full.soup.find_all(attrs=lambda a: a and any(k.startswith("hx-on") for k in a))
    fragment = operator_client.get("/office/applications/?q=Петров", headers={"HX-Request": "true"})
    html = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in html and html.lstrip().startswith('<div id="results">')
    assert len(BeautifulSoup(html, "html.parser").select("[data-application-id]")) == 1
    assert "HX-Request" in fragment.headers["Vary"]


def copy_application(application, n: int, start: int = 1000, **changes) -> None:
    """n copies of an application's row (Core bulk insert): other ids, numbers, search text."""
    table = Application.__table__
    row = dict(db.session.execute(sa.select(table).where(table.c.id == application.id)).mappings().one())
    row.pop("id")
    rows = []
    for i in range(start, start + n):
        number = f"ТП-2026-{i:06d}"
        rows.append({**row, "number": number, "search_text": f"{number.lower()} {row['search_text']}", **changes})
    db.session.execute(sa.insert(table), rows)
    db.session.commit()


def test_queue_runs_a_fixed_number_of_queries(operator_client, make_user, make_application, operator, admin):
    def queries() -> int:
        with count_queries() as statements:
            operator_client.page("/office/applications/?status=all")
        return len(statements)

    for n in range(3):
        make_application(make_user(email=f"few{n}@example.ru"))
    few = queries()
    for n in range(27):
        application = make_application(
            make_user(email=f"many{n}@example.ru"), status="draft" if n == 0 else "submitted"
        )
        db.session.get(Application, application.id).assigned_to_id = (operator, admin)[n % 2].id
    db.session.commit()
    assert count(Application) == 30
    assert queries() == few


# --- the card ----------------------------------------------------------------------------------


def test_card_shows_the_application_to_staff(operator_client, consumer, make_application, fixed_clock):
    application = make_application(consumer, object_name="Садовый дом", stages="1 этап: 10 кВт, 2026")
    page = operator_client.page(card_url(application))
    assert page.title.startswith(f"Заявка {application.number}")
    text = page.text()
    for expected in (
        "Садовый дом",
        "д. Берёзовка, ул. Садовая, д. 7",
        "50:20:0010203:456",
        "15 кВт",
        "0,4 кВ",
        "АО «Примерэнергосбыт»",
        "4510 123456",
        "ОВД района Примерный",
        consumer.display_name,
        consumer.email,
        "1 этап: 10 кВт",
        "до 15 кВт включительно",
    ):
        assert expected in text, expected
    deadlines = page.text(".deadlines")
    assert "Проверить полноту сведений" in deadlines and "Направить заявителю счёт" in deadlines
    assert f"{application.due_date:%d.%m.%Y}" in deadlines
    assert "Подана через личный кабинет" in page.text(".history")
    links = [a["href"] for a in page.select(".application-docs a")]
    assert len(links) == 3 and all(h.startswith(f"/office/applications/{application.id}/documents/") for h in links)
    forms = {f["action"].rsplit("/", 1)[-1] for f in page.select("form[method=post]")} - {"logout"}
    assert forms == {"check", "request-info", "offer", "assign", "notes"}, forms  # no ground annuls it
    for form in page.select("form[action*='/office/applications/'][method=post]"):
        has_files = bool(form.select("input[type=file]"))
        assert (form.get("enctype") == "multipart/form-data") == has_files, form["action"]


def test_card_offer_form_is_prefilled(operator_client, consumer, make_application):
    application = make_application(
        consumer, power_kw=Decimal("40"), connection_points=2, object_settlement="г. Примерск"
    )
    page = operator_client.page(card_url(application))
    assert page.select_one("#offer-territory-0")["value"] == "urban" and page.select_one("#offer-territory-0").has_attr(
        "checked"
    )
    village = make_application(consumer, object_settlement="с. Заречное")
    checked = operator_client.page(card_url(village)).select_one("input[name=offer-territory][checked]")
    assert checked["value"] == "rural", "from the kind of settlement the address names; staff can change it"
    assert page.select_one("#offer-within_distance-0").has_attr("checked")
    assert page.select_one("#offer-metering option[selected]")["value"] == "three_phase_direct"
    assert page.select_one("#offer-metering_points")["value"] == "2"
    assert page.select_one("#offer-calc").name == "fieldset"
    button = page.select_one("button[name=offer-preview]")
    assert button["hx-get"] == f"/office/applications/{application.id}/offer/preview"
    assert button["hx-include"] == "#offer-calc" and button["hx-target"] == "#offer-preview"


def test_document_download(operator_client, consumer, make_user, make_application):
    application = make_application(consumer)
    other = make_application(make_user(email="other@example.ru"))
    doc = db.session.scalar(
        sa.select(ApplicationDocument).where(
            ApplicationDocument.application_id == application.id, ApplicationDocument.kind == "site_plan"
        )
    )
    response = operator_client.get(f"{card_url(application)}/documents/{doc.id}")
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert operator_client.get(f"{card_url(other)}/documents/{doc.id}").status_code == 404
    assert operator_client.get(f"{card_url(application)}/documents/999999").status_code == 404


# --- assign and notes --------------------------------------------------------------------------


def test_assign_and_note(operator_client, operator, admin, consumer, make_application):
    application = make_application(consumer)
    before = len(notifications_of(consumer))
    operator_client.submit(card_url(application, "assign"), {"assign-assignee": str(admin.id)}, expect=302)
    assert fresh(application).assigned_to_id == admin.id
    page = Page(operator_client.submit(card_url(application, "assign"), {"assign-assignee": str(consumer.id)}))
    assert page.status == 200 and "Выберите сотрудника из списка." in page.errors()
    assert page.title.startswith("Ошибка: ") and page.select_one(".error-summary")
    assert fresh(application).assigned_to_id == admin.id
    operator_client.submit(card_url(application, "assign"), {"assign-assignee": "0"}, expect=302)
    assert fresh(application).assigned_to_id is None
    response = operator_client.submit(card_url(application, "notes"), {"note-text": "Позвонить в РЭС завтра."})
    assert response.status_code == 302 and response.headers["Location"] == card_url(application)
    card = operator_client.page(card_url(application))
    assert "Позвонить в РЭС завтра." in card.text(".application-notes") and "Заметка сохранена" in card.text(".flashes")
    assert len(notifications_of(consumer)) == before, "notes and assignments are internal"
    assert db.session.scalar(sa.select(ApplicationNote.author_id)) == operator.id
    actions = db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert "application.assigned" in actions and "application.note" in actions


def test_empty_note_is_refused(operator_client, consumer, make_application):
    application = make_application(consumer)
    page = Page(operator_client.submit(card_url(application, "notes"), {"note-text": "  "}))
    assert page.status == 200 and "Напишите текст заметки." in page.errors() and page.title.startswith("Ошибка: ")
    assert "Напишите текст заметки." in page.text(".error-summary")
    assert count(ApplicationNote) == 0


def test_actions_need_csrf(operator_client, consumer, make_application):
    application = make_application(consumer)
    assert operator_client.submit(card_url(application, "check"), {}, csrf=False).status_code == 400
    assert fresh(application).checked_at is None


# --- the completeness check and the request for missing data ----------------------------------


def test_check_confirms_completeness(operator_client, operator, consumer, make_application, fixed_clock):
    application = make_application(consumer)
    before = application.due_date
    operator_client.submit(card_url(application, "check"), {}, expect=302)
    application = fresh(application)
    assert application.checked_at is not None and application.status == "submitted"
    assert application.due_date > before and application.due_label.startswith("Направить заявителю счёт")
    event = db.session.scalar(sa.select(ApplicationEvent).order_by(ApplicationEvent.id.desc()))
    assert event.action == "checked" and event.actor_id == operator.id
    page = operator_client.page(card_url(application))
    assert not page.select_one("form[action$='/check']"), "once only"
    assert "сведения проверены" in page.text(".history")
    assert operator_client.submit(card_url(application, "check"), {}).status_code == 403


@pytest.mark.parametrize("wants_mail", [True, False])
def test_request_info(operator_client, operator, consumer, make_application, mailbox, wants_mail, fixed_clock):
    set_preferences(consumer, {"application_status": wants_mail})
    db.session.commit()
    application = make_application(consumer)
    before = len(mailbox())
    response = operator_client.submit(
        card_url(application, "request-info"),
        {"info-text": "Приложите план участка с привязкой к улице.", "info-files": [pdf_file("образец.pdf")]},
        **MULTIPART,
    )
    assert response.status_code == 302
    application = fresh(application)
    assert application.status == "needs_info" and application.info_request.startswith("Приложите план")
    assert application.due_party == "applicant"
    note = notifications_of(consumer)[-1]
    assert note.title == f"По заявке {application.number} нужны сведения" and "Приложите план" in note.body
    assert note.link == f"/applications/{application.id}"
    assert len(mailbox()) - before == (1 if wants_mail else 0)
    doc = db.session.scalar(sa.select(ApplicationDocument).where(ApplicationDocument.kind == "staff_other"))
    assert doc is not None and doc.stage == "needs_info"
    event = db.session.scalar(sa.select(ApplicationEvent).order_by(ApplicationEvent.id.desc()))
    assert (event.from_status, event.to_status, event.actor_id) == ("submitted", "needs_info", operator.id)
    page = operator_client.page(card_url(application))
    assert "Запрос отправлен заявителю" in page.text(".flashes")
    assert "Сейчас действует заявитель" in page and not page.select_one("form[action$='/annul']")
    assert "Аннулировать можно с 04.04.2026" in page.text(".annulment-waiting"), "only after the p.15 term"


def test_request_info_bad_input_saves_nothing(operator_client, consumer, make_application):
    application = make_application(consumer)
    url = card_url(application, "request-info")
    page = Page(operator_client.submit(url, {"info-text": ""}))
    assert page.status == 200 and "Напишите, каких сведений или документов не хватает." in page.errors()
    page = Page(
        operator_client.submit(
            url, {"info-text": "План", "info-files": [pdf_file("a.pdf", b"PK\x03\x04zip")]}, **MULTIPART
        )
    )
    assert page.status == 200 and any("не похож на допустимый документ" in e for e in page.errors())
    page = Page(operator_client.submit(url, {"info-text": "x" * 5001}))
    assert any("не должен быть длиннее 5000" in e for e in page.errors())
    assert fresh(application).status == "submitted"
    assert count(ApplicationDocument) == 3 and len(notifications_of(consumer)) == 1


# --- the offer ---------------------------------------------------------------------------------


def test_post_the_offer_up_to_150_kw(operator_client, operator, consumer, make_application, mailbox, fixed_clock):
    application = make_application(consumer)
    response = operator_client.submit(
        card_url(application, "offer"),
        offer_data(
            **{
                "offer-territory": "rural",
                "offer-overhead_km": "0,2",
                "offer-other_files": [pdf_file("схема.pdf")],
                "offer-comment": "Замер выполнен.",
            }
        ),
        **MULTIPART,
    )
    assert response.status_code == 302
    application = fresh(application)
    assert application.status == "offer_sent" and application.invoice_with_vat > 0
    assert application.offer_inputs["territory"] == "rural" and application.offer_inputs["overhead_km"] == "0.2"
    assert application.implementation_amount and application.due_party == "applicant"
    kinds = sorted(
        db.session.scalars(sa.select(ApplicationDocument.kind).where(ApplicationDocument.stage == "offer_sent")).all()
    )
    assert kinds == ["contract_terms", "instruction", "invoice", "staff_other", "technical_conditions"]
    note = notifications_of(consumer)[-1]
    assert note.title == f"По заявке {application.number} размещены документы" and "Оплатите счёт" in note.body
    assert any(application.number in m["Subject"] for m in mailbox())
    page = operator_client.page(card_url(application))
    assert "Счёт:" in page.text(".flashes") and "Замер выполнен." in page.text(".history")
    assert page.select_one("form[action$='/payments']") and not page.select_one("form[action$='/offer']")
    assert not page.select_one("form[action$='/signed']"), "up to 150 kW the contract is concluded by paying"
    assert page.select_one("#payment-amount")["value"] == format_number(application.invoice_with_vat), (
        "as typed: 75000, not 75000.00"
    )


def test_an_offer_rendered_before_the_application_changed_is_not_posted(
    operator, consumer, make_application, fixed_clock
):
    """The offer's PDFs are rendered before its unit of work (app/db.py); if another staff
    member moved the application meanwhile, they no longer fit it: Conflict, and the request
    runs again on current data."""
    from app.applications import offer, office_operations
    from app.core.storage import stage_bytes
    from app.db import Conflict

    application = make_application(consumer)
    prepared = offer.prepare_offer(application, offer.offer_defaults(application))
    application.version += 1  # what any change of the application does (another staff member's)
    db.session.commit()
    with pytest.raises(Conflict):
        office_operations.post_offer(
            application,
            operator,
            offer.offer_defaults(application),
            [stage_bytes(PDF, "application/pdf", "ТУ.pdf")],
            prepared=prepared,
        )
    db.session.rollback()


def test_offer_bad_input_saves_nothing(operator_client, consumer, make_application):
    application = make_application(consumer)
    url = card_url(application, "offer")
    page = Page(operator_client.submit(url, offer_data(**{"offer-technical_conditions": None}), **MULTIPART))
    assert page.status == 200 and "Приложите технические условия (PDF, JPEG или PNG)." in page.errors()
    assert page.title.startswith("Ошибка: ") and "Приложите технические условия" in page.text(".error-summary")
    page = Page(
        operator_client.submit(
            url, offer_data(**{"offer-technical_conditions": [pdf_file("ТУ.pdf", b"MZ\x90")]}), **MULTIPART
        )
    )
    assert any("не похож на допустимый документ" in e for e in page.errors())
    page = Page(
        operator_client.submit(
            url, offer_data(**{"offer-overhead_km": "много", "offer-territory": "moon"}), **MULTIPART
        )
    )
    assert "Введите число, например 15 или 15,5." in page.errors()
    assert "Выберите территорию: город или село." in page.errors()
    assert page.select_one("#offer-overhead_km")["value"] == "много", "what was typed is shown back"
    # The calculator refuses: a substation of 35 kV and above is not priced at 0.4 kV.
    page = Page(operator_client.submit(url, offer_data(**{"offer-supply_center": "y"}), **MULTIPART))
    assert page.status == 200
    error = page.select_one("#offer-supply_center-error")
    assert error is not None and "нет ставки" in error.get_text()
    assert fresh(application).status == "submitted" and fresh(application).invoice_with_vat is None
    assert count(ApplicationDocument) == 3 and len(notifications_of(consumer)) == 1


def test_offer_preview_with_and_without_htmx(operator_client, consumer, make_application):
    application = make_application(consumer)
    query = "offer-territory=urban&offer-within_distance=y&offer-metering=single_phase&offer-metering_points=1"
    url = f"{card_url(application)}/offer/preview?{query}"
    fragment = operator_client.get(url, headers={"HX-Request": "true"})
    html = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in html and html.lstrip().startswith('<div id="offer-preview"')
    total = BeautifulSoup(html, "html.parser").select_one("[data-total-with-vat]")["data-total-with-vat"]
    expected = offer.invoice_calculation(application, offer.OfferInputs(metering="single_phase", metering_points=1))
    assert Decimal(total) == expected.total_with_vat
    assert len(html.encode()) < 2048
    bad = operator_client.get(
        f"{card_url(application)}/offer/preview?offer-territory=urban&offer-within_distance=y"
        "&offer-metering=none&offer-metering_points=0&offer-supply_center=y",
        headers={"HX-Request": "true"},
    )
    assert "нет ставки" in bad.get_data(as_text=True)
    full = operator_client.page(url)
    assert full.select_one("#offer-preview [data-total-with-vat]")["data-total-with-vat"] == total
    # Without JavaScript the «Рассчитать» button posts the form: the card answers, nothing saved.
    page = Page(
        operator_client.submit(card_url(application, "offer"), offer_data(**{"offer-preview": "y"}), **MULTIPART)
    )
    assert (
        page.status == 200 and page.select_one("#offer-preview [data-total-with-vat]")["data-total-with-vat"] == total
    )
    assert fresh(application).status == "submitted" and count(ApplicationDocument) == 3


# --- payments and the contract -----------------------------------------------------------------


def test_payment_partial_then_full_concludes_the_contract(
    operator_client, operator, consumer, make_application, fixed_clock
):
    application = make_application(consumer, status="offer_sent")
    total = application.invoice_with_vat
    part = (total / 2).quantize(Decimal("0.01"))
    today = clock.today()
    operator_client.submit(
        card_url(application, "payments"),
        {
            "payment-paid_on": today.isoformat(),
            "payment-amount": str(part).replace(".", ","),
            "payment-document": "п/п № 12",
            "payment-files": [pdf_file("платёжка.pdf")],
        },
        expect=302,
        **MULTIPART,
    )
    application = fresh(application)
    assert application.status == "offer_sent" and queries.paid_total(application) == part
    page = operator_client.page(card_url(application))
    assert "Всего оплачено" in page.text(".flashes") and "осталось" in page.text("[aria-labelledby=payments-h]")
    assert (
        db.session.scalar(sa.select(ApplicationDocument.kind).order_by(ApplicationDocument.id.desc()))
        == "payment_document"
    )
    before = len(notifications_of(consumer))
    operator_client.submit(
        card_url(application, "payments"),
        {"payment-paid_on": today.isoformat(), "payment-amount": str(total - part)},
        expect=302,
    )
    application = fresh(application)
    assert application.status == "contract_concluded" and application.contract_date == today
    assert application.due_label.startswith("Выполнить мероприятия")
    assert notifications_of(consumer)[-1].title == f"По заявке {application.number} заключён договор"
    assert len(notifications_of(consumer)) == before + 1
    page = operator_client.page(card_url(application))
    assert "договор заключён" in page.text(".flashes") and "счёт оплачен полностью" in page.text(
        "[aria-labelledby=payments-h]"
    )
    assert page.select_one("form[action$='/start']") and not page.select_one("form[action$='/payments']")
    assert [p.document for p in db.session.scalars(sa.select(ApplicationPayment).order_by(ApplicationPayment.id))] == [
        "п/п № 12",
        "",
    ]


def test_payment_bad_input_saves_nothing(operator_client, consumer, make_application, fixed_clock):
    application = make_application(consumer, status="offer_sent")
    url = card_url(application, "payments")
    today = clock.today()
    cases = [
        ({"payment-paid_on": today.isoformat(), "payment-amount": ""}, "Укажите сумму оплаты."),
        ({"payment-paid_on": today.isoformat(), "payment-amount": "0"}, "Значение должно быть больше 0 ₽."),
        ({"payment-paid_on": today.isoformat(), "payment-amount": "сто"}, "Введите число, например 15 или 15,5."),
        ({"payment-paid_on": "", "payment-amount": "100"}, "Укажите дату оплаты."),
        (
            {"payment-paid_on": "31.02.2026", "payment-amount": "100"},
            "Введите дату в формате ГГГГ-ММ-ДД, например 2026-03-01.",
        ),
        (
            {"payment-paid_on": (today + timedelta(days=1)).isoformat(), "payment-amount": "100"},
            "Дата оплаты не может быть позже сегодняшней.",
        ),
        (
            {"payment-paid_on": (today - timedelta(days=30)).isoformat(), "payment-amount": "100"},
            "Дата оплаты не может быть раньше подачи заявки.",
        ),
    ]
    for data, message in cases:
        page = Page(operator_client.submit(url, data))
        assert page.status == 200 and message in page.errors(), (data, page.errors())
        assert page.errors().count(message) == 1
    assert count(ApplicationPayment) == 0 and fresh(application).status == "offer_sent"


def test_above_150_kw_the_signed_contract_concludes_it(operator_client, consumer, make_application, fixed_clock):
    application = make_application(consumer, power_kw=Decimal("200"), status="offer_sent")
    page = operator_client.page(card_url(application))
    assert page.select_one("form[action$='/signed']") and "подписать договор" in page.text("#actions-h + p")
    url = card_url(application, "signed")
    page = Page(operator_client.submit(url, {"signed-signed_on": clock.today().isoformat()}))
    assert page.status == 200 and "Приложите подписанный договор." in page.errors()
    page = Page(
        operator_client.submit(url, {"signed-signed_on": "", "signed-files": [pdf_file("договор.pdf")]}, **MULTIPART)
    )
    assert "Укажите дату подписания." in page.errors()
    assert fresh(application).status == "offer_sent"
    operator_client.submit(
        url,
        {"signed-signed_on": clock.today().isoformat(), "signed-files": [pdf_file("договор.pdf")]},
        expect=302,
        **MULTIPART,
    )
    application = fresh(application)
    assert application.status == "contract_concluded" and application.contract_date == clock.today()
    assert (
        db.session.scalar(sa.select(ApplicationDocument.kind).order_by(ApplicationDocument.id.desc()))
        == "signed_contract"
    )
    assert notifications_of(consumer)[-1].title == f"По заявке {application.number} заключён договор"


def test_a_partial_payment_above_150_kw_does_not_conclude(operator_client, consumer, make_application, fixed_clock):
    application = make_application(consumer, power_kw=Decimal("200"), status="offer_sent")
    operator_client.submit(
        card_url(application, "payments"),
        {"payment-paid_on": clock.today().isoformat(), "payment-amount": str(application.invoice_with_vat)},
        expect=302,
    )
    assert fresh(application).status == "offer_sent", "above 150 kW the contract is signed, not paid"


# --- the work, the check of the ТУ, the final documents ---------------------------------------


def test_the_path_to_completion(operator_client, operator, consumer, make_application, fixed_clock):
    application = make_application(consumer, status="contract_concluded")
    operator_client.submit(card_url(application, "start"), {}, expect=302)
    application = fresh(application)
    assert application.status == "in_progress"
    assert notifications_of(consumer)[-1].title == f"По заявке {application.number} начато выполнение мероприятий"
    operations.notify_fulfilment(application, consumer, "Готово.", [checked("акт.pdf")])
    db.session.commit()

    page = operator_client.page(card_url(application))
    assert page.select_one("form[action$='/rework']") and page.select_one("form[action$='/connect']")
    page = Page(operator_client.submit(card_url(application, "rework"), {"rework-remarks": ""}))
    assert page.status == 200 and "Напишите замечания: что ещё не выполнено." in page.errors()
    assert fresh(application).status == "tu_fulfilled"
    operator_client.submit(card_url(application, "rework"), {"rework-remarks": "Нет заземления ВРУ."}, expect=302)
    application = fresh(application)
    assert application.status == "in_progress"
    note = notifications_of(consumer)[-1]
    assert note.title == f"По заявке {application.number} есть замечания к выполнению ТУ"
    assert "Нет заземления ВРУ." in note.body, "the applicant is told the remarks"
    assert "Нет заземления ВРУ." in operator_client.page(card_url(application)).text(".history")

    operations.notify_fulfilment(application, consumer, "Заземление сделано.", [checked("акт2.pdf")])
    db.session.commit()
    operator_client.submit(
        card_url(application, "connect"), {"connect-files": [pdf_file("акт проверки.pdf")]}, expect=302, **MULTIPART
    )
    application = fresh(application)
    assert application.status == "connected" and application.due_label.startswith("Разместить акт")
    assert (
        db.session.scalar(sa.select(ApplicationDocument.kind).order_by(ApplicationDocument.id.desc()))
        == "inspection_act"
    )

    page = operator_client.page(card_url(application))
    assert page.select_one("#complete-connection_act") and not page.select_one("#complete-reissued_documents")
    url = card_url(application, "complete")
    page = Page(operator_client.submit(url, {"complete-meter_act": [pdf_file("акт ПУ.pdf")]}, **MULTIPART))
    assert page.status == 200 and "Приложите акт об осуществлении технологического присоединения." in page.errors()
    assert fresh(application).status == "connected"
    operator_client.submit(
        url,
        {"complete-connection_act": [pdf_file("акт ТП.pdf")], "complete-meter_act": [pdf_file("акт ПУ.pdf")]},
        expect=302,
        **MULTIPART,
    )
    application = fresh(application)
    assert application.status == "completed" and application.due_date is None and application.completed_at
    kinds = db.session.scalars(
        sa.select(ApplicationDocument.kind)
        .where(ApplicationDocument.stage == "completed")
        .order_by(ApplicationDocument.id)
    ).all()
    assert kinds == ["connection_act", "meter_act"]
    assert notifications_of(consumer)[-1].title == f"Заявка {application.number} исполнена"
    page = operator_client.page(card_url(application))
    assert {f["action"].rsplit("/", 1)[-1] for f in page.select("form[method=post]")} - {"logout"} == {
        "assign",
        "notes",
    }
    statuses = db.session.scalars(
        sa.select(ApplicationEvent.to_status).where(ApplicationEvent.action == "status").order_by(ApplicationEvent.id)
    ).all()
    assert statuses[-6:] == ["in_progress", "tu_fulfilled", "in_progress", "tu_fulfilled", "connected", "completed"]


def test_reissue_takes_the_short_path(operator_client, consumer, make_application, fixed_clock):
    application = make_application(consumer, kind="reissue", files={"title_document": [checked("выписка.pdf")]})
    assert application.due_label == "Переоформить документы"
    page = operator_client.page(card_url(application))
    forms = {f["action"].rsplit("/", 1)[-1] for f in page.select("form[method=post]")} - {"logout"}
    assert forms == {"request-info", "complete", "assign", "notes"}, forms
    assert page.select_one("#complete-reissued_documents") and not page.select_one("#complete-connection_act")
    assert operator_client.submit(card_url(application, "offer"), offer_data(), **MULTIPART).status_code == 403
    page = Page(operator_client.submit(card_url(application, "complete"), {"complete-comment": "Готово"}))
    assert page.status == 200 and "Приложите переоформленные документы." in page.errors()
    operator_client.submit(
        card_url(application, "complete"),
        {"complete-reissued_documents": [pdf_file("новые ТУ.pdf")]},
        expect=302,
        **MULTIPART,
    )
    application = fresh(application)
    assert application.status == "completed"
    assert (
        db.session.scalar(sa.select(ApplicationDocument.kind).order_by(ApplicationDocument.id.desc()))
        == "reissued_documents"
    )
    assert notifications_of(consumer)[-1].title == f"Заявка {application.number} исполнена"


@pytest.mark.parametrize(
    ("status", "action", "data"),
    [
        ("submitted", "start", {}),
        ("submitted", "complete", {}),
        ("submitted", "connect", {}),
        ("submitted", "rework", {"rework-remarks": "x"}),
        ("submitted", "payments", {"payment-paid_on": "2026-03-05", "payment-amount": "1"}),
        ("offer_sent", "signed", {"signed-signed_on": "2026-03-05"}),
        ("offer_sent", "request-info", {"info-text": "x"}),
        ("offer_sent", "offer", {}),
        ("needs_info", "check", {}),
        ("needs_info", "offer", {}),
        ("contract_concluded", "annul", {"annul-reason": "x"}),
        ("contract_concluded", "payments", {"payment-paid_on": "2026-03-05", "payment-amount": "1"}),  # paid in full
        ("completed", "annul", {"annul-reason": "x"}),
        ("annulled", "start", {}),
    ],
)
def test_a_transition_not_in_the_table_is_403(
    operator_client, consumer, make_application, status, action, data, fixed_clock
):
    application = make_application(consumer, status=status)
    events = count(ApplicationEvent)
    response = operator_client.submit(card_url(application, action), data)
    assert response.status_code == 403 and "Доступ запрещён" in response.get_data(as_text=True)
    assert fresh(application).status == status and count(ApplicationEvent) == events
    assert db.session.scalar(sa.select(AuditEvent.action).order_by(AuditEvent.id.desc())) == "access.forbidden"


# --- stage deadlines ---------------------------------------------------------------------------


def deadline_form(page: Page) -> dict:
    data = {f["name"]: f["value"] for f in page.select("input[name^=amount_]")}
    data.update({s["name"]: s.select_one("option[selected]")["value"] for s in page.select("select[name^=unit_]")})
    return data


def test_admin_changes_a_deadline_and_due_dates_follow(admin_client, consumer, make_application, fixed_clock):
    application = make_application(consumer)
    before = application.due_date
    finished = make_application(consumer, status="completed")
    page = admin_client.page("/office/applications/deadlines")
    assert page.select_one("#amount_check")["value"] == "3"
    assert page.select_one("#unit_check option[selected]")["value"] == "wd"
    data = deadline_form(page)
    data.update({"amount_check": "1", "unit_check": "wd"})
    response = admin_client.submit("/office/applications/deadlines", data)
    assert response.status_code == 302
    assert "Пересчитано сроков открытых заявок: 1" in admin_client.page("/office/applications/deadlines").text(
        ".flashes"
    )
    changed = fresh(application)
    assert changed.due_date == clock.today() + timedelta(days=1), "Thursday + 1 working day = Friday"
    assert before == clock.today() + timedelta(days=6), "3 working days: Fri 6, Tue 10, Wed 11 (9 March is a day off)"
    assert fresh(finished).due_date is None
    assert [(d.code, d.amount, d.unit) for d in db.session.scalars(sa.select(StageDeadline))] == [("check", 1, "wd")]
    assert db.session.scalar(sa.select(AuditEvent.action).where(AuditEvent.action == "office.application_deadlines"))
    assert admin_client.page("/office/applications/deadlines").select_one("#amount_check")["value"] == "1"


def test_deadlines_bad_input(admin_client):
    page = admin_client.page("/office/applications/deadlines")
    data = deadline_form(page)
    data.update({"amount_pay": "0", "unit_sign": "y"})
    page = Page(admin_client.submit("/office/applications/deadlines", data))
    assert page.status == 200 and page.title.startswith("Ошибка: ")
    summary = page.text(".error-summary")
    assert "Укажите срок целым числом от 1 до 365." in summary and "Выберите единицу из списка." in summary
    assert count(StageDeadline) == 0


# --- the dashboard -----------------------------------------------------------------------------


def test_dashboard_shows_overdue_and_about_to_be_annulled(operator_client, consumer, make_application, fixed_clock):
    late = make_application(consumer)
    waiting = make_application(consumer, status="needs_info")
    page = operator_client.page("/office/")
    widget = page.select_one("section[aria-labelledby=applications-due-h]")
    assert widget is not None and "Просрочено: 0" in widget.get_text(" ", strip=True)
    clock.set_now(clock.now() + timedelta(days=(late.due_date - clock.today()).days + 1))
    waiting = fresh(waiting)
    page = operator_client.page("/office/")
    widget = page.select_one("section[aria-labelledby=applications-due-h]")
    text = widget.get_text(" ", strip=True)
    assert "Просрочено: 1" in text and late.number in text
    assert widget.select_one(f"a[href='/office/applications/{late.id}']")
    assert widget.select_one(".overdue")
    clock.set_now(clock.now() + timedelta(days=(waiting.due_date - clock.today()).days - 1))
    widget = operator_client.page("/office/").select_one("section[aria-labelledby=applications-due-h]")
    assert "Скоро аннулирование" in widget.get_text() and widget.select_one(
        f"a[href='/office/applications/{waiting.id}']"
    )


@pytest.mark.parametrize(("middle_name", "shown"), [("", "Кузнецова О."), ("Игоревна", "Кузнецова О.И.")])
def test_assignment_names_the_assignee_with_one_dot(
    operator_client, make_user, consumer, make_application, middle_name, shown
):
    assignee = make_user("operator", last_name="Кузнецова", first_name="Ольга", middle_name=middle_name)
    application = make_application(consumer)
    operator_client.submit(card_url(application, "assign"), {"assign-assignee": str(assignee.id)}, expect=302)
    card = operator_client.page(card_url(application))
    assert f"Ответственный: {shown}" in card.text(".flashes") and ".." not in card.text(".flashes")
    assert f"Ответственный: {shown}" in card.text(".history") and ".." not in card.text(".history")
