"""Sessions (SPEC §2.10): logout everywhere, disabled accounts, the cookies in production,
and the login records that make a logout end a login on the server."""

import hashlib
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.auth.models import LoginSession, User
from app.core import clock
from app.extensions import db
from tests.conftest import DEFAULT_PASSWORD
from tests.core.query_counter import count_queries


def only_remember_cookie(c, app) -> None:
    """Forget the session cookie, as a browser does when it is closed: the remember-me
    cookie alone must then log the user back in (or not)."""
    c.delete_cookie(app.config["SESSION_COOKIE_NAME"])


def test_remember_me_brings_the_consumer_back(app, consumer, login):
    c = app.test_client()
    login(consumer, remember=True, c=c)
    only_remember_cookie(c, app)
    assert c.get("/cabinet").status_code == 200


def test_logout_everywhere_ends_every_session_and_remember_cookie(app, consumer, login):
    laptop, phone, here = app.test_client(), app.test_client(), app.test_client()
    login(consumer, remember=True, c=laptop)
    login(consumer, c=phone)
    login(consumer, c=here)
    page = here.page("/profile")
    assert (
        page.select_one("form[action='/profile/logout-everywhere'] button").get_text(strip=True)
        == "Выйти на всех устройствах"
    )
    response = here.submit("/profile/logout-everywhere", {}, expect=302)
    assert response.headers["Location"] == "/login"
    assert here.get("/cabinet").status_code == 302
    assert phone.get("/cabinet").status_code == 302
    assert laptop.get("/cabinet").status_code == 302
    only_remember_cookie(laptop, app)
    assert laptop.get("/cabinet").status_code == 302, "the remember-me cookie died too"
    assert db.session.scalar(sa.select(AuditEvent.action).where(AuditEvent.action == "auth.logout_everywhere"))
    fresh = app.test_client()
    login(consumer, c=fresh)
    assert fresh.get("/cabinet").status_code == 200


def test_logout_everywhere_needs_a_post_with_a_token(consumer_client):
    assert consumer_client.get("/profile/logout-everywhere").status_code == 405
    assert consumer_client.submit("/profile/logout-everywhere", {}, csrf=False).status_code == 400
    assert consumer_client.get("/cabinet").status_code == 200


def test_password_change_ends_remembered_sessions(app, consumer, login):
    laptop, here = app.test_client(), app.test_client()
    login(consumer, remember=True, c=laptop)
    login(consumer, c=here)
    here.submit(
        "/password/change",
        {
            "current_password": DEFAULT_PASSWORD,
            "new_password": "a fresh long secret",
            "new_password_confirm": "a fresh long secret",
        },
        expect=302,
    )
    only_remember_cookie(laptop, app)
    assert laptop.get("/cabinet").status_code == 302


def test_disabling_a_staff_account_ends_its_sessions(admin_client, operator, app, login):
    c = app.test_client()
    login(operator, c=c)
    assert c.get("/office/").status_code == 200
    admin_client.submit(f"/office/staff/{operator.id}/toggle", {}, expect=302)
    response = c.get("/office/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    refused = app.test_client().submit("/login", {"email": operator.email, "password": DEFAULT_PASSWORD})
    assert refused.status_code == 200 and "Неверный адрес" in refused.get_data(as_text=True)
    assert db.session.scalar(sa.select(AuditEvent.action).where(AuditEvent.action == "office.staff_disabled"))


def test_a_disabled_account_is_out_even_with_an_old_session_version(app, consumer, login):
    """is_enabled alone is enough: the session_version bump is a second line."""
    c = app.test_client()
    login(consumer, remember=True, c=c)
    db.session.execute(sa.update(User).where(User.id == consumer.id).values(is_enabled=False))
    db.session.commit()
    assert c.get("/cabinet").status_code == 302
    only_remember_cookie(c, app)
    assert c.get("/cabinet").status_code == 302


@pytest.fixture
def production_app(database_url, tmp_path, monkeypatch):
    from app import create_app
    from config import ProductionConfig

    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "a-long-random-production-secret-for-the-test")
    app = create_app(
        "production",
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "UPLOAD_DIR": tmp_path / "u",
            "MAIL_DIR": tmp_path / "m",
            "MAIL_DISPATCH": "inline",
            "PASSWORD_HASH_TIME_COST": 1,
            "PASSWORD_HASH_MEMORY_COST": 1024,
        },
    )
    from tests.conftest import isolate_requests
    from tests.helpers import LkClient

    app.test_client_class = LkClient
    isolate_requests(app)
    with app.app_context():
        yield app
        db.session.remove()
        from tests.conftest import _empty_tables

        _empty_tables()
        db.engine.dispose()


