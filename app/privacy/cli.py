import click

from app.privacy import bp


@bp.cli.command("purge")
@click.option("--dry-run", is_flag=True, help="Count what would be removed, change nothing.")
def purge_command(dry_run: bool) -> None:
    """Remove personal data that has outlived its purpose (docs/privacy.md). Run daily."""
    from app.db import in_unit_of_work, transactions_as
    from app.extensions import db
    from app.privacy.services import run_purge

    if dry_run:
        with transactions_as(True):  # the same statements as a real run, then rolled back
            results = run_purge()
            db.session.rollback()
    else:
        results = in_unit_of_work(run_purge)  # run on several servers, the later run meets the earlier
    for name, outcome in results.items():
        if isinstance(outcome, dict):
            outcome = ", ".join(f"{k}: {v}" for k, v in outcome.items())
        click.echo(f"{name}: {outcome}")
    if dry_run:
        click.echo("Пробный запуск: ничего не изменено.")
