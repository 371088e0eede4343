"""Queueing and delivery of mail.

queue_mail() adds a row to the session of the change that caused it; the row commits or
rolls back with that change. After the commit the rows are handed to a background
thread (or delivered inline in tests); `flask mail send-pending` retries the rest.
A row is delivered only by the sender that claimed it with a conditional UPDATE, so a
mail is never sent twice."""
from __future__ import annotations

import logging
import smtplib
import threading
from datetime import timedelta
from email.utils import make_msgid
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, current_app, render_template
from flask_mail import Connection, Message
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.core.clock import now
from app.extensions import db, mail
from app.mail.models import MailStatus, OutboxMail

log = logging.getLogger(__name__)

#: Minutes to wait before attempt n+1 (after n failures).
BACKOFF_MINUTES = (1, 2, 5, 10, 30, 60, 120, 240)
#: A row claimed this long ago with no outcome: its sender died mid-way.
STALE_CLAIM = timedelta(minutes=10)


def queue_mail(to: str, template: str, subject: str, **context) -> OutboxMail:
    """Render email/<template>.txt (and .html when present) and add it to the outbox."""
    from app.company.services import get_company

    context.setdefault("company", get_company())
    text = render_template(f"email/{template}.txt", **context)
    try:
        html = render_template(f"email/{template}.html", **context)
    except Exception as exc:  # TemplateNotFound: text-only mail
        if type(exc).__name__ != "TemplateNotFound":
            raise
        html = None
    moment = now()
    row = OutboxMail(
        recipient=to, subject=subject, text_body=text, html_body=html, kind=template,
        status=MailStatus.pending.value, created_at=moment, next_attempt_at=moment,
    )
    db.session.add(row)
    db.session.info["mail_queued"] = True
    return row


# --- delivery ---------------------------------------------------------------------------------

class _TimeoutConnection(Connection):
    """Flask-Mail's connection with a socket timeout, so a dead SMTP server cannot hang us."""

    def configure_host(self):
        timeout = current_app.config["MAIL_TIMEOUT"]
        if self.mail.use_ssl:
            host = smtplib.SMTP_SSL(self.mail.server, self.mail.port, timeout=timeout)
        else:
            host = smtplib.SMTP(self.mail.server, self.mail.port, timeout=timeout)
        if self.mail.use_tls:
            host.starttls()
        if self.mail.username and self.mail.password:
            host.login(self.mail.username, self.mail.password)
        return host


def _message(row: OutboxMail) -> Message:
    from app.company.services import get_company

    company = get_company()
    msg = Message(
        subject=row.subject, recipients=[row.recipient], body=row.text_body, html=row.html_body,
        sender=(company.short_name, current_app.config["MAIL_DEFAULT_SENDER"]),
    )
    msg.msgId = make_msgid(idstring=f"outbox{row.id}", domain="lk.local")
    return msg


