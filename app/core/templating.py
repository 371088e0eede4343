"""Template filters and globals: Russian dates and money, the menus, the unread count."""
from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from flask import Flask, current_app, has_request_context, request, url_for
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from app.core.clock import to_local

THIN_SPACE = "\u202f"
MONTHS_GENITIVE = ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября",
                   "ноября", "декабря"]


def format_date(value: date | datetime | None, style: str = "short") -> str:
    """'27.11.2026', or '27 ноября 2026' with style='long'. Moments are shown in the company's zone."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_local(value)
    if style == "long":
        return f"{value.day} {MONTHS_GENITIVE[value.month - 1]} {value.year}"
    # Lists print dozens of dates: formatting by hand takes a fifth of strftime's time.
    return f"{value.day:02d}.{value.month:02d}.{value.year}"


def format_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    local = to_local(value)
    return f"{local.day:02d}.{local.month:02d}.{local.year} {local.hour:02d}:{local.minute:02d}"


def format_money(value: Decimal | int | float | None, currency: bool = True) -> str:
    """'1 234 567,89 ₽' with a narrow no-break space between thousands."""
    if value is None:
        return ""
    amount = Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "−" if amount < 0 else ""
    whole, _, frac = f"{abs(amount):.2f}".partition(".")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    text = f"{sign}{THIN_SPACE.join(groups)},{frac}"
    return f"{text}\u00a0₽" if currency else text


def format_number(value, places: int = 2) -> str:
    if value is None:
        return ""
    text = f"{Decimal(value):.{places}f}".replace(".", ",")
    if "," in text:
        text = text.rstrip("0").rstrip(",")
    return text


def init_app(app: Flask) -> None:
    app.add_template_filter(format_date, "date")
    app.add_template_filter(format_datetime, "datetime")
    app.add_template_filter(format_money, "money")
    app.add_template_filter(format_number, "number")
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def layout_context():
        from app.company.services import get_company

        context = {"company": get_company(), "poll_seconds": current_app.config["POLL_SECONDS"]}
        if not has_request_context():  # mail bodies rendered by commands
            return context
        user = current_user._get_current_object()
        if user.is_authenticated:
            menus = _menus()
            if user.is_staff:
                context["office_menu"] = menus["admin" if user.is_admin else "operator"]
            else:
                context["consumer_menu"] = menus["consumer"]
            context["menu_urls"] = menus["urls"]
        return context

    def _menus() -> dict:
        """The menus for each role and their links, built once per app and mount point: the
        entries whose endpoints exist never change while it runs, and a cabinet page printed
        sixteen links (url_for costs 5-10 µs each)."""
        cache = current_app.extensions.setdefault("lk.menus", {})
        root = request.script_root
        if root not in cache:
            from app.cabinet.menu import CONSUMER_MENU
            from app.office.menu import OFFICE_MENU

            endpoints = current_app.view_functions
            office = [e for e in OFFICE_MENU if e.endpoint in endpoints]
            consumer = [e for e in CONSUMER_MENU if e.endpoint in endpoints]
            cache[root] = {
                "consumer": consumer, "admin": office, "operator": [e for e in office if not e.admin_only],
                "urls": {e.endpoint: url_for(e.endpoint) for e in (*consumer, *office)},
            }
        return cache[root]

    @app.template_global()
    def csrf_input() -> Markup:
        """The CSRF token as a hidden field with no id, so many forms can share a page."""
        return Markup('<input type="hidden" name="csrf_token" value="%s">') % generate_csrf()

    @app.template_global()
    def unread_notifications() -> int:
        from app.notifications.services import unread_count

        return unread_count(current_user) if current_user.is_authenticated else 0

    @app.template_global()
    def is_current(endpoint: str) -> bool:
        """For menus: this endpoint, or for a back-office section any page of its blueprint."""
        current = request.endpoint or ""
        if current == endpoint:
            return True
        section = endpoint.rsplit(".", 1)[0]
        return section.startswith("office.") and current.startswith(section + ".")
