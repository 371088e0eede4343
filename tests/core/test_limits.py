"""Per-address limits (app/core/limits.py) and the Russian 429 page (SPEC §2.10)."""

import io

import pytest
from flask import Blueprint

from app.core.limits import limit_exports, limit_submissions, limit_uploads
from app.core.security import CONTENT_SECURITY_POLICY
from tests.helpers import Page


@pytest.fixture
def limited_app(app):
    """Two routes sharing the submissions bucket, one with uploads, at tight limits."""
    app.config.update(SUBMISSION_LIMIT="3 per minute", UPLOAD_LIMIT="2 per minute", EXPORT_LIMIT="1 per minute")
    bp = Blueprint("limited_test", __name__)

    @bp.post("/limited/a")
    @limit_submissions
    def a():
        return "ok"

    @bp.post("/limited/b")
    @limit_submissions
    def b():
        return "ok"

    @bp.post("/limited/upload")
    @limit_uploads
    def upload():
        return "ok"

    @bp.get("/limited/export")
    @limit_exports
    def export():
        return "ok"

    app.register_blueprint(bp)
    return app


def test_submissions_share_one_bucket_per_address(limited_app, client):
    assert [client.submit(url).status_code for url in ("/limited/a", "/limited/b", "/limited/a")] == [200] * 3
    refused = client.submit("/limited/b")
    assert refused.status_code == 429
    page = Page(refused)
    assert page.title.startswith("Слишком много запросов") and "Подождите" in page
    assert refused.headers["Retry-After"] and refused.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    other = client.submit("/limited/a", environ_base={"REMOTE_ADDR": "198.51.100.1"})
    assert other.status_code == 200, "another address has its own bucket"


def test_uploads_count_files_not_requests(limited_app, client):
    assert client.submit("/limited/upload", {"x": "no file"}).status_code == 200
    two = {"f1": (io.BytesIO(b"%PDF-1.4"), "a.pdf"), "f2": (io.BytesIO(b"%PDF-1.4"), "b.pdf")}
    assert client.submit("/limited/upload", two, content_type="multipart/form-data").status_code == 200
    one = {"f1": (io.BytesIO(b"%PDF-1.4"), "a.pdf")}
    assert client.submit("/limited/upload", one, content_type="multipart/form-data").status_code == 429


def test_exports_are_limited(limited_app, client):
    assert client.get("/limited/export").status_code == 200
    assert client.get("/limited/export").status_code == 429


def test_staff_are_not_limited(limited_app, operator_client):
    assert {operator_client.submit("/limited/a").status_code for _ in range(6)} == {200}


def test_the_profile_applies_the_submission_limit(app, consumer_client):
    app.config["SUBMISSION_LIMIT"] = "2 per minute"
    for _ in range(2):
        consumer_client.submit("/profile", {"section": "contacts", "contacts-phone": "+7 900 111-22-33"}, expect=302)
    assert (
        consumer_client.submit("/profile", {"section": "contacts", "contacts-phone": "+7 900 111-22-33"}).status_code
        == 429
    )
    assert consumer_client.get("/profile").status_code == 200, "reading is not limited"


def test_registration_and_recovery_are_limited(app, client):
    app.config.update(REGISTRATION_LIMIT="1 per hour", RECOVERY_LIMIT="1 per hour")
    client.submit("/register", {"email": "x"})
    assert client.submit("/register", {"email": "x"}).status_code == 429
    client.submit("/password/forgot", {"email": "a@example.ru"})
    assert client.submit("/password/forgot", {"email": "a@example.ru"}).status_code == 429


class RedisServer:
    """A real redis-server of our own on a loopback port, to stop and start (no persistence,
    as the cluster runs it: a restart forgets the counts)."""

    def __init__(self, folder):
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.folder, self.proc = folder, None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        import subprocess
        import time

        import redis

        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)

    def keys(self) -> list[bytes]:
        import redis

        return redis.Redis.from_url(self.url).keys("LIMITS*")


@pytest.fixture
def redis_server(tmp_path):
    import shutil

    if not shutil.which("redis-server"):
        pytest.skip("needs redis-server (apt-get install redis-server; CI has it)")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    if server.proc.poll() is None:
        server.stop()


def test_counts_live_in_redis_and_a_redis_restart_answers_no_500(database_url, tmp_path, redis_server):
    """Several app servers count in one Redis (RATELIMIT_STORAGE_URI). While it restarts the
    limits go on counting in each process's memory instead of failing the request, and return
    to Redis once it answers again."""
    import time

    from app import create_app
    from app.extensions import limiter
    from tests.helpers import LkClient

    app = create_app(
        "testing",
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "UPLOAD_DIR": tmp_path / "uploads",
            "MAIL_DIR": tmp_path / "mail",
            "RATELIMIT_STORAGE_URI": redis_server.url,
            "REGISTRATION_LIMIT": "3 per minute",
        },
    )
    app.test_client_class = LkClient
    client = app.test_client()
    try:
        assert [client.submit("/register", {"email": "x"}).status_code for _ in range(4)] == [200, 200, 200, 429]
        assert redis_server.keys(), "the count is in Redis"

        redis_server.stop()
        down = client.submit("/register", {"email": "x"}, environ_base={"REMOTE_ADDR": "198.51.100.2"})
        assert down.status_code == 200, "Redis away: the form answers, no 500"

        redis_server.start()
        assert not redis_server.keys(), "a restarted Redis has forgotten the counts"
        deadline = time.monotonic() + 20
        while not redis_server.keys() and time.monotonic() < deadline:
            client.submit("/register", {"email": "x"}, environ_base={"REMOTE_ADDR": "198.51.100.3"})
            time.sleep(0.5)
        assert redis_server.keys(), "the limiter counts in Redis again once it answers"
    finally:
        with app.app_context():
            from app.extensions import db

            db.engine.dispose()
        limiter._storage_dead = False  # the extension is one object for every app of the suite
