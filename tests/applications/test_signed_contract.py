"""Above 150 kW the signed contract comes back through the cabinet (issue 17 item 4): the
applicant uploads it on the card while the draft waits for the signature, staff see it waiting
in the queue and the card and confirm it without re-uploading; the contract is concluded on the
day the upload arrived (Decree 861 p.15), and the applicant is told."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from app.applications.deadlines import SIGNED_WAITS, running_deadlines
from app.applications.models import Application, ApplicationDocument
from app.applications.rules import signed_upload_problem
from app.core import clock
from app.extensions import db
from app.notifications.models import Notification
from tests.helpers import PDF, PNG, THURSDAY, Page, pdf_file

MULTIPART = {"content_type": "multipart/form-data"}


def fresh(application) -> Application:
    db.session.expire_all()
    return db.session.get(Application, application.id)


def signed_docs(application) -> list[ApplicationDocument]:
    return db.session.scalars(
        sa.select(ApplicationDocument)
        .options(joinedload(ApplicationDocument.stored))
        .order_by(ApplicationDocument.id)
        .where(ApplicationDocument.application_id == application.id, ApplicationDocument.kind == "signed_contract")
    ).all()


def upload(client, application, *files):
    return client.submit(
        f"/applications/{application.id}/signed-contract", {"files": list(files)} if files else {}, **MULTIPART
    )


@pytest.fixture
def large(consumer, make_application, fixed_clock):
    """A 200 kW application whose draft contract waits for the applicant's signature."""
    return make_application(consumer, power_kw=Decimal("200"), status="offer_sent")


# --- the rule ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("power", "status", "refused"),
    [
        ("200", "offer_sent", None),
        ("150", "offer_sent", "оплатой счёта"),
        ("200", "submitted", "когда сетевая организация разместит проект договора"),
        ("200", "needs_info", "когда сетевая организация разместит проект договора"),
        ("200", "contract_concluded", "уже заключён"),
        ("200", "in_progress", "уже заключён"),
        ("200", "annulled", "Заявка закрыта"),
        ("200", "withdrawn", "Заявка закрыта"),
    ],
)
def test_the_signed_contract_goes_through_the_cabinet_only_above_150_kw_while_it_waits(power, status, refused):
    problem = signed_upload_problem(Application(power_kw=Decimal(power), status=status))
    if refused is None:
        assert problem is None
    else:
        assert refused in problem


def test_an_upload_makes_it_the_staffs_turn_by_the_next_working_day(app):
    application = Application(
        power_kw=Decimal("200"), status="offer_sent", kind="new", stage_started_at=THURSDAY - timedelta(days=2)
    )
    (waiting,) = running_deadlines(application)
    assert waiting.party == "applicant" and waiting.label.startswith("Подписать договор")
    application.signed_received_at = THURSDAY + timedelta(days=1)  # Friday 06.03.2026
    (waiting,) = running_deadlines(application)
    # Monday 09.03.2026 is a day off (8 March fell on a Sunday): the next working day is Tuesday.
    assert (waiting.label, waiting.party, waiting.due) == (SIGNED_WAITS, "staff", date(2026, 3, 10))


# --- the applicant's upload --------------------------------------------------------------------


def test_the_card_offers_the_upload_above_150_kw_only(consumer_client, consumer, large, make_application):
    page = consumer_client.page(f"/applications/{large.id}")
    form = page.select_one("form.signed-contract")
    assert form["action"] == f"/applications/{large.id}/signed-contract"
    assert form["enctype"] == "multipart/form-data" and form.select_one("input[type=file][name=files]")
    assert "Подписанный договор" in form.select_one("label[for=files]").get_text()
    small = make_application(consumer, power_kw=Decimal("15"), status="offer_sent")
    assert consumer_client.page(f"/applications/{small.id}").select_one("form.signed-contract") is None


