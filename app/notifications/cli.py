from datetime import date

import click

from app.notifications import bp


@bp.cli.command("remind")
@click.option("--date", "on_date", type=click.DateTime(formats=["%Y-%m-%d"]), help="Run as if today were this date.")
def remind_command(on_date) -> None:
    """Remind consumers of their own approaching deadlines (daily)."""
    from app.core.clock import today
    from app.db import in_unit_of_work
    from app.notifications.services import send_reminders

    day: date = on_date.date() if on_date else today()
    # Run on two servers at once, the later run meets the earlier one's reminder keys and runs
    # again: each reminder is recorded, notified and mailed once.
    sent = in_unit_of_work(send_reminders, day)
    click.echo(f"reminders: {sent} sent for {day.isoformat()}")
