"""Browser journeys: the app served on a loopback port, driven in Debian's Chromium by
Playwright (the build machines cannot download Playwright's own browser).

With LK_E2E_BASE_URL the journeys drive a site served elsewhere instead (the loopback cluster
of `make cluster-test`, deploy/cluster_check.py): the tests then reach what they set up and
read directly in that site's own places, never copies: its database (DATABASE_URL, used as
is, not a per-worker copy; its tables are emptied after each test, as here), its upload folder
(LK_E2E_UPLOAD_DIR), the folder its SMTP sink writes each mail to (LK_E2E_MAIL_DIR) and its
rate-limit storage (LK_E2E_RATELIMIT_STORAGE_URI, emptied before each test as a fresh live
server's would be). Run them one at a time (no -n): they share that one database."""

from __future__ import annotations

import os
import shutil
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
#: The site to drive instead of the suite's own live server ("" : the live server).
BASE_URL = os.environ.get("LK_E2E_BASE_URL", "").rstrip("/")
#: The configuration the site runs with, for its cookie names ("production": __Host-…).
SITE_CONFIG = os.environ.get("LK_E2E_SITE_CONFIG", "production")


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


def pytest_runtest_call(item):
    """A site served elsewhere runs on the real clock: a journey whose fixtures fixed the
    test's clock to another day would see that site disagree with it."""
    from app.core import clock

    fixed = clock._fixed
    if (
        BASE_URL
        and "tests/e2e/" in str(item.fspath)
        and fixed is not None
        and abs(fixed - datetime.now(UTC)) > timedelta(minutes=5)
    ):
        pytest.skip(
            f"the site at LK_E2E_BASE_URL runs on the real clock; this journey fixes the clock at {fixed:%Y-%m-%d}"
        )


def empty_site_tables(attempts: int = 5) -> None:
    """Empty the site's tables between journeys. The site goes on meanwhile (its mail senders,
    its periodic commands), and a write of its own may hold one table while the TRUNCATE holds
    another: PostgreSQL then ends the TRUNCATE as a deadlock, and it is run again."""
    import sqlalchemy as sa

    from tests.conftest import _empty_tables

    for attempt in range(attempts):
        try:
            return _empty_tables()
        except sa.exc.OperationalError as exc:
            if getattr(exc.orig, "sqlstate", None) != "40P01" or attempt == attempts - 1:
                raise
            time.sleep(0.2)


def _empty_folder(folder: Path) -> None:
    if folder.is_dir():
        for child in folder.iterdir():
            shutil.rmtree(child) if child.is_dir() else child.unlink(missing_ok=True)


if BASE_URL:

    @pytest.fixture(scope="session")
    def database_url() -> str:
        """The site's own database, as it is: the site migrated it."""
        url = os.environ.get("DATABASE_URL", "")
        if not url:
            pytest.fail("LK_E2E_BASE_URL needs DATABASE_URL: the database of that site")
        return url

    @pytest.fixture
    def app(database_url, tmp_path):
        """The suite's app on the site's database and folders, for what the tests set up and
        read (users, applications, mail); the site itself serves the pages."""
        from app import create_app
        from app.core import clock
        from app.extensions import db, limiter
        from config import CONFIGS
        from tests.conftest import isolate_requests
        from tests.helpers import LkClient

        uploads, mail = Path(os.environ["LK_E2E_UPLOAD_DIR"]), Path(os.environ["LK_E2E_MAIL_DIR"])
        site = CONFIGS[SITE_CONFIG]
        app = create_app(
            "testing",
            {
                "SQLALCHEMY_DATABASE_URI": database_url,
                "UPLOAD_DIR": uploads,
                "MAIL_DIR": mail,
                "INSTANCE_DIR": tmp_path,
                "RATELIMIT_STORAGE_URI": os.environ.get("LK_E2E_RATELIMIT_STORAGE_URI", "memory://"),
                "SESSION_COOKIE_NAME": getattr(site, "SESSION_COOKIE_NAME", "session"),
                "REMEMBER_COOKIE_NAME": getattr(site, "REMEMBER_COOKIE_NAME", "remember_token"),
            },
        )
        app.test_client_class = LkClient
        isolate_requests(app)
        _empty_folder(mail)
        with app.app_context():
            limiter.reset()
            yield app
            db.session.remove()
            empty_site_tables()
            db.engine.dispose()
        _empty_folder(mail)
        _empty_folder(uploads)
        clock.set_now(None)

    @pytest.fixture
    def live_server():
        return BASE_URL
else:

    @pytest.fixture
    def live_server(app):
        app.config.update(POLL_SECONDS=1)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield f"http://127.0.0.1:{server.server_port}"
        server.shutdown()
        thread.join(5)


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM):
        message = f"Chromium is not installed at {CHROMIUM} (apt-get install -y chromium)"
        if os.environ.get("LK_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=shutil.which(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(params=[True, False], ids=["js", "nojs"])
def javascript(request) -> bool:
    return request.param


@pytest.fixture
def new_page(browser):
    """new_page(javascript=True, width=1280) -> a Playwright page in a fresh context."""
    contexts = []

    def factory(javascript: bool = True, width: int = 1280):
        context = browser.new_context(
            java_script_enabled=javascript, viewport={"width": width, "height": 900}, locale="ru-RU"
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield factory
    for context in contexts:
        context.close()


def screenshot(page, name: str) -> Path:
    """Keep a full-page PNG as a test artifact (test-artifacts/, not committed)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
