"""Cost calculator («Расчёт стоимости», SPEC §2.5) and the tariff decisions it reads.

The blueprint serves /calculator; its commands are `flask tariffs …`; the office pages
for tariffs are in office.py (nested under /office, admins only)."""

from flask import Blueprint

bp = Blueprint("calculator", __name__, cli_group="tariffs")

from app.calculator import cli, office, routes  # noqa: E402,F401
