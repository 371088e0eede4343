"""Blocks a feature adds to another feature's page (the cabinet's home, the profile, the
office dashboard, a card), answered through a signal of app.core.signals: the page asks,
each feature that has something to show returns a Section, and the page renders them in
order without importing any of them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from markupsafe import Markup

from app.core.signals import collect


@dataclass(frozen=True)
class Section:
    template: str
    context: dict = field(default_factory=dict)
    order: int = 50


@dataclass(frozen=True)
class ActionDue:
    """Something the consumer has to do: «ТП-2026-000021 · Представить недостающие сведения
    — до 23.12.2026 [Представить сведения]»."""

    subject: str
    what: str
    url: str
    button: str
    due: date | None = None


def render_sections(signal, sender, **kwargs) -> list[Markup]:
    """Every Section the receivers of `signal` return for `sender` (and `kwargs`), rendered,
    in their order."""
    sections = sorted(collect(signal, sender, **kwargs), key=lambda s: s.order)
    # The layout's context (context processors) is computed once for all the blocks.
    shared: dict = {}
    current_app.update_template_context(shared)
    env = current_app.jinja_env
    return [
        # A rendered template is escaped already.
        Markup(env.get_template(s.template).render({**shared, **s.context}))  # noqa: S704  # nosec B704
        for s in sections
    ]
