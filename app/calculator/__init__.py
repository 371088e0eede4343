"""Cost calculator («Расчёт стоимости», SPEC §2.5) and the tariff decisions it reads.

The blueprint serves /calculator; its commands are `flask tariffs …`; the office pages
for tariffs are in office.py (nested under /office, admins only)."""

from flask import Blueprint, Flask

bp = Blueprint("calculator", __name__, cli_group="tariffs")

from app.calculator import cli, routes  # noqa: E402,F401


def init_app(app: Flask) -> None:
    from app.calculator.office import tariff_warning
    from app.office.dashboard import DashboardWidget, add_dashboard_widget

    add_dashboard_widget(app, DashboardWidget("tariffs/_widget.html", tariff_warning, order=80))
