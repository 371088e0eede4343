"""(c) Scale, outages: /outages with 20,000 outages in the database (SPEC §3). The rows go
in through SQLAlchemy Core (SPEC §5); the figures are server time in the process (the test
client, no network) and the number of SQL statements per page."""

from __future__ import annotations

import statistics
import time
from datetime import datetime, timedelta

from bench.report import Report

COUNT = 20_000
SETTLEMENTS = [f"с. Село-{n}" for n in range(150)] + ["г. Примерск"]
STREETS = ["ул. Ленина", "ул. Садовая", "пр-т Мира", "пер. Школьный", "ул. Полевая", "ул. Речная", ""] + [
    f"ул. Улица-{n}" for n in range(40)
]
#: What a person filters by, as the schedule's URLs carry it.
URLS = [
    ("default fortnight", "/outages"),
    (
        "settlement + typed street",
        "/outages?settlement=%D0%9F%D1%80%D0%B8%D0%BC%D0%B5%D1%80%D1%81%D0%BA&street=%D0%9B%D0%B5%D0%BD",
    ),
    ("street only", "/outages?street=%D0%A3%D0%BB%D0%B8%D1%86%D0%B0-1"),
    ("htmx fragment", "/outages?street=%D0%9B%D0%B5%D0%BD"),
]


def bulk_outages(count: int, around: datetime, first: int = 0) -> None:
    """`count` outages spread over 60 days either side of `around`, across 151 settlements."""
    import random

    from app.extensions import db
    from app.outages.addresses import normalize_settlement, normalize_street
    from app.outages.models import Outage

    rnd = random.Random(first)
    rows = []
    for n in range(first, first + count):
        settlement, street = SETTLEMENTS[n % len(SETTLEMENTS)], STREETS[n % len(STREETS)]
        start = around + timedelta(hours=rnd.randrange(-60 * 24, 60 * 24))
        key = normalize_street(street)
        rows.append(
            dict(
                external_id=f"B-{n}",
                district="Северный РЭС",
                settlement=settlement,
                street=street,
                houses="1-15" if street else "",
                starts_at=start,
                ends_at=start + timedelta(hours=rnd.choice((2, 4, 8))),
                reason="Ремонт",
                status="planned",
                settlement_key=normalize_settlement(settlement),
                street_kind=key.kind,
                street_key=key.name,
                houses_key="1-15" if street else "",
                match_key=f"bench-{n}",
                revision=1,
                published_at=around,
                updated_at=around,
            )
        )
    for start in range(0, len(rows), 5000):
        db.session.execute(Outage.__table__.insert(), rows[start : start + 5000])
    db.session.commit()


def measure(report: Report, runs: int = 15) -> None:
    from sqlalchemy import event

    from app.core.clock import now
    from app.extensions import db
    from bench.demo_app import demo_app

    with demo_app() as app:
        with app.app_context():
            bulk_outages(COUNT, now())
        client = app.test_client()
        for label, url in URLS:
            headers = {"HX-Request": "true"} if label == "htmx fragment" else {}
            client.get(url, headers=headers)  # templates compiled, caches warm
            timings, statements = [], []
            with app.app_context():
                engine = db.engine

            def count(*_args, statements=statements):
                statements.append(1)

            event.listen(engine, "before_cursor_execute", count)
            try:
                for _ in range(runs):
                    statements.clear()
                    started = time.perf_counter()
                    response = client.get(url, headers=headers)
                    timings.append((time.perf_counter() - started) * 1000)
                    assert response.status_code == 200, (url, response.status_code)
            finally:
                event.remove(engine, "before_cursor_execute", count)
            report.check(
                f"/outages, {COUNT} outages, {label}: median server time", statistics.median(timings), "ms", 50
            )
            report.info(f"{label}: {len(statements)} SQL statements per request (transaction control included)")
