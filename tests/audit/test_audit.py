"""The audit log (SPEC §2.10, §2.11): who, when, from where, what — for logins, failures,
refusals, staff actions and changes of personal data; and nothing secret in it."""

import logging
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.audit.services import action_label, record
from app.auth import twofactor
from app.core import clock
from app.core.security import RedactTokens
from app.extensions import db
from tests.auth.test_walk_in import register_visitor
from tests.conftest import DEFAULT_PASSWORD
from tests.core.query_counter import count_queries
from tests.helpers import find_line, mail_text, read_mailbox, totp_code


def events(action=None):
    query = sa.select(AuditEvent).order_by(AuditEvent.id)
    if action:
        query = query.where(AuditEvent.action == action)
    return db.session.scalars(query).all()


def test_login_failed_login_second_factor_failure_and_403_are_recorded(app, consumer, operator, login):
    c = app.test_client()
    c.submit("/login", {"email": consumer.email, "password": "wrong one"}, environ_base={"REMOTE_ADDR": "203.0.113.9"})
    [failed] = events("auth.login_failed")
    assert (failed.ip, failed.object_id, failed.actor_id) == ("203.0.113.9", consumer.id, None)
    login(consumer, c=c)
    [ok] = events("auth.login")
    assert (ok.actor_id, ok.actor_role, ok.object_type) == (consumer.id, "consumer", "users") and ok.at is not None
    c.get("/office/consumers/")
    [refused] = events("access.forbidden")
    assert refused.actor_id == consumer.id and "/office/consumers/" in refused.details and "GET" in refused.details
    staff = app.test_client()
    staff.submit("/login", {"email": operator.email, "password": DEFAULT_PASSWORD})
    staff.submit("/login/second-factor", {"code": "000000"})
    [code_failed] = events("auth.second_factor_failed")
    assert code_failed.object_id == operator.id


@pytest.fixture
def half_done_app(app):
    from flask import abort
    from flask_login import current_user

    @app.get("/test-half-done")
    def half_done():
        current_user.phone = "+70000000000"
        abort(403)

    return app


def test_a_403_rolls_back_what_the_request_changed(half_done_app, consumer_client, consumer):
    """The refusal is recorded, and only the refusal."""
    from app.auth.models import User

    assert consumer_client.get("/test-half-done").status_code == 403
    db.session.expire_all()
    assert db.session.get(User, consumer.id).phone == "+79001112233"
    assert events("access.forbidden")


def test_staff_actions_and_personal_data_changes_are_recorded(operator_client, operator, consumer_client, consumer):
    register_visitor(operator_client)
    [walk_in] = events("office.walk_in_registration")
    assert walk_in.actor_id == operator.id and walk_in.actor_role == "operator"
    consumer_client.submit("/profile", {"section": "contacts", "contacts-phone": "+7 900 765-43-21"}, expect=302)
    [changed] = events("profile.contacts_changed")
    assert changed.actor_id == consumer.id and changed.object_id == consumer.id and "phone" in changed.details
    assert "765" not in changed.details, "what changed, not the new value"


def test_record_refuses_secrets_whatever_the_key(app):
    event = record(
        "test.event",
        None,
        password="p",
        new_password="p",
        reset_token="t",
        totp_secret="s",
        snils="11223344595",
        passport_number="123456",
        recovery_codes="x",
        code="123456",
        note="СНИЛС 112-233-445 95, паспорт 45 10 123456",
        fields="phone",
    )
    assert event.details == '{"note": "СНИЛС ***, паспорт ***", "fields": "phone"}'


def test_office_log_filters(admin_client, admin, consumer, app):
    c = app.test_client()
    c.submit("/login", {"email": consumer.email, "password": "wrong"}, environ_base={"REMOTE_ADDR": "198.51.100.77"})
    page = admin_client.page("/office/audit/?action=auth.login_failed")
    assert len(page.select("tbody tr")) == 1 and "198.51.100.77" in page
    assert "Неудачный вход" in page, "codes are shown with a Russian label"
    page = admin_client.page("/office/audit/?ip=198.51.100.77")
    assert [r.select("td")[3].get_text(" ", strip=True) for r in page.select("tbody tr")] == ["Неудачный вход"]
    page = admin_client.page(f"/office/audit/?object=users:{consumer.id}")
    assert len(page.select("tbody tr")) == 1
    page = admin_client.page(f"/office/audit/?actor={admin.email}")
    assert {r.select("td")[3].get_text(" ", strip=True) for r in page.select("tbody tr")} == {"Вход"}
    today = clock.today()
    assert len(admin_client.page(f"/office/audit/?date_from={today}&date_to={today}").select("tbody tr")) >= 2
    future = today + timedelta(days=2)
    assert "Записей нет." in admin_client.page(f"/office/audit/?date_from={future}")
    assert "Записей нет." in admin_client.page("/office/audit/?action=%25")  # LIKE wildcards are escaped


