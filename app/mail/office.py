"""Staff see the outbox: what failed to go out, and put it back in the queue."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from wtforms import HiddenField

from app.audit.services import record
from app.core.forms import ActionForm, BaseForm
from app.extensions import db
from app.mail.models import MailStatus, OutboxMail
from app.mail.services import RESENDABLE, retry
from app.office import bp as office

bp = Blueprint("mail", __name__, url_prefix="/mail")

PAGE_SIZE = 50


@bp.get("/")
def outbox():
    status = request.args.get("status", "failed")
    if status not in {s.value for s in MailStatus} | {"all"}:
        status = "failed"
    query = sa.select(OutboxMail)
    if status != "all":
        query = query.where(OutboxMail.status == status)
    rows = db.session.scalars(query.order_by(OutboxMail.id.desc()).limit(PAGE_SIZE)).all()
    counts = dict(db.session.execute(sa.select(OutboxMail.status, sa.func.count()).group_by(OutboxMail.status)).all())
    return render_template(
        "mail/outbox.html",
        rows=rows,
        status=status,
        counts=counts,
        statuses=list(MailStatus),
        resendable=RESENDABLE,
        form=ActionForm(),
    )


class ResendForm(BaseForm):
    #: "y" once staff were told that an unconfirmed mail may have arrived and chose to resend.
    confirmed = HiddenField()


@bp.post("/<int:mail_id>/retry")
def retry_mail(mail_id: int):
    form = ResendForm()
    if not form.validate_on_submit():
        abort(400)
    row = db.session.get(OutboxMail, mail_id)
    if row is None or row.status not in RESENDABLE:
        abort(404)
    if row.status == MailStatus.unconfirmed.value and form.confirmed.data != "y":
        # The server may have taken it: say so, and send again only if staff still want to.
        return render_template("mail/confirm_resend.html", mail=row, form=ResendForm(confirmed="y"))
    retry(mail_id)
    record("office.mail_retry", None, mail_id=mail_id, unconfirmed=row.status == MailStatus.unconfirmed.value or None)
    db.session.commit()
    flash("Письмо снова поставлено в очередь.", "success")
    return redirect(url_for("office.mail.outbox"))


office.register_blueprint(bp)
