"""The office queue of applications runs the same SQL queries with 10 and 1,000 applications,
and stays quick (SPEC §3: a fixed number of queries whatever the number of rows)."""

import time

import sqlalchemy as sa

from app.applications.models import Application
from app.extensions import db
from tests.core.query_counter import count_queries


def add_copies(application, start: int, n: int, assignees=()) -> None:
    """n copies of the application's row, inserted with SQLAlchemy Core in one statement:
    other numbers and search text, every third one assigned, a few of them closed."""
    table = Application.__table__
    row = dict(db.session.execute(sa.select(table).where(table.c.id == application.id)).mappings().one())
    row.pop("id")
    rows = []
    for i in range(start, start + n):
        number = f"ТП-2026-{i:06d}"
        rows.append(
            {
                **row,
                "number": number,
                "search_text": f"{number.lower()} {row['search_text']}",
                "assigned_to_id": assignees[i % len(assignees)].id if assignees and i % 3 == 0 else None,
                "status": "completed" if i % 10 == 0 else row["status"],
            }
        )
    db.session.execute(sa.insert(table), rows)
    db.session.commit()


def measure(client, url: str) -> tuple[int, float]:
    """(SQL statements, the best of three server times in seconds) of a GET."""
    best = None
    for _ in range(3):
        with count_queries() as statements:
            started = time.perf_counter()
            assert client.get(url).status_code == 200
            elapsed = time.perf_counter() - started
        best = elapsed if best is None else min(best, elapsed)
    return len(statements), best


URLS = (
    "/office/applications/",
    "/office/applications/?status=all&sort=new",
    "/office/applications/?overdue=y",
    "/office/applications/?q=тп-2026-0009",
)


def test_queue_runs_the_same_queries_with_10_and_1000_applications(
    operator_client, operator, admin, consumer, make_application
):
    application = make_application(consumer)
    add_copies(application, 2, 9, (operator, admin))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Application)) == 10
    few = {url: measure(operator_client, url) for url in URLS}
    add_copies(application, 11, 990, (operator, admin))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Application)) == 1000
    many = {url: measure(operator_client, url) for url in URLS}
    for url in URLS:
        assert many[url][0] == few[url][0], f"{url}: {few[url][0]} queries with 10 rows, {many[url][0]} with 1,000"
        assert many[url][1] < 0.5, f"{url}: {many[url][1] * 1000:.0f} ms with 1,000 applications"
    print(
        "\n"
        + "\n".join(
            f"{url}: {few[url][0]} queries with 10 rows ({few[url][1] * 1000:.0f} ms), "
            f"{many[url][0]} with 1,000 ({many[url][1] * 1000:.0f} ms)"
            for url in URLS
        )
    )
