"""Reading the company's settings and its VAT rate on a date."""

from __future__ import annotations

import time
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app, g, has_request_context, request, url_for

from app.company.models import CompanySettings, VatRate
from app.extensions import db

#: The statutory rates when an admin has entered none (Tax Code art. 164; Federal Law
#: of 28.11.2025 N 425-FZ raised the rate to 22 % from 01.01.2026).
STATUTORY_VAT = ((date(2019, 1, 1), Decimal("20")), (date(2026, 1, 1), Decimal("22")))

DEFAULTS = dict(
    full_name="Сетевая организация (заполните сведения в настройках)",
    short_name="Сетевая организация",
    address="",
    phone="",
    email="",
    inn="",
    kpp="",
    ogrn="",
    bank_name="",
    bank_bic="",
    bank_account="",
    bank_corr_account="",
    vat_payer=True,
    region="",
    time_zone="Europe/Moscow",
    site_url="",  # links then go to the address the site was opened at (site_address)
    is_demo=False,
)


#: Where each app keeps the settings it read last: (monotonic time, column values or None).
_CACHE = "lk.company_settings"


def get_company() -> CompanySettings:
    """The settings (unsaved defaults before the row exists), as a copy of their own for each
    request: what a caller changes on it is never saved and never seen by other requests.

    Every page prints them, and they change perhaps twice a year, so each process reads the
    row at most once per COMPANY_CACHE_SECONDS. The process that saves them sees the change at
    once; the other workers and servers within that many seconds."""
    try:
        company = g.get("company")  # pages ask dozens of times: one lookup, not two
    except RuntimeError:  # no app context (a script): the defaults
        return CompanySettings(id=1, **DEFAULTS)
    if company is None:
        values = _cached_values()
        company = g.company = CompanySettings(**values) if values else CompanySettings(id=1, **DEFAULTS)
    return company


def _cached_values() -> dict | None:
    app = current_app._get_current_object()
    cached = app.extensions.get(_CACHE)
    clock = time.monotonic()
    if cached is not None and clock - cached[0] < app.config["COMPANY_CACHE_SECONDS"]:
        return cached[1]
    columns = CompanySettings.__table__.columns
    row = db.session.execute(sa.select(*columns).where(CompanySettings.id == 1)).mappings().first()
    values = {column.key: row[column.name] for column in columns} if row else None
    app.extensions[_CACHE] = (clock, values)
    return values


def site_address() -> str:
    """Where every absolute link starts, without the trailing slash: the company's site
    address; where it is empty, the address the request came to; outside a request (a
    command) the configured SITE_URL. The mail sender composes in a request of its own made
    at SITE_URL (app.mail.services), so it links there too."""
    configured = get_company().site_url.strip()
    if configured:
        return configured.rstrip("/")
    if has_request_context():
        return request.host_url.rstrip("/")
    return current_app.config["SITE_URL"].rstrip("/")


def absolute_link(path: str) -> str:
    """`path` (as url_for or a notification's link gives it) as a link to open from a mail
    or a printed page."""
    return site_address() + "/" + path.lstrip("/")


def absolute_url(endpoint: str, **values) -> str:
    return absolute_link(url_for(endpoint, **values))


def save_company(values: dict) -> CompanySettings:
    from app.core.clock import now

    company = db.session.get(CompanySettings, 1)
    if company is None:
        company = CompanySettings(id=1, **DEFAULTS)
        db.session.add(company)
    for key, value in values.items():
        setattr(company, key, value)
    company.updated_at = now()
    # This request goes on with the row itself; the next ones read it again.
    g.company = company
    current_app.extensions.pop(_CACHE, None)
    return company


def vat_schedule() -> list[tuple[date, Decimal]]:
    rates = db.session.execute(sa.select(VatRate.valid_from, VatRate.percent).order_by(VatRate.valid_from))
    return [(rate.valid_from, Decimal(rate.percent)) for rate in rates] or list(STATUTORY_VAT)


def vat_percent_on(day: date, company: CompanySettings | None = None) -> Decimal:
    """The VAT percent the company charges on `day`: 0 when it does not pay VAT."""
    company = company or get_company()
    if not company.vat_payer:
        return Decimal("0")
    percent = Decimal("0")
    for valid_from, value in vat_schedule():
        if valid_from <= day:
            percent = value
    return percent


def vat_rate_on(day: date, company: CompanySettings | None = None) -> Decimal:
    """The same as a fraction: Decimal('0.22')."""
    return vat_percent_on(day, company) / Decimal(100)