def test_production_cookies_are_secure_host_only_httponly_lax(production_app):
    from app.auth.passwords import hash_password
    from app.core.clock import now

    assert production_app.debug is False and production_app.testing is False
    user = User(
        email="c@example.ru",
        password_hash=hash_password(DEFAULT_PASSWORD),
        role="consumer",
        applicant_type="individual",
        created_at=now(),
    )
    user.refresh_search_text()
    db.session.add(user)
    db.session.commit()
    c = production_app.test_client()
    c.get("/login", base_url="https://localhost")
    response = c.submit(
        "/login", {"email": "c@example.ru", "password": DEFAULT_PASSWORD, "remember": "y"}, base_url="https://localhost"
    )
    assert response.status_code == 302
    cookies = {header.split("=", 1)[0]: header for header in response.headers.getlist("Set-Cookie")}
    assert set(cookies) == {"__Host-session", "__Host-remember"}
    for header in cookies.values():
        attributes = {part.strip().split("=")[0].lower() for part in header.split(";")[1:]}
        assert {"secure", "httponly", "path"} <= attributes, header
        assert "samesite=lax" in header.lower() and "domain" not in attributes and "path=/" in header.lower()
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_production_config_flags():
    from config import DevelopmentConfig, ProductionConfig

    assert ProductionConfig.SESSION_COOKIE_SECURE and ProductionConfig.REMEMBER_COOKIE_SECURE
    assert ProductionConfig.SESSION_COOKIE_NAME.startswith("__Host-")
    assert ProductionConfig.REMEMBER_COOKIE_NAME.startswith("__Host-")
    assert ProductionConfig.SESSION_COOKIE_HTTPONLY and ProductionConfig.REMEMBER_COOKIE_HTTPONLY
    assert ProductionConfig.SESSION_COOKIE_SAMESITE == ProductionConfig.REMEMBER_COOKIE_SAMESITE == "Lax"
    assert ProductionConfig.REMEMBER_COOKIE_DURATION == 30 * 24 * 3600
    assert ProductionConfig.STAFF_SESSION_MAX_SECONDS == 8 * 3600
    assert ProductionConfig.STAFF_SESSION_IDLE_SECONDS == 30 * 60
    assert not getattr(DevelopmentConfig, "DEBUG", False) and not getattr(ProductionConfig, "DEBUG", False)


# --- logout ends the login on the server -------------------------------------------------------

CHANGE = {
    "current_password": DEFAULT_PASSWORD,
    "new_password": "a fresh long secret",
    "new_password_confirm": "a fresh long secret",
}


def cookie_names(app) -> tuple[str, str]:
    return app.config["SESSION_COOKIE_NAME"], app.config.get("REMEMBER_COOKIE_NAME", "remember_token")


def copy_of(source, app, *names: str):
    """Another browser holding copies of `source`'s cookies `names`, as a thief would."""
    thief = app.test_client()
    for name in names:
        cookie = source.get_cookie(name)
        assert cookie is not None, f"no {name} cookie to copy"
        thief.set_cookie(name, cookie.value)
    return thief


def sent_to_login(c) -> bool:
    response = c.get("/cabinet")
    return response.status_code == 302 and response.headers["Location"].startswith("/login")


def logout(c) -> None:
    response = c.submit("/logout", {}, expect=302)
    assert response.headers["Location"] == "/login"


def records_of(user) -> list[LoginSession]:
    db.session.expire_all()
    return list(
        db.session.scalars(sa.select(LoginSession).where(LoginSession.user_id == user.id).order_by(LoginSession.id))
    )


def test_a_copied_session_cookie_stops_working_after_logout(app, consumer, login):
    c = app.test_client()
    login(consumer, c=c)
    session_cookie, _ = cookie_names(app)
    assert copy_of(c, app, session_cookie).get("/cabinet").status_code == 200, "the copy works while logged in"
    stolen = c.get_cookie(session_cookie).value
    logout(c)
    replay = app.test_client()
    replay.set_cookie(session_cookie, stolen)
    assert sent_to_login(replay)


