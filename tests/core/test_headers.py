"""The exact security headers of each kind of response (SPEC §2.10, OWASP ASVS 5.0 V3.4)."""

import io

import sqlalchemy as sa

from app.auth.models import User
from app.core.security import CONTENT_SECURITY_POLICY, DOWNLOAD_CONTENT_SECURITY_POLICY
from app.extensions import db
from app.privacy.models import ConsentRecord
from tests.auth.test_walk_in import register_visitor

#: Headers that are ours to decide; a response's set of them is compared exactly.
SECURITY_HEADERS = (
    "Content-Security-Policy",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "X-Frame-Options",
    "Cross-Origin-Opener-Policy",
    "Strict-Transport-Security",
    "Cache-Control",
)

PAGE = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def security_headers(response) -> dict:
    return {name: response.headers[name] for name in SECURITY_HEADERS if name in response.headers}


def test_csp_forbids_inline_code_eval_and_framing():
    directives = dict(d.strip().split(" ", 1) for d in CONTENT_SECURITY_POLICY.split(";"))
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    assert directives["img-src"] == "'self' data:", "data: for the server-drawn QR code only"
    assert "unsafe" not in CONTENT_SECURITY_POLICY


def test_public_page(client):
    response = client.get("/login")
    assert security_headers(response) == {**PAGE, "Cache-Control": "no-cache"}
    assert {"Cookie", "HX-Request"} <= set(response.vary)


def test_public_page_over_https_adds_hsts(client):
    response = client.get("/login", base_url="https://localhost")
    assert security_headers(response) == {
        **PAGE,
        "Cache-Control": "no-cache",
        "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    }


def test_personal_page(consumer_client):
    response = consumer_client.get("/profile")
    assert security_headers(response) == {**PAGE, "Cache-Control": "no-store"}
    assert "ETag" not in response.headers and "Last-Modified" not in response.headers


def test_static_file(client):
    css = client.page("/login").soup.find("link", rel="stylesheet")["href"]
    response = client.get(css)
    assert security_headers(response) == {**PAGE, "Cache-Control": "public, max-age=31536000, immutable"}
    response.close()


def test_static_file_stays_cacheable_for_a_logged_in_user(consumer_client):
    css = consumer_client.page("/profile").soup.find("link", rel="stylesheet")["href"]
    response = consumer_client.get(css)
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    response.close()


def test_htmx_fragment(consumer_client):
    response = consumer_client.get("/notifications/badge", headers={"HX-Request": "true"})
    assert response.status_code == 200 and "<html" not in response.get_data(as_text=True)
    assert security_headers(response) == {**PAGE, "Cache-Control": "no-store"}
    assert "HX-Request" in response.vary


def test_download_sends_its_own_sandboxing_csp(consumer_client):
    response = consumer_client.get("/profile/data.json")
    assert response.status_code == 200
    assert security_headers(response) == {
        **PAGE,
        "Content-Security-Policy": DOWNLOAD_CONTENT_SECURITY_POLICY,
        "Cache-Control": "no-store",
    }
    assert response.headers["Content-Disposition"].startswith("attachment;")


def test_uploaded_file_download(operator_client):
    """A stored upload (a consent scan) as staff download it: attachment, sandboxed."""
    register_visitor(operator_client)
    user = db.session.scalar(sa.select(User).where(User.email == "visitor@example.ru"))
    record = db.session.scalar(sa.select(ConsentRecord).where(ConsentRecord.user_id == user.id))
    response = operator_client.get(f"/office/consumers/{user.id}/consents/{record.id}/scan")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert security_headers(response) == {
        **PAGE,
        "Content-Security-Policy": DOWNLOAD_CONTENT_SECURITY_POLICY,
        "Cache-Control": "no-store",
    }
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert io.BytesIO(response.data).read(5) == b"%PDF-"
    response.close()


def test_error_pages_carry_the_headers_too(client, consumer_client):
    assert security_headers(client.get("/no-such-page")) == {**PAGE, "Cache-Control": "no-cache"}
    assert security_headers(consumer_client.get("/office/")) == {**PAGE, "Cache-Control": "no-store"}
