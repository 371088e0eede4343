"""Grid-connection applications («Подать заявку», «Поданные заявки», SPEC §2.2): consumers
fill, submit and follow them; staff run the stages in /office/applications."""

from flask import Blueprint, Flask

bp = Blueprint("applications", __name__, cli_group="applications")


def init_app(app: Flask) -> None:
    from app.applications import cli  # noqa: F401  # flask applications expire
    from app.applications.sections import register_sections

    register_sections(app)


from app.applications import routes  # noqa: E402,F401
