"""Accounts: registration, login, logout, password recovery and change (SPEC §2.1)."""

from flask import Blueprint

bp = Blueprint("auth", __name__, cli_group="users")

from app.auth import account, cli, routes, sessions  # noqa: E402,F401
