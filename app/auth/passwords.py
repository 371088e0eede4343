"""Password hashing (argon2id), one-time passwords and the rules for new passwords."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

MIN_LENGTH = 8
MAX_LENGTH = 1024
#: No 0/O, 1/l/I: a one-time password is read off paper and typed by hand.
_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
COMMON_PASSWORDS_FILE = Path(__file__).parent / "common-passwords.txt"


def _hasher() -> PasswordHasher:
    config = current_app.config
    key = "lk.password_hasher"
    if key not in current_app.extensions:
        current_app.extensions[key] = PasswordHasher(
            time_cost=config["PASSWORD_HASH_TIME_COST"],
            memory_cost=config["PASSWORD_HASH_MEMORY_COST"],
            parallelism=1,
        )
    return current_app.extensions[key]


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        # Spend the same time as a real check, so the answer does not tell whether the login exists.
        _burn(password)
        return False
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _dummy_hash() -> str:
    key = "lk.dummy_hash"
    if key not in current_app.extensions:
        current_app.extensions[key] = _hasher().hash(secrets.token_urlsafe(16))
    return current_app.extensions[key]


def _burn(password: str) -> None:
    try:
        _hasher().verify(_dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        pass


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)


def generate_temporary_password(length: int = 10) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    """The shipped list (see the header of common-passwords.txt for its origin and licence)."""
    return frozenset(
        line.strip().casefold()
        for line in COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    )


#: The Russian keyboard layout, key by key, to the Latin one: «йцукенгш» is «qwertyui»
#: typed with the Russian layout on, and just as common.
_RU_TO_LATIN = str.maketrans(
    "йцукенгшщзхъфывапролджэячсмитьбюё",
    "qwertyuiop[]asdfghjkl;'zxcvbnm,.`",
)


def is_common(password: str) -> bool:
    folded = password.casefold()
    common = _common_passwords()
    return folded in common or folded.translate(_RU_TO_LATIN) in common


def password_problems(password: str, email: str | None = None) -> list[str]:
    """Why a new password is refused, in Russian; empty when it is fine.

    At least 8 characters, long ones welcome, no composition rules, and not one of the
    passwords attackers try first (OWASP ASVS 5.0, V6.2)."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"Пароль должен быть не короче {MIN_LENGTH} символов.")
    elif len(password) > MAX_LENGTH:
        problems.append(f"Пароль должен быть не длиннее {MAX_LENGTH} символов.")
    elif is_common(password):
        problems.append("Этот пароль слишком распространён, его легко подобрать. Выберите другой.")
    elif email and password.casefold() == email.casefold():
        problems.append("Пароль не должен совпадать с адресом электронной почты.")
    return problems
