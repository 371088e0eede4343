"""Public pages, error pages and the headers every response carries."""

import pytest

from app.core.security import CONTENT_SECURITY_POLICY


@pytest.mark.parametrize("url", ["/", "/login", "/register", "/password/forgot", "/privacy", "/privacy/consent"])
def test_public_pages(client, url):
    page = client.page(url)
    assert page.soup.html["lang"] == "ru"


def test_security_headers(client, consumer_client):
    response = client.get("/login")
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY and "unsafe" not in CONTENT_SECURITY_POLICY
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers
    assert consumer_client.get("/cabinet").headers["Cache-Control"] == "no-store"
    https = client.get("/login", base_url="https://localhost")
    assert https.headers["Strict-Transport-Security"].startswith("max-age=")


def test_htmx_is_configured_for_the_csp(client):
    page = client.page("/login")
    config = page.soup.find("meta", attrs={"name": "htmx-config"})["content"]
    assert (
        '"allowEval":false' in config
        and '"includeIndicatorStyles":false' in config
        and '"historyCacheSize":0' in config
    )
    assert "X-CSRFToken" in page.soup.body["hx-headers"]


def test_static_files_are_fingerprinted_and_cached(client):
    page = client.page("/login")
    css = page.soup.find("link", rel="stylesheet")["href"]
    assert "?v=" in css
    response = client.get(css)
    assert "immutable" in response.headers["Cache-Control"]


