"""The second factor: TOTP codes (RFC 6238, pyotp) and single-use recovery codes.

Staff always log in with it; consumers may turn it on in /profile (SPEC §2.10). A code
is accepted once: the last accepted time step is stored, and a recovery code is marked
used. Services flush and never commit."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

import pyotp
import segno
import sqlalchemy as sa
from flask import current_app

from app.auth.models import RecoveryCode, User
from app.core.clock import now
from app.extensions import db

#: Codes within one step either side of now are accepted (clocks of phones drift).
VALID_WINDOW = 1
#: No 0/o, 1/l/i: recovery codes are read off paper.
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_RECOVERY_LENGTH = 10
#: ASCII digits: re's \d took '١٢٣٤٥٦', and hmac.compare_digest raises TypeError on non-ASCII text.
_TOTP_FORMAT = re.compile(r"[0-9]{6}")


class _TOTP(pyotp.TOTP):
    """pyotp's TOTP, also for the 80-bit secret of SPEC §4.5's demo accounts.

    pyotp refuses secrets under 112 bits (NIST SP 800-63B-4). Every secret this app makes
    has 160 bits (new_secret); the shorter one exists only in the demo data, where it is
    public anyway, so stored secrets are read without that check."""

    def byte_secret(self) -> bytes:
        secret = self.secret + "=" * (-len(self.secret) % 8)
        return base64.b32decode(secret, casefold=True)


def totp(secret: str) -> pyotp.TOTP:
    return _TOTP(secret)


def new_secret() -> str:
    """160 random bits, base32 (RFC 4226 recommends 160)."""
    return pyotp.random_base32(32)


def issuer() -> str:
    """The name authenticator apps show next to the code: TOTP_ISSUER, or the company's."""
    from app.company.services import get_company

    return current_app.config["TOTP_ISSUER"] or get_company().short_name


def provisioning_uri(secret: str, email: str) -> str:
    return totp(secret).provisioning_uri(name=email, issuer_name=issuer())


def qr_data_uri(uri: str) -> str:
    """The enrolment QR code as a data: PNG, drawn on the server (the CSP allows img data:)."""
    return segno.make(uri, error="m").png_data_uri(scale=4, border=2)


def grouped(secret: str) -> str:
    """'JBSW Y3DP EHPK 3PXP': easier to type into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def normalise(code: str | None) -> str:
    return re.sub(r"[\s\-]", "", code or "").lower()


def looks_like_totp(code: str) -> bool:
    return bool(_TOTP_FORMAT.fullmatch(code))


def check_totp(secret: str, code: str, last_step: int | None) -> int | None:
    """The time step `code` belongs to, if it is valid now and newer than `last_step`."""
    code = normalise(code)
    if not looks_like_totp(code):
        return None
    generator = totp(secret)
    current = generator.timecode(now())
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(generator.generate_otp(step), code):
            return step
    return None


# --- recovery codes ---------------------------------------------------------------------------


def _hash_code(code: str, salt: str | None = None) -> str:
    salt = salt or secrets.token_hex(8)
    digest = hashlib.sha256(f"{salt}:{normalise(code)}".encode()).hexdigest()
    return f"{salt}${digest}"


def _matches(code: str, stored: str) -> bool:
    salt, _, _ = stored.partition("$")
    return hmac.compare_digest(_hash_code(code, salt), stored)


def new_recovery_codes(user: User) -> list[str]:
    """Replace the user's recovery codes with fresh ones; the plain codes are shown once."""
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(current_app.config["RECOVERY_CODES"]):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    moment = now()
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_hash_code(c), created_at=moment) for c in codes)
    return codes


def remaining_recovery_codes(user: User) -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(RecoveryCode)
            .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
        )
        or 0
    )


def use_recovery_code(user: User, code: str) -> bool:
    if len(normalise(code)) != _RECOVERY_LENGTH:
        return False
    for row in db.session.scalars(
        sa.select(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    ):
        if _matches(code, row.code_hash):
            # Conditional, so two requests racing with one code cannot both succeed.
            result = db.session.execute(
                sa.update(RecoveryCode)
                .where(RecoveryCode.id == row.id, RecoveryCode.used_at.is_(None))
                .values(used_at=now())
                .execution_options(synchronize_session=False)
            )
            return result.rowcount == 1
    return False


# --- the whole check --------------------------------------------------------------------------


@dataclass(frozen=True)
class CodeCheck:
    ok: bool
    #: "totp" or "recovery_code" when ok.
    method: str = ""


def verify_code(user: User, code: str) -> CodeCheck:
    """A TOTP code or a recovery code of the user; a correct one cannot be used again."""
    if not user.totp_secret:
        return CodeCheck(False)
    step = check_totp(user.totp_secret, code, user.totp_last_step)
    if step is not None:
        # Conditional, so the same code sent twice at once is accepted only once.
        result = db.session.execute(
            sa.update(User)
            .where(
                User.id == user.id,
                sa.or_(User.totp_last_step.is_(None), User.totp_last_step < step),
            )
            .values(totp_last_step=step)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            return CodeCheck(False)
        sa.orm.attributes.set_committed_value(user, "totp_last_step", step)
        return CodeCheck(True, "totp")
    if use_recovery_code(user, code):
        return CodeCheck(True, "recovery_code")
    return CodeCheck(False)


def enable(user: User, secret: str, step: int) -> list[str]:
    """Turn the second factor on with a secret the user has proved with a code."""
    user.totp_secret = secret
    user.totp_last_step = step
    user.totp_enabled_at = now()
    return new_recovery_codes(user)


def disable(user: User) -> None:
    user.totp_secret = None
    user.totp_last_step = None
    user.totp_enabled_at = None
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
