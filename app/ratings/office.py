"""Ratings in the back-office: the report per month and per category with its chart and
CSV, and the annual report of appeals (HTML, CSV, PDF). Staff only (the office blueprint)."""

from __future__ import annotations

from flask import Blueprint, make_response, redirect, render_template, request, url_for

from app.core.clock import today
from app.core.security import DOWNLOAD_CONTENT_SECURITY_POLICY
from app.office import bp as office
from app.ratings import csv_export, periods, reports
from app.ratings.chart import monthly_chart
from app.ratings.models import SCORE_LABELS
from app.ratings.pdf import annual_pdf

bp = Blueprint("ratings", __name__, url_prefix="/ratings")


def _download(data: bytes, mimetype: str, filename: str):
    """A built file: an attachment with the download CSP, like stored files."""
    response = make_response(data)
    response.headers["Content-Type"] = mimetype
    response.headers["Content-Disposition"] = f"attachment; filename={filename}"
    response.headers["Content-Security-Policy"] = DOWNLOAD_CONTENT_SECURITY_POLICY
    return response


@bp.get("/")
def report():
    choice = periods.parse_period(request.args, today())
    data = reports.ratings_report(choice.period)
    return render_template(
        "ratings/office/report.html",
        choice=choice,
        report=data,
        chart=monthly_chart(data.applications.months),
        score_labels=SCORE_LABELS,
        month_label=periods.month_label,
        csv_number=csv_export.csv_number,
    )


@bp.get("/report.csv")
def report_csv():
    choice = periods.parse_period(request.args, today())
    if choice.errors:
        return redirect(url_for("office.ratings.report", **request.args))
    period = choice.period
    return _download(
        csv_export.ratings_csv(reports.ratings_report(period)),
        "text/csv; charset=utf-8",
        f"ratings-{period.date_from.isoformat()}-{period.date_to.isoformat()}.csv",
    )


@bp.get("/appeals-annual")
def appeals_annual():
    year, error = reports.parse_year(request.args.get("year"), today())
    return render_template(
        "ratings/office/appeals_annual.html",
        report=reports.appeals_annual(year),
        error=error,
        typed=request.args.get("year", "")[:10],
        format_change=reports.format_change,
        first_year=periods.FIRST_YEAR,
        this_year=today().year,
    )


def _annual_or_back():
    year, error = reports.parse_year(request.args.get("year"), today())
    if error:
        return None, redirect(url_for("office.ratings.appeals_annual", **request.args))
    return reports.appeals_annual(year), None


@bp.get("/appeals-annual.csv")
def appeals_annual_csv():
    data, back = _annual_or_back()
    if back:
        return back
    return _download(csv_export.annual_csv(data), "text/csv; charset=utf-8", f"appeals-{data.year}.csv")


@bp.get("/appeals-annual.pdf")
def appeals_annual_pdf():
    data, back = _annual_or_back()
    if back:
        return back
    return _download(annual_pdf(data), "application/pdf", f"appeals-{data.year}.pdf")


office.register_blueprint(bp)
