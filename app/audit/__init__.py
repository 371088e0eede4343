"""The audit log: logins, failed logins, refused access, staff actions, changes of
personal data — who, when, from where, what (SPEC §2.11, §2.10)."""

from app.audit import office, privacy, services  # noqa: E402,F401