def test_a_copied_remember_cookie_stops_working_after_logout(app, consumer, login):
    c = app.test_client()
    login(consumer, remember=True, c=c)
    _, remember_cookie = cookie_names(app)
    stolen = c.get_cookie(remember_cookie).value
    before = app.test_client()
    before.set_cookie(remember_cookie, stolen)
    assert before.get("/cabinet").status_code == 200, "the copy works while logged in"
    logout(c)
    after = app.test_client()
    after.set_cookie(remember_cookie, stolen)
    assert sent_to_login(after)
    assert sent_to_login(before), "the session the copy had opened ended too"


def test_logout_with_remember_me_logs_the_same_browser_out(app, consumer, login):
    c = app.test_client()
    login(consumer, remember=True, c=c)
    _, remember_cookie = cookie_names(app)
    logout(c)
    assert c.get_cookie(remember_cookie) is None, "the remember-me cookie is deleted"
    assert sent_to_login(c)


def test_logging_out_one_login_leaves_the_other_working(app, consumer, login):
    laptop, phone = app.test_client(), app.test_client()
    login(consumer, remember=True, c=laptop)
    login(consumer, remember=True, c=phone)
    session_cookie, remember_cookie = cookie_names(app)
    laptop_copy = copy_of(laptop, app, session_cookie, remember_cookie)
    logout(laptop)
    assert sent_to_login(laptop_copy)
    assert phone.get("/cabinet").status_code == 200
    only_remember_cookie(phone, app)
    assert phone.get("/cabinet").status_code == 200, "its remember-me cookie too"
    ended, going = records_of(consumer)
    assert ended.ended_at is not None and going.ended_at is None


def test_logout_everywhere_ends_every_login_record(app, consumer, login):
    laptop, here = app.test_client(), app.test_client()
    login(consumer, remember=True, c=laptop)
    login(consumer, c=here)
    session_cookie, remember_cookie = cookie_names(app)
    laptop_copy = copy_of(laptop, app, session_cookie, remember_cookie)
    here.submit("/profile/logout-everywhere", {}, expect=302)
    assert sent_to_login(laptop_copy) and sent_to_login(here)
    assert [r.ended_at is not None for r in records_of(consumer)] == [True, True]


def test_password_change_keeps_this_login_and_ends_the_others(app, consumer, login):
    here, other = app.test_client(), app.test_client()
    login(consumer, remember=True, c=here)
    login(consumer, remember=True, c=other)
    session_cookie, remember_cookie = cookie_names(app)
    old_copy = copy_of(here, app, session_cookie, remember_cookie)
    here.submit("/password/change", CHANGE, expect=302)
    assert here.get("/cabinet").status_code == 200
    only_remember_cookie(here, app)
    assert here.get("/cabinet").status_code == 200, "the remember-me cookie of this login goes on"
    assert sent_to_login(other)
    assert sent_to_login(old_copy), "copies made before the change carry the old session_version"
    mine, others = records_of(consumer)
    assert mine.ended_at is None and others.ended_at is not None


def test_password_change_does_not_extend_a_staff_session(app, operator, login):
    import time as time_module

    c = app.test_client()
    login(operator, c=c)
    started = int(time_module.time()) - 7 * 3600
    with c.session_transaction() as session:
        session["auth_at"] = started
    change = dict(CHANGE, new_password="an operator's new secret", new_password_confirm="an operator's new secret")
    c.submit("/password/change", change, expect=302)
    assert c.get("/office/").status_code == 200
    with c.session_transaction() as session:
        assert session["auth_at"] == started, "the 8 hours still count from the login"
        assert session["mfa"] is True


def test_disabling_an_account_ends_its_login_records(admin_client, operator, app, login):
    c = app.test_client()
    login(operator, c=c)
    admin_client.submit(f"/office/staff/{operator.id}/toggle", {}, expect=302)
    assert [r.ended_at is not None for r in records_of(operator)] == [True]
    admin_client.submit(f"/office/staff/{operator.id}/toggle", {}, expect=302)
    response = c.get("/office/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login"), (
        "enabling again revives nothing"
    )


def test_only_a_hash_of_the_secret_is_stored(app, consumer, login):
    c = app.test_client()
    login(consumer, remember=True, c=c)
    with c.session_transaction() as session:
        uid, version, secret = session["_user_id"].split(".")
    assert (int(uid), int(version)) == (consumer.id, consumer.session_version) and len(secret) >= 40
    (row,) = records_of(consumer)
    assert row.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert row.remembered is True and row.ended_at is None
    values = db.session.execute(sa.select(LoginSession.__table__)).one()
    assert not any(secret in str(value) for value in values)


