"""(b) Throughput under gunicorn: each key page beside a bare Flask route, same server settings,
same run, 16 concurrent clients from wrk on the same machine (SPEC §3)."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import shutil
import socket
import subprocess  # noqa: S404
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

from bench.instance import instance_env, make_instance
from bench.pages import LOAD_PAGES
from bench.report import Report

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
DURATION = int(os.environ.get("BENCH_SECONDS", 10))
#: SPEC §3 (revised): the ratio to the bare route is a guard against regressions, not a target.
RATIO_FLOOR = 0.10
#: Enough to compile every template and statement of a page before it is measured.
WARM_UP = 3
#: The throughput ratio: this many slices of the bare route and of the page, in turn.
SLICES = 5
SLICE_SECONDS = 2
CONNECTIONS = 16
WORKERS = 2
#: One browser's User-Agent for the login and for wrk: Flask-Login ties the session to it, and
#: a session seen from another agent is marked not fresh and re-sent on every response.
USER_AGENT = "Mozilla/5.0 (lk-bench)"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(url: str, timeout: float = 30) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 (loopback)
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server at {url} did not start")


def _gunicorn(app_path: str, port: int, env: dict, log: Path) -> subprocess.Popen:
    """gunicorn as configured, its own messages in `log` (a pipe nobody reads would fill up
    and stop it)."""
    return subprocess.Popen(  # noqa: S603
        [
            str(VENV_BIN / "gunicorn"),
            "-c",
            str(ROOT / "gunicorn.conf.py"),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(WORKERS),
            "--access-logfile",
            "/dev/null",
            "--error-logfile",
            "-",
            "--log-level",
            "warning",
            app_path,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("ab"),
    )


def _login(base: str, who: str) -> str:
    """A session cookie for a demo user, obtained through the real login form."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", USER_AGENT)]
    html = opener.open(f"{base}/login").read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    data = urllib.parse.urlencode({"email": f"{who}@example.ru", "password": "demo-password", "csrf_token": token})
    response = opener.open(f"{base}/login", data.encode())
    if "second-factor" in response.url:
        from app.auth.demo import DEMO_TOTP_SECRET
        from app.auth.twofactor import totp

        html = response.read().decode()
        token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
        code = totp(DEMO_TOTP_SECRET).now()
        opener.open(response.url, urllib.parse.urlencode({"code": code, "csrf_token": token}).encode())
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def _wrk(url: str, cookie: str | None, seconds: int = DURATION) -> dict:
    args = [
        "wrk",
        "-t",
        "2",
        "-c",
        str(CONNECTIONS),
        "-d",
        f"{seconds}s",
        "--latency",
        "-s",
        str(ROOT / "bench" / "wrk_report.lua"),
    ]
    if cookie:
        args += ["-H", f"Cookie: {cookie}"]
    args += ["-H", "Accept-Encoding: gzip", "-H", f"User-Agent: {USER_AGENT}", url]
    for _attempt in range(3):
        run = subprocess.run(args, capture_output=True, text=True)  # noqa: S603
        if run.returncode == 0:
            break
        # "unable to connect": gunicorn closes every connection (gunicorn.conf.py), and a few
        # hundred thousand of them in a minute can leave no free local port for a moment.
        time.sleep(10)
    else:
        raise RuntimeError(f"wrk failed: {run.stderr or run.stdout}")
    output = run.stdout
    data = json.loads(output.split("JSON ", 1)[1])
    data["rps"] = data["requests"] / (data["duration_us"] / 1e6)
    return data


def _interleaved(target: str, cookie: str | None, bare_url: str) -> tuple[float, float, int]:
    """The page's and the bare route's throughput, from short runs taken in turn (requests per
    second over all the slices of each) and the page's errors. This shared host's speed drifts
    by a fifth from one 2-second slice to the next (measured on the bare route: 1,556 to 2,402
    rps within a minute); a single baseline taken minutes earlier booked that drift to the pages."""
    page_requests = page_us = bare_requests = bare_us = errors = 0
    for _slice in range(SLICES):
        bare = _wrk(bare_url, None, SLICE_SECONDS)
        page = _wrk(target, cookie, SLICE_SECONDS)
        bare_requests, bare_us = bare_requests + bare["requests"], bare_us + bare["duration_us"]
        page_requests, page_us = page_requests + page["requests"], page_us + page["duration_us"]
        errors += page["non2xx"] + page["socket_errors"]
    return page_requests / page_us * 1e6, bare_requests / bare_us * 1e6, errors


