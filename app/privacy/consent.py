"""Versions of the consent document. A version's text is a template and never changes once
published; a new text is a new version, and records keep the version they agreed to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class ConsentVersion:
    code: str
    published_on: date
    template: str


VERSIONS = {v.code: v for v in (ConsentVersion("2026-01", date(2026, 1, 1), "privacy/consent_2026-01.html"),)}
CURRENT_VERSION = "2026-01"


def current() -> ConsentVersion:
    return VERSIONS[CURRENT_VERSION]
