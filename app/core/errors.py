"""Error pages in Russian, with no internals, for every status the app may answer."""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

MESSAGES = {
    400: ("Некорректный запрос", "Запрос не удалось обработать. Вернитесь назад и попробуйте ещё раз."),
    403: ("Доступ запрещён", "У вас нет прав на эту страницу."),
    404: ("Страница не найдена", "Такой страницы нет или она вам недоступна. Проверьте адрес."),
    405: ("Метод не поддерживается", "Эта страница не принимает такой запрос."),
    413: (
        "Файл слишком большой",
        "Размер отправленных данных превышает допустимый. Уменьшите файлы и попробуйте снова.",
    ),
    429: ("Слишком много запросов", "Вы отправили слишком много запросов. Подождите немного и попробуйте снова."),
    500: ("Ошибка на сервере", "Что-то пошло не так. Мы уже знаем об этом; попробуйте позже."),
    503: ("Сервис временно недоступен", "Сервис временно недоступен. Попробуйте через несколько минут."),
}

CSRF_MESSAGE = "Форма устарела или была отправлена не с этого сайта. Обновите страницу и отправьте форму ещё раз."


def render_error(code: int, text: str | None = None):
    title, default_text = MESSAGES.get(code, MESSAGES[500])
    try:
        body = render_template("errors/error.html", code=code, title=title, text=text or default_text)
    except Exception:  # the error page itself must never fail
        log.exception("error page failed to render")
        body = f"<!doctype html><html lang=ru><title>{title}</title><h1>{title}</h1><p>{default_text}</p>"
    return body, code


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(400, CSRF_MESSAGE)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = error.code or 500
        if code < 400:
            return error
        text = None
        if code == 400 and error.description == "csrf-origin":
            text = CSRF_MESSAGE
        if code == 403:
            _audit_forbidden()
        response_body, status = render_error(code, text)
        response = app.make_response((response_body, status))
        if code == 405 and hasattr(error, "valid_methods") and error.valid_methods:
            response.headers["Allow"] = ", ".join(error.valid_methods)
        if code == 429:
            response.headers.setdefault("Retry-After", "900")
        return response

    @app.errorhandler(Exception)
    def unhandled_error(error):
        log.exception("unhandled error on %s %s", request.method, request.path)
        from app.extensions import db

        try:
            db.session.rollback()
        except Exception:
            log.exception("rollback after an error failed")
        return render_error(500)


def _audit_forbidden() -> None:
    """Every refused authorisation is in the audit log (who, from where, which path).

    Whatever the refused request had changed is rolled back first: only the record commits."""
    from app.audit.services import record
    from app.db import unit_of_work
    from app.extensions import db

    try:
        db.session.rollback()
        with unit_of_work():
            record("access.forbidden", None, path=request.path[:200], method=request.method)
    except Exception:
        log.exception("could not audit a refused request")
        db.session.rollback()
