"""Integers in URLs (app/core/urls.py): path ids and query-string numbers are ASCII digits
bounded by what a primary key holds (issue 16). The route walker (tests/security) checks
every route with them; these pin the two pieces."""

from __future__ import annotations

import pytest
from werkzeug.exceptions import NotFound

from app.core.urls import MAX_ID, int_arg


def test_an_int_route_takes_ascii_ids_up_to_the_largest_key(app):
    adapter = app.url_map.bind("localhost")
    assert adapter.match(f"/appeals/{MAX_ID}") == ("appeals.show_appeal", {"appeal_id": MAX_ID})
    assert adapter.match("/appeals/0") == ("appeals.show_appeal", {"appeal_id": 0})


@pytest.mark.parametrize("tail", [str(MAX_ID + 1), str(2**63), "9" * 5000, "١٢", "１２", "-1"])
def test_an_int_route_does_not_match_other_numbers(app, tail):
    with pytest.raises(NotFound):
        app.url_map.bind("localhost").match(f"/appeals/{tail}")


def test_other_scripts_digits_do_not_reach_an_object(consumer, consumer_client):
    """Werkzeug's own converter read '/notifications/١٢/read' as id 12."""
    from app.extensions import db
    from app.notifications.services import notify

    notification = notify(consumer, "general", "Проверка")
    db.session.commit()
    arabic = str(notification.id).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    assert consumer_client.submit(f"/notifications/{arabic}/read", {}).status_code == 404
    assert consumer_client.submit(f"/notifications/{notification.id}/read", {}).status_code == 302


@pytest.mark.parametrize("text, number", [("0", 0), ("7", 7), ("0012", 12), (str(MAX_ID), MAX_ID)])
def test_query_number_accepted(text, number):
    assert int_arg(text) == number


@pytest.mark.parametrize("text", ["", "-1", "+1", " 1", "1.0", "²", "١٢", "１２", str(MAX_ID + 1), "9" * 30])
def test_query_number_refused(text):
    with pytest.raises(ValueError):
        int_arg(text)


def test_a_page_past_the_last_gives_the_default(consumer_client):
    assert consumer_client.get(f"/notifications?page={10**30}").status_code == 200
    assert consumer_client.get("/notifications?page=%C2%B2").status_code == 200
