"""`flask applications expire`: the daily run that annuls applications whose term for
missing data ran out (the warning before comes from `flask notifications remind`)."""
from __future__ import annotations

import click

from app.applications import bp
from app.core.clock import today
from app.extensions import db


@bp.cli.command("expire")
def expire_command() -> None:
    """Annul applications whose 20 working days for missing data ran out."""
    from app.applications.services import expire

    annulled = expire(today())
    db.session.commit()
    for application in annulled:
        click.echo(f"Аннулирована: {application.number}")
    click.echo(f"Аннулировано заявок: {len(annulled)}")
