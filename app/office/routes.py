from flask import current_app, render_template
from markupsafe import Markup

from app.office import bp


@bp.get("/")
def dashboard():
    widgets = [
        # A rendered template is escaped already.
        Markup(render_template(w.template, **w.context()))  # noqa: S704  # nosec B704
        for w in current_app.extensions.get("lk.office_widgets", [])
    ]
    return render_template("office/dashboard.html", widgets=widgets)
