"""Demo data for `make run`: a fictional company, its staff, a consumer with history.

`flask demo load` fills an empty database and does nothing to one that has users, so it
can run on every start. Each feature adds its part in app/<feature>/demo.py with a
function seed(ctx), called in the order of FEATURES."""

from __future__ import annotations

import importlib
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

import click
import sqlalchemy as sa
from flask.cli import AppGroup

demo_cli = AppGroup("demo", help="Demo data.")

DEMO_PASSWORD = "demo-password"  # nosec B105  # the public demo password of SPEC §4.5


@dataclass
class DemoContext:
    """What the features' seeders share: the demo users and anything they add."""

    consumer: object = None
    operator: object = None
    admin: object = None
    extra: dict = field(default_factory=dict)


@contextmanager
def days_ago(days: int):
    """Run a step as if it happened `days` ago, so dates and deadlines look lived-in."""
    from app.core import clock

    saved = clock._fixed
    real = clock.now()
    clock.set_now(real - timedelta(days=days))
    try:
        yield
    finally:
        clock.set_now(saved)


def demo_pdf(title: str, text: str) -> tuple[bytes, str]:
    """A small real PDF for a demo document: its bytes and file name."""
    from app.core import pdf

    return pdf.render([pdf.p(title, "title"), pdf.p(text)], title=title), f"{title}.pdf"


def is_empty() -> bool:
    from app.auth.models import User
    from app.extensions import db

    return not db.session.scalar(sa.select(sa.func.count()).select_from(User))


def load() -> DemoContext:
    from app import FEATURES
    from app.extensions import db

    ctx = DemoContext()
    for name in ("company", "auth", *[f for f in FEATURES if f not in ("company", "auth")]):
        try:
            module = importlib.import_module(f"app.{name}.demo")
        except ModuleNotFoundError as exc:
            if exc.name != f"app.{name}.demo":
                raise
            continue
        module.seed(ctx)
        db.session.flush()
    db.session.commit()
    return ctx


@demo_cli.command("load")
def load_command() -> None:
    """Load the demo data into an empty database and print the demo logins."""
    from app.auth.demo import DEMO_TOTP_SECRET
    from app.db import unit_of_work

    if is_empty():
        with unit_of_work():
            load()
        click.echo("Демо-данные загружены.")
    else:
        click.echo("В базе уже есть данные: демо-данные не загружались.")
    click.echo("")
    click.echo(f"Демо-входы (пароль у всех: {DEMO_PASSWORD}):")
    click.echo("  заявитель:      consumer@example.ru")
    click.echo("  оператор:       operator@example.ru")
    click.echo("  администратор:  admin@example.ru")
    click.echo(f"  TOTP-секрет сотрудников (код подтверждения входа): {DEMO_TOTP_SECRET}")
    click.echo("Письма без почтового сервера сохраняются в instance/mail/.")
