"""Migration 0015: a demo database loaded before keeps its staff able to log in with the
160-bit demo secret (pyotp 2.12.1 refuses the old 80-bit one); other secrets stay as they are."""

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from app.auth.demo import DEMO_TOTP_SECRET
from app.extensions import db

OLD_DEMO_SECRET = "JBSWY3DPEHPK3PXP"
OWN_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"


def _secrets() -> dict[str, str | None]:
    users = sa.table("users", sa.column("email"), sa.column("totp_secret"))
    with db.engine.connect() as conn:
        return dict(conn.execute(sa.select(users.c.email, users.c.totp_secret)).tuples().all())


def test_the_old_demo_secret_is_replaced_and_no_other(migrating_app):
    upgrade(revision="0014_appeal_enums")
    users = sa.table(
        "users",
        *(sa.column(c) for c in ("email", "password_hash", "role", "is_enabled", "must_change_password")),
        *(sa.column(c) for c in ("session_version", "inbox_version", "last_name", "first_name", "middle_name")),
        *(sa.column(c) for c in ("org_name", "phone", "search_text", "registered_via", "created_at")),
        *(sa.column(c) for c in ("applicant_type", "totp_secret", "totp_last_step")),
    )
    plain = dict(
        password_hash="!",
        role="operator",
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
        registered_via="office",
        created_at=sa.func.current_timestamp(),
        applicant_type="individual",
    )
    with db.engine.begin() as conn:
        conn.execute(
            users.insert().values(email="demo@example.ru", totp_secret=OLD_DEMO_SECRET, totp_last_step=5, **plain)
        )
        conn.execute(users.insert().values(email="own@example.ru", totp_secret=OWN_SECRET, totp_last_step=7, **plain))
    upgrade()
    assert _secrets() == {"demo@example.ru": DEMO_TOTP_SECRET, "own@example.ru": OWN_SECRET}
    downgrade(revision="0014_appeal_enums")
    assert _secrets() == {"demo@example.ru": OLD_DEMO_SECRET, "own@example.ru": OWN_SECRET}
