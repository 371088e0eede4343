import io

import sqlalchemy as sa
from pypdf import PdfReader

from app.auth.models import User
from app.core.storage import StoredFile
from app.extensions import db
from app.privacy.models import ConsentRecord
from tests.helpers import Page, find_line, mail_text

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
VISITOR = dict(
    applicant_type="individual",
    email="visitor@example.ru",
    phone="+7 900 555-44-33",
    last_name="Гостева",
    first_name="Вера",
    snils="112-233-445 95",
)


def register_visitor(client, **overrides):
    data = {**VISITOR, **overrides}
    data.setdefault("consent_scan", (io.BytesIO(PDF), "согласие.pdf"))
    return client.submit("/office/consumers/new", data, content_type="multipart/form-data")


def test_operator_registers_a_walk_in_visitor(operator_client, operator, mailbox):
    response = register_visitor(operator_client)
    assert response.status_code == 200
    page = Page(response)
    password = page.select(".secret")[1].get_text(strip=True)
    user = db.session.scalar(sa.select(User).where(User.email == "visitor@example.ru"))
    assert user.registered_via == "office" and user.created_by_id == operator.id and user.must_change_password
    consent = db.session.scalar(sa.select(ConsentRecord).where(ConsentRecord.user_id == user.id))
    assert consent.method == "paper" and consent.recorded_by_id == operator.id
    scan = db.session.get(StoredFile, consent.scan_file_id)
    assert scan.path.read_bytes() == PDF and scan.original_name == "согласие.pdf"
    [message] = mailbox()
    assert find_line(mail_text(message), "Пароль:") == password

    slip = operator_client.submit(f"/office/consumers/{user.id}/slip", {"password": password}, expect=200)
    assert slip.mimetype == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(slip.data)).pages)
    assert "visitor@example.ru" in text and password in text and "Как войти" in text


def test_slip_prints_only_the_real_password(operator_client):
    register_visitor(operator_client)
    user = db.session.scalar(sa.select(User).where(User.email == "visitor@example.ru"))
    response = operator_client.submit(f"/office/consumers/{user.id}/slip", {"password": "made-up"})
    assert response.status_code == 302


def test_walk_in_needs_a_real_scan(operator_client, mailbox):
    page = Page(register_visitor(operator_client, consent_scan=(io.BytesIO(b"MZ\x90\x00fake exe"), "scan.pdf")))
    assert any("не похож на допустимый документ" in e for e in page.errors())
    page = Page(operator_client.submit("/office/consumers/new", VISITOR, content_type="multipart/form-data"))
    assert "Загрузите скан подписанного посетителем согласия." in page.errors()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User).where(User.role == "consumer")) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StoredFile)) == 0
    assert mailbox() == []


def test_walk_in_with_a_taken_email(operator_client, make_user):
    make_user(email="visitor@example.ru")
    page = Page(register_visitor(operator_client))
    assert any("уже зарегистрирован" in e for e in page.errors())


def test_operator_issues_a_fresh_one_time_password(operator_client, consumer, mailbox, client):
    page = Page(operator_client.submit(f"/office/consumers/{consumer.id}/password", {}, expect=200))
    password = page.select(".secret")[1].get_text(strip=True)
    assert find_line(mail_text(mailbox()[-1]), "Пароль:") == password
    response = client.submit("/login", {"email": consumer.email, "password": password}, expect=302)
    assert response.headers["Location"] == "/password/change"


def test_consumer_search_is_cyrillic_case_insensitive(operator_client, make_user):
    make_user(last_name="Ёлкина", first_name="Алёна", email="elka@example.ru")
    make_user(last_name="Другой", email="other@example.ru")
    page = operator_client.page("/office/consumers/?q=ЕЛКИНА")
    assert "elka@example.ru" in page and "other@example.ru" not in page


def test_consumer_cannot_reach_walk_in(consumer_client):
    assert consumer_client.get("/office/consumers/new").status_code == 403
    assert register_visitor(consumer_client).status_code == 403
