from datetime import date

from app.workdays import services
from app.workdays.services import get_calendar, on_calendar_change


def test_admin_marks_a_day_off_and_deadlines_are_recomputed(admin_client, app):
    calls = []
    listener = on_calendar_change(lambda: calls.append(1) or 1)
    try:
        response = admin_client.submit(
            "/office/calendar/", {"day": "2026-12-30", "is_working": "0", "note": "Региональный день"}
        )
        assert response.status_code == 302
        assert calls == [1]
        from flask import g

        g.pop("work_calendar", None)
        assert not get_calendar().is_working_day(date(2026, 12, 30))
        page = admin_client.page("/office/calendar/?year=2026")
        assert "Региональный день" in page
    finally:
        services._listeners.remove(listener)


def test_bad_override_input(admin_client):
    response = admin_client.submit("/office/calendar/", {"day": "30.12.2026", "is_working": "0"}, expect=302)
    page = admin_client.page(response.headers["Location"])
    assert "Дата" in page.text(".flashes")


def test_calendar_is_for_admins(operator_client):
    assert operator_client.get("/office/calendar/").status_code == 403
