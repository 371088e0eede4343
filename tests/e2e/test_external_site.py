"""The journeys can drive a site served elsewhere (LK_E2E_BASE_URL, tests/e2e/conftest.py),
as `make cluster-test` does through the loopback cluster's nginx: here that site is this test's
own live server, and two journeys run against it in a pytest of their own."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import BASE_URL

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(bool(BASE_URL), reason="already driving a site served elsewhere")
def test_journeys_drive_a_site_given_by_its_address(app, live_server, database_url, browser):
    served = []
    inner = app.wsgi_app

    def counting(environ, start_response):
        served.append(environ["PATH_INFO"])
        return inner(environ, start_response)

    app.wsgi_app = counting
    env = {
        **os.environ,
        "LK_E2E_BASE_URL": live_server,
        "DATABASE_URL": database_url,
        "LK_E2E_UPLOAD_DIR": str(app.config["UPLOAD_DIR"]),
        "LK_E2E_MAIL_DIR": str(app.config["MAIL_DIR"]),
        "LK_E2E_SITE_CONFIG": "testing",
        "LK_REQUIRE_BROWSER": "1",
    }
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:xdist",
            "tests/e2e/test_account_journey.py::test_account_journey",
            "tests/e2e/test_sessions_journey.py",
            "-k",
            "nojs or copied",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "2 passed" in done.stdout
    assert "/register" in served and "/cabinet" in served, "the journeys went to the site given"


def test_emptying_the_sites_tables_outlives_a_deadlock_with_its_own_writes(app):
    """Between journeys the site goes on writing (its senders, its periodic commands): a write
    that holds the last table the TRUNCATE needs, then wants one it already took, is a
    deadlock, and PostgreSQL ends the TRUNCATE (the one that waited longer). It runs again."""
    import threading
    import time

    import sqlalchemy as sa

    from app.extensions import db
    from tests.e2e.conftest import empty_site_tables

    if db.engine.dialect.name != "postgresql":
        pytest.skip("TRUNCATE and its locks: PostgreSQL")
    tables, engine = db.metadata.sorted_tables, db.engine
    holding, done = threading.Event(), []

    def site_write():
        with engine.connect() as conn:
            conn.execute(sa.text(f'LOCK TABLE "{tables[-1].name}" IN ROW EXCLUSIVE MODE'))
            holding.set()
            time.sleep(0.3)  # the TRUNCATE now holds the first table and waits for the last
            conn.execute(sa.text(f'LOCK TABLE "{tables[0].name}" IN ROW EXCLUSIVE MODE'))
            conn.commit()
            done.append(True)

    db.session.remove()
    writer = threading.Thread(target=site_write)
    writer.start()
    assert holding.wait(5)
    empty_site_tables()
    writer.join(10)
    assert done == [True], "the site's write went through"
