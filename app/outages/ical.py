"""The iCalendar feed of the schedule (RFC 5545, by the `icalendar` library)."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlsplit

from flask import current_app
from icalendar import Calendar, Event

from app.core.clock import company_zone, now
from app.outages.models import Outage, OutageStatus
from app.outages.rules import EVENT_TITLES


def uid_domain(site_url: str) -> str:
    return urlsplit(site_url).hostname or "lk.local"


def build_calendar(outages: list[Outage], company, start: date) -> bytes:
    """One VEVENT per outage with a stable UID; times in the company's zone, with its
    VTIMEZONE; a cancelled outage is STATUS:CANCELLED."""
    zone = company_zone()
    cal = Calendar()
    cal.add("prodid", f"-//{company.short_name}//График плановых отключений//RU")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", f"Плановые отключения — {company.short_name}")
    cal.add("x-wr-timezone", str(zone))
    # Not the request's host: a UID must stay the same whichever address the feed was read at.
    domain = uid_domain(company.site_url or current_app.config["SITE_URL"])
    stamp = now()
    for outage in outages:
        event = Event()
        event.add("uid", f"outage-{outage.id}@{domain}")
        event.add("dtstamp", stamp)
        event.add("dtstart", outage.starts_at.astimezone(zone))
        event.add("dtend", outage.ends_at.astimezone(zone))
        event.add("sequence", outage.revision)
        event.add("last-modified", outage.updated_at)
        event.add("created", outage.published_at)
        cancelled = outage.status == OutageStatus.cancelled.value
        prefix = "Отменено: плановое отключение" if cancelled else EVENT_TITLES["published"] + " электроэнергии"
        event.add("summary", f"{prefix}: {outage.place}")
        event.add("location", outage.place)
        event.add(
            "description",
            "\n".join(
                [
                    f"Причина: {outage.reason}",
                    f"Район электрических сетей: {outage.district}",
                    f"Статус: {outage.status_enum.label}",
                ]
            ),
        )
        event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
        event.add("transp", "TRANSPARENT")
        cal.add_component(event)
    if outages:
        cal.add_missing_timezones(first_date=min(start, min(o.starts_at.date() for o in outages)))
    return cal.to_ical()
