"""Text normalisation for search (SQLite's lower() folds ASCII only, SPEC §5), and the
check that numbers are typed with ASCII digits."""

from __future__ import annotations

import re

_SPACES = re.compile(r"\s+")


def normalize_search(*parts: str | None) -> str:
    """Casefolded, ё→е, whitespace squeezed: what the indexed search columns hold."""
    text = " ".join(p for p in parts if p)
    text = text.casefold().replace("ё", "е")
    return _SPACES.sub(" ", text).strip()


def like_pattern(query: str) -> str:
    """A LIKE pattern matching the normalised query anywhere, with wildcards escaped."""
    q = normalize_search(query)
    q = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{q}%"


#: The digits identifiers, phones and numbers are typed with.
ASCII_DIGITS = frozenset("0123456789")


def has_other_digits(text: str | None) -> bool:
    """True when the text holds a digit that is not 0–9: '²', '٣', '３', '½'. Python's
    str.isdigit() and re's \\d take them, and int() reads some ('٣' is 3) and fails on
    others ('²'), so every identifier and number refuses them with this module's message."""
    return any(ch.isnumeric() and ch not in ASCII_DIGITS for ch in text or "")


def other_digits_message(what: str | None = None) -> str:
    """«СНИЛС: наберите обычными цифрами 0–9 — …»; without `what` where the field's label
    already stands in front of the message."""
    text = (
        "наберите обычными цифрами 0–9 — в поле есть знаки, только похожие на цифры (надстрочные, арабские, широкие)."
    )
    return f"{what}: {text}" if what else text[0].upper() + text[1:]


def sentence(text: str) -> str:
    """The text ending in one full stop: «Ответственный: Кузнецова О.» stays as it is, where a
    short name already ends in its initial's dot, and «Ответственный: Иванов» gets its dot."""
    text = text.rstrip()
    return text if not text or text.endswith((".", "!", "?", "…")) else f"{text}."
