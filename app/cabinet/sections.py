"""Blocks other features add to the cabinet's home page and to the profile.

A feature registers a template and a function giving its context for the user; the
cabinet renders them in order. This keeps the cabinet from importing every feature."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app
from markupsafe import Markup


@dataclass(frozen=True)
class Section:
    template: str
    context: Callable[[object], dict] | None = None
    order: int = 50


def add_cabinet_section(app: Flask, section: Section) -> None:
    _add(app, "lk.cabinet_sections", section)


def add_profile_section(app: Flask, section: Section) -> None:
    _add(app, "lk.profile_sections", section)


def _add(app: Flask, key: str, section: Section) -> None:
    sections = app.extensions.setdefault(key, [])
    sections.append(section)
    sections.sort(key=lambda s: s.order)


def render_sections(key: str, user) -> list[Markup]:
    # The layout's context (context processors) is computed once for all the blocks.
    shared: dict = {}
    current_app.update_template_context(shared)
    env = current_app.jinja_env
    return [
        # A rendered template is escaped already.
        Markup(env.get_template(s.template).render({**shared, **(s.context(user) if s.context else {})}))  # noqa: S704  # nosec B704
        for s in current_app.extensions.get(key, [])
    ]
