"""Migration 0014 (the enum columns of appeals) keeps every stored row and checks the columns
that had no CHECK, on SQLite and PostgreSQL; its downgrade keeps the rows too."""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from app.extensions import db

REVISION = "0014_appeal_enums"
MOMENT = datetime(2026, 3, 5, 9, 0, tzinfo=UTC)
ENUM_COLUMNS = ("kind", "topic", "channel", "received_via", "status", "from_status", "to_status")


def previous_revision(app) -> str:
    directory = app.extensions["migrate"].directory
    return ScriptDirectory(directory).get_revision(REVISION).down_revision


def table(name: str) -> sa.Table:
    return sa.Table(name, sa.MetaData(), autoload_with=db.engine)


def fill(t: sa.Table, **values) -> dict:
    """A row of the table as it is at this revision: the given values, and a plain one for every
    other required column."""
    row = dict(values)
    for column in t.columns:
        if column.name in row or column.nullable or column.primary_key:
            continue
        try:
            kind = column.type.python_type
        except NotImplementedError:
            kind = str
        row[column.name] = {int: 1, str: "x", bool: False, datetime: MOMENT, date: MOMENT.date()}.get(kind, 0)
    return row


def seed() -> None:
    users, appeals, messages, events, terms = (
        table(n) for n in ("users", "appeals", "appeal_messages", "appeal_events", "appeal_terms")
    )
    with db.engine.begin() as conn:
        conn.execute(
            users.insert(),
            [
                fill(users, id=1, email="c@example.ru", role="consumer", applicant_type="individual"),
                fill(users, id=2, email="o@example.ru", role="operator", applicant_type=None),
            ],
        )
        conn.execute(
            appeals.insert(),
            [
                fill(
                    appeals,
                    id=i,
                    number=f"ОБ-2026-00000{i}",
                    consumer_id=1,
                    kind=kind,
                    topic=topic,
                    channel=channel,
                    received_via=via,
                    status=status,
                    decline_reason="Повтор." if status == "declined" else "",
                    registered_at=MOMENT,
                    due_date=date(2026, 4, 6),
                )
                for i, (kind, topic, channel, via, status) in enumerate(
                    [
                        ("complaint", "quality", "email", "website", "in_progress"),
                        ("statement", "connection", "post", "post", "declined"),
                        ("request", "other", "cabinet", "in_person", "closed"),
                    ],
                    start=1,
                )
            ],
        )
        conn.execute(
            messages.insert(),
            [
                fill(messages, appeal_id=1, author_id=2, kind="note", text="Заметка", created_at=MOMENT),
                fill(messages, appeal_id=3, author_id=2, kind="answer", text="Ответ", created_at=MOMENT),
            ],
        )
        conn.execute(
            events.insert(),
            [
                fill(events, appeal_id=1, actor_id=1, from_status=None, to_status="registered", at=MOMENT),
                fill(events, appeal_id=1, actor_id=2, from_status="registered", to_status="in_progress", at=MOMENT),
                fill(events, appeal_id=2, actor_id=2, from_status="registered", to_status="declined", at=MOMENT),
            ],
        )
        conn.execute(terms.insert(), [fill(terms, kind="request", topic="metering", amount=10, unit="wd")])


def stored() -> dict[str, list[tuple]]:
    """The enum columns of every row, by table."""
    rows = {}
    with db.engine.connect() as conn:
        for name in ("appeals", "appeal_messages", "appeal_events", "appeal_terms"):
            t = table(name)
            columns = [c for c in t.columns if c.name in ENUM_COLUMNS]
            rows[name] = [tuple(r) for r in conn.execute(sa.select(t.c.id, *columns).order_by(t.c.id))]
    return rows


def refuses(statement) -> bool:
    try:
        with db.engine.begin() as conn:
            conn.execute(statement)
    except sa.exc.IntegrityError:
        return True
    return False


def bad_rows() -> dict[str, sa.Insert]:
    events, terms = table("appeal_events"), table("appeal_terms")
    return {
        "event to": events.insert().values(fill(events, appeal_id=1, to_status="lost", at=MOMENT)),
        "event from": events.insert().values(
            fill(events, appeal_id=1, from_status="lost", to_status="closed", at=MOMENT)
        ),
        "term kind": terms.insert().values(fill(terms, kind="praise", topic="other", amount=5, unit="d")),
        "term topic": terms.insert().values(fill(terms, kind="request", topic="weather", amount=5, unit="d")),
    }


def test_0014_keeps_the_rows_and_checks_every_enum_column(migrating_app):
    before = previous_revision(migrating_app)
    upgrade(revision=before)
    seed()
    rows = stored()

    upgrade(revision=REVISION)
    assert stored() == rows, "the stored strings stay as they were"
    assert [name for name, statement in bad_rows().items() if not refuses(statement)] == []
    appeals = table("appeals")
    assert refuses(appeals.update().where(appeals.c.id == 1).values(kind="praise")), "the old CHECKs stay"
    assert refuses(appeals.update().where(appeals.c.id == 1).values(status="lost"))

    downgrade(revision=before)
    assert stored() == rows
    assert refuses(appeals.update().where(appeals.c.id == 1).values(kind="praise"))
    assert [name for name, statement in bad_rows().items() if refuses(statement)] == [], "0014's CHECKs are gone"


def test_0021_adds_the_extension_and_keeps_the_rows(migrating_app):
    """0021_appeal_extension: existing appeals are unextended, their history has no extension
    line; its downgrade keeps the rows too."""
    upgrade(revision="0020_annulment_ground")
    seed()
    rows = stored()
    upgrade(revision="0021_appeal_extension")
    assert stored() == rows
    appeals, events = table("appeals"), table("appeal_events")
    with db.engine.connect() as conn:
        assert (
            conn.execute(
                sa.select(appeals.c.extension_days, appeals.c.extension_ground, appeals.c.extension_comment)
            ).all()
            == [(None, "", "")] * 3
        )
        assert conn.execute(sa.select(events.c.extended_to)).scalars().all() == [None] * 3
    with db.engine.begin() as conn:
        conn.execute(appeals.update().where(appeals.c.id == 1).values(extension_days=5, extension_ground="inquiry"))
        conn.execute(
            events.insert().values(
                fill(events, appeal_id=1, to_status="in_progress", at=MOMENT, extended_to=date(2026, 4, 13))
            )
        )
    downgrade(revision="0020_annulment_ground")
    assert "extension_days" not in table("appeals").columns and "extended_to" not in table("appeal_events").columns
    assert len(stored()["appeal_events"]) == 4 and stored()["appeals"] == rows["appeals"]
