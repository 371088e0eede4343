from datetime import timedelta

import sqlalchemy as sa

from app.auth.models import LoginAttempt, User
from app.core import clock
from app.extensions import db
from tests.conftest import DEFAULT_PASSWORD
from tests.helpers import Page


def test_login_page(client):
    page = client.page("/login")
    assert {i.get("name") for i in page.select("input")} >= {"email", "password", "remember"}


def test_consumer_logs_in_to_the_cabinet(client, consumer):
    response = client.submit("/login", {"email": consumer.email.upper(), "password": DEFAULT_PASSWORD}, expect=302)
    assert response.headers["Location"] == "/cabinet"
    page = client.page("/cabinet")
    assert "Личный кабинет" in page.title
    assert consumer.email in page


def test_staff_land_in_the_office_after_the_second_factor(client, operator):
    from tests.helpers import totp_code

    response = client.submit("/login", {"email": operator.email, "password": DEFAULT_PASSWORD}, expect=302)
    assert response.headers["Location"] == "/login/second-factor"
    assert client.get("/office/").status_code == 302, "no session before the code"
    response = client.submit("/login/second-factor", {"code": totp_code(operator)}, expect=302)
    assert response.headers["Location"] == "/office/"


def test_wrong_password_is_refused_without_telling_which_part(client, consumer):
    page = Page(client.submit("/login", {"email": consumer.email, "password": "wrong password"}, expect=200))
    assert "Неверный адрес электронной почты или пароль." in page
    unknown = Page(client.submit("/login", {"email": "nobody@example.ru", "password": "wrong password"}, expect=200))
    assert "Неверный адрес электронной почты или пароль." in unknown
    assert client.get("/cabinet").status_code == 302


def test_next_is_followed_only_within_the_site(client, consumer):
    r = client.submit("/login?next=/notifications", {"email": consumer.email, "password": DEFAULT_PASSWORD})
    assert r.headers["Location"] == "/notifications"
    client.submit("/logout", {})
    r = client.submit("/login?next=//evil.example/x", {"email": consumer.email, "password": DEFAULT_PASSWORD})
    assert r.headers["Location"] == "/cabinet"


def test_logout_is_a_post(consumer_client):
    assert consumer_client.get("/logout").status_code == 405
    consumer_client.submit("/logout", {}, expect=302)
    assert consumer_client.get("/cabinet").status_code == 302


def test_logout_without_csrf_token_is_refused(consumer_client):
    response = consumer_client.submit("/logout", {}, csrf=False)
    assert response.status_code == 400
    assert "Форма устарела" in response.get_data(as_text=True)
    assert consumer_client.get("/cabinet").status_code == 200


def test_first_login_forces_a_password_change(client, make_user):
    from app.auth.services import issue_temporary_password

    user = make_user()
    temporary = issue_temporary_password(user)
    db.session.commit()
    response = client.submit("/login", {"email": user.email, "password": temporary}, expect=302)
    assert response.headers["Location"] == "/password/change"
    assert client.get("/cabinet").headers["Location"] == "/password/change"
    page = client.page("/password/change")
    assert "current_password" not in {i.get("name") for i in page.select("input")}
    bad = Page(
        client.submit("/password/change", {"new_password": "short", "new_password_confirm": "short"}, expect=200)
    )
    assert "Пароль должен быть не короче 8 символов." in bad.errors()
    client.submit(
        "/password/change",
        {"new_password": "a long new passphrase", "new_password_confirm": "a long new passphrase"},
        expect=302,
    )
    assert client.get("/cabinet").status_code == 200
    db.session.refresh(user)
    assert not user.must_change_password and user.password_expires_at is None


def test_expired_one_time_password_is_refused_with_a_way_out(client, make_user):
    from app.auth.services import issue_temporary_password

    user = make_user()
    temporary = issue_temporary_password(user)
    db.session.commit()
    clock.set_now(clock.now() + timedelta(hours=73))
    page = Page(client.submit("/login", {"email": user.email, "password": temporary}, expect=200))
    assert "Срок действия временного пароля истёк" in page
    assert client.get("/cabinet").status_code == 302


def test_change_password_needs_the_current_one(consumer_client, consumer):
    page = Page(
        consumer_client.submit(
            "/password/change",
            {
                "current_password": "not it",
                "new_password": "another long one",
                "new_password_confirm": "another long one",
            },
            expect=200,
        )
    )
    assert "Текущий пароль введён неверно." in page.errors()
    consumer_client.submit(
        "/password/change",
        {
            "current_password": DEFAULT_PASSWORD,
            "new_password": "another long one",
            "new_password_confirm": "another long one",
        },
        expect=302,
    )
    assert consumer_client.get("/cabinet").status_code == 200, "the session that changed the password stays"