def test_office_log_runs_a_fixed_number_of_queries(admin_client, make_user):
    admin_client.page("/office/audit/")
    with count_queries() as few:
        admin_client.page("/office/audit/")
    for n in range(30):
        record("test.event", make_user(), n=n)
    db.session.commit()
    with count_queries() as many:
        page = admin_client.page("/office/audit/")
    assert len(page.select("tbody tr")) > 30
    assert len(many) == len(few), many


def test_audit_log_is_staff_only(consumer_client, client):
    assert consumer_client.get("/office/audit/").status_code == 403
    assert client.get("/office/audit/").headers["Location"].startswith("/login")


def test_access_log_tokens_are_redacted():
    record_ = logging.LogRecord(
        "werkzeug",
        logging.INFO,
        __file__,
        1,
        '%s - - "%s" %s',
        ("127.0.0.1", "GET /password/reset/eyJ1Ijo.secret.token HTTP/1.1", "200"),
        None,
    )
    assert RedactTokens().filter(record_)
    assert "secret" not in record_.getMessage() and "/password/reset/[redacted]" in record_.getMessage()
    gunicorn = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, "%(r)s", None, None)
    gunicorn.args = {"r": "POST /profile/email/confirm/abc.def HTTP/1.1"}
    RedactTokens().filter(gunicorn)
    assert "abc.def" not in gunicorn.getMessage()


def test_gunicorn_access_records_keep_their_own_mapping_when_redacted():
    """gunicorn passes its atoms as SafeAtoms (header atoms in any case, "-" for a missing
    one); the filter rewrites the values that hold a token and leaves the mapping its class."""
    from gunicorn.glogging import SafeAtoms

    record_ = logging.LogRecord(
        "gunicorn.access", logging.INFO, __file__, 1, '"%(r)s" %({Referer}i)s %(missing)s', None, None
    )
    record_.args = SafeAtoms(
        {"r": "GET /password/reset/tok.en HTTP/1.1", "{referer}i": "https://lk/confirm/x.y", "h": "127.0.0.1"}
    )
    assert RedactTokens().filter(record_)
    assert record_.getMessage() == '"GET /password/reset/[redacted] HTTP/1.1" https://lk/confirm/[redacted] -'


def test_no_secret_or_identifier_reaches_the_audit_log_or_the_application_log(app, client, make_user, caplog, mailbox):
    """A whole account's life through the site, then a search of the audit table and every
    log line for each secret it used: passwords, one-time password, reset and email-change
    tokens, TOTP secret and codes, recovery codes, СНИЛС, passport data."""
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="app")
    snils_digits, snils_typed = "11223344595", "112-233-445 95"
    passport = ("4510", "654321")
    secrets = [snils_digits, snils_typed, *passport]

    # Registration (with passport fields the form does not take: they must vanish too).
    client.submit(
        "/register",
        dict(
            applicant_type="individual",
            email="life@example.ru",
            phone="+7 900 123-45-67",
            last_name="Жизнева",
            first_name="Анна",
            snils=snils_typed,
            consent="y",
            passport_series=passport[0],
            passport_number=passport[1],
        ),
        expect=302,
    )
    one_time = find_line(mail_text(read_mailbox(app.config["MAIL_DIR"])[-1]), "Пароль:")
    secrets.append(one_time)
    client.submit("/login", {"email": "life@example.ru", "password": one_time}, expect=302)
    chosen = "my very own passphrase"
    secrets.append(chosen)
    client.submit("/password/change", {"new_password": chosen, "new_password_confirm": chosen}, expect=302)

    # The second factor, on and used.
    secret = client.page("/profile/second-factor").select_one(".secret").get_text().replace(" ", "")
    code = twofactor.totp(secret).at(clock.now())
    secrets += [secret, code]
    client.submit("/profile/second-factor", {"code": code}, expect=302)
    recovery = [li.get_text(strip=True) for li in client.page("/second-factor/recovery-codes").select(".codes li")]
    secrets += recovery
    client.submit("/logout", {})
    client.submit("/login", {"email": "life@example.ru", "password": "a wrong password"})
    client.submit("/login", {"email": "life@example.ru", "password": chosen}, expect=302)
    client.submit("/login/second-factor", {"code": "999999"})
    client.submit("/login/second-factor", {"code": recovery[0]}, expect=302)
    client.submit("/profile", {"section": "contacts", "contacts-phone": "+7 900 999-88-77"}, expect=302)

    # Recovery by mail.
    client.submit("/logout", {})
    client.submit("/password/forgot", {"email": "life@example.ru"}, expect=200)
    link = next(
        line.strip()
        for line in mail_text(read_mailbox(app.config["MAIL_DIR"])[-1]).splitlines()
        if "/password/reset/" in line
    )
    reset_path = link[link.index("/password/reset/") :]
    secrets.append(reset_path.rsplit("/", 1)[1])
    reset_to = "the password after the reset"
    secrets.append(reset_to)
    client.submit(reset_path, {"new_password": reset_to, "new_password_confirm": reset_to}, expect=302)
    client.submit("/login", {"email": "life@example.ru", "password": reset_to}, expect=302)
    from app.auth.models import User

    user = db.session.scalar(sa.select(User).where(User.email == "life@example.ru"))
    client.submit("/login/second-factor", {"code": totp_code(user)}, expect=302)

    # The login email, the data download, the consent.
    client.submit("/profile/email", {"new_email": "life2@example.ru", "current_password": reset_to}, expect=200)
    confirm = next(
        line.strip()
        for m in mailbox()
        if m["To"] == "life2@example.ru"
        for line in mail_text(m).splitlines()
        if "/confirm/" in line
    )
    confirm_path = confirm[confirm.index("/profile/") :]
    secrets.append(confirm_path.rsplit("/", 1)[1])
    client.submit(confirm_path, {}, expect=302)
    client.submit("/login", {"email": "life2@example.ru", "password": reset_to}, expect=302)
    client.submit("/login/second-factor", {"code": totp_code(user)}, expect=302)
    assert client.get("/profile/data.json").status_code == 200
    assert client.get("/profile/data.zip").status_code == 200
    client.submit("/profile/consent/withdraw", {}, expect=302)

    # Staff: a walk-in registration with a СНИЛС, a new one-time password.
    operator = make_user("operator")
    staff = app.test_client()
    staff.submit("/login", {"email": operator.email, "password": DEFAULT_PASSWORD})
    staff.submit("/login/second-factor", {"code": totp_code(operator)}, expect=302)
    register_visitor(staff)
    visitor = db.session.scalar(sa.select(User).where(User.email == "visitor@example.ru"))
    staff.submit(f"/office/consumers/{visitor.id}/password", {}, expect=302)
    reissued = staff.page(f"/office/consumers/{visitor.id}/credentials").select(".secret")[1]
    secrets.append(reissued.get_text(strip=True))

    rows = db.session.execute(sa.select(AuditEvent)).scalars().all()
    assert len(rows) > 20
    audit_text = "\n".join(f"{r.action} {r.object_type} {r.object_id} {r.ip} {r.details}" for r in rows)
    log_text = caplog.text + "\n".join(r.getMessage() for r in caplog.records)
    assert sum(r.name == "app.audit" for r in caplog.records) == len(rows), "every event is logged too"
    for value in secrets:
        assert value and value not in audit_text, f"{value!r} is in the audit log"
        assert value not in log_text, f"{value!r} is in the application log"
    assert {
        "auth.register",
        "auth.login",
        "auth.login_failed",
        "auth.second_factor_failed",
        "auth.password_reset",
        "auth.email_changed",
        "privacy.data_exported",
        "privacy.consent_withdrawn",
        "office.walk_in_registration",
    } <= {r.action for r in rows}


