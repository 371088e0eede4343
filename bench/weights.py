"""(a) Page weight: gzip bodies as served by the app, first visit and repeat (SPEC §3)."""

from __future__ import annotations

import re

from bench.pages import CONSUMER_PAGES, FRAGMENTS, resolve
from bench.report import Report

KB = 1024
ASSET = re.compile(r'<(?:link[^>]+href|script[^>]+src|img[^>]+src)="(/[^"]+)"')


def _login(client, email: str) -> None:
    from app.demo import DEMO_PASSWORD

    token = client.csrf_token()
    response = client.post("/login", data={"email": email, "password": DEMO_PASSWORD, "csrf_token": token})
    if response.status_code != 302:
        raise RuntimeError(f"bench login as {email} failed: {response.status_code}")
    location = response.headers["Location"]
    if "second-factor" in location:
        from app.auth.demo import DEMO_TOTP_SECRET
        from app.auth.twofactor import totp

        code = totp(DEMO_TOTP_SECRET).now()  # pyotp alone refuses the 80-bit demo secret
        client.post(location, data={"code": code, "csrf_token": client.csrf_token()})


def _gzip_size(client, url: str, headers: dict | None = None) -> tuple[int, int, str]:
    response = client.get(url, headers={"Accept-Encoding": "gzip", **(headers or {})})
    return response.status_code, len(response.get_data()), response.headers.get("Content-Encoding", "")


def measure(app, report: Report) -> None:
    from tests.helpers import LkClient

    app.test_client_class = LkClient
    report.section("(a) page weight, gzip as served (1 KB = 1024 bytes)")
    clients = {}
    for label, url, who in CONSUMER_PAGES:
        client = clients.get(who)
        if client is None:
            client = clients[who] = app.test_client()
            if who:
                _login(client, f"{who}@example.ru")
        with app.app_context():
            url = resolve(url)
        response = client.get(url, headers={"Accept-Encoding": "gzip"})
        if response.status_code != 200:
            report.check(f"{label} status {response.status_code}", 1, "error", 0, fmt="{:.0f}")
            continue
        html_size = len(response.get_data())
        html = response.get_data()
        if response.headers.get("Content-Encoding") == "gzip":
            import gzip

            html = gzip.decompress(html)
        assets = sorted(set(ASSET.findall(html.decode())))
        asset_size = sum(_gzip_size(client, a)[1] for a in assets if not a.startswith("data:"))
        report.check(f"{label} first visit", (html_size + asset_size) / KB, "KB", 30)
        report.check(f"{label} repeat visit", html_size / KB, "KB", 10)
    for label, url, who, headers in FRAGMENTS:
        client = clients.get(who) or app.test_client()
        if who and who not in clients:
            _login(client, f"{who}@example.ru")
            clients[who] = client
        with app.app_context():
            url = resolve(url)
        status, size, _ = _gzip_size(client, url, headers)
        report.check(f"fragment {label} [{status}]", size / KB, "KB", 2, fmt="{:.2f}")
