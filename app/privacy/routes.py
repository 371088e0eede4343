from flask import abort, render_template

from app.privacy import bp
from app.privacy.consent import VERSIONS, current


@bp.get("/privacy")
def policy():
    return render_template("privacy/policy.html", consent=current())


@bp.get("/privacy/consent", defaults={"version": None})
@bp.get("/privacy/consent/<version>")
def consent(version: str | None):
    """The consent document: the current version, or any past one records refer to."""
    doc = VERSIONS.get(version) if version else current()
    if doc is None:
        abort(404)
    return render_template("privacy/consent.html", doc=doc)
