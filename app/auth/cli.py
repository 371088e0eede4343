import click

from app.auth import bp


@bp.cli.command("create-staff")
@click.option("--email", required=True, help="The staff member's login.")
@click.option("--role", type=click.Choice(["operator", "admin"]), required=True)
@click.option("--last-name", default="")
@click.option("--first-name", default="")
def create_staff_command(email: str, role: str, last_name: str, first_name: str) -> None:
    """Create a staff account and print its one-time password."""
    from app.audit.services import record
    from app.auth.services import create_staff, find_by_email, new_temporary_password
    from app.db import unit_of_work

    credentials = new_temporary_password()  # the slow hash, before the unit of work
    with unit_of_work():
        if find_by_email(email):
            raise click.ClickException(f"Учётная запись {email} уже существует.")
        user = create_staff(email, role, credentials, last_name=last_name, first_name=first_name)
        record("users.create_staff", user, actor=None, role=role, via="command")
        email = user.email
    click.echo(f"Создан сотрудник {email} ({role}).")
    click.echo(f"Логин: {email}")
    click.echo(f"Пароль: {credentials.password}")
    click.echo("Пароль одноразовый: при первом входе его нужно сменить.")
