from app.auth.models import Role, User
from app.auth.passwords import hash_password
from app.core.clock import now
from app.extensions import db


def seed(ctx) -> None:
    from app.demo import DEMO_PASSWORD
    from app.privacy.services import record_consent

    password_hash = hash_password(DEMO_PASSWORD)
    consumer = User(
        email="consumer@example.ru", password_hash=password_hash, role=Role.consumer.value,
        applicant_type="individual", last_name="Иванова", first_name="Мария", middle_name="Петровна",
        phone="+79001234567", snils="11223344595", registered_via="online", created_at=now(),
    )
    operator = User(email="operator@example.ru", password_hash=password_hash, role=Role.operator.value,
                    last_name="Смирнов", first_name="Алексей", registered_via="command", created_at=now())
    admin = User(email="admin@example.ru", password_hash=password_hash, role=Role.admin.value,
                 last_name="Кузнецова", first_name="Ольга", registered_via="command", created_at=now())
    for user in (consumer, operator, admin):
        user.refresh_search_text()
        db.session.add(user)
    db.session.flush()
    record_consent(consumer, method="online")
    ctx.consumer, ctx.operator, ctx.admin = consumer, operator, admin
