"""Request checks of app/core/security.py that are not headers: a NUL character anywhere a
visitor can put one is refused with a Russian page (issue 16). PostgreSQL takes no NUL in a
text column, so without the check a search or a form carrying one was a 500 there."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.appeals.models import Appeal
from app.extensions import db


def refused(response) -> bool:
    return response.status_code == 400 and "нулевой байт" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "url",
    ["/outages?settlement=%00&street=%00", "/outages?q=a%00b", "/calculator?power_kw=%00", "/privacy/consent/2026%00"],
)
def test_a_nul_in_a_public_query_or_path(client, url):
    assert refused(client.get(url))
    # '%2500' is '%00' typed as text: only a real U+0000 is refused.
    assert not refused(client.get(url.replace("%00", "%2500")))


@pytest.mark.parametrize(
    "url",
    [
        "/office/audit/?actor=%00",
        "/office/appeals/?q=%00",
        "/office/applications/?q=%00",
        "/office/appeals/new?consumer_q=%00",
    ],
)
def test_a_nul_in_an_office_search(admin_client, url):
    assert refused(admin_client.get(url))


def test_a_nul_in_a_form_saves_nothing(consumer_client):
    appeal = {"kind": "statement", "topic": "connection", "channel": "cabinet"}
    assert refused(consumer_client.submit("/appeals/new", {**appeal, "text": "Прошу\x00 сообщить сроки."}))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Appeal)) == 0
    assert consumer_client.submit("/appeals/new", {**appeal, "text": "Прошу сообщить сроки."}).status_code == 302