def _codes_recorded_in_app() -> set[str]:
    """Every action code app/ records: the literal ones, and the status steps of
    applications and appeals (recorded as f"application.{status}")."""
    import re
    from pathlib import Path

    from app.appeals.models import AppealStatus
    from app.applications.models import ApplicationStatus

    root = Path(__file__).parents[2] / "app"
    literal = re.compile(r'record\(\s*"([a-z_]+\.[a-z_]+)"(?: if [^\n]+ else "([a-z_]+\.[a-z_]+)")?')
    codes = set()
    for path in root.rglob("*.py"):
        for match in literal.finditer(path.read_text()):
            codes.update(c for c in match.groups() if c)
    codes.update(f"application.{s.value}" for s in ApplicationStatus if s is not ApplicationStatus.draft)
    codes.update(f"appeal.{s.value}" for s in AppealStatus if s.value != "registered")
    return codes


def test_every_action_the_app_records_has_a_russian_label(app):
    missing = sorted(code for code in _codes_recorded_in_app() if action_label(code) == code)
    assert not missing, missing


def test_the_log_shows_a_label_once_and_details_as_labelled_lines(admin_client, admin, make_user):
    staff = make_user("operator")
    record("office.create_staff", staff, actor=admin, role="operator", forced=True)
    record("test.unknown_code", staff, actor=admin, colour="синий")
    db.session.commit()
    page = admin_client.page("/office/audit/")
    rows = {r.select("td")[3].get_text(" ", strip=True): r for r in page.select("tbody tr")}
    created = rows["Создан сотрудник"]
    assert "office.create_staff" not in created.get_text(), "the code is not printed next to its label"
    assert created.select_one(".audit-details").get_text("\n", strip=True).splitlines() == [
        "роль: оператор",
        "принудительно: да",
    ]
    assert "{" not in page.text("tbody") and '"' not in page.text("tbody"), "no raw JSON"
    assert created.select("td")[4].get_text(strip=True) == f"Пользователь № {staff.id}"
    unknown = rows["test.unknown_code"]  # an unknown code falls back to the code, once
    assert unknown.get_text().count("test.unknown_code") == 1
    assert unknown.select_one(".audit-details").get_text(strip=True) == "colour: синий"
    assert "(администратор)" in created.select("td")[1].get_text()
