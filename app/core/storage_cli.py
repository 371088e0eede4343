"""`flask storage sweep` (daily): the files under UPLOAD_DIR that the database does not know."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import AppGroup

storage_cli = AppGroup("storage", help="Uploaded files (UPLOAD_DIR).")


@storage_cli.command("sweep")
@click.option(
    "--grace-minutes",
    type=click.IntRange(min=0),
    default=None,
    help="Remove a file with no row only once it is this old (default UPLOAD_SWEEP_GRACE_MINUTES, 60).",
)
@click.option("--dry-run", is_flag=True, help="Count what would be removed, remove nothing.")
def sweep_command(grace_minutes: int | None, dry_run: bool) -> None:
    """Remove files no stored_files row names and leftover *.part files; report rows whose file
    is missing. Prints counts only (file names may name people). Run daily."""
    from app.core.storage import size_label, sweep_storage

    if grace_minutes is None:
        grace_minutes = current_app.config["UPLOAD_SWEEP_GRACE_MINUTES"]
    result = sweep_storage(grace_minutes * 60, dry_run=dry_run)
    removed = "Будет удалено" if dry_run else "Удалено"
    freed = f" ({size_label(result.orphan_bytes)})" if result.orphans_removed else ""
    click.echo(f"{removed} файлов без записи в базе: {result.orphans_removed}{freed}.")
    click.echo(f"{removed} недописанных файлов .part: {result.parts_removed}.")
    if result.kept_fresh:
        click.echo(
            f"Оставлено файлов без записи моложе {grace_minutes} мин (их запрос ещё может завершиться): "
            f"{result.kept_fresh}."
        )
    if result.missing_file_ids:
        ids = ", ".join(str(i) for i in result.missing_file_ids[:50])
        more = " …" if len(result.missing_file_ids) > 50 else ""
        click.echo(
            f"Записей о файлах, самих файлов которых нет: {len(result.missing_file_ids)} (stored_files.id: "
            f"{ids}{more}). Записи не изменены: восстановите файлы из резервной копии.",
            err=True,
        )
    if dry_run:
        click.echo("Пробный запуск: ничего не удалено.")
    if result.failed:
        click.echo(f"Не удалось удалить файлов (нет прав?): {result.failed}.", err=True)
        sys.exit(1)
