"""The Russian production calendar and deadline arithmetic (SPEC §2.8)."""

from app.workdays import office  # noqa: E402,F401
