"""`flask privacy purge` (SPEC §2.9): removes what has outlived its purpose, and nothing else."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.audit.services import record
from app.auth import twofactor
from app.auth.models import LoginAttempt, RecoveryCode, User
from app.core import clock, personal_data
from app.core.storage import StoredFile, save_bytes
from app.extensions import db
from app.mail.models import OutboxMail
from app.mail.services import queue_mail
from app.notifications.models import Notification
from app.notifications.services import notify, set_preferences
from app.privacy.models import ConsentRecord
from app.privacy.services import record_consent, run_purge, withdraw_consent
from tests.conftest import DEFAULT_PASSWORD


def ago(days: int):
    return clock.now() - timedelta(days=days)


@pytest.fixture
def withdrawn(make_user):
    """A consumer who withdrew consent 31 days ago, with a little of everything."""
    user = make_user(email="gone@example.ru", inn="500100732259")
    record_consent(user, method="online")
    twofactor.enable(user, twofactor.new_secret(), 1)
    notify(user, "general", "Событие")
    set_preferences(user, {"general": False})
    db.session.add(LoginAttempt(at=ago(40), email=user.email, ip="192.0.2.1", user_id=user.id, success=True))
    db.session.flush()
    clock.set_now(ago(31))
    withdraw_consent(user)
    clock.set_now(None)
    db.session.commit()
    return user


def count(model, *where):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def test_withdrawn_account_is_anonymised_after_30_days(app, withdrawn, make_user, login):
    results = run_purge()
    db.session.commit()
    assert results["withdrawn_accounts"] == {"anonymised": 1, "kept_on_other_grounds": 0}
    user = db.session.get(User, withdrawn.id)
    db.session.refresh(user)
    assert user.anonymised_at and not user.is_enabled
    assert user.email == f"deleted-{user.id}@anonymised.invalid"
    assert (user.last_name, user.first_name, user.middle_name, user.phone) == ("", "", "", "")
    assert (user.snils, user.inn, user.totp_secret) == (None, None, None)
    assert "gone" not in user.search_text
    assert count(Notification, Notification.user_id == user.id) == 0
    assert count(RecoveryCode, RecoveryCode.user_id == user.id) == 0
    assert count(LoginAttempt, LoginAttempt.email == "gone@example.ru") == 0
    assert count(ConsentRecord, ConsentRecord.user_id == user.id) == 2, "the proof of lawful processing stays"
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "privacy.anonymised"))
    c = app.test_client()
    assert c.submit("/login", {"email": "gone@example.ru", "password": DEFAULT_PASSWORD}).status_code == 200
    assert run_purge()["withdrawn_accounts"] == {"anonymised": 0, "kept_on_other_grounds": 0}, "once"


def test_not_before_30_days_and_not_when_consent_was_given_again(make_user):
    recent = make_user()
    record_consent(recent, method="online")
    clock.set_now(ago(29))
    withdraw_consent(recent)
    again = make_user()
    record_consent(again, method="online")
    clock.set_now(ago(60))
    withdraw_consent(again)
    clock.set_now(None)
    db.session.flush()
    record_consent(again, method="online")
    db.session.commit()
    assert run_purge()["withdrawn_accounts"]["anonymised"] == 0


def test_a_retention_reason_keeps_the_data(withdrawn):
    def contract(user):
        return "договор ТП-2026-000001" if user.id == withdrawn.id else None

    personal_data.retention_reason(contract)
    try:
        assert run_purge()["withdrawn_accounts"] == {"anonymised": 0, "kept_on_other_grounds": 1}
        assert db.session.get(User, withdrawn.id).anonymised_at is None
    finally:
        personal_data._retention_reasons.remove(contract)


def test_features_scrub_their_own_data_on_anonymisation(withdrawn):
    scrubbed = []

    def scrub(user):
        scrubbed.append(user.email)

    personal_data.on_anonymise(scrub)
    try:
        run_purge()
        assert scrubbed == ["gone@example.ru"], "called before the account itself is cleared"
    finally:
        personal_data._anonymisers.remove(scrub)


def test_old_login_attempts_go(consumer):
    for days, success in ((10, False), (91, False), (200, True), (366, True)):
        db.session.add(
            LoginAttempt(at=ago(days), email=consumer.email, ip="192.0.2.1", user_id=consumer.id, success=success)
        )
    db.session.commit()
    assert run_purge()["login_attempts"] == 2
    assert sorted(a.at.date() for a in db.session.scalars(sa.select(LoginAttempt))) == [ago(200).date(), ago(10).date()]


def test_audit_details_then_events_age_out(app, consumer):
    for days in (10, 400, 1200):
        event = record("test.event", consumer, fields="phone")
        event.at, event.ip = ago(days), "192.0.2.1"
    db.session.commit()
    assert run_purge()["audit_log"] == {"removed": 1, "details_cleared": 1}
    rows = sorted(
        db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "test.event")), key=lambda e: e.at
    )
    assert [(r.ip, r.details) for r in rows] == [("", ""), ("192.0.2.1", '{"fields": "phone"}')]


def test_old_mail_goes(app, consumer):
    for days, status in ((1, "sent"), (8, "sent"), (8, "failed"), (31, "failed")):
        mail = queue_mail(
            consumer.email, "notification", "x", user=consumer, notification=Notification(title="x", body="", link="")
        )
        mail.created_at, mail.status = ago(days), status
    db.session.info.pop("mail_queued", None)
    db.session.commit()
    assert run_purge()["outbox_mail"] == 2
    assert count(OutboxMail) == 2


def test_consent_proof_goes_three_years_after_anonymisation(app, make_user):
    user = make_user()
    scan = save_bytes(b"%PDF-1.4 scan", "application/pdf", "scan.pdf", None)
    db.session.flush()
    record_consent(user, method="paper", scan_file=scan)
    user.anonymised_at = ago(3 * 365 + 1)
    db.session.commit()
    path = scan.path
    assert run_purge()["consent_proof"] == 1
    db.session.commit()
    assert count(ConsentRecord) == 0 and count(StoredFile) == 0 and not path.exists()


def test_the_command(app, withdrawn):
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["privacy", "purge", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "withdrawn_accounts: anonymised: 1" in dry.output and "ничего не изменено" in dry.output
    assert db.session.get(User, withdrawn.id).anonymised_at is None
    result = runner.invoke(args=["privacy", "purge"])
    assert result.exit_code == 0 and "login_attempts:" in result.output and "audit_log:" in result.output
    db.session.expire_all()
    assert db.session.get(User, withdrawn.id).anonymised_at is not None
