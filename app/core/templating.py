"""Template filters and globals: Russian dates and money, the menus, the unread count."""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property

from babel import Locale, dates, numbers
from flask import Flask, current_app, request
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from app.core.clock import to_local

THIN_SPACE = "\u202f"


class _RussianTypography(Locale):
    """Russian as CLDR has it, printed as our documents print numbers: a narrow no-break space
    between thousands (GOST 8.417) and a true minus sign."""

    @cached_property
    def number_symbols(self):
        symbols = Locale.number_symbols.fget(self)
        return {**symbols, "latn": {**symbols["latn"], "group": THIN_SPACE, "minusSign": "\u2212"}}


RUSSIAN = _RussianTypography("ru")
#: Patterns parsed once: lists and cards print dozens of dates and sums.
_DATE = dates.parse_pattern("dd.MM.y")
_LONG_DATE = dates.parse_pattern("d MMMM y")
_DAY_HEADING = dates.parse_pattern("d MMMM, EEEE")
_DATETIME = dates.parse_pattern("dd.MM.y HH:mm")
_TIME = dates.parse_pattern("HH:mm")
_MONEY = numbers.parse_pattern("#,##0.00;\u2212#,##0.00")
_NUMBERS: dict[int, numbers.NumberPattern] = {}


_DATE_STYLES = {"short": _DATE, "long": _LONG_DATE, "day_heading": _DAY_HEADING}


def format_date(value: date | datetime | None, style: str = "short") -> str:
    """'27.11.2026'; '27 ноября 2026' (style 'long'); '27 ноября, пятница' ('day_heading').
    Moments are shown in the company's zone."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_local(value)
    return _DATE_STYLES[style].apply(value, RUSSIAN)


def format_datetime(value: datetime | None) -> str:
    return "" if value is None else _DATETIME.apply(to_local(value), RUSSIAN)


def format_time(value: datetime | None) -> str:
    """'09:00': the time of day in the company's zone."""
    return "" if value is None else _TIME.apply(to_local(value), RUSSIAN)


def format_money(value: Decimal | int | float | None, currency: bool = True) -> str:
    """'1 234 567,89 ₽': rounded half up to kopecks (SPEC §2.5), then as Russian prints it."""
    if value is None:
        return ""
    amount = Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    text = _MONEY.apply(amount, RUSSIAN)
    return f"{text}\u00a0₽" if currency else text


def format_number(value, places: int = 2) -> str:
    """Up to `places` decimals, trailing zeros dropped, no grouping: '15,5', '150', '0,25'."""
    if value is None:
        return ""
    if places not in _NUMBERS:
        _NUMBERS[places] = numbers.parse_pattern("0." + "#" * places if places else "0")
    return _NUMBERS[places].apply(Decimal(value), RUSSIAN)


def plural(n: int, one: str, few: str, many: str) -> str:
    """The form of a word that goes with n in Russian: 1 день, 3 дня, 5 дней (CLDR's rules)."""
    return {"one": one, "few": few}.get(RUSSIAN.plural_form(abs(n)), many)


def init_app(app: Flask) -> None:
    app.add_template_filter(format_date, "date")
    app.add_template_filter(format_datetime, "datetime")
    app.add_template_filter(format_money, "money")
    app.add_template_filter(format_number, "number")
    app.add_template_filter(plural, "plural")
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def layout_context():
        # The company, the menus and the unread count come from their own features.
        return {"poll_seconds": current_app.config["POLL_SECONDS"]}

    @app.template_global()
    def csrf_input() -> Markup:
        """The CSRF token as a hidden field with no id, so many forms can share a page."""
        return Markup('<input type="hidden" name="csrf_token" value="%s">') % generate_csrf()

    @app.template_global()
    def is_current(endpoint: str) -> bool:
        """For menus: this endpoint, or for a back-office section any page of its blueprint."""
        current = request.endpoint or ""
        if current == endpoint:
            return True
        section = endpoint.rsplit(".", 1)[0]
        return section.startswith("office.") and current.startswith(section + ".")
