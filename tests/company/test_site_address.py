"""Absolute links (mail, the walk-in slip, documents) come from one place,
app.company.services.site_address: the company's site address; where it is empty, the
address the request came to; outside a request, the configured SITE_URL (`make run` sets
it from PORT)."""

import io
import os
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa
from pypdf import PdfReader

from app.auth.models import User
from app.company.models import CompanySettings
from app.company.services import get_company, save_company
from app.extensions import db
from app.mail.services import render_mail
from tests.auth.test_walk_in import register_visitor
from tests.helpers import mail_text

ROOT = Path(__file__).resolve().parents[2]


def client_at(app, base_url: str):
    """A browser that opened the site at `base_url`."""

    class Client(app.test_client_class):
        def open(self, *args, **kwargs):
            kwargs.setdefault("base_url", base_url)
            return super().open(*args, **kwargs)

        def session_transaction(self, *args, **kwargs):
            kwargs.setdefault("base_url", base_url)
            return super().session_transaction(*args, **kwargs)

    return Client(app, app.response_class, use_cookies=True)


def client_at_5101(app):
    return client_at(app, "http://127.0.0.1:5101")


def test_the_company_address_comes_first(app):
    from app.company.services import absolute_link, site_address

    save_company({"site_url": "https://lk.set.example.ru/"})
    db.session.commit()
    with app.test_request_context(base_url="http://127.0.0.1:5101"):
        assert site_address() == "https://lk.set.example.ru"
        assert absolute_link("/appeals/5") == "https://lk.set.example.ru/appeals/5"
    with app.app_context():
        assert site_address() == "https://lk.set.example.ru"


def test_with_no_company_address_a_request_links_where_it_came(app):
    from app.company.services import site_address

    assert get_company().site_url == "", "a new installation has no site address yet"
    with app.test_request_context("/office/", base_url="http://127.0.0.1:5101"):
        assert site_address() == "http://127.0.0.1:5101"


def test_a_walk_in_slip_made_at_5101_links_to_5101(app, operator, login):
    client = client_at_5101(app)
    login(operator, c=client)
    response = register_visitor(client)
    assert response.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.email == "visitor@example.ru"))
    page = client.page(response.headers["Location"])
    password = page.select(".secret")[1].get_text(strip=True)
    slip = client.submit(f"/office/consumers/{user.id}/slip", {"password": password}, expect=200)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(slip.data)).pages)
    assert "Откройте http://127.0.0.1:5101/login" in text
    assert "127.0.0.1:5000" not in text


def test_mail_made_at_5101_links_to_5101(app, operator, login, mailbox):
    client = client_at_5101(app)
    login(operator, c=client)
    register_visitor(client)
    [message] = mailbox()
    assert "http://127.0.0.1:5101/login" in mail_text(message)
    assert "127.0.0.1:5000" not in mail_text(message)


def test_mail_rendered_outside_a_request_uses_the_configured_address(app):
    app.config["SITE_URL"] = "http://127.0.0.1:5101"
    with app.app_context():
        mail = render_mail(
            "notification",
            "Тема",
            notification=type("N", (), {"title": "Заявка", "body": "", "link": "/applications/7"})(),
            user=None,
        )
    assert "Подробнее в личном кабинете: http://127.0.0.1:5101/applications/7" in mail.text_body


def test_the_sender_composes_links_at_the_configured_address(app, make_user, mailbox):
    """«Забыли пароль?» is composed by the mail sender, outside the visitor's request."""
    app.config["SITE_URL"] = "http://127.0.0.1:5101"
    make_user("consumer", email="forgot@example.ru")
    client_at(app, "http://evil.example.com").submit("/password/forgot", {"email": "forgot@example.ru"}, expect=200)
    [message] = mailbox()
    assert "http://127.0.0.1:5101/password/reset/" in mail_text(message)
    assert "evil.example.com" not in mail_text(message)


def test_the_demo_company_takes_the_configured_address(app):
    from app.company import demo

    app.config["SITE_URL"] = "http://127.0.0.1:5101"
    demo.seed(None)
    db.session.commit()
    assert db.session.get(CompanySettings, 1).site_url == "http://127.0.0.1:5101"


def test_the_configured_address_is_read_from_lk_site_url():
    env = {**os.environ, "LK_SITE_URL": "http://127.0.0.1:5101"}
    out = subprocess.run(
        [sys.executable, "-c", "import config; print(config.Config.SITE_URL)"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "http://127.0.0.1:5101"


def test_make_run_sets_lk_site_url_from_port():
    """What `make run PORT=5101` hands its commands (each printing the variable instead)."""
    env = {k: v for k, v in os.environ.items() if k not in ("LK_SITE_URL", "PORT", "MAKEFLAGS")}
    out = subprocess.run(
        ["make", "-s", "-o", ".venv/.installed", "run", "PORT=5101", "FLASK=printenv LK_SITE_URL; :"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    urls = {line for line in out.stdout.splitlines() if line.startswith("http")}
    assert urls == {"http://127.0.0.1:5101"}, out.stdout


def test_with_trusted_hosts_a_request_for_another_host_is_refused(app, client):
    """LK_TRUSTED_HOSTS (production): a link built from the request never names a host an
    attacker put in the Host header."""
    app.config["TRUSTED_HOSTS"] = ["lk.example.ru"]
    assert client.get("/login", headers={"Host": "lk.example.ru"}).status_code == 200
    refused = client.get("/login", headers={"Host": "evil.example.com"})
    assert refused.status_code == 400 and "Traceback" not in refused.text
