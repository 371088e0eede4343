"""Russian identifiers of applicants: СНИЛС, ИНН, КПП, ОГРН, ОГРНИП.

ИНН and ОГРН(ИП) are checked by python-stdnum; it has no СНИЛС or КПП, so those two
small rules live here. Each function returns the normalised value or raises
IdentifierError with a Russian message."""

from __future__ import annotations

import re

from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength, ValidationError
from stdnum.ru import inn as stdnum_inn
from stdnum.ru import ogrn as stdnum_ogrn

from app.core.text import has_other_digits, other_digits_message

#: ASCII digits only: str.isdigit() also takes '²' (int() fails on it) and '٣' or '３'.
_DIGITS = re.compile(r"[0-9]+")


class IdentifierError(ValueError):
    pass


def _digits(value: str, name: str) -> str:
    """The value without spaces and dashes; digits of another script are refused by name."""
    if has_other_digits(value):
        raise IdentifierError(other_digits_message(name))
    return re.sub(r"[\s\-]", "", value or "")


def snils_checksum(first_nine: str) -> int:
    """The control number of a СНИЛС: weights 9…1, then modulo 101 with 100 → 0."""
    total = sum(int(d) * w for d, w in zip(first_nine, range(9, 0, -1), strict=True))
    if total < 100:
        return total
    if total in (100, 101):
        return 0
    remainder = total % 101
    return 0 if remainder == 100 else remainder


def validate_snils(value: str) -> str:
    """'112-233-445 95' or '11223344595' → '11223344595'."""
    digits = _digits(value, "СНИЛС")
    if not _DIGITS.fullmatch(digits) or len(digits) != 11:
        raise IdentifierError("СНИЛС состоит из 11 цифр, например 112-233-445 95.")
    number, control = digits[:9], int(digits[9:])
    # Numbers up to 001-001-998 were issued before the checksum was introduced.
    if int(number) > 1001998 and snils_checksum(number) != control:
        raise IdentifierError("СНИЛС введён с ошибкой: не сходится контрольное число. Проверьте цифры.")
    return digits


def format_snils(digits: str) -> str:
    return f"{digits[0:3]}-{digits[3:6]}-{digits[6:9]} {digits[9:11]}" if len(digits) == 11 else digits


def validate_inn(value: str, length: int) -> str:
    """ИНН of `length` digits: 12 for individuals and sole proprietors, 10 for organisations."""
    digits = _digits(value, "ИНН")
    if not _DIGITS.fullmatch(digits) or len(digits) != length:
        who = "индивидуального предпринимателя" if length == 12 else "организации"
        raise IdentifierError(f"ИНН {who} состоит из {length} цифр.")
    try:
        return stdnum_inn.validate(digits)
    except InvalidChecksum:
        raise IdentifierError("ИНН введён с ошибкой: не сходится контрольная цифра. Проверьте цифры.") from None
    except ValidationError:
        raise IdentifierError("ИНН введён с ошибкой. Проверьте цифры.") from None


def validate_kpp(value: str) -> str:
    """КПП: 4 digits of the tax office, 2 of the reason (digits or capital Latin letters), 3 digits."""
    kpp = _digits(value, "КПП").upper()
    if not re.fullmatch(r"[0-9]{4}[0-9A-Z]{2}[0-9]{3}", kpp):
        raise IdentifierError("КПП состоит из 9 знаков: 4 цифры, 2 цифры или латинские буквы, 3 цифры.")
    return kpp


def validate_ogrn(value: str, *, entrepreneur: bool) -> str:
    """ОГРН of a legal entity (13 digits) or ОГРНИП of a sole proprietor (15 digits)."""
    length, name = (15, "ОГРНИП") if entrepreneur else (13, "ОГРН")
    digits = _digits(value, name)
    if not _DIGITS.fullmatch(digits) or len(digits) != length:
        raise IdentifierError(f"{name} состоит из {length} цифр.")
    if entrepreneur and digits[0] != "3":
        raise IdentifierError("ОГРНИП начинается с цифры 3.")
    if not entrepreneur and digits[0] not in "15":
        raise IdentifierError("ОГРН юридического лица начинается с цифры 1 или 5.")
    try:
        return stdnum_ogrn.validate(digits)
    except InvalidChecksum:
        raise IdentifierError(f"{name} введён с ошибкой: не сходится контрольная цифра. Проверьте цифры.") from None
    except (InvalidFormat, InvalidLength, InvalidComponent, ValidationError):
        raise IdentifierError(f"{name} введён с ошибкой. Проверьте цифры.") from None


def normalize_phone(value: str) -> str:
    """A Russian phone number as +7XXXXXXXXXX; accepts 8…, +7…, spaces, dashes, brackets."""
    if has_other_digits(value):
        raise IdentifierError(other_digits_message("Телефон"))
    digits = re.sub(r"[\s\-()]", "", value or "")
    if digits.startswith("+"):
        digits = digits[1:]
    if not _DIGITS.fullmatch(digits):
        raise IdentifierError("Укажите телефон цифрами, например +7 900 123-45-67.")
    if len(digits) == 11 and digits[0] in "78":
        digits = digits[1:]
    if len(digits) != 10:
        raise IdentifierError("Номер телефона должен содержать 10 цифр после +7, например +7 900 123-45-67.")
    return "+7" + digits


def format_phone(value: str) -> str:
    if len(value) == 12 and value.startswith("+7"):
        d = value[2:]
        return f"+7 {d[0:3]} {d[3:6]}-{d[6:8]}-{d[8:10]}"
    return value