def _prepare_instance() -> tuple[Path, dict]:
    root = make_instance("load")
    env = instance_env(root)
    env["RATELIMIT_ENABLED"] = "0"
    flask = [str(VENV_BIN / "flask"), "--app", "wsgi"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)  # noqa: S603
    subprocess.run([*flask, "demo", "load"], cwd=ROOT, env=env, check=True, capture_output=True)  # noqa: S603
    return root, env


def measure(report: Report) -> None:
    report.section(f"(b) gunicorn, {WORKERS} workers (gthread), wrk with {CONNECTIONS} connections, {DURATION} s each")
    if not shutil.which("wrk"):
        report.info("wrk is not installed (apt-get install -y wrk): load figures skipped")
        report.check("wrk available", 0, "", 1, at_least=True, fmt="{:.0f}")
        return
    root, env = _prepare_instance()
    bare_env = dict(env, BARE_DATABASE_URL=f"sqlite:///{root / 'bare.sqlite3'}")
    bare_port, app_port = _free_port(), _free_port()
    log = root / "gunicorn.log"
    bare = _gunicorn("bench.bare_app:app", bare_port, bare_env, log)
    portal = None
    try:
        _wait(f"http://127.0.0.1:{bare_port}/healthz")
        bare_url = f"http://127.0.0.1:{bare_port}/"
        _wrk(bare_url, None, WARM_UP)
        baseline = _wrk(bare_url, None)
        report.info(
            f"bare Flask route: {baseline['rps']:.0f} rps, p50 {baseline['p50_us'] / 1000:.1f} ms, "
            f"p95 {baseline['p95_us'] / 1000:.1f} ms"
        )
        orm = _wrk(f"{bare_url}orm", None)
        report.info(
            f"minimal 20-row ORM page: {orm['rps']:.0f} rps = {orm['rps'] / baseline['rps']:.2f} of the bare route "
            f"(SPEC §3 expects about 0.2), p95 {orm['p95_us'] / 1000:.1f} ms"
        )
        # Both servers stay up (an idle one costs nothing): each page's ratio comes from
        # slices taken in turn with the bare route's (_interleaved).
        portal = _gunicorn("wsgi:app", app_port, env, log)
        base = f"http://127.0.0.1:{app_port}"
        _wait(f"{base}/healthz")
        cookies = {}
        for label, url, who in LOAD_PAGES:
            if who and who not in cookies:
                cookies[who] = _login(base, who)
            target = base + _resolve(url, env)
            _wrk(target, cookies.get(who), WARM_UP)
            latency = _wrk(target, cookies.get(who))
            page_rps, bare_rps, errors = _interleaved(target, cookies.get(who), bare_url)
            errors += latency["non2xx"] + latency["socket_errors"]
            if errors:
                report.check(f"{label}: errors", errors, "responses", 0, fmt="{:.0f}")
            report.info(
                f"{label}: {page_rps:.0f} rps beside the bare route's {bare_rps:.0f}; "
                f"p50 {latency['p50_us'] / 1000:.1f} ms"
            )
            report.check(
                f"{label} throughput vs bare route",
                page_rps / bare_rps,
                "ratio",
                RATIO_FLOOR,
                at_least=True,
                fmt="{:.2f}",
            )
            report.check(f"{label} p95 latency", latency["p95_us"] / 1000, "ms p95", 100)
    except Exception:
        print(
            f"gunicorn's log:\n{log.read_text(errors='replace')[-3000:] if log.exists() else '(none)'}", file=sys.stderr
        )
        raise
    finally:
        for proc in (bare, portal):
            if proc is not None and proc.poll() is None:
                proc.terminate()
                proc.wait(10)
        shutil.rmtree(root, ignore_errors=True)


def _resolve(url: str, env: dict) -> str:
    if "{" not in url:
        return url
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "LK_INSTANCE_DIR", "UPLOAD_DIR", "MAIL_DIR")})
    from app import create_app
    from bench.pages import resolve

    app = create_app("development", {"SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"]})
    with app.app_context():
        return resolve(url)
