from pathlib import Path

import click

from app.backup import bp


@bp.cli.command("create")
@click.option(
    "--output",
    "output_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where to write the archive (default: instance/backups).",
)
def create_command(output_dir: Path | None) -> None:
    """Write one archive with the database and the uploaded files."""
    from flask import current_app

    from app.backup.services import BackupError, create_backup

    try:
        result = create_backup(output_dir or Path(current_app.instance_path) / "backups")
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Резервная копия: {result.path} (файлов: {result.files})")


@bp.cli.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def restore_command(archive: Path) -> None:
    """Restore an archive into an empty instance, checking every checksum first."""
    from app.backup.services import BackupError, restore_backup, verify_documents

    try:
        manifest = restore_backup(archive)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    problems = verify_documents()
    for problem in problems:
        click.echo(f"! {problem}", err=True)
    if problems:
        raise click.ClickException("Восстановлено, но не все документы на месте.")
    click.echo(f"Восстановлено: база ({manifest['database']['dialect']}), файлов: {len(manifest['files'])}.")