def _write_eml(row: OutboxMail, msg: Message) -> Path:
    folder = Path(current_app.config["MAIL_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    stamp = row.created_at.strftime("%Y%m%d-%H%M%S")
    path = folder / f"{stamp}-{row.id:06d}-{row.kind}.eml"
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(msg.as_bytes())
    tmp.replace(path)
    return path


def _claim(session: Session, mail_id: int) -> bool:
    result = session.execute(
        sa.update(OutboxMail)
        .where(
            OutboxMail.id == mail_id,
            OutboxMail.status == MailStatus.pending.value,
            OutboxMail.next_attempt_at <= now(),
        )
        .values(status=MailStatus.sending.value, claimed_at=now(), attempts=OutboxMail.attempts + 1)
    )
    session.commit()
    return result.rowcount == 1


def deliver(session: Session, mail_id: int, connection: Connection | None) -> bool:
    """Claim one row and deliver it; True when it went out."""
    if not _claim(session, mail_id):
        return False
    row = session.get(OutboxMail, mail_id)
    session.refresh(row)
    try:
        msg = _message(row)
        if connection is None:
            _write_eml(row, msg)
        else:
            connection.send(msg)
    except (TimeoutError, smtplib.SMTPException, OSError) as exc:
        row.last_error = f"{type(exc).__name__}: {exc}"[:500]
        if row.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
            row.status = MailStatus.failed.value
        else:
            row.status = MailStatus.pending.value
            wait = BACKOFF_MINUTES[min(row.attempts, len(BACKOFF_MINUTES)) - 1]
            row.next_attempt_at = now() + timedelta(minutes=wait)
        session.commit()
        log.warning("mail %s not delivered: %s", mail_id, row.last_error)
        raise
    row.status = MailStatus.sent.value
    row.sent_at = now()
    row.last_error = None
    if current_app.config["MAIL_SERVER"] and current_app.config.get("MAIL_ALSO_EML"):
        _write_eml(row, msg)
    session.commit()
    return True


def send_pending(ids: list[int] | None = None, limit: int = 200) -> tuple[int, int]:
    """Deliver due mail (or just `ids`); returns (sent, failed). Safe to run concurrently."""
    sent = failed = 0
    with Session(db.engine) as session:
        _release_stale_claims(session)
        query = sa.select(OutboxMail.id).where(
            OutboxMail.status == MailStatus.pending.value, OutboxMail.next_attempt_at <= now()
        )
        if ids is not None:
            query = query.where(OutboxMail.id.in_(ids))
        due = session.scalars(query.order_by(OutboxMail.id).limit(limit)).all()
        if not due:
            return 0, 0
        use_smtp = bool(current_app.config["MAIL_SERVER"])
        try:
            # Settings are read now, not at start-up, so a changed MAIL_* takes effect.
            state = mail.init_mail(current_app.config, current_app.debug, testing=False)
            connection_cm = _TimeoutConnection(state) if use_smtp else None
            if connection_cm is not None:
                connection_cm.__enter__()
        except (smtplib.SMTPException, OSError) as exc:
            # The server is unreachable: count an attempt on every due row, try later.
            for mail_id in due:
                try:
                    deliver(session, mail_id, _Unreachable(exc))
                except (smtplib.SMTPException, OSError):
                    failed += 1
            return sent, failed
        try:
            for mail_id in due:
                try:
                    if deliver(session, mail_id, connection_cm):
                        sent += 1
                except (smtplib.SMTPException, OSError):
                    failed += 1
        finally:
            if connection_cm is not None:
                try:
                    connection_cm.__exit__(None, None, None)
                except (smtplib.SMTPException, OSError):
                    pass
    return sent, failed


class _Unreachable:
    """Stands in for a connection that could not be opened: every send fails with its error."""

    def __init__(self, exc: Exception):
        self.exc = exc

    def send(self, msg):
        raise self.exc


def _release_stale_claims(session: Session) -> None:
    """A claim with no outcome after STALE_CLAIM: the sender died. We cannot know whether
    the server took the mail, so we do not resend it; staff see it as failed."""
    session.execute(
        sa.update(OutboxMail)
        .where(OutboxMail.status == MailStatus.sending.value, OutboxMail.claimed_at < now() - STALE_CLAIM)
        .values(status=MailStatus.failed.value, last_error="Отправка прервалась; доставка не подтверждена.")
    )
    session.commit()


def retry(mail_id: int) -> bool:
    """Staff put a failed mail back in the queue (in the request's session)."""
    row = db.session.get(OutboxMail, mail_id)
    if row is None or row.status != MailStatus.failed.value:
        return False
    row.status = MailStatus.pending.value
    row.next_attempt_at = now()
    db.session.info["mail_queued"] = True
    return True


# --- after the commit -------------------------------------------------------------------------

@event.listens_for(Session, "after_commit")
def _dispatch_after_commit(session):
    """Hand the mail this transaction queued to a sender; registered once for every session."""
    if not session.info.pop("mail_queued", False):
        return
    app = current_app._get_current_object()
    mode = app.config["MAIL_DISPATCH"]
    if mode == "off":
        return
    if mode == "inline":
        _send_quietly(app)
    else:
        threading.Thread(target=_send_quietly, args=(app,), daemon=True, name="mail-dispatch").start()


@event.listens_for(Session, "after_rollback")
def _forget_queue(session):
    session.info.pop("mail_queued", None)


def _send_quietly(app: Flask) -> None:
    with app.app_context():
        try:
            send_pending()
        except Exception:  # the periodic sender will try again
            log.exception("mail dispatch after commit failed")
