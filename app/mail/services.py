"""Queueing and delivery of mail.

queue_mail() adds a row to the session of the change that caused it; the row commits or
rolls back with that change. After the commit the rows are handed to a background
thread (or delivered inline in tests); `flask mail send-pending` retries the rest.
A row is delivered only by the sender that claimed it with a conditional UPDATE, so a
mail is never sent twice."""

from __future__ import annotations

import atexit
import dataclasses
import logging
import os
import smtplib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import make_msgid
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, current_app, render_template
from flask_mail import Connection, Message
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.core.clock import now
from app.db import transactions_as, unit_of_work
from app.extensions import db, mail
from app.mail.models import MailStatus, OutboxMail

log = logging.getLogger(__name__)

#: Minutes to wait before attempt n+1 (after n failures).
BACKOFF_MINUTES = (1, 2, 5, 10, 30, 60, 120, 240)
#: A row claimed this long ago with no outcome: its sender died mid-way.
STALE_CLAIM = timedelta(minutes=10)
UNCONFIRMED_NOTE = "Отправка прервалась; доставка не подтверждена."
DROPPED_NOTE = "Не отправлялось: такого адреса среди учётных записей нет."
#: Mail a person is waiting for at the screen (a password, a link to confirm): sent before the
#: notifications that pile up behind an import (bench mixed: 8 of 48 people waited over 30 s
#: for their password behind the outage notifications of an import, sent in id order).
WAITED_FOR = ("credentials", "password_reset", "registration_attempt", "email_change_confirm", "email_change_attempt")
#: What staff may put back in the queue: an unconfirmed mail only after they confirm.
RESENDABLE = (MailStatus.failed.value, MailStatus.unconfirmed.value)

#: Set when the process is asked to stop (SIGTERM from a service manager, gunicorn's worker
#: exit, Ctrl-C): each sender finishes the mail in hand, records its outcome and takes no more.
#: A sender killed between the SMTP server's "250" and that record leaves a delivered mail
#: "sending", shown to staff as unconfirmed; a restart must never do that.
stopping = threading.Event()


@dataclass(frozen=True)
class ComposedMail:
    subject: str
    text_body: str
    html_body: str | None


def render_mail(template: str, subject: str, **context) -> ComposedMail:
    """email/<template>.txt, and .html when there is one."""
    from app.company.services import get_company, site_address

    context.setdefault("company", get_company())
    context.setdefault("site_address", site_address())
    text = render_template(f"email/{template}.txt", **context)
    try:
        html = render_template(f"email/{template}.html", **context)
    except Exception as exc:  # TemplateNotFound: text-only mail
        if type(exc).__name__ != "TemplateNotFound":
            raise
        html = None
    return ComposedMail(subject, text, html)


def queue_mail(to: str, template: str, subject: str, **context) -> OutboxMail:
    """Render the mail and add it to the outbox, in the transaction of the change it tells of."""
    return _queue(to, template, render_mail(template, subject, **context))


def _queue(to: str, kind: str, mail: ComposedMail) -> OutboxMail:
    moment = now()
    row = OutboxMail(
        recipient=to,
        subject=mail.subject,
        text_body=mail.text_body,
        html_body=mail.html_body,
        kind=kind,
        status=MailStatus.pending.value,
        created_at=moment,
        next_attempt_at=moment,
    )
    db.session.add(row)
    db.session.info["mail_queued"] = True
    return row


# --- mail composed by the sender ----------------------------------------------------------------
#
# Some mail must not be composed by the request that asks for it: «Забыли пароль?» answers the
# same whether the address has an account or not, and the time it takes must not tell either
# (issue 16 measured 21 ms for a known address against 3 ms for an unknown one). The request
# queues the bare address, the same row in both cases; the sender asks the kind's composer for
# the mail when it claims the row, and a composer that finds nobody to write to returns None.

Composer = Callable[[str], ComposedMail | None]
_composers: dict[str, Composer] = {}


def composer(kind: str):
    """Register the function that composes mail of `kind` for an address at sending time."""

    def register(fn: Composer) -> Composer:
        _composers[kind] = fn
        return fn

    return register


def queue_composed(kind: str, to: str) -> OutboxMail:
    """Queue mail of a registered kind for `to`; its content is made when it is sent."""
    if kind not in _composers:
        raise KeyError(kind)
    return _queue(to, kind, ComposedMail("", "", None))


def _compose(row: _Claimed) -> _Claimed | None:
    """The claimed row with its content, composed now and kept in the row (one unit of work,
    with whatever the composer records); None when there is nobody to write to."""
    # A request of its own: links are built with url_for, and the sender runs outside requests;
    # made at SITE_URL, so a link follows the configured address (app.company.services.site_address).
    with current_app.test_request_context(base_url=current_app.config["SITE_URL"]), unit_of_work():
        mail = _composers[row.kind](row.recipient)
        values = (
            {"status": MailStatus.dropped.value, "last_error": DROPPED_NOTE}
            if mail is None
            else {"subject": mail.subject, "text_body": mail.text_body, "html_body": mail.html_body}
        )
        db.session.execute(sa.update(OutboxMail).where(OutboxMail.id == row.id).values(**values))
    if mail is None:
        return None
    return dataclasses.replace(row, subject=mail.subject, text_body=mail.text_body, html_body=mail.html_body)


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


