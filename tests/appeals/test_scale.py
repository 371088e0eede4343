"""List pages run a fixed number of SQL queries whatever the number of rows (10 and
10,000), and the consumer's pieces stay within the budgets of SPEC §3."""

import gzip
from datetime import timedelta

import sqlalchemy as sa

from app.appeals.models import Appeal
from app.core import clock
from app.extensions import db
from app.notifications.models import Notification
from tests.core.query_counter import count_queries


def add_appeals(consumer, start: int, n: int) -> None:
    moment, day = clock.now(), clock.today()
    db.session.execute(
        sa.insert(Appeal),
        [
            dict(
                number=f"ОБ-2026-{i:06d}",
                consumer_id=consumer.id,
                kind="statement",
                topic="other",
                channel="cabinet",
                received_via="website",
                text="Текст обращения",
                postal_address="",
                complainant_details="",
                contract_number="",
                supply_address="",
                problem_time="",
                demands="",
                status="registered",
                registered_at=moment,
                due_date=day + timedelta(days=30),
                decline_reason="",
                search_text=f"об-2026-{i:06d}",
                version=1,
            )
            for i in range(start, start + n)
        ],
    )
    db.session.commit()


def add_notifications(user, n: int) -> None:
    moment = clock.now()
    db.session.execute(
        sa.insert(Notification),
        [
            dict(
                user_id=user.id,
                kind="appeal_status",
                title=f"Событие {i}",
                body="",
                link="/appeals/1",
                created_at=moment,
            )
            for i in range(n)
        ],
    )
    db.session.commit()


def queries_of(client, url: str) -> int:
    with count_queries() as statements:
        assert client.get(url).status_code == 200
    return len(statements)


def test_appeals_list_runs_the_same_queries_with_10_and_10000_rows(consumer_client, consumer, operator_client):
    add_appeals(consumer, 1, 10)
    few = queries_of(consumer_client, "/appeals")
    few_office = queries_of(operator_client, "/office/appeals/")
    add_appeals(consumer, 11, 9990)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Appeal)) == 10000
    many = queries_of(consumer_client, "/appeals")
    assert many == few, f"/appeals: {few} queries with 10 rows, {many} with 10,000"
    assert queries_of(operator_client, "/office/appeals/") == few_office
    assert queries_of(operator_client, "/office/appeals/?q=ОБ-2026-00999") == few_office
    print(f"\n/appeals: {few} queries with 10 rows and {many} with 10,000; /office/appeals/: {few_office}")


def test_notifications_run_the_same_queries_with_10_and_10000_rows(consumer_client, consumer):
    add_notifications(consumer, 10)
    few = queries_of(consumer_client, "/notifications")
    add_notifications(consumer, 9990)
    many = queries_of(consumer_client, "/notifications")
    assert many == few, f"/notifications: {few} queries with 10 rows, {many} with 10,000"
    print(f"\n/notifications: {few} queries with 10 rows and {many} with 10,000")


def gz(data: bytes) -> int:
    return len(gzip.compress(data, 6))


def test_sizes_of_the_unread_count_and_the_pages(consumer_client, consumer, make_appeal):
    appeal = make_appeal(consumer)
    add_notifications(consumer, 30)
    badge_url = consumer_client.page("/cabinet").select_one("#inbox-badge")["hx-get"]
    unchanged = consumer_client.get(badge_url, headers={"HX-Request": "true", "Accept-Encoding": "gzip"})
    assert unchanged.status_code == 204 and len(unchanged.data) == 0
    changed = consumer_client.get("/notifications/badge?v=-1", headers={"HX-Request": "true"})
    assert changed.status_code == 200 and gz(changed.data) < 2048
    status_block = consumer_client.get(f"/appeals/{appeal.id}?v=-1", headers={"HX-Request": "true"})
    assert status_block.status_code == 200 and gz(status_block.data) < 2048
    pages = {
        url: gz(consumer_client.get(url).data)
        for url in ("/notifications", "/appeals", "/appeals/new", f"/appeals/{appeal.id}")
    }
    assert all(size < 10 * 1024 for size in pages.values()), pages
    print(
        f"\nunread count: changed {gz(changed.data)} B gzip ({len(changed.data)} B raw), unchanged 204 with 0 B; "
        f"appeal status block {gz(status_block.data)} B; pages (HTML gzip): {pages}"
    )
