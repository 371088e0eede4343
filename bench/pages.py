"""What `make bench` measures. Each feature adds its consumer pages and htmx fragments here.

A URL may hold {placeholders} filled from the demo data by `resolve()`."""

from __future__ import annotations

import sqlalchemy as sa

#: A calculation with most terms: the largest result the calculator usually shows.
CALCULATOR_RESULT = (
    "/calculator?applicant_type=individual&power_kw=15&existing_power_kw=5&overhead_km=0.3"
    "&cable_km=0.1&substation=y&metering=three_phase_direct&metering_points=2"
)

#: (label, url, who is logged in: None | "consumer" | "operator")
CONSUMER_PAGES: list[tuple[str, str, str | None]] = [
    ("/", "/", None),
    ("/login", "/login", None),
    ("/register", "/register", None),
    ("/password/forgot", "/password/forgot", None),
    ("/privacy", "/privacy", None),
    ("/cabinet", "/cabinet", "consumer"),
    ("/profile", "/profile", "consumer"),
    ("/notifications", "/notifications", "consumer"),
    ("/password/change", "/password/change", "consumer"),
    ("/outages", "/outages", None),
    ("/outages/print", "/outages/print", None),
    ("/outages (consumer)", "/outages", "consumer"),
    ("/appeals", "/appeals", "consumer"),
    ("/appeals/new", "/appeals/new", "consumer"),
    ("/appeals/<id> (answered)", "/appeals/{answered_appeal_id}", "consumer"),
    ("/calculator", "/calculator", None),
    ("/calculator (result)", CALCULATOR_RESULT, None),
    ("/applications", "/applications", "consumer"),
    ("/applications/new", "/applications/new", "consumer"),
    ("/applications/<id> (in progress)", "/applications/{in_progress_application_id}", "consumer"),
    ("/applications/<id> (offer sent)", "/applications/{offer_sent_application_id}", "consumer"),
]

#: (label, url, who, extra headers)
FRAGMENTS: list[tuple[str, str, str | None, dict]] = [
    ("unread badge (changed)", "/notifications/badge?v=-1", "consumer", {"HX-Request": "true"}),
    ("outage filter (street «Лен»)", "/outages?street=%D0%9B%D0%B5%D0%BD", None, {"HX-Request": "true"}),
    ("outage filter (default fortnight)", "/outages", None, {"HX-Request": "true"}),
    ("appeal status block (changed)", "/appeals/{open_appeal_id}?v=-1", "consumer", {"HX-Request": "true"}),
    ("calculator result", CALCULATOR_RESULT, None, {"HX-Request": "true"}),
    (
        "application status block (changed)",
        "/applications/{in_progress_application_id}?v=-1",
        "consumer",
        {"HX-Request": "true"},
    ),
]

#: Pages for the load test: (label, url, who).
LOAD_PAGES: list[tuple[str, str, str | None]] = [
    ("cabinet", "/cabinet", "consumer"),
    ("outage schedule", "/outages", None),
    ("calculator result", CALCULATOR_RESULT, None),
    ("application list", "/applications", "consumer"),
    ("application card", "/applications/{in_progress_application_id}", "consumer"),
    ("office queue", "/office/applications/", "operator"),
]


def resolve(url: str) -> str:
    """Fill {placeholders} from the demo data."""
    if "{" not in url:
        return url
    from app.extensions import db

    values: dict[str, object] = {}
    for key, query in PLACEHOLDERS.items():
        if "{" + key + "}" in url:
            values[key] = db.session.scalar(sa.text(query))
    return url.format(**values)


_DEMO_APPLICATION = (
    "SELECT a.id FROM applications a JOIN users u ON u.id = a.consumer_id "
    "WHERE u.email = 'consumer@example.ru' AND a.status = '{status}' ORDER BY a.id LIMIT 1"
)

#: placeholder → SQL giving a demo object's id
PLACEHOLDERS: dict[str, str] = {
    "answered_appeal_id": "SELECT id FROM appeals WHERE status = 'answered' ORDER BY id LIMIT 1",
    "open_appeal_id": "SELECT id FROM appeals WHERE status = 'in_progress' ORDER BY id LIMIT 1",
    # The demo consumer's own applications (another consumer's would answer 404).
    "in_progress_application_id": _DEMO_APPLICATION.format(status="in_progress"),
    "offer_sent_application_id": _DEMO_APPLICATION.format(status="offer_sent"),
}
