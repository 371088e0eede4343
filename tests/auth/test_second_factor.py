"""The second factor (SPEC §2.10, §4.2): staff cannot reach /office without it, consumers may
turn it on; TOTP codes and recovery codes work once; guesses are throttled like passwords."""

from datetime import timedelta

import pyotp
import pytest
import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.auth import twofactor
from app.auth.models import LoginAttempt, RecoveryCode, User
from app.core import clock
from app.extensions import db
from tests.conftest import DEFAULT_PASSWORD
from tests.helpers import Page, mail_text, totp_code


def password_step(client, user, password=DEFAULT_PASSWORD, **extra):
    return client.submit("/login", {"email": user.email, "password": password, **extra}, expect=302)


def actions():
    return [e.action for e in db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id))]


# --- the login step ---------------------------------------------------------------------------


def test_the_code_page_has_the_contract_field(client, operator):
    password_step(client, operator)
    page = client.page("/login/second-factor")
    assert [i.get("name") for i in page.select("form input:not([type=hidden])")] == ["code"]
    assert client.get("/login/second-factor").headers["Cache-Control"] == "no-store"


def test_staff_have_no_session_before_the_code(client, operator):
    assert password_step(client, operator).headers["Location"] == "/login/second-factor"
    for url in ("/office/", "/cabinet", "/profile"):
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert "auth.login" not in actions(), "a correct password alone is not a login"


def test_wrong_code_is_refused_and_audited(client, operator):
    password_step(client, operator)
    page = Page(client.submit("/login/second-factor", {"code": "000000"}, expect=200))
    assert page.title.startswith("Ошибка: ") and any("Код не подошёл" in e for e in page.errors())
    assert client.get("/office/").status_code == 302
    assert "auth.second_factor_failed" in actions()
    attempt = db.session.scalar(sa.select(LoginAttempt))
    assert (attempt.success, attempt.factor, attempt.user_id) == (False, "second_factor", operator.id)


def test_a_code_works_once(app, operator):
    first, second = app.test_client(), app.test_client()
    password_step(first, operator)
    password_step(second, operator)
    code = totp_code(operator)
    assert first.submit("/login/second-factor", {"code": code}).headers["Location"] == "/office/"
    replay = second.submit("/login/second-factor", {"code": code}, expect=200)
    assert "Код не подошёл" in replay.get_data(as_text=True)


def test_codes_of_the_next_and_previous_steps_are_accepted_but_not_older(client, operator):
    generator = twofactor.totp(operator.totp_secret)
    step = generator.timecode(clock.now())
    password_step(client, operator)
    assert client.submit("/login/second-factor", {"code": generator.generate_otp(step - 2)}).status_code == 200
    assert client.submit("/login/second-factor", {"code": generator.generate_otp(step - 1)}).status_code == 302


def test_too_many_wrong_codes_restart_the_login(client, operator, app):
    password_step(client, operator)
    for _ in range(app.config["SECOND_FACTOR_MAX_FAILURES"] - 1):
        client.submit("/login/second-factor", {"code": "123456"}, expect=200)
    response = client.submit("/login/second-factor", {"code": "123456"}, expect=302)
    assert response.headers["Location"] == "/login"
    response = client.submit("/login/second-factor", {"code": totp_code(operator)}, expect=302)
    assert response.headers["Location"] == "/login", "the right code no longer helps: the password comes first"


def test_code_guesses_count_against_the_account_like_passwords(app, operator, login):
    """Five wrong codes from strangers' addresses: the account refuses strangers for 15
    minutes, while an address it has logged in from still gets in."""
    home = app.test_client()
    login(operator, c=home)  # 127.0.0.1 becomes a known address
    home.submit("/logout", {})
    stranger = {"REMOTE_ADDR": "203.0.113.5"}
    c = app.test_client()
    c.submit("/login", {"email": operator.email, "password": DEFAULT_PASSWORD}, environ_base=stranger, expect=302)
    for _ in range(5):
        c.submit("/login/second-factor", {"code": "111111"}, environ_base=stranger)
    refused = app.test_client().submit(
        "/login", {"email": operator.email, "password": DEFAULT_PASSWORD}, environ_base={"REMOTE_ADDR": "203.0.113.6"}
    )
    assert refused.status_code == 429
    assert password_step(app.test_client(), operator).headers["Location"] == "/login/second-factor"


