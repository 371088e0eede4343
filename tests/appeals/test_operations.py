"""The files of a write, checked by content and staged before its unit of work; the extension
of an answer term."""

import io
from datetime import UTC, date, datetime

import pytest
from werkzeug.datastructures import FileStorage

from app.appeals.operations import check_files
from app.appeals.rules import MAX_FILES
from tests.helpers import PDF, PNG


def upload(data: bytes, name: str) -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=name)


def test_check_files_recognises_content_not_names(app):  # staging writes into UPLOAD_DIR
    checked, errors = check_files([upload(PDF, "a.pdf"), upload(PNG, "photo.png"), FileStorage(filename="")])
    assert errors == [] and [f.content_type for f in checked] == ["application/pdf", "image/png"]
    checked, errors = check_files([upload(b"MZ\x90\x00 not a pdf", "акт.pdf")])
    assert checked == [] and "не похож на допустимый документ" in errors[0]


def test_check_files_refuses_too_many(app):
    checked, errors = check_files([upload(PDF, f"{n}.pdf") for n in range(MAX_FILES + 1)])
    assert checked == [] and f"не больше {MAX_FILES} файлов" in errors[0]


def test_check_files_refuses_an_oversize_file(app):
    big = PDF + b"0" * (5 * 1024 * 1024)
    _, errors = check_files([upload(big, "big.pdf")])
    assert "больше допустимого размера" in errors[0]


# --- extension of the answer term (docs/appeals.md; rules.extension_problems) -----------------


def test_extend_term_moves_the_due_date_by_working_days_and_tells_the_consumer(
    consumer, operator, make_appeal, fixed_clock, mailbox
):
    """Order 186 (the point on extending the term), once, before the due date: 06.04.2026 + 5
    working days is 13.04.2026."""
    import sqlalchemy as sa

    from app.appeals.models import Appeal, AppealEvent
    from app.appeals.operations import extend_term
    from app.extensions import db
    from app.notifications.models import Notification
    from app.notifications.services import set_preferences

    set_preferences(consumer, {"appeal_status": False})  # the extension is mailed all the same
    appeal = make_appeal(consumer)
    assert appeal.due_date == date(2026, 4, 6)
    before, version = len(mailbox()), appeal.version
    event = extend_term(appeal, operator, 5, "inquiry", "Запрошены сведения у поставщика.")
    db.session.commit()
    appeal = db.session.get(Appeal, appeal.id)
    assert appeal.due_date == date(2026, 4, 13) and appeal.extension_days == 5 and appeal.version == version + 1
    assert appeal.status == "registered", "an extension changes no status"
    event = db.session.get(AppealEvent, event.id)
    assert event.extended_to == date(2026, 4, 13) and event.actor_id == operator.id
    assert event.from_status == event.to_status == "registered" and "Запрошены сведения" in event.comment
    note = db.session.scalar(sa.select(Notification).order_by(Notification.id.desc()))
    assert note.title.startswith(f"Срок ответа на обращение {appeal.number} продлён до 13.04.2026: необходимость")
    [mail] = mailbox()[before:]
    assert mail["Subject"].startswith(f"Срок ответа на обращение {appeal.number} продлён до 13.04.2026")
    assert consumer.email not in str(
        db.session.scalar(sa.text("SELECT details FROM audit_events WHERE action = 'appeal.extended'"))
    )


def test_extend_term_is_refused_twice_after_the_due_date_and_when_answered(
    consumer, operator, make_appeal, fixed_clock
):
    from app.appeals.models import Appeal
    from app.appeals.operations import answer_appeal, extend_term
    from app.appeals.rules import AppealError
    from app.core import clock
    from app.extensions import db

    once = make_appeal(consumer)
    extend_term(once, operator, 2, "inspection", "Нужен выезд.")
    db.session.commit()
    with pytest.raises(AppealError, match="только один раз"):
        extend_term(db.session.get(Appeal, once.id), operator, 2, "inspection", "Ещё раз.")
    db.session.rollback()

    late = make_appeal(consumer, kind="complaint", topic="quality")  # due 27.03.2026
    clock.set_now(datetime(2026, 3, 27, 20, 0, tzinfo=UTC))  # 27.03 23:00 in Moscow: still the due date
    extend_term(late, operator, 1, "inspection", "Нужен выезд.")
    db.session.rollback()
    clock.set_now(datetime(2026, 3, 27, 21, 0, tzinfo=UTC))  # 28.03 00:00 in Moscow: the term has passed
    with pytest.raises(AppealError, match="уже истёк"):
        extend_term(db.session.get(Appeal, late.id), operator, 1, "inspection", "Нужен выезд.")
    db.session.rollback()

    clock.set_now(fixed_clock)
    answered = make_appeal(consumer)
    answer_appeal(answered, operator, "Ответ.")
    db.session.commit()
    with pytest.raises(AppealError, match="только по открытому"):
        extend_term(db.session.get(Appeal, answered.id), operator, 1, "inquiry", "Поздно.")
    db.session.rollback()
    with pytest.raises(AppealError, match="только сотрудник"):
        extend_term(db.session.get(Appeal, late.id), consumer, 1, "inquiry", "Сам себе.")


def test_extend_term_max_comes_from_the_config(app, consumer, operator, make_appeal, fixed_clock):
    from app.appeals.operations import extend_term
    from app.appeals.rules import AppealError

    appeal = make_appeal(consumer)
    with pytest.raises(AppealError, match="числом от 1 до 20"):
        extend_term(appeal, operator, 21, "inquiry", "Долго.")
    app.config["APPEAL_EXTENSION_MAX_WORKDAYS"] = 3
    try:
        with pytest.raises(AppealError, match="числом от 1 до 3"):
            extend_term(appeal, operator, 4, "inquiry", "Долго.")
        extend_term(appeal, operator, 3, "inquiry", "Три дня.")
    finally:
        del app.config["APPEAL_EXTENSION_MAX_WORKDAYS"]


def test_a_recomputed_due_date_keeps_the_extension(admin, consumer, operator, make_appeal, fixed_clock):
    """A change of the calendar or the terms recomputes an open appeal's due date with its
    extension's working days on top."""
    from app.appeals.deadlines import recompute_due_dates, save_terms
    from app.appeals.models import Appeal
    from app.appeals.operations import extend_term
    from app.extensions import db
    from app.workdays.services import Term

    appeal = make_appeal(consumer)  # due 06.04.2026
    extend_term(appeal, operator, 5, "inquiry", "Запрос.")
    db.session.commit()
    assert recompute_due_dates() == 0, "nothing changed: the extended date stands"
    save_terms({("statement", "connection"): Term(20, "d")})  # 25.03.2026 (Wed)
    db.session.commit()
    assert db.session.get(Appeal, appeal.id).due_date == date(2026, 4, 1), "25.03 + 5 working days"
