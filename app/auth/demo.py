from datetime import timedelta

from app.auth.models import LoginAttempt, Role, User
from app.auth.passwords import hash_password
from app.core.clock import now
from app.extensions import db

#: The public TOTP secret of the demo staff accounts (SPEC §4.5), so the demo can be tried
#: with any authenticator app. Only the demo data uses it: a real installation never has it.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXP"  # noqa: S105  # nosec B105  # public by design, demo only


def seed(ctx) -> None:
    from app.demo import DEMO_PASSWORD
    from app.privacy.services import record_consent

    password_hash = hash_password(DEMO_PASSWORD)
    consumer = User(
        email="consumer@example.ru",
        password_hash=password_hash,
        role=Role.consumer.value,
        applicant_type="individual",
        last_name="Иванова",
        first_name="Мария",
        middle_name="Петровна",
        phone="+79001234567",
        snils="11223344595",
        registered_via="online",
        created_at=now(),
    )
    operator = User(
        email="operator@example.ru",
        password_hash=password_hash,
        role=Role.operator.value,
        last_name="Смирнов",
        first_name="Алексей",
        registered_via="command",
        created_at=now(),
        totp_secret=DEMO_TOTP_SECRET,
        totp_enabled_at=now(),
    )
    admin = User(
        email="admin@example.ru",
        password_hash=password_hash,
        role=Role.admin.value,
        last_name="Кузнецова",
        first_name="Ольга",
        registered_via="command",
        created_at=now(),
        totp_secret=DEMO_TOTP_SECRET,
        totp_enabled_at=now(),
    )
    for user in (consumer, operator, admin):
        user.refresh_search_text()
        db.session.add(user)
    db.session.flush()
    record_consent(consumer, method="online")
    # A little login history, so «Последние входы» in the profile shows what it is for.
    for days, ip, success in ((9, "192.0.2.10", True), (3, "198.51.100.7", False), (3, "192.0.2.10", True)):
        db.session.add(
            LoginAttempt(
                at=now() - timedelta(days=days), email=consumer.email, ip=ip, user_id=consumer.id, success=success
            )
        )
    consumer.last_login_at = now() - timedelta(days=3)
    ctx.consumer, ctx.operator, ctx.admin = consumer, operator, admin
