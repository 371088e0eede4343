"""Sessions (SPEC §2.10): logout everywhere, disabled accounts, the cookies in production."""
import pytest
import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.auth.models import User
from app.extensions import db
from tests.conftest import DEFAULT_PASSWORD


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
    assert page.select_one("form[action='/profile/logout-everywhere'] button").get_text(strip=True) == "Выйти на всех устройствах"
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
    here.submit("/password/change", {"current_password": DEFAULT_PASSWORD, "new_password": "a fresh long secret",
                                     "new_password_confirm": "a fresh long secret"}, expect=302)
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
    app = create_app("production", {"SQLALCHEMY_DATABASE_URI": database_url, "UPLOAD_DIR": tmp_path / "u",
                                    "MAIL_DIR": tmp_path / "m", "MAIL_DISPATCH": "inline",
                                    "PASSWORD_HASH_TIME_COST": 1, "PASSWORD_HASH_MEMORY_COST": 1024})
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
    user = User(email="c@example.ru", password_hash=hash_password(DEFAULT_PASSWORD), role="consumer",
                applicant_type="individual", created_at=now())
    user.refresh_search_text()
    db.session.add(user)
    db.session.commit()
    c = production_app.test_client()
    c.get("/login", base_url="https://localhost")
    response = c.submit("/login", {"email": "c@example.ru", "password": DEFAULT_PASSWORD, "remember": "y"},
                        base_url="https://localhost")
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
