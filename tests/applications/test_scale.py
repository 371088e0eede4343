"""A fixed number of SQL queries whatever the number of rows (SPEC §3): the consumer's list
of applications, the card, and the office queue run the same statements with 10 and with
1,000 applications. The extra rows go in through SQLAlchemy Core, copied from an application
the real services made, spread over many consumers, assignees and history authors, so a
query per row (a lazy load, a lookup in a loop) would show up as more statements."""

from __future__ import annotations

import sqlalchemy as sa

from app.applications.models import Application, ApplicationEvent
from app.auth.models import User
from app.extensions import db
from tests.core.query_counter import count_queries


def _row(table, row_id: int) -> dict:
    row = dict(db.session.execute(sa.select(table).where(table.c.id == row_id)).mappings().one())
    row.pop("id")
    return row


def add_users(template: User, n: int, role: str, tag: str) -> list[int]:
    """n users copied from `template`, each with their own email and surname."""
    table = User.__table__
    row = _row(table, template.id)
    rows = [
        {
            **row,
            "email": f"{tag}{i}@example.ru",
            "last_name": f"Фамилия{tag}{i}",
            "role": role,
            "applicant_type": row["applicant_type"] if role == "consumer" else None,
            "search_text": f"фамилия{tag}{i} {tag}{i}@example.ru",
        }
        for i in range(n)
    ]
    db.session.execute(sa.insert(table), rows)
    db.session.commit()
    return list(db.session.scalars(sa.select(User.id).where(User.email.like(f"{tag}%@example.ru")).order_by(User.id)))


def add_applications(application: Application, start: int, n: int, owners: list[int], assignees: list[int]) -> None:
    """n copies of the application: every other one the same consumer's, the rest each another
    consumer's; every second one assigned to someone else than the one before."""
    table = Application.__table__
    row = _row(table, application.id)
    rows = []
    for i in range(start, start + n):
        number = f"ТП-2026-{i:06d}"
        rows.append(
            {
                **row,
                "number": number,
                "search_text": f"{number.lower()} {row['search_text']}",
                "consumer_id": row["consumer_id"] if i % 2 == 0 else owners[i % len(owners)],
                "assigned_to_id": assignees[i % len(assignees)] if i % 2 == 0 else None,
            }
        )
    db.session.execute(sa.insert(table), rows)
    db.session.commit()


def add_history(application: Application, n: int, actors: list[int]) -> None:
    """n more history lines of the application, each by another member of staff."""
    table = ApplicationEvent.__table__
    first = db.session.scalar(
        sa.select(table.c.id).where(table.c.application_id == application.id).order_by(table.c.id.desc()).limit(1)
    )
    row = _row(table, first)
    db.session.execute(
        sa.insert(table), [{**row, "actor_id": actors[i % len(actors)], "comment": f"Шаг {i}"} for i in range(n)]
    )
    db.session.commit()


def statements(client, url: str) -> list[str]:
    client.get(url)  # the first visit may read the card's notifications: a write, once
    with count_queries() as seen:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return list(seen)


def test_lists_and_card_run_the_same_queries_with_10_and_1000_applications(
    app, consumer, consumer_client, operator, operator_client, make_application
):
    application = make_application(consumer, status="in_progress")
    owners = add_users(consumer, 500, "consumer", "owner")
    staff = add_users(operator, 40, "operator", "staff")
    urls = {
        "the consumer's list": (consumer_client, "/applications"),
        "the consumer's list, page 2": (consumer_client, "/applications?page=2"),
        "the card": (consumer_client, f"/applications/{application.id}"),
        "the office queue": (operator_client, "/office/applications/"),
        "the office queue, everything newest first": (operator_client, "/office/applications/?status=all&sort=new"),
    }

    add_applications(application, 2, 9, owners, staff)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Application)) == 10
    few = {label: statements(client, url) for label, (client, url) in urls.items()}

    add_applications(application, 11, 990, owners, staff)
    add_history(application, 40, staff)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Application)) == 1000
    many = {label: statements(client, url) for label, (client, url) in urls.items()}

    print()
    for label in urls:
        print(f"{label}: {len(few[label])} queries with 10 applications, {len(many[label])} with 1,000")
    for label in urls:
        assert len(many[label]) == len(few[label]), (
            f"{label}: {len(few[label])} queries with 10 applications, {len(many[label])} with 1,000:\n"
            + "\n".join(" ".join(s.split()).split(" FROM ")[-1][:160] for s in many[label])
        )


def test_lists_load_only_the_columns_they_print(consumer, consumer_client, operator_client, make_application):
    """A page of 20 or 30 applications reads the dozen columns a row shows, not all fifty
    (the request for data, the offer's inputs, the search text…): a third of the list's time."""
    make_application(consumer, status="needs_info")
    for client, url in (
        (consumer_client, "/applications"),
        (consumer_client, "/cabinet"),
        (operator_client, "/office/applications/"),
    ):
        rows = [s for s in statements(client, url) if "FROM applications" in s and "applications.number" in s]
        assert rows, url
        for statement in rows:
            assert "applications.info_request" not in statement and "applications.offer_inputs" not in statement, url
            assert "users.password_hash" not in statement, url
