"""Text normalisation for search: SQLite's lower() folds ASCII only (SPEC §5)."""
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
