"""People who use the portal: consumers (заявители) and staff, their login attempts and
their logins."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column

from app.core.text import normalize_search
from app.extensions import db


class Role(enum.StrEnum):
    consumer = "consumer"
    operator = "operator"
    admin = "admin"

    @property
    def label(self) -> str:
        return {"consumer": "заявитель", "operator": "оператор", "admin": "администратор"}[self.value]


class ApplicantType(enum.StrEnum):
    individual = "individual"
    entrepreneur = "entrepreneur"
    legal = "legal"

    @property
    def label(self) -> str:
        return {
            "individual": "Физическое лицо",
            "entrepreneur": "Индивидуальный предприниматель",
            "legal": "Юридическое лицо",
        }[self.value]


ROLES = tuple(r.value for r in Role)
APPLICANT_TYPES = tuple(t.value for t in ApplicantType)


# How people are named, as plain functions too: lists read the name columns without
# loading users (the office queue).


def person_name(last_name: str, first_name: str, middle_name: str) -> str:
    return " ".join(p for p in (last_name, first_name, middle_name) if p)


def short_person_name(last_name: str, first_name: str, middle_name: str) -> str:
    """'Иванов И. И.'"""
    initials = "".join(f"{p[0]}." for p in (first_name, middle_name) if p)
    return f"{last_name} {initials}".strip()


def applicant_display_name(
    applicant_type: str | None, org_name: str, last_name: str, first_name: str, middle_name: str, email: str
) -> str:
    """How an applicant is named on pages and documents: the organisation, 'ИП' and the name
    of a sole proprietor, a person's name (or the email of staff without one)."""
    if applicant_type == ApplicantType.legal.value:
        return org_name
    name = person_name(last_name, first_name, middle_name)
    if applicant_type == ApplicantType.entrepreneur.value:
        return f"ИП {name}"
    return name or email


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        sa.CheckConstraint(f"role IN {ROLES}", name="role"),
        sa.CheckConstraint(f"applicant_type IS NULL OR applicant_type IN {APPLICANT_TYPES}", name="applicant_type"),
        sa.CheckConstraint("role <> 'consumer' OR applicant_type IS NOT NULL", name="consumer_has_type"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The login; stored lower-cased.
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[str] = mapped_column(sa.String(16), default=Role.consumer.value, index=True)
    is_enabled: Mapped[bool] = mapped_column(default=True)
    #: Set for a one-time password: the next login must choose a new one.
    must_change_password: Mapped[bool] = mapped_column(default=False)
    #: When the one-time password stops working (72 hours after it was issued).
    password_expires_at: Mapped[datetime | None]
    #: Part of the login cookie: bumping it ends every session of the user (SPEC §2.10).
    session_version: Mapped[int] = mapped_column(default=1)
    #: Bumped on every change to the user's notifications: the unread-count poll compares it.
    inbox_version: Mapped[int] = mapped_column(default=0)

    applicant_type: Mapped[str | None] = mapped_column(sa.String(16))
    last_name: Mapped[str] = mapped_column(sa.String(100), default="")
    first_name: Mapped[str] = mapped_column(sa.String(100), default="")
    middle_name: Mapped[str] = mapped_column(sa.String(100), default="")
    #: Organisation name for legal entities; empty otherwise.
    org_name: Mapped[str] = mapped_column(sa.String(300), default="")
    phone: Mapped[str] = mapped_column(sa.String(20), default="")
    #: A staff member's «Должность»: printed under their name on the letters they sign.
    position: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    snils: Mapped[str | None] = mapped_column(sa.String(11))
    inn: Mapped[str | None] = mapped_column(sa.String(12))
    kpp: Mapped[str | None] = mapped_column(sa.String(9))
    #: ОГРН of a legal entity or ОГРНИП of a sole proprietor.
    ogrn: Mapped[str | None] = mapped_column(sa.String(15))
    #: Normalised name, organisation and email for case-insensitive Cyrillic search (SPEC §5).
    search_text: Mapped[str] = mapped_column(sa.String(800), default="", index=True)

    #: "online" (the site), "office" (walk-in, by an operator) or "command" (flask users).
    registered_via: Mapped[str] = mapped_column(sa.String(16), default="online")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    last_login_at: Mapped[datetime | None]

    #: The TOTP secret (base32) of the second factor; None while it is off (SPEC §2.10).
    totp_secret: Mapped[str | None] = mapped_column(sa.String(64))
    #: The last TOTP time step accepted, so a code works only once (ASVS 5.0 V6.5.1).
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)
    totp_enabled_at: Mapped[datetime | None]
    #: Set when `flask privacy purge` removed the person's data after consent was withdrawn.
    anonymised_at: Mapped[datetime | None]

    # --- Flask-Login ---------------------------------------------------------------------
    #: The secret of the login this object was loaded or logged in with (app.auth.sessions);
    #: not a column: only its hash is stored, in LoginSession.
    login_secret = None

    def get_id(self) -> str:
        """What the session and remember-me cookies carry: "id.session_version.secret"."""
        return f"{self.id}.{self.session_version}.{self.login_secret or ''}"

    @property
    def is_active(self) -> bool:
        return self.is_enabled

    # --- domain ------------------------------------------------------------------------------
    @property
    def has_second_factor(self) -> bool:
        return bool(self.totp_secret)

    @property
    def needs_second_factor(self) -> bool:
        """Staff always log in with a second factor; consumers when they turned it on."""
        return self.is_staff or self.has_second_factor

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.operator.value, Role.admin.value)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.admin.value

    @property
    def is_consumer(self) -> bool:
        return self.role == Role.consumer.value

    @property
    def person_name(self) -> str:
        return person_name(self.last_name, self.first_name, self.middle_name)

    @property
    def short_person_name(self) -> str:
        return short_person_name(self.last_name, self.first_name, self.middle_name)

    @property
    def display_name(self) -> str:
        """How the applicant is named on pages and documents."""
        return applicant_display_name(
            self.applicant_type, self.org_name, self.last_name, self.first_name, self.middle_name, self.email
        )

    @property
    def applicant_type_label(self) -> str:
        return ApplicantType(self.applicant_type).label if self.applicant_type else Role(self.role).label

    def refresh_search_text(self) -> None:
        self.search_text = normalize_search(
            self.last_name, self.first_name, self.middle_name, self.org_name, self.email
        )

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class LoginAttempt(db.Model):
    """Every login attempt, so every worker sees the same counts (SPEC §2.10)."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        sa.Index("ix_login_attempts_email_at", "email", "at"),
        sa.Index("ix_login_attempts_ip_at", "ip", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    #: The login typed, normalised; counted whether or not such an account exists.
    email: Mapped[str] = mapped_column(sa.String(254))
    ip: Mapped[str] = mapped_column(sa.String(45))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    success: Mapped[bool]
    #: What was checked: "password", or "second_factor" (a TOTP or recovery code).
    factor: Mapped[str] = mapped_column(sa.String(16), default="password", server_default="password")


class RecoveryCode(db.Model):
    """A single-use code that stands in for the TOTP code when the phone is lost.

    Stored as a salted SHA-256 of the code: the codes carry ~50 bits of randomness, so a
    slow hash buys nothing, and the salt keeps equal codes apart (ASVS 5.0 V6.5.2)."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: "salt$sha256hex" of the normalised code.
    code_hash: Mapped[str] = mapped_column(sa.String(120))
    created_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class LoginSession(db.Model):
    """One login, from the moment it completes to its logout (SPEC §2.10).

    The session and remember-me cookies carry its secret, and every logged-in request checks
    the record together with the user (app.auth.sessions.load_user), so a logout ends every
    copy of the cookies. Only a SHA-256 of the secret is stored: it has 256 random bits, so
    a slow hash buys nothing, and a copy of the table logs nobody in."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: SHA-256 (hex) of the secret in the cookies.
    secret_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime]
    #: «Запомнить меня» was ticked: a remember-me cookie carries the secret too.
    remembered: Mapped[bool] = mapped_column(default=False)
    #: The cookies stop working then, whatever they say: 30 days for a remembered login, the
    #: session cookie's lifetime otherwise (staff sessions end sooner by their own limits).
    expires_at: Mapped[datetime]
    #: When it was logged out, or ended with all of the user's logins.
    ended_at: Mapped[datetime | None]
