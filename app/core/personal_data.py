"""What each feature tells the personal-data machinery (SPEC §2.9), in one place. It lives in
core, beside the signals, so a feature answers without importing the privacy feature; the
privacy feature (app.privacy.services) asks. Registrations keep an order, which the purge
needs (withdrawn accounts are anonymised before the rest is purged) and signals do not give.

A feature puts these in `app/<feature>/privacy.py` (its __init__ imports it):

    from app.core.personal_data import ExportPart, file_entry, personal_data_exporter, purge_rule, retention_reason

    @personal_data_exporter("applications")
    def export_applications(user):
        rows = ...   # the user's own objects, in one or two queries
        return ExportPart([{"number": a.number, ...} for a in rows], files=[...StoredFile...])

    @retention_reason
    def contract_keeps_data(user):
        # Why the person's data must outlive a withdrawn consent, in plain Russian, or None.
        return "…договор технологического присоединения…" if ... else None

    @purge_rule("applications_drafts")
    def purge_old_drafts(moment):
        # Remove what has outlived its purpose; flush, never commit; return how many.
        return count

    @on_anonymise
    def scrub_addresses(user):
        # The account is being anonymised: remove this feature's personal data of the user.
        ...

«Скачать мои данные» calls every exporter; `flask privacy purge` runs every purge rule;
the retention reasons decide whether a withdrawn account is anonymised or kept, and are
shown to the consumer."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class ExportPart:
    """An exporter's answer: JSON-ready data, and stored files that go into the ZIP."""

    data: Any
    files: Sequence[Any] = field(default_factory=tuple)


def file_entry(stored) -> dict:
    """How a stored file appears in the JSON; `archive_path` is its place in the ZIP."""
    return {
        "name": stored.original_name,
        "content_type": stored.content_type,
        "size": stored.size,
        "sha256": stored.sha256,
        "archive_path": archive_path(stored),
    }


def archive_path(stored) -> str:
    return f"files/{stored.id}-{stored.original_name}"


Exporter = Callable[[Any], Any]
PurgeRule = Callable[[datetime], int | dict]
RetentionReason = Callable[[Any], str | None]
Anonymiser = Callable[[Any], None]

_exporters: dict[str, tuple[int, Exporter]] = {}
_purge_rules: dict[str, tuple[int, PurgeRule]] = {}
_retention_reasons: list[RetentionReason] = []
_anonymisers: list[Anonymiser] = []


def personal_data_exporter(name: str, order: int = 50):
    """Register fn(user) -> data | ExportPart as the section `name` of «мои данные»."""

    def decorate(fn: Exporter) -> Exporter:
        _exporters[name] = (order, fn)
        return fn

    return decorate


def purge_rule(name: str, order: int = 50):
    """Register fn(moment) -> count (or {label: count}) for `flask privacy purge`."""

    def decorate(fn: PurgeRule) -> PurgeRule:
        _purge_rules[name] = (order, fn)
        return fn

    return decorate


def retention_reason(fn: RetentionReason) -> RetentionReason:
    if fn not in _retention_reasons:
        _retention_reasons.append(fn)
    return fn


def on_anonymise(fn: Anonymiser) -> Anonymiser:
    if fn not in _anonymisers:
        _anonymisers.append(fn)
    return fn


def exporters() -> list[tuple[str, Exporter]]:
    return [(name, fn) for name, (_, fn) in sorted(_exporters.items(), key=lambda item: (item[1][0], item[0]))]


def purge_rules() -> list[tuple[str, PurgeRule]]:
    return [(name, fn) for name, (_, fn) in sorted(_purge_rules.items(), key=lambda item: (item[1][0], item[0]))]


def retention_reasons(user) -> list[str]:
    return [reason for fn in _retention_reasons if (reason := fn(user))]


def anonymisers() -> list[Anonymiser]:
    return list(_anonymisers)
