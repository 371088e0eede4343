import click

from app.privacy import bp


@bp.cli.command("purge")
@click.option("--dry-run", is_flag=True, help="Count what would be removed, change nothing.")
def purge_command(dry_run: bool) -> None:
    """Remove personal data that has outlived its purpose (docs/privacy.md). Run daily."""
    from app.extensions import db
    from app.privacy.services import run_purge

    results = run_purge()
    for name, outcome in results.items():
        if isinstance(outcome, dict):
            outcome = ", ".join(f"{k}: {v}" for k, v in outcome.items())
        click.echo(f"{name}: {outcome}")
    if dry_run:
        db.session.rollback()
        click.echo("Пробный запуск: ничего не изменено.")
    else:
        db.session.commit()