def test_a_cookie_without_a_login_record_is_refused(app, consumer, login):
    """The format before login records ("id.session_version"), or a made-up secret."""
    c = app.test_client()
    login(consumer, c=c)
    for forged in (f"{consumer.id}.{consumer.session_version}", f"{consumer.id}.{consumer.session_version}.{'x' * 43}"):
        with c.session_transaction() as session:
            session["_user_id"] = forged
        assert sent_to_login(c), forged


def test_a_remembered_login_ends_after_thirty_days_whatever_the_cookie_says(app, consumer, login):
    c = app.test_client()
    login(consumer, remember=True, c=c)
    only_remember_cookie(c, app)
    clock.set_now(clock.now() + timedelta(days=29))
    assert c.get("/cabinet").status_code == 200
    only_remember_cookie(c, app)
    clock.set_now(clock.now() + timedelta(days=2))
    assert sent_to_login(c)


def test_a_logged_in_page_loads_the_user_and_the_login_in_one_read(app, consumer, login):
    c = app.test_client()
    login(consumer, remember=True, c=c)
    only_remember_cookie(c, app)
    with count_queries() as statements:
        assert c.get("/cabinet").status_code == 200
    reads = [s for s in statements if "FROM users" in s]
    assert len(reads) == 1 and "login_sessions" in reads[0], reads
    assert not [s for s in statements if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]


POLL = {"HX-Request": "true", "X-Poll": "1"}


def flashes_of(c) -> list:
    with c.session_transaction() as session:
        return list(session.get("_flashes", []))


def test_a_poll_after_the_logout_gets_401_and_leaves_the_message_for_the_page(app, consumer, login):
    """An open tab's badge poll, racing the browser's next page, took the «Войдите…» message
    meant for it (seen in the copied-cookies browser journey)."""
    c = app.test_client()
    login(consumer, c=c)
    poll_url = c.page("/cabinet").select_one("#inbox-badge")["hx-get"]
    logout(c)
    c.get("/login")  # the logout's own page
    refused = c.get("/cabinet")
    assert refused.status_code == 302 and refused.headers["Location"].startswith("/login?next=")
    poll = c.get(poll_url, headers=POLL)
    assert poll.status_code == 401 and "Location" not in poll.headers and "HX-Redirect" not in poll.headers
    assert flashes_of(c) == [("info", "Войдите, чтобы открыть эту страницу.")]
    assert "Войдите, чтобы открыть эту страницу." in c.get(refused.headers["Location"]).text


def test_an_htmx_action_without_a_login_sends_the_whole_window_to_the_login_page(app, client):
    response = client.get(
        "/office/applications/?status=submitted",
        headers={"HX-Request": "true", "HX-Current-URL": "http://localhost/office/applications/"},
    )
    assert response.status_code == 401 and response.text == ""
    assert response.headers["HX-Redirect"] == "/login?next=%2Foffice%2Fapplications%2F"
    assert flashes_of(client) == [("info", "Войдите, чтобы открыть эту страницу.")]


def test_a_staff_poll_after_the_idle_limit_keeps_the_session_for_the_message(app, operator, login):
    import time as time_module

    c = app.test_client()
    login(operator, c=c)
    with c.session_transaction() as session:
        session["seen_at"] = int(time_module.time()) - 31 * 60
    assert c.get("/office/", headers=POLL).status_code == 401
    response = c.get("/office/", headers={"HX-Request": "true", "HX-Current-URL": "http://localhost/office/"})
    assert response.status_code == 401 and response.headers["HX-Redirect"] == "/login?next=%2Foffice%2F"
    assert flashes_of(c) == [("info", "Сеанс завершён по времени. Войдите снова.")]


def test_a_poll_never_writes_the_session_cookie(app, consumer, login):
    """A poll's answer may arrive after the page the browser opened next: a cookie it set
    would overwrite that page's (its «Войдите…» message; seen in the copied-cookies journey)."""
    c = app.test_client()
    login(consumer, remember=True, c=c)
    poll_url = c.page("/cabinet").select_one("#inbox-badge")["hx-get"]
    stale = copy_of(c, app, *cookie_names(app))
    logout(c)
    answer = stale.get(poll_url, headers=POLL)
    assert answer.status_code == 401
    assert "Set-Cookie" not in answer.headers, answer.headers.getlist("Set-Cookie")
