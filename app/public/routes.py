import sqlalchemy as sa
from flask import jsonify, redirect, render_template, url_for
from flask_login import current_user

from app.extensions import db
from app.public import bp


@bp.get("/")
def index():
    if current_user.is_authenticated:
        return redirect(url_for("office.dashboard") if current_user.is_staff else url_for("cabinet.home"))
    return render_template("public/index.html")


@bp.get("/healthz")
def healthz():
    """For the load balancer and systemd: 200 when the database answers, 503 otherwise."""
    try:
        db.session.execute(sa.text("SELECT 1"))
    except Exception:
        db.session.rollback()
        return jsonify(status="error", database="unavailable"), 503
    return jsonify(status="ok", database="ok")
