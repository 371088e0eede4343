"""gunicorn as configured in gunicorn.conf.py."""

import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server_port():
    """gunicorn with the repository's settings, two workers, serving tests/core/pid_app.py."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUNICORN_")}
    server = subprocess.Popen(
        [
            str(GUNICORN),
            "-c",
            str(ROOT / "gunicorn.conf.py"),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--access-logfile",
            "/dev/null",
            "--log-level",
            "warning",
            "tests.core.pid_app:app",
        ],
        cwd=ROOT,
        env=dict(env, PYTHONPATH=str(ROOT)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.time() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.time() < deadline, "gunicorn did not start"
                time.sleep(0.1)
        yield port
    finally:
        server.terminate()
        server.wait(10)


def _get(port: int, path: str) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path)  # HTTP/1.1: kept alive unless the server says otherwise
    return conn.getresponse()


def test_each_request_gets_its_own_connection_so_no_worker_is_left_idle(server_port):
    """A kept-alive connection stays with the worker that accepted it; with few busy clients
    one worker may hold most of them while the other idles. nginx keeps the browsers'
    connections, so gunicorn closes its own after each response."""
    response = _get(server_port, "/")
    assert response.read().isdigit()
    assert response.getheader("Connection") == "close"


def test_workers_freeze_the_loaded_app_out_of_the_collectors_sight(server_port):
    """A full collection walks every object the collector tracks and stops all the worker's
    threads meanwhile: the modules loaded before the first request are frozen."""
    assert int(_get(server_port, "/frozen").read()) > 1000
