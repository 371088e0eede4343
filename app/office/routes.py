from flask import render_template
from flask_login import current_user

from app.core import signals
from app.core.sections import render_sections
from app.office import bp


@bp.get("/")
def dashboard():
    widgets = render_sections(signals.dashboard_widgets, current_user._get_current_object())
    return render_template("office/dashboard.html", widgets=widgets)
