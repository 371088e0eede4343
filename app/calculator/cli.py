"""`flask tariffs import FILE.json` and `flask tariffs list`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from app.calculator import bp


@bp.cli.command("import")
@click.argument("path")
def import_command(path: str) -> None:
    """Import a tariff decision file (SPEC §4.3); exit 1 with every problem on a bad file."""
    from app.audit.services import record
    from app.calculator.services import store_decision
    from app.calculator.tariff_file import MAX_FILE_BYTES, TariffFileError, parse_file
    from app.db import unit_of_work

    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)  # a huge or endless input is refused by its start
    except OSError as exc:
        reason = "файла нет" if isinstance(exc, FileNotFoundError) else "нет доступа или это не файл"
        click.echo(f"Не удалось прочитать файл {path}: {reason}.", err=True)
        sys.exit(1)
    try:
        parsed = parse_file(raw)
    except TariffFileError as exc:
        click.echo(f"Файл {path} не принят, ничего не изменено. Ошибок: {len(exc.problems)}", err=True)
        for problem in exc.problems:
            click.echo(f"  {problem}", err=True)
        sys.exit(1)
    with unit_of_work():
        result = store_decision(parsed, Path(path).name)
        decision = result.decision
        if result.created:
            record("tariffs.imported", decision, title=decision.title, via="command")
        number, label = decision.id, f"{decision.region}, {decision.title}, {decision.validity_label}"
    if not result.created:
        click.echo(f"Такое решение уже загружено (№ {number}): ничего не изменилось.")
        return
    click.echo(f"Загружено решение № {number}: {label}.")


@bp.cli.command("list")
def list_command() -> None:
    """List the tariff decisions, newest first."""
    from app.calculator.services import list_decisions

    for d in list_decisions(limit=1000):
        state = f"выведено {d.retired_at:%d.%m.%Y}" if d.retired_at else "не выведено"
        click.echo(f"{d.id}\t{d.validity_label}\t{state}\t{d.region}\t{d.title}")
