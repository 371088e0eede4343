"""htmx helpers: one template serves the page and its fragments (jinja2-fragments)."""

from __future__ import annotations

from flask import request
from jinja2_fragments.flask import render_block


def is_htmx() -> bool:
    """True for a request htmx made (not a history restore, which needs the whole page)."""
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-History-Restore-Request") != "true"


def is_poll() -> bool:
    """True for a background refresh (`hx-trigger="every …"`): the templates mark those with
    the header X-Poll, so nobody's session, activity or messages change because a tab is open."""
    return request.headers.get("X-Poll") == "1"


def send_to(url: str, status: int = 401):
    """Where a request must go instead: a redirect for a browser; for htmx an empty answer that
    navigates the whole window (HX-Redirect), or the login page would be swapped into a fragment."""
    from flask import make_response, redirect

    if not is_htmx():
        return redirect(url)
    response = make_response("", status)
    response.headers["HX-Redirect"] = url
    return response


def render_page_or_block(template: str, block: str, **context) -> str:
    """The whole page for a browser, just `block` of the same template for htmx."""
    from flask import render_template

    if is_htmx():
        return render_block(template, block, **context)
    return render_template(template, **context)
