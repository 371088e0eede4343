"""htmx helpers: one template serves the page and its fragments (jinja2-fragments)."""

from __future__ import annotations

from flask import request
from jinja2_fragments.flask import render_block


def is_htmx() -> bool:
    """True for a request htmx made (not a history restore, which needs the whole page)."""
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-History-Restore-Request") != "true"


def render_page_or_block(template: str, block: str, **context) -> str:
    """The whole page for a browser, just `block` of the same template for htmx."""
    from flask import render_template

    if is_htmx():
        return render_block(template, block, **context)
    return render_template(template, **context)
