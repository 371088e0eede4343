"""/office/applications/penalties: the applications whose p.16 term has passed with the company's
works not done, and the penalty of p.16(в) each has accrued (app.applications.penalties)."""

from __future__ import annotations

from flask import render_template

from app.applications.office import bp
from app.applications.penalties import key_rate_percent, overdue_works
from app.core.clock import today


@bp.get("/penalties")
def penalties():
    day = today()
    rows = overdue_works(day)
    total = sum((penalty.amount for _, penalty in rows), start=0)
    return render_template(
        "applications/office/penalties.html", rows=rows, total=total, day=day, key_rate=key_rate_percent()
    )
