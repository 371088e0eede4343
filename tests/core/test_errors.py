"""Error pages in Russian with no internals, for every status the app answers (SPEC §2.10)."""

import pytest
from flask import abort, request

from tests.helpers import Page

INTERNALS = ("Traceback", "werkzeug", "sqlalchemy", 'File "', "secret internals", "KeyError", "/work/", "site-packages")


@pytest.fixture
def failing_app(app):
    @app.get("/test-errors/<int:code>")
    def fail(code):
        abort(code)

    @app.post("/test-errors/form")
    def needs_a_field():
        return request.form["missing"]  # BadRequestKeyError: a 400 with the key in debug mode

    @app.get("/test-errors/crash")
    def crash():
        raise RuntimeError("secret internals of /work/app")

    @app.get("/test-errors/sql")
    def sql_crash():
        from app.extensions import db

        snils = "".join(("112233", "44595"))  # not a literal: the traceback quotes this line
        db.session.execute(db.text("SELECT * FROM no_such_table WHERE snils = :s"), {"s": snils})

    return app


@pytest.mark.parametrize(
    "status, title",
    [
        (400, "Некорректный запрос"),
        (403, "Доступ запрещён"),
        (404, "Страница не найдена"),
        (405, "Метод не поддерживается"),
        (413, "Файл слишком большой"),
        (429, "Слишком много запросов"),
        (500, "Ошибка на сервере"),
    ],
)
def test_every_error_page_is_russian_and_plain(failing_app, client, status, title):
    response = client.get(f"/test-errors/{status}")
    assert response.status_code == status
    page = Page(response)
    assert page.title.startswith(title) and page.soup.html["lang"] == "ru"
    assert not any(word in page.html for word in INTERNALS)


def test_real_400_403_404_405_413_500(failing_app, client, consumer_client, app):
    assert "Форма устарела" in client.submit("/login", {}, csrf=False).get_data(as_text=True)
    bad = client.submit("/test-errors/form", {})
    assert bad.status_code == 400 and "missing" not in bad.get_data(as_text=True)
    assert consumer_client.get("/office/").status_code == 403
    assert client.get("/nowhere").status_code == 404
    assert client.put("/login").status_code == 405
    app.config["MAX_CONTENT_LENGTH"] = 100
    big = client.submit("/login", {"email": "x" * 500})
    assert big.status_code == 413 and "Файл слишком большой" in big.get_data(as_text=True)
    crash = client.get("/test-errors/crash")
    assert crash.status_code == 500 and not any(w in crash.get_data(as_text=True) for w in INTERNALS)


def test_a_crash_logs_no_personal_data(failing_app, client, caplog):
    """SQL errors would print their parameters into the log: the engine hides them."""
    with caplog.at_level("DEBUG"):
        response = client.get("/test-errors/sql")
    assert response.status_code == 500
    assert "no_such_table" in caplog.text, "the error itself is logged"
    assert "11223344595" not in caplog.text and "11223344595" not in response.get_data(as_text=True)


def test_debug_is_off_outside_development(monkeypatch):
    from app import create_app
    from config import ProductionConfig

    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "a-long-random-production-secret-for-the-test")
    for name in ("production", "development", "testing"):
        app = create_app(name)
        assert app.debug is False, name
        assert not app.config.get("PROPAGATE_EXCEPTIONS"), name
        assert not app.config.get("EXPLAIN_TEMPLATE_LOADING"), name


def test_production_error_pages_show_no_internals(monkeypatch, database_url):
    from app import create_app
    from config import ProductionConfig

    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "a-long-random-production-secret-for-the-test")
    app = create_app("production", {"SQLALCHEMY_DATABASE_URI": database_url})

    @app.get("/boom")
    def boom():
        raise ValueError("secret internals")

    response = app.test_client().get("/boom", base_url="https://localhost")
    assert response.status_code == 500
    assert not any(word in response.get_data(as_text=True) for word in INTERNALS)
