import click

from app.outages import bp


@bp.cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_command(path: str) -> None:
    """Import outages from a CSV file (SPEC §4.4); a bad row refuses the whole file."""
    from app.audit.services import record
    from app.db import unit_of_work
    from app.outages.services import (
        MAX_IMPORT_BYTES,
        ImportFileError,
        get_settings,
        import_rows,
        outage_period,
        read_csv,
    )

    with open(path, "rb") as handle:
        data = handle.read(MAX_IMPORT_BYTES + 1)  # a huge or endless input is refused by its start
    if len(data) > MAX_IMPORT_BYTES:
        raise click.ClickException(
            f"Файл не загружен. Файл больше {MAX_IMPORT_BYTES // (1024 * 1024)} МБ: разделите его на части."
        )
    try:
        rows = read_csv(data)  # the whole file is checked before anything is written
    except ImportFileError as exc:
        raise click.ClickException(f"Файл не загружен. {exc}") from None
    result = import_rows(rows)
    with unit_of_work():
        record(
            "outages.imported",
            None,
            actor=None,
            via="command",
            created=result.created,
            updated=result.updated,
            unchanged=result.unchanged,
        )
    click.echo(f"Загружено: новых {result.created}, изменённых {result.updated}, без изменений {result.unchanged}.")
    days = get_settings().min_notice_days
    for line, outage in result.short_notice:
        click.echo(
            f"Внимание: строка {line}: опубликовано менее чем за {days} дн. до начала: "
            f"{outage.place}, {outage_period(outage)}.",
            err=True,
        )


@bp.cli.command("sync-addresses")
def sync_addresses_command() -> None:
    """Mirror every consumer's application addresses into «мои адреса» (daily)."""
    import sqlalchemy as sa

    from app.auth.models import Role, User
    from app.db import unit_of_work
    from app.extensions import db
    from app.outages.services import sync_source_addresses

    changed = 0
    ids = db.session.scalars(sa.select(User.id).where(User.role == Role.consumer.value).order_by(User.id)).all()
    for start in range(0, len(ids), 200):
        with unit_of_work():  # a unit of work per 200 consumers: the lock is held briefly
            for user in db.session.scalars(sa.select(User).where(User.id.in_(ids[start : start + 200]))):
                changed += sync_source_addresses(user)
    click.echo(f"addresses: {changed} changed for {len(ids)} consumers")