def test_static_files_are_gzipped_by_the_app(client):
    page = client.page("/login")
    script = page.soup.find("script")["src"]
    response = client.get(script, headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert len(response.data) < 17 * 1024, "htmx 2.0.11 is 16.8 KB compressed"
    assert "Accept-Encoding" in response.headers["Vary"]
    plain = client.get(script)
    assert "Content-Encoding" not in plain.headers and len(plain.data) > 40 * 1024


def test_html_is_gzipped(client):
    response = client.get("/register", headers={"Accept-Encoding": "gzip"})
    assert response.headers.get("Content-Encoding") == "gzip"


def test_404_page_is_russian(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404 and "Страница не найдена" in response.get_data(as_text=True)


def test_405_page_is_russian(client):
    response = client.get("/logout")
    assert response.status_code == 405 and "Метод не поддерживается" in response.get_data(as_text=True)


def test_cross_site_post_is_refused(consumer_client):
    response = consumer_client.submit("/notifications/read-all", {}, headers={"Origin": "https://evil.example"})
    assert response.status_code == 400


def test_post_without_origin_or_referer_is_accepted(consumer_client):
    assert consumer_client.submit("/notifications/read-all", {}).status_code == 302


def test_500_shows_no_internals(app, client):
    @app.get("/boom-test")
    def boom():
        raise RuntimeError("secret internals")

    response = client.get("/boom-test")
    assert response.status_code == 500
    text = response.get_data(as_text=True)
    assert "Ошибка на сервере" in text and "secret internals" not in text and "Traceback" not in text


def test_oversize_request_gets_413_in_russian(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = client.submit("/register", {"email": "x" * 4096})
    assert response.status_code == 413 and "Файл слишком большой" in response.get_data(as_text=True)


def test_healthz(client):
    assert client.get("/healthz").get_json() == {"status": "ok", "database": "ok"}


def test_production_refuses_the_development_secret(monkeypatch):
    from app import create_app
    from config import ProductionConfig

    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "dev-secret-key-not-for-production")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production")


@pytest.mark.parametrize("key", ["short", "x" * 31, "абвгдеёжзийклмн"])  # 15 letters: 30 bytes in UTF-8
def test_production_refuses_a_short_secret(monkeypatch, key):
    from app import create_app
    from config import ProductionConfig

    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", key)
    with pytest.raises(
        RuntimeError, match=r"SECRET_KEY is \d+ bytes long; production needs at least 32 bytes"
    ) as caught:
        create_app("production")
    assert key not in str(caught.value), "the message never shows the key"
    with pytest.raises(RuntimeError, match="at least 32 bytes"):
        create_app("production", {"SECRET_KEY": key})  # an override is checked too


def test_production_starts_with_a_32_byte_secret(monkeypatch, database_url):
    from app import create_app
    from config import ProductionConfig

    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "k" * 32)
    assert create_app("production", {"SQLALCHEMY_DATABASE_URI": database_url}).config["SECRET_KEY"] == "k" * 32
    assert create_app(
        "production", {"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "абвгдеёжзийклмно"}
    )  # 16 letters: 32 bytes


def test_testing_and_development_keep_their_short_keys(database_url):
    from app import create_app

    for name in ("testing", "development"):
        assert create_app(name, {"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "short"})


def test_client_address_through_a_trusted_proxy(database_url, tmp_path):
    from flask import request

    from app import create_app

    app = create_app(
        "testing",
        {"SQLALCHEMY_DATABASE_URI": database_url, "TRUSTED_PROXIES": 1, "UPLOAD_DIR": tmp_path, "MAIL_DIR": tmp_path},
    )

    @app.get("/whoami-test")
    def whoami():
        return f"{request.remote_addr} {request.scheme}"

    client = app.test_client()
    response = client.get("/whoami-test", headers={"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"})
    assert response.get_data(as_text=True) == "203.0.113.7 https"
    with app.app_context():
        from app.extensions import db

        db.engine.dispose()


def test_static_urls_are_computed_once_per_release(client, monkeypatch):
    """No stat() and no hashing of the files on every page outside debug mode."""
    from app.core import assets

    first = client.page("/login").soup.find("link", rel="stylesheet")["href"]

    def refuse(*args):
        raise AssertionError("the file was read again")

    monkeypatch.setattr(assets, "_digest", refuse)
    assert client.page("/login").soup.find("link", rel="stylesheet")["href"] == first


def test_menus_link_every_section_of_the_role(consumer_client, operator_client, admin_client):
    cabinet = consumer_client.page("/cabinet")
    links = {a.get_text(): a["href"] for a in cabinet.select("nav.menu a")}
    assert links["Поданные заявки"] == "/applications" and links["Профиль"] == "/profile"
    folded = {a.get_text(): a["href"] for a in cabinet.select("nav.menu-fold details a")}
    assert folded == links, "the phone's «Меню» has the same entries"
    assert cabinet.select_one("nav.menu-fold details summary").get_text() == "Меню"
    assert not cabinet.select("ul.cards"), "the cabinet no longer repeats the menu as tiles"
    assert consumer_client.page("/applications").select_one("nav.menu a[aria-current=page]")["href"] == "/applications"
    operator = [a.get_text() for a in operator_client.page("/office/").select("nav.menu a")]
    admin = [a.get_text() for a in admin_client.page("/office/").select("nav.menu a")]
    assert "Тарифы" in admin and "Тарифы" not in operator and "Заявки" in operator


def test_the_anonymous_header_links_to_the_calculator_and_the_outage_schedule(client):
    links = {a.get_text(): a["href"] for a in client.page("/login").select("header nav.menu a")}
    assert links == {"Расчёт стоимости": "/calculator", "Плановые отключения": "/outages"}


def test_menus_and_static_urls_follow_the_mount_point(consumer_client):
    """Built once per mount point: a portal served under /lk links under /lk."""
    plain = consumer_client.page("/cabinet")
    assert plain.select_one("nav.menu a")["href"] == "/applications/new"
    assert plain.select_one("link[rel=stylesheet]")["href"].startswith("/static/app.css?v=")
    mounted = consumer_client.page("/cabinet", environ_overrides={"SCRIPT_NAME": "/lk"})
    assert [a["href"] for a in mounted.select("nav.menu a")][:2] == ["/lk/applications/new", "/lk/applications"]
    assert mounted.select_one("link[rel=stylesheet]")["href"].startswith("/lk/static/app.css?v=")
    assert consumer_client.page("/cabinet").select_one("nav.menu a")["href"] == "/applications/new"
