"""0013_outage_enums: the outages' status and the addresses' source become enum columns; the
rows stay as they were, and the renamed CHECK constraints still refuse an unknown value."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

BEFORE, AFTER = "0012_application_enums", "0013_outage_enums"
AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _engine():
    from app.extensions import db

    return db.engine


def _seed(conn) -> None:
    users = sa.table(
        "users",
        *(sa.column(c) for c in ("id", "email", "password_hash", "role", "is_enabled", "must_change_password")),
        *(sa.column(c) for c in ("session_version", "inbox_version", "last_name", "first_name", "middle_name")),
        *(sa.column(c) for c in ("org_name", "phone", "search_text", "registered_via", "created_at", "applicant_type")),
    )
    conn.execute(
        users.insert().values(
            id=1,
            email="consumer@example.ru",
            password_hash="!",
            role="consumer",
            is_enabled=True,
            must_change_password=False,
            session_version=1,
            inbox_version=0,
            last_name="",
            first_name="",
            middle_name="",
            org_name="",
            phone="",
            search_text="",
            registered_via="online",
            created_at=AT,
            applicant_type="individual",
        )
    )
    outages = sa.table("outages", *(sa.column(c) for c in _OUTAGE_COLUMNS))
    for n, status in enumerate(("planned", "changed", "cancelled", "done"), start=1):
        conn.execute(outages.insert().values(_outage(n, status)))
    addresses = sa.table("user_addresses", *(sa.column(c) for c in _ADDRESS_COLUMNS))
    for n, source in enumerate(("manual", "application"), start=1):
        conn.execute(addresses.insert().values(_address(n, source)))


_OUTAGE_COLUMNS = (
    "id district settlement street houses starts_at ends_at reason status settlement_key street_kind "
    "street_key houses_key match_key revision published_at updated_at"
).split()
_ADDRESS_COLUMNS = (
    "id user_id settlement street house settlement_key street_kind street_key house_key source created_at".split()
)


def _outage(n: int, status: str) -> dict:
    values = dict.fromkeys(_OUTAGE_COLUMNS, "")
    values.update(
        id=n,
        district="РЭС",
        settlement="Примерск",
        settlement_key="примерск",
        reason="ремонт",
        status=status,
        starts_at=AT,
        ends_at=AT + timedelta(hours=8),
        match_key=f"key{n}",
        revision=1,
        published_at=AT,
        updated_at=AT,
    )
    return values


def _address(n: int, source: str) -> dict:
    values = dict.fromkeys(_ADDRESS_COLUMNS, "")
    values.update(
        id=n, user_id=1, settlement="Примерск", settlement_key="примерск", house=str(n), source=source, created_at=AT
    )
    return values


def _rows(conn) -> tuple[list, list]:
    outages = conn.execute(sa.text("SELECT id, status FROM outages ORDER BY id")).all()
    addresses = conn.execute(sa.text("SELECT id, source FROM user_addresses ORDER BY id")).all()
    return [tuple(r) for r in outages], [tuple(r) for r in addresses]


def _checks(table: str) -> set[str]:
    return {c["name"] for c in sa.inspect(_engine()).get_check_constraints(table)}


def _refused(statement: str) -> bool:
    try:
        with _engine().begin() as conn:
            conn.execute(sa.text(statement))
    except sa.exc.IntegrityError:
        return True
    return False


def test_upgrade_keeps_the_rows_and_renames_the_checks(migrating_app):
    upgrade(revision=BEFORE)
    with _engine().begin() as conn:
        _seed(conn)
        before = _rows(conn)

    upgrade(revision=AFTER)
    with _engine().connect() as conn:
        assert _rows(conn) == before
    assert "ck_outages_outage_status" in _checks("outages") and "ck_outages_status" not in _checks("outages")
    assert "ck_user_addresses_address_source" in _checks("user_addresses")
    assert "ck_user_addresses_source" not in _checks("user_addresses")
    assert _refused("UPDATE outages SET status = 'lost' WHERE id = 1")
    assert _refused("UPDATE user_addresses SET source = 'guess' WHERE id = 1")

    from app.extensions import db
    from app.outages.models import AddressSource, Outage, OutageStatus, UserAddress

    statuses = db.session.scalars(sa.select(Outage.status).order_by(Outage.id)).all()
    assert statuses == [OutageStatus.planned, OutageStatus.changed, OutageStatus.cancelled, OutageStatus.done]
    assert all(isinstance(s, OutageStatus) for s in statuses)
    assert db.session.scalars(sa.select(UserAddress.source).order_by(UserAddress.id)).all() == list(AddressSource)
    db.session.remove()

    downgrade(revision=BEFORE)
    with _engine().connect() as conn:
        assert _rows(conn) == before
    assert "ck_outages_status" in _checks("outages") and "ck_user_addresses_source" in _checks("user_addresses")
    assert _refused("UPDATE outages SET status = 'lost' WHERE id = 1")