def test_code_guesses_count_against_the_address_like_passwords(app, make_user):
    """Ten failures of any kind from one address in 15 minutes: the address gets 429."""
    first, second = make_user("operator"), make_user("operator")
    for user in (first, second):
        c = app.test_client()
        password_step(c, user)
        for _ in range(5):
            c.submit("/login/second-factor", {"code": "111111"})
    c = app.test_client()
    refused = c.submit("/login", {"email": "somebody@example.ru", "password": "whatever it is"})
    assert refused.status_code == 429 and "Слишком много" in refused.get_data(as_text=True)


def test_the_pending_login_expires(client, operator, app):
    password_step(client, operator)
    with client.session_transaction() as session:
        session["pending_login"] = {**session["pending_login"], "at": session["pending_login"]["at"] - 301}
    response = client.submit("/login/second-factor", {"code": totp_code(operator)})
    assert response.headers["Location"] == "/login"
    assert client.get("/office/").status_code == 302


def test_a_password_change_meanwhile_voids_the_pending_login(client, operator):
    password_step(client, operator)
    user = db.session.get(User, operator.id)
    user.session_version += 1
    db.session.commit()
    assert client.submit("/login/second-factor", {"code": totp_code(operator)}).headers["Location"] == "/login"


def test_the_session_is_new_after_the_code(client, operator):
    client.get("/login")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    password_step(client, operator)
    client.submit("/login/second-factor", {"code": totp_code(operator)}, expect=302)
    with client.session_transaction() as session:
        assert "planted" not in session and "pending_login" not in session and session["mfa"] is True


def test_next_survives_the_second_step(client, operator):
    client.submit("/login?next=/office/audit/", {"email": operator.email, "password": DEFAULT_PASSWORD}, expect=302)
    response = client.submit("/login/second-factor", {"code": totp_code(operator)})
    assert response.headers["Location"] == "/office/audit/"


def test_staff_session_without_the_second_factor_is_ended(operator_client):
    with operator_client.session_transaction() as session:
        session["mfa"] = False
    response = operator_client.get("/office/")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert operator_client.get("/office/").headers["Location"].startswith("/login")


# --- recovery codes ---------------------------------------------------------------------------


def test_recovery_code_logs_in_once_and_tells_the_owner(client, operator, mailbox):
    codes = twofactor.new_recovery_codes(db.session.get(User, operator.id))
    db.session.commit()
    password_step(client, operator)
    response = client.submit("/login/second-factor", {"code": codes[3].upper().replace("-", " ")}, expect=302)
    assert response.headers["Location"] == "/office/"
    assert "Вход по резервному коду" in [m["Subject"] for m in mailbox()]
    client.submit("/logout", {})
    password_step(client, operator)
    assert client.submit("/login/second-factor", {"code": codes[3]}).status_code == 200
    assert twofactor.remaining_recovery_codes(operator) == 9


def test_recovery_codes_are_stored_hashed(app, operator):
    codes = twofactor.new_recovery_codes(db.session.get(User, operator.id))
    db.session.commit()
    stored = db.session.scalars(sa.select(RecoveryCode.code_hash)).all()
    assert len(codes) == len(set(codes)) == len(stored) == 10
    assert all(len(c) == 11 and c[5] == "-" for c in codes)
    for code in codes:
        assert not any(code in h or code.replace("-", "") in h for h in stored)
    assert len({h.split("$")[0] for h in stored}) == 10, "every code has its own salt"


