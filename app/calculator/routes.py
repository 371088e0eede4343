"""/calculator: a GET form that computes as you type (htmx) and works as a plain form without
JavaScript; /calculator/pdf: the same calculation as a PDF."""

from __future__ import annotations

import io

from flask import make_response, redirect, request, send_file, url_for

from app.calculator import bp
from app.calculator.choices import variant_choices
from app.calculator.forms import FIELD_NAMES, CalculatorForm
from app.calculator.pdf import calculation_pdf
from app.calculator.services import CalculationError, calculate, decision_in_force
from app.core.clock import today
from app.core.htmx import is_htmx, render_page_or_block


def _query() -> str:
    return request.query_string.decode("ascii", "replace")


def _calculation_from_query():
    """The query parsed, validated and computed. Every problem, whoever found it (the form,
    the rules or a rate missing from the decision), becomes an error on its field."""
    form = CalculatorForm(formdata=request.args)
    asked = any(name in request.args for name in FIELD_NAMES)
    day = form.date.data or today()
    decision = decision_in_force(day)
    form.set_variants(variant_choices(decision, "c2_per_km"), variant_choices(decision, "c3_per_km"))
    calculation = None
    if asked and form.validate():
        try:
            calculation = calculate(form.to_input())
        except CalculationError as exc:
            field = form[exc.field] if exc.field in form else form.power_kw
            field.errors = [*field.errors, exc.message]
    return form, calculation, asked, decision, day


@bp.get("/calculator", endpoint="calculate")
def calculate_cost():
    form, calculation, asked, decision, day = _calculation_from_query()
    query = _query()
    html = render_page_or_block(
        "calculator/calculate.html",
        "result",
        form=form,
        calculation=calculation,
        asked=asked,
        decision=decision,
        day=day,
        today=today(),
        oob=is_htmx(),
        pdf_url=url_for("calculator.download_pdf") + (f"?{query}" if query else ""),
    )
    response = make_response(html)
    # The same URL answers a page or a fragment: caches must keep them apart.
    response.vary.add("HX-Request")
    return response


@bp.get("/calculator/pdf")
def download_pdf():
    """The calculation of the same query as a PDF; a query that cannot be computed goes back
    to the form, which says why."""
    form, calculation, *_ = _calculation_from_query()
    if calculation is None:
        query = _query()
        return redirect(url_for("calculator.calculate") + (f"?{query}" if query else ""))
    return send_file(
        io.BytesIO(calculation_pdf(calculation)),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"raschet-stoimosti-{calculation.on_date.isoformat()}.pdf",
    )
