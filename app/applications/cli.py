"""`flask applications expire`: the daily run that annuls applications whose term for
missing data ran out (the warning before comes from `flask notifications remind`)."""

from __future__ import annotations

import click

from app.applications import bp
from app.core.clock import today
from app.db import in_unit_of_work


@bp.cli.command("expire")
def expire_command() -> None:
    """Annul applications whose 20 working days for missing data ran out."""
    from app.applications.operations import expire

    annulled = [application.number for application in in_unit_of_work(expire, today())]
    for number in annulled:
        click.echo(f"Аннулирована: {number}")
    click.echo(f"Аннулировано заявок: {len(annulled)}")