# --- staff without a second factor: set it up right after the password ---------------------------


@pytest.fixture
def new_operator(make_user):
    return make_user("operator", totp_secret=None, totp_enabled_at=None)


def test_staff_without_a_second_factor_set_it_up_before_any_session(client, new_operator, mailbox):
    assert password_step(client, new_operator).headers["Location"] == "/login/second-factor/setup"
    assert client.get("/office/").status_code == 302
    assert client.get("/login/second-factor").headers["Location"] == "/login/second-factor/setup"
    page = client.page("/login/second-factor/setup")
    qr = page.select_one("img.qr")["src"]
    assert qr.startswith("data:image/png;base64,"), "the QR code is drawn on the server, no external service"
    secret = page.select_one(".secret").get_text().replace(" ", "")
    assert len(secret) == 32, "160-bit secrets"
    assert client.get("/login/second-factor/setup").headers["Cache-Control"] == "no-store"
    assert client.page("/login/second-factor/setup").select_one(".secret").get_text().replace(" ", "") == secret
    bad = Page(client.submit("/login/second-factor/setup", {"code": "000000"}, expect=200))
    assert bad.errors()
    done = client.submit("/login/second-factor/setup", {"code": twofactor.totp(secret).now()}, expect=200)
    assert done.headers["Cache-Control"] == "no-store"
    codes = [li.get_text(strip=True) for li in Page(done).select(".codes li")]
    assert len(codes) == 10
    assert client.get("/office/").status_code == 200
    user = db.session.get(User, new_operator.id)
    db.session.refresh(user)
    assert user.totp_secret == secret and user.totp_enabled_at is not None
    assert "Подключено подтверждение входа" in [m["Subject"] for m in mailbox()]
    assert {"auth.second_factor_enabled", "auth.login"} <= set(actions())


def test_setup_without_a_password_first_goes_to_login(client):
    assert client.get("/login/second-factor/setup").headers["Location"] == "/login"
    assert client.get("/login/second-factor").headers["Location"] == "/login"


def test_admin_resets_a_lost_second_factor(admin_client, operator, app, login):
    staff_client = app.test_client()
    login(operator, c=staff_client)
    admin_client.submit(f"/office/staff/{operator.id}/second-factor/reset", {}, expect=302)
    user = db.session.get(User, operator.id)
    db.session.refresh(user)
    assert user.totp_secret is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode)) == 0
    assert staff_client.get("/office/").status_code == 302, "the staff member's sessions ended"
    assert password_step(app.test_client(), operator).headers["Location"] == "/login/second-factor/setup"
    assert "office.staff_second_factor_reset" in actions()


def test_operators_cannot_reset_second_factors(operator_client, make_user):
    other = make_user("operator")
    assert operator_client.submit(f"/office/staff/{other.id}/second-factor/reset", {}).status_code == 403


# --- consumers ------------------------------------------------------------------------------------


def test_consumer_logs_in_without_a_code_until_they_turn_it_on(client, consumer):
    assert password_step(client, consumer).headers["Location"] == "/cabinet"


def test_consumer_turns_the_second_factor_on_and_off(consumer_client, consumer, client, mailbox):
    page = consumer_client.page("/profile")
    assert "Подтверждение входа кодом" in page and "выключено" in page
    setup = consumer_client.page("/profile/second-factor")
    secret = setup.select_one(".secret").get_text().replace(" ", "")
    assert setup.select_one("img.qr")["src"].startswith("data:image/png")
    wrong = Page(consumer_client.submit("/profile/second-factor", {"code": "000000"}, expect=200))
    assert wrong.errors()
    done = Page(consumer_client.submit("/profile/second-factor", {"code": twofactor.totp(secret).now()}, expect=200))
    assert len(done.select(".codes li")) == 10
    assert "включено" in consumer_client.page("/profile")

    # The next login asks for the code, and remember-me still works after it.
    password_step(client, consumer, remember="y")
    response = client.submit("/login/second-factor", {"code": totp_code(consumer)}, expect=302)
    assert response.headers["Location"] == "/cabinet"
    assert "remember_token=" in " ".join(response.headers.getlist("Set-Cookie"))

    # Turning it off asks for the password.
    wrong = Page(consumer_client.submit("/profile/second-factor/disable", {"off-password": "not mine"}, expect=200))
    assert "Текущий пароль введён неверно." in wrong.errors()
    consumer_client.submit("/profile/second-factor/disable", {"off-password": DEFAULT_PASSWORD}, expect=302)
    user = db.session.get(User, consumer.id)
    db.session.refresh(user)
    assert user.totp_secret is None
    assert "Подтверждение входа отключено" in [m["Subject"] for m in mailbox()]
    assert {"auth.second_factor_enabled", "auth.second_factor_disabled"} <= set(actions())