def _message(row: _Claimed) -> Message:
    from app.company.services import get_company

    company = get_company()
    msg = Message(
        subject=row.subject,
        recipients=[row.recipient],
        body=row.text_body,
        html=row.html_body,
        sender=(company.short_name, current_app.config["MAIL_DEFAULT_SENDER"]),
    )
    msg.msgId = make_msgid(idstring=f"outbox{row.id}", domain="lk.local")
    return msg


def _write_eml(row: _Claimed, msg: Message) -> Path:
    folder = Path(current_app.config["MAIL_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    stamp = row.created_at.strftime("%Y%m%d-%H%M%S")
    path = folder / f"{stamp}-{row.id:06d}-{row.kind}.eml"
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(msg.as_bytes())
    tmp.replace(path)
    return path


@dataclass(frozen=True)
class _Claimed:
    """A row this sender claimed, read in the same unit of work as the claim."""

    id: int
    recipient: str
    subject: str
    text_body: str
    html_body: str | None
    kind: str
    created_at: datetime
    attempts: int


def _claim(session: Session, mail_id: int) -> _Claimed | None:
    """Take one due row for this sender; None when another sender took it first."""
    with unit_of_work(session):
        claimed = session.execute(
            sa.update(OutboxMail)
            .where(
                OutboxMail.id == mail_id,
                OutboxMail.status == MailStatus.pending.value,
                OutboxMail.next_attempt_at <= now(),
            )
            .values(status=MailStatus.sending.value, claimed_at=now(), attempts=OutboxMail.attempts + 1)
        ).rowcount
        if not claimed:
            return None
        row = session.get(OutboxMail, mail_id, populate_existing=True)
        return _Claimed(
            row.id, row.recipient, row.subject, row.text_body, row.html_body, row.kind, row.created_at, row.attempts
        )


def _record_outcome(session: Session, mail_id: int, **values) -> None:
    """Write what became of a delivery, trying again until it lands: the mail has gone out or
    failed already, and a delivered mail left as "sending" would be shown as unconfirmed and sent
    twice. Gives up only when the claim has gone stale anyway (the database stayed away)."""
    deadline = time.monotonic() + STALE_CLAIM.total_seconds()
    pause = 0.05
    while True:
        try:
            with unit_of_work(session):
                session.execute(sa.update(OutboxMail).where(OutboxMail.id == mail_id).values(**values))
            return
        except (sa.exc.DBAPIError, sa.exc.TimeoutError) as exc:  # the database, or no free connection
            if time.monotonic() > deadline:
                raise
            log.warning(
                "mail %s: its outcome is not recorded yet (%s); trying again",
                mail_id,
                type(getattr(exc, "orig", exc)).__name__,
            )
            time.sleep(pause)
            pause = min(pause * 2, 5)


def deliver(session: Session, mail_id: int, connection: Connection | None) -> bool:
    """Claim one row and deliver it; True when it went out. No transaction is open while the
    SMTP server talks: the claim commits before, the outcome is recorded after."""
    row = _claim(session, mail_id)
    if row is None:
        return False
    if row.kind in _composers and not row.text_body:
        row = _compose(row)
        if row is None:
            return False
    try:
        msg = _message(row)
        if connection is None:
            _write_eml(row, msg)
        else:
            connection.send(msg)
    except (TimeoutError, smtplib.SMTPException, OSError) as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
        if row.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
            _record_outcome(session, mail_id, status=MailStatus.failed.value, last_error=error)
        else:
            wait = BACKOFF_MINUTES[min(row.attempts, len(BACKOFF_MINUTES)) - 1]
            _record_outcome(
                session,
                mail_id,
                status=MailStatus.pending.value,
                last_error=error,
                next_attempt_at=now() + timedelta(minutes=wait),
            )
        log.warning("mail %s not delivered: %s", mail_id, error)
        raise
    _record_outcome(session, mail_id, status=MailStatus.sent.value, sent_at=now(), last_error=None)
    if current_app.config["MAIL_SERVER"] and current_app.config.get("MAIL_ALSO_EML"):
        _write_eml(row, msg)
    return True


def send_pending(ids: list[int] | None = None, limit: int = 200) -> tuple[int, int]:
    """Deliver due mail (or just `ids`); returns (sent, failed). Safe to run concurrently: a row
    goes only to the sender whose conditional UPDATE claimed it."""
    sent = failed = 0
    with Session(db.engine) as session, transactions_as(False):
        _release_stale_claims(session)
        query = sa.select(OutboxMail.id).where(
            OutboxMail.status == MailStatus.pending.value, OutboxMail.next_attempt_at <= now()
        )
        if ids is not None:
            query = query.where(OutboxMail.id.in_(ids))
        waited_for_first = sa.case((OutboxMail.kind.in_(WAITED_FOR), 0), else_=1)
        due = session.scalars(query.order_by(waited_for_first, OutboxMail.id).limit(limit)).all()
        session.rollback()  # no read transaction stays open while the SMTP server talks
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
                if stopping.is_set():
                    break
                try:
                    deliver(session, mail_id, _Unreachable(exc))
                except (smtplib.SMTPException, OSError):
                    failed += 1
            return sent, failed
        try:
            for mail_id in due:
                if stopping.is_set():
                    break
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


#: The longest pause of the sender loop after rounds that failed one after another.
LOOP_MAX_PAUSE = 60.0


def sender_loop(interval: float, *, rounds: int | None = None, report=None) -> None:
    """send_pending() every `interval` seconds, for ever (or `rounds` times). A round that fails
    (the database restarting, a full disk, a bug in one mail) is logged and waited out with a
    growing pause; the loop itself never stops on an error, only when `stopping` is set.

    Each round runs in an app context of its own, as a request does: what it read (the
    company's name) is read again, and its session's transaction ends with it instead of
    staying open, with its locks, while the loop waits."""
    app = current_app._get_current_object()
    pause = interval
    done = 0
    while not stopping.is_set() and (rounds is None or done < rounds):
        done += 1
        try:
            with app.app_context():
                sent, failed = send_pending()
        except Exception:
            log.exception("mail sender: a round failed; the next one in %.0f s", pause)
            stopping.wait(pause)
            pause = min(pause * 2, LOOP_MAX_PAUSE)
            continue
        pause = interval
        if report is not None and (sent or failed):
            report(sent, failed)
        stopping.wait(interval)


class _Unreachable:
    """Stands in for a connection that could not be opened: every send fails with its error."""

    def __init__(self, exc: Exception):
        self.exc = exc

    def send(self, msg):
        raise self.exc


def _release_stale_claims(session: Session) -> None:
    """A claim with no outcome after STALE_CLAIM: its sender died between the claim and the
    record of the outcome. The server may have taken the mail, so it is not sent again by
    itself: staff see it as unconfirmed and decide (app/mail/office.py)."""
    with unit_of_work(session):
        session.execute(
            sa.update(OutboxMail)
            .where(OutboxMail.status == MailStatus.sending.value, OutboxMail.claimed_at < now() - STALE_CLAIM)
            .values(status=MailStatus.unconfirmed.value, last_error=UNCONFIRMED_NOTE)
        )


def retry(mail_id: int) -> bool:
    """Staff put a failed or unconfirmed mail back in the queue (in the request's unit of work)."""
    row = db.session.get(OutboxMail, mail_id)
    if row is None or row.status not in RESENDABLE:
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
        dispatcher(app).wake()


@event.listens_for(Session, "after_rollback")
def _forget_queue(session):
    session.info.pop("mail_queued", None)


class Dispatcher:
    """One background sender per process, woken after each commit that queued mail. (A thread
    per commit crowded the connection pool under load, every one of them after the same rows.)
    It waits MAIL_DISPATCH_DELAY first, so the request's answer leaves before the sender works:
    composing a recovery mail for a known address, none for an unknown one, must not slow the
    answer, or its time would tell which it was."""

    def __init__(self, app: Flask):
        self.app = app
        self._wake = threading.Event()
        self._idle = threading.Event()
        self._idle.set()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid = 0

    def wake(self) -> None:
        with self._lock:
            self._idle.clear()
            if self._thread is None or not self._thread.is_alive() or self._pid != os.getpid():
                if self._pid != os.getpid():  # a forked worker starts its own, and stops it
                    atexit.register(self.stop)
                self._pid = os.getpid()
                self._thread = threading.Thread(target=self._run, daemon=True, name="mail-dispatch")
                self._thread.start()
        self._wake.set()

    def stop(self) -> None:
        """At the process's exit: let the mail in hand be delivered and recorded, then end.
        (The thread is a daemon, so an exit that skips this cannot hang on it.)"""
        stopping.set()
        self._wake.set()
        thread = self._thread
        if thread is not None and thread.is_alive() and self._pid == os.getpid():
            thread.join(self.app.config["MAIL_TIMEOUT"] * 2 + 5)

    def wait_idle(self, timeout: float) -> bool:
        """Until nothing queued is waiting for this sender (tests)."""
        return self._idle.wait(timeout)

    def _run(self) -> None:
        while not stopping.is_set():
            self._wake.wait()
            if stopping.wait(self.app.config["MAIL_DISPATCH_DELAY"]):
                break  # what is queued stays pending for the periodic sender
            self._wake.clear()  # a commit from now on wakes it for another round
            _send_quietly(self.app)
            with self._lock:
                if not self._wake.is_set():
                    self._idle.set()


def dispatcher(app: Flask) -> Dispatcher:
    return app.extensions.setdefault("lk.mail_dispatcher", Dispatcher(app))


def _send_quietly(app: Flask) -> None:
    with app.app_context():
        try:
            send_pending()
        except Exception:  # the periodic sender will try again
            log.exception("mail dispatch after commit failed")
