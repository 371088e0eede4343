"""/outages with 20,000 outages in the database (SPEC §3): a fixed number of queries and a
server time under the budget. The rows go in through SQLAlchemy Core (bench/scale_outages.py,
which `make bench` uses too)."""

import time

import pytest

from app.extensions import db
from app.outages.models import Outage
from bench.scale_outages import bulk_outages
from tests.core.query_counter import count_queries
from tests.outages.conftest import NOW

pytestmark = pytest.mark.usefixtures("fixed_clock")

URLS = ["/outages", "/outages?settlement=Примерск&street=Лен", "/outages?street=Улица-1"]


def measure(client, url: str, runs: int = 3) -> tuple[int, float]:
    client.get(url)  # warm the template cache
    best = None
    for _ in range(runs):
        with count_queries() as statements:
            started = time.perf_counter()
            response = client.get(url)
            elapsed = time.perf_counter() - started
        assert response.status_code == 200
        best = elapsed if best is None else min(best, elapsed)
    return len(statements), best


def test_twenty_thousand_outages(client):
    bulk_outages(200, NOW)
    few = [measure(client, url, runs=1)[0] for url in URLS]
    bulk_outages(19800, NOW, first=200)
    assert db.session.query(Outage).count() == 20000
    results = {url: measure(client, url) for url in URLS}
    for url, (queries, seconds) in results.items():
        print(f"{url}: {queries} queries, {seconds * 1000:.1f} ms")
    assert [results[url][0] for url in URLS] == few, "the same number of queries with 200 and 20,000 outages"
    # The budget is 50 ms server time (`make bench` checks it); leave room for a loaded CI runner.
    assert all(seconds < 0.25 for _, seconds in results.values()), results
