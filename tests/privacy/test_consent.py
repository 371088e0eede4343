"""The consent (SPEC §2.9, 152-FZ art. 9): its content, its records, its withdrawal."""

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.extensions import db
from app.privacy.consent import CURRENT_VERSION, VERSIONS
from app.privacy.models import ConsentRecord
from app.privacy.services import has_consent, record_consent


@pytest.fixture
def consenting(consumer):
    record_consent(consumer, method="online")
    db.session.commit()
    return consumer


def records(user):
    return db.session.scalars(
        sa.select(ConsentRecord).where(ConsentRecord.user_id == user.id).order_by(ConsentRecord.id)
    ).all()


@pytest.mark.parametrize("version", list(VERSIONS))
def test_the_consent_document_has_what_the_law_asks(company, client, version):
    page = client.page(f"/privacy/consent/{version}")
    text = page.text("main")
    assert company.full_name in text and company.address in text, "the operator and its address"
    assert "Цели обработки" in text and "технологическое присоединение" in text, "the purposes"
    for item in ("Фамилия, имя, отчество", "СНИЛС", "паспортные данные", "электронной почты", "телефона"):
        assert item in text, f"the data list names {item}"
    assert "Сбор, запись" in text and "уничтожение" in text, "the actions"
    assert "Гарантирующему поставщику" in text, "who receives the data"
    assert "Срок действия" in text and "до его отзыва" in text, "the term"
    assert "отозвать согласие" in text and "«Профиль»" in text, "how to withdraw"
    assert "30 дней" in text and "бухгалтерском учёте" in text
    assert f"Редакция {version}" in text


def test_the_privacy_policy_names_the_operator_and_how_to_reach_it(company, client):
    page = client.page("/privacy")
    text = page.text("main")
    assert "Оператор персональных данных" in text and company.full_name in text
    for contact in (company.email, company.phone, company.address):
        assert contact and contact in text
    assert "Российской Федерации" in text, "where the data are kept"
    assert page.select_one("a[href='/privacy/consent']")


def test_records_never_change(consenting):
    [row] = records(consenting)
    row.method = "paper"
    with pytest.raises(ValueError, match="never change"):
        db.session.flush()
    db.session.rollback()
    assert records(consenting)[0].method == "online"


def test_withdrawal_is_a_new_record_after_a_confirmation_page(consumer_client, consenting):
    assert "действует" in consumer_client.page("/profile").text("#pd-h + p")
    page = consumer_client.page("/profile/consent/withdraw")
    text = page.text("main")
    for phrase in ("30 дней", "договору технологического присоединения", "№ 861", "5 лет", "передумать"):
        assert phrase in text
    assert page.select_one("form[action='/profile/consent/withdraw'] button.danger")
    assert len(records(consenting)) == 1, "opening the page withdraws nothing"
    response = consumer_client.submit("/profile/consent/withdraw", {}, expect=302)
    assert response.headers["Location"] == "/profile/consent"
    given, withdrawn = records(consenting)
    assert (given.action, withdrawn.action, withdrawn.method) == ("given", "withdrawn", "online")
    assert withdrawn.ip == "127.0.0.1" and withdrawn.version == CURRENT_VERSION
    assert not has_consent(consenting)
    status = consumer_client.page("/profile/consent")
    assert "Вы отозвали согласие" in status and "не позднее" in status
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "privacy.consent_withdrawn"))
    # The consumer changes their mind within the 30 days.
    consumer_client.submit("/profile/consent/give", {}, expect=302)
    assert [r.action for r in records(consenting)] == ["given", "withdrawn", "given"] and has_consent(consenting)


def test_withdrawing_twice_adds_nothing(consumer_client, consenting):
    consumer_client.submit("/profile/consent/withdraw", {}, expect=302)
    consumer_client.submit("/profile/consent/withdraw", {}, expect=302)
    assert len(records(consenting)) == 2


def test_retention_reasons_are_said_to_the_consumer(consumer_client, consenting):
    from app.core import personal_data

    def contract(user):
        return "Данные договора технологического присоединения ТП-2026-000001 — 5 лет после его исполнения."

    personal_data.retention_reason(contract)
    try:
        consumer_client.submit("/profile/consent/withdraw", {}, expect=302)
        assert "ТП-2026-000001" in consumer_client.page("/profile/consent")
    finally:
        personal_data._retention_reasons.remove(contract)


def test_paper_consent_keeps_its_scan_and_operator(operator_client, operator):
    from app.auth.models import User
    from tests.auth.test_walk_in import register_visitor

    register_visitor(operator_client)
    visitor = db.session.scalar(sa.select(User).where(User.email == "visitor@example.ru"))
    [row] = records(visitor)
    assert (row.method, row.recorded_by_id) == ("paper", operator.id) and row.scan_file_id
    page = operator_client.page(f"/office/consumers/{visitor.id}")
    assert page.select_one(f"a[href='/office/consumers/{visitor.id}/consents/{row.id}/scan']")


def test_staff_have_no_consent_pages_of_their_own(operator_client):
    for url in ("/profile/consent", "/profile/consent/withdraw", "/profile/data.json"):
        assert operator_client.get(url).status_code == 404