def test_the_applicant_uploads_the_signed_contract(consumer_client, operator_client, large):
    response = upload(consumer_client, large, pdf_file("договор подписанный.pdf"), pdf_file("стр2.png", PNG))
    assert response.status_code == 302 and response.headers["Location"] == f"/applications/{large.id}"
    application = fresh(large)
    assert application.status == "offer_sent" and application.contract_date is None
    assert application.signed_received_at == THURSDAY
    assert (application.due_label, application.due_party) == (SIGNED_WAITS, "staff")
    assert [d.stored.original_name for d in signed_docs(large)] == ["договор подписанный.pdf", "стр2.png"]
    card = consumer_client.page(f"/applications/{large.id}")
    assert "Подписанный договор получен" in card.text(".signed-received")
    assert "Подписанный договор направлен заявителем" in card.text(".history")
    queue = operator_client.page("/office/applications/")
    assert "Договор подписан заявителем, ждёт подтверждения" in queue.text(f"tr[data-application-id='{large.id}']")


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ((), "Приложите подписанный договор"),
        ((pdf_file("договор.pdf", b"just text, not a PDF"),), "PDF"),
        ((pdf_file("договор.docx", b"PK\x03\x04" + b"\x00" * 40),), "PDF"),
    ],
)
def test_a_refused_upload_says_why_and_keeps_nothing(consumer_client, large, files, message):
    response = upload(consumer_client, large, *files)
    assert response.status_code == 200
    page = Page(response)
    assert page.title.startswith("Ошибка: ")
    assert message in page.text("#files-error")
    assert signed_docs(large) == [] and fresh(large).signed_received_at is None


def test_not_at_this_stage_the_upload_is_refused_in_russian(consumer_client, consumer, make_application):
    small = make_application(consumer, power_kw=Decimal("15"), status="offer_sent")
    concluded = make_application(consumer, power_kw=Decimal("200"), status="contract_concluded")
    for application, message in ((small, "оплатой счёта"), (concluded, "уже заключён")):
        before = len(signed_docs(application))  # the staff recorded the concluded one's
        response = upload(consumer_client, application, pdf_file())
        assert response.status_code == 302
        assert message in consumer_client.page(response.headers["Location"]).text(".flash")
        assert len(signed_docs(application)) == before and fresh(application).signed_received_at is None


def test_another_consumer_gets_404(other_client, large):
    assert upload(other_client, large, pdf_file()).status_code == 404
    assert signed_docs(large) == []


# --- the staff's confirmation ------------------------------------------------------------------


def test_staff_confirm_the_upload_and_the_contract_dates_from_its_arrival(
    consumer_client, operator_client, consumer, large
):
    upload(consumer_client, large, pdf_file("договор.pdf"))
    card = operator_client.page(f"/office/applications/{large.id}")
    block = card.select_one(".signed-upload")
    assert "Договор подписан заявителем, ждёт подтверждения." in card.text(".signed-upload")
    (doc,) = signed_docs(large)
    assert block.select_one(f"a[href='/office/applications/{large.id}/documents/{doc.id}']")
    clock.set_now(THURSDAY + timedelta(days=4))  # confirmed on Monday
    response = operator_client.submit(f"/office/applications/{large.id}/signed", {"signed-confirm_upload": "y"})
    assert response.status_code == 302
    application = fresh(large)
    assert application.status == "contract_concluded"
    assert application.contract_date == date(2026, 3, 5), "the day the signed copy arrived, not the confirmation"
    assert len(signed_docs(large)) == 1, "nothing re-uploaded"
    note = db.session.scalars(
        sa.select(Notification).where(Notification.user_id == consumer.id).order_by(Notification.id.desc())
    ).first()
    assert note.title == f"По заявке {large.number} заключён договор"


def test_confirming_without_an_upload_is_refused(operator_client, large):
    response = operator_client.submit(f"/office/applications/{large.id}/signed", {"signed-confirm_upload": "y"})
    assert response.status_code == 200
    assert "Заявитель не направлял подписанный договор через личный кабинет." in Page(response).text(".error-summary")
    assert fresh(large).status == "offer_sent"


def test_only_staff_confirm(consumer_client, large):
    upload(consumer_client, large, pdf_file())
    response = consumer_client.submit(f"/office/applications/{large.id}/signed", {"signed-confirm_upload": "y"})
    assert response.status_code in (403, 404)
    assert fresh(large).status == "offer_sent"


def test_a_paper_copy_is_still_recorded_as_before(consumer_client, operator_client, large):
    """With an upload waiting, staff may still record a copy that came to the office."""
    upload(consumer_client, large, pdf_file())
    operator_client.submit(
        f"/office/applications/{large.id}/signed",
        {"signed-signed_on": clock.today().isoformat(), "signed-files": [pdf_file("бумажный.pdf", PDF)]},
        expect=302,
        **MULTIPART,
    )
    assert fresh(large).status == "contract_concluded" and len(signed_docs(large)) == 2
