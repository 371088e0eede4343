"""Odd values in every form a person can reach: never a 500 (issue 16).

With the demo data loaded, an admin and the demo consumer follow the links of the site
from their start pages; every POST form found (one per endpoint) is sent with each value
of ODD_VALUES in all its text fields. Whatever the form says, in Russian, is its business
(tests/<feature> check the messages); here nothing may end in an unhandled error. This
found the VAT rate's NumberRange message (a bare «%»), a 500 for any rate outside 0–50."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup
from werkzeug.exceptions import HTTPException

#: A value per class of trouble: a long text, digits of other scripts (int() reads '٣',
#: fails on '²'), numbers past any column or exponent.
ODD_VALUES = {
    "long": "я" * 3000,
    "other digits": "٣٤" * 5,
    "superscript": "²",
    "huge": "9" * 40,
    "negative": "-" + "9" * 20,
    "exponent": "1e99999999999999999999",
}
#: Links not followed: downloads and documents (no forms in them), leaving the session.
SKIPPED_LINKS = (
    "logout",
    ".pdf",
    ".csv",
    ".zip",
    ".json",
    ".ics",
    "/file",
    "/documents/",
    "/files/",
    "/scan",
    "letter",
    "/static/",
)
MAX_PAGES_PER_ENDPOINT = 5


@pytest.fixture
def demo(app):
    from app import demo
    from app.extensions import limiter

    demo.load()
    limiter.enabled = False  # hundreds of posts from one address: the limits are tested elsewhere
    yield
    limiter.enabled = True


def demo_client(app, login, email):
    from app.auth.models import User
    from app.demo import DEMO_PASSWORD
    from app.extensions import db

    client = app.test_client()
    login(db.session.scalar(sa.select(User).where(User.email == email)), password=DEMO_PASSWORD, c=client)
    return client


def endpoint_of(app, url: str, method: str) -> str | None:
    try:
        return app.url_map.bind("localhost").match(urlsplit(url).path, method=method)[0]
    except HTTPException:
        return None


def form_data(form) -> dict[str, str | None]:
    """The form's fields: text fields marked None (to fill with an odd value), the rest as a
    browser would send them with the last choice of every list."""
    data: dict[str, str | None] = {}
    for element in form.find_all(["input", "textarea", "select"]):
        name, kind = element.get("name"), (element.get("type") or "text").lower()
        if not name or name == "csrf_token" or kind in ("file", "password"):
            continue
        if element.name == "select":
            options = element.find_all("option")
            data[name] = options[-1].get("value", "") if options else ""
        elif kind == "radio":
            data.setdefault(name, element.get("value", ""))
        elif kind == "checkbox":
            data[name] = element.get("value", "y")
        elif kind in ("hidden", "submit"):
            data.setdefault(name, element.get("value", ""))
        else:
            data[name] = None
    return data


def walk(app, client, start: list[str]) -> tuple[list[str], int]:
    """Follow links from `start`; post odd values into every form. Returns the 500s and the
    number of forms sent."""
    failures: list[str] = []
    queue, seen = list(start), set()
    pages: dict[str, int] = {}
    forms_sent: set[str] = set()
    while queue:
        url = queue.pop(0)
        endpoint = endpoint_of(app, url, "GET")
        if url in seen or endpoint is None or pages.get(endpoint, 0) >= MAX_PAGES_PER_ENDPOINT:
            continue
        seen.add(url)
        pages[endpoint] = pages.get(endpoint, 0) + 1
        response = client.get(url)
        if response.status_code >= 500:
            failures.append(f"GET {url}: {response.status_code}")
        if response.status_code != 200 or "html" not in (response.content_type or ""):
            continue
        soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
        queue += [
            a["href"].split("#")[0]
            for a in soup.find_all("a", href=True)
            if a["href"].startswith("/") and not any(s in a["href"] for s in SKIPPED_LINKS)
        ]
        for form in soup.find_all("form"):
            action = form.get("action") or url
            target = endpoint_of(app, action, "POST")
            if (form.get("method") or "get").lower() != "post" or "logout" in action or target in forms_sent:
                continue
            data = form_data(form)
            if None not in data.values():
                continue
            forms_sent.add(target)
            for label, value in ODD_VALUES.items():
                sent = client.submit(action, {k: value if v is None else v for k, v in data.items()})
                if sent.status_code >= 500:
                    failures.append(f"POST {action} ({target}) with {label}: {sent.status_code}")
    return failures, len(forms_sent)


def test_every_form_takes_odd_values(app, demo, login):
    """One demo load for both walks: it is most of the time."""
    failures, office_forms = walk(app, demo_client(app, login, "admin@example.ru"), ["/office/"])
    start = ["/cabinet", "/profile", "/applications", "/appeals", "/outages", "/calculator", "/notifications"]
    more, consumer_forms = walk(app, demo_client(app, login, "consumer@example.ru"), start)
    assert office_forms >= 20 and consumer_forms >= 10, "the walks reached the forms"
    assert failures + more == []