def test_password_change_ends_other_sessions(app, consumer, login):
    first, second = app.test_client(), app.test_client()
    login(consumer, c=first)
    login(consumer, c=second)
    first.submit(
        "/password/change",
        {
            "current_password": DEFAULT_PASSWORD,
            "new_password": "brand new secret",
            "new_password_confirm": "brand new secret",
        },
        expect=302,
    )
    assert first.get("/cabinet").status_code == 200
    assert second.get("/cabinet").status_code == 302


def test_remember_me_only_for_consumers(app, consumer, operator, login):
    c = app.test_client()
    response = login(consumer, remember=True, c=c)
    assert "remember_token=" in " ".join(response.headers.getlist("Set-Cookie"))
    s = app.test_client()
    response = login(operator, remember=True, c=s)
    assert "remember_token=" not in " ".join(response.headers.getlist("Set-Cookie"))


def test_address_is_throttled_after_ten_failures(client, consumer):
    for n in range(10):
        client.submit("/login", {"email": f"x{n}@example.ru", "password": "wrong password"}, expect=200)
    response = client.submit("/login", {"email": consumer.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 429
    assert "Слишком много неудачных попыток" in response.get_data(as_text=True)
    clock.set_now(clock.now() + timedelta(minutes=16))
    assert client.submit("/login", {"email": consumer.email, "password": DEFAULT_PASSWORD}).status_code == 302


def test_attacker_cannot_lock_the_owner_out(app, consumer, login):
    owner = app.test_client()
    login(consumer, c=owner)  # the owner's address becomes known
    owner.submit("/logout", {})
    attacker = app.test_client()
    for n in range(5):
        attacker.submit(
            "/login", {"email": consumer.email, "password": f"guess {n}"}, environ_base={"REMOTE_ADDR": f"10.0.0.{n}"}
        )
    refused = attacker.submit(
        "/login", {"email": consumer.email, "password": DEFAULT_PASSWORD}, environ_base={"REMOTE_ADDR": "10.0.0.99"}
    )
    assert refused.status_code == 429, "a sixth stranger is refused, even with the right password"
    assert owner.submit("/login", {"email": consumer.email, "password": DEFAULT_PASSWORD}).status_code == 302


def test_failed_attempts_are_counted_in_the_database(client, consumer):
    client.submit("/login", {"email": consumer.email, "password": "wrong password"})
    rows = db.session.scalars(sa.select(LoginAttempt)).all()
    assert [(r.email, r.success, r.user_id) for r in rows] == [(consumer.email, False, consumer.id)]


def test_disabled_account_cannot_log_in_and_loses_its_session(app, consumer, login):
    c = app.test_client()
    login(consumer, c=c)
    user = db.session.get(User, consumer.id)
    user.is_enabled = False
    user.session_version += 1
    db.session.commit()
    assert c.get("/cabinet").status_code == 302
    assert c.submit("/login", {"email": consumer.email, "password": DEFAULT_PASSWORD}).status_code == 200


def test_staff_session_ends_after_thirty_idle_minutes(app, operator, login):
    import time as time_module

    c = app.test_client()
    login(operator, c=c)
    assert c.get("/office/").status_code == 200
    with c.session_transaction() as session:
        session["seen_at"] = int(time_module.time()) - 31 * 60
    response = c.get("/office/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_staff_activity_is_recorded_once_a_minute_at_most(app, operator, login):
    """Activity keeps the session alive without re-sending the cookie on every click."""
    import time as time_module

    c = app.test_client()
    login(operator, c=c)
    c.get("/office/")
    assert "Set-Cookie" not in c.get("/office/").headers
    with c.session_transaction() as session:
        session["seen_at"] = int(time_module.time()) - 29 * 60
    response = c.get("/office/")
    assert response.status_code == 200 and "Set-Cookie" in response.headers
    with c.session_transaction() as session:
        assert int(time_module.time()) - session["seen_at"] < 5, "the click counted"
    assert c.get("/office/").status_code == 200


def test_staff_session_lasts_at_most_eight_hours(app, operator, login):
    import time as time_module

    c = app.test_client()
    login(operator, c=c)
    with c.session_transaction() as session:
        session["auth_at"] = int(time_module.time()) - 8 * 3600 - 1
    assert c.get("/office/").status_code == 302
