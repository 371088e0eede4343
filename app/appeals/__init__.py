"""Appeals («Обращения», SPEC §2.3): consumers file complaints, statements and requests
and follow them; staff answer them in /office/appeals."""

from flask import Blueprint, Flask

bp = Blueprint("appeals", __name__)


def init_app(app: Flask) -> None:
    from app.appeals.office import dashboard_widget
    from app.office.dashboard import add_dashboard_widget

    add_dashboard_widget(app, dashboard_widget)


from app.appeals import routes  # noqa: E402,F401