def test_consumer_renews_recovery_codes_with_the_password(consumer_client, consumer):
    user = db.session.get(User, consumer.id)
    old = twofactor.enable(user, pyotp.random_base32(), 1)
    db.session.commit()
    page = consumer_client.page("/profile/second-factor")
    assert "Неиспользованных резервных кодов: 10" in page
    assert (
        consumer_client.submit("/profile/second-factor/recovery-codes", {"codes-password": "nope"}).status_code == 200
    )
    new = Page(
        consumer_client.submit(
            "/profile/second-factor/recovery-codes", {"codes-password": DEFAULT_PASSWORD}, expect=200
        )
    )
    codes = [li.get_text(strip=True) for li in new.select(".codes li")]
    assert len(codes) == 10 and not set(codes) & set(old)
    assert not twofactor.use_recovery_code(user, old[0]) and twofactor.use_recovery_code(user, codes[0])


def test_staff_have_no_consumer_second_factor_pages(operator_client):
    assert operator_client.get("/profile/second-factor").status_code == 404


def test_totp_verification_uses_the_app_clock(app, operator):
    """Deadline tests fix the clock; codes follow it, so the whole suite can log in."""
    clock.set_now(clock.now() + timedelta(days=40))
    code = twofactor.totp(operator.totp_secret).at(clock.now())
    assert twofactor.check_totp(operator.totp_secret, code, None) is not None


def test_the_demo_secret_works(app):
    """SPEC §4.5's 80-bit demo secret, which pyotp alone would refuse."""
    from app.auth.demo import DEMO_TOTP_SECRET

    code = twofactor.totp(DEMO_TOTP_SECRET).at(clock.now())
    assert twofactor.check_totp(DEMO_TOTP_SECRET, code, None) is not None
    assert len(twofactor.new_secret()) == 32


def test_mail_tells_the_owner_about_recovery_logins(client, operator, mailbox):
    codes = twofactor.new_recovery_codes(db.session.get(User, operator.id))
    db.session.commit()
    password_step(client, operator)
    client.submit("/login/second-factor", {"code": codes[0]}, expect=302)
    [notice] = [m for m in mailbox() if m["Subject"] == "Вход по резервному коду"]
    assert "Осталось кодов: 9" in mail_text(notice)


@pytest.mark.parametrize("code", ["١٢٣٤٥٦", "１２３４５６", "12345６"])
def test_a_code_in_other_digits_is_a_wrong_code_not_a_500(client, operator, code):
    """re's \\d let it through to hmac.compare_digest, which raises TypeError on non-ASCII text."""
    password_step(client, operator)
    page = Page(client.submit("/login/second-factor", {"code": code}, expect=200))
    assert any("Код не подошёл" in e for e in page.errors())
    assert client.get("/office/").status_code == 302


def test_the_same_in_the_setup(client, new_operator):
    password_step(client, new_operator)
    client.page("/login/second-factor/setup")
    assert Page(client.submit("/login/second-factor/setup", {"code": "١٢٣٤٥٦"}, expect=200)).errors()
