"""Backups: one archive with the database and the uploaded files, and its restore."""

from flask import Blueprint

bp = Blueprint("backup", __name__, cli_group="backup")

from app.backup import cli  # noqa: E402,F401
