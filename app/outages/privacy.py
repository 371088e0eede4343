"""«Мои адреса» in «мои данные», and gone with an anonymised account (app.core.personal_data)."""

from __future__ import annotations

import sqlalchemy as sa

from app.core.personal_data import on_anonymise, personal_data_exporter
from app.extensions import db
from app.outages.models import UserAddress


@personal_data_exporter("my_addresses", order=50)
def export_my_addresses(user) -> list[dict]:
    rows = db.session.scalars(sa.select(UserAddress).where(UserAddress.user_id == user.id).order_by(UserAddress.id))
    return [
        {
            "address": a.text,
            "source": "добавлен вручную" if a.source == "manual" else "из заявки",
            "added_at": a.created_at,
        }
        for a in rows
    ]


@on_anonymise
def forget_my_addresses(user) -> None:
    db.session.execute(sa.delete(UserAddress).where(UserAddress.user_id == user.id))
