from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class CompanySettings(db.Model):
    """One row: the details pages, mails and PDFs print (SPEC §4.7)."""

    __tablename__ = "company_settings"
    __table_args__ = (sa.CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    full_name: Mapped[str] = mapped_column(sa.String(300))
    short_name: Mapped[str] = mapped_column(sa.String(120))
    address: Mapped[str] = mapped_column(sa.String(300))
    phone: Mapped[str] = mapped_column(sa.String(60))
    email: Mapped[str] = mapped_column(sa.String(254))
    inn: Mapped[str] = mapped_column(sa.String(10))
    kpp: Mapped[str] = mapped_column(sa.String(9))
    ogrn: Mapped[str] = mapped_column(sa.String(13))
    bank_name: Mapped[str] = mapped_column(sa.String(200))
    #: БИК of the bank.
    bank_bic: Mapped[str] = mapped_column(sa.String(9))
    #: Расчётный счёт of the company.
    bank_account: Mapped[str] = mapped_column(sa.String(20))
    #: Корреспондентский счёт of the bank.
    bank_corr_account: Mapped[str] = mapped_column(sa.String(20))
    vat_payer: Mapped[bool] = mapped_column(default=True)
    region: Mapped[str] = mapped_column(sa.String(120))
    time_zone: Mapped[str] = mapped_column(sa.String(64), default="Europe/Moscow")
    #: The public address of this portal, used in links sent by mail.
    site_url: Mapped[str] = mapped_column(sa.String(200))
    #: True for the fictional demo company: pages say it is not real.
    is_demo: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime | None]


class VatRate(db.Model):
    """The statutory VAT rate from a date on (20 % until 2025, 22 % from 01.01.2026)."""

    __tablename__ = "vat_rates"

    id: Mapped[int] = mapped_column(primary_key=True)
    valid_from: Mapped[date] = mapped_column(unique=True)
    #: Percent, e.g. 22.00.
    percent: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2))
