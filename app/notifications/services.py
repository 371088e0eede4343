"""The one function every feature calls to tell a consumer about an event."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask import g

from app.auth.models import User
from app.core.clock import now
from app.db import read, unit_of_work
from app.extensions import db
from app.notifications.kinds import KINDS, get_kind
from app.notifications.models import Notification, NotificationPreference, ReminderSent


def notify(
    user: User, kind: str, title: str, body: str = "", link: str = "", *, mail: bool | None = None
) -> Notification:
    """Add a notification and, by the user's preference, queue its mail; the caller commits.

    The notification is written whatever happens to the mail: a mail server that is down
    loses nothing (SPEC §2.4). `mail=False` skips the mail when the caller sends its own
    (an appeal's answer by the email channel); `mail=True` mails whatever the preference."""
    notification = Notification(
        user_id=user.id, kind=get_kind(kind).code, title=title[:300], body=body, link=link, created_at=now()
    )
    db.session.add(notification)
    bump_inbox(user)
    if wants_mail(user, kind) if mail is None else mail:
        from app.mail.services import queue_mail

        queue_mail(user.email, "notification", title, user=user, notification=notification)
    return notification


def bump_inbox(user: User) -> None:
    """Mark the user's inbox changed, so the next unread-count poll answers with news."""
    db.session.execute(sa.update(User).where(User.id == user.id).values(inbox_version=User.inbox_version + 1))
    # Keep the loaded object in step without another SELECT.
    sa.orm.attributes.set_committed_value(user, "inbox_version", (user.inbox_version or 0) + 1)


def wants_mail(user: User, kind: str) -> bool:
    spec = get_kind(kind)
    if spec.always_mail:
        return True
    pref = db.session.scalar(
        sa.select(NotificationPreference.email).where(
            NotificationPreference.user_id == user.id, NotificationPreference.kind == spec.code
        )
    )
    return spec.mail_default if pref is None else pref


def preferences(user: User) -> dict[str, bool]:
    rows = db.session.execute(
        sa.select(NotificationPreference.kind, NotificationPreference.email).where(
            NotificationPreference.user_id == user.id
        )
    ).all()
    saved = {r.kind: r.email for r in rows}
    return {code: (True if k.always_mail else saved.get(code, k.mail_default)) for code, k in KINDS.items()}


def set_preferences(user: User, choices: dict[str, bool]) -> None:
    existing = {
        p.kind: p
        for p in db.session.scalars(sa.select(NotificationPreference).where(NotificationPreference.user_id == user.id))
    }
    for code, email in choices.items():
        kind = KINDS.get(code)
        if kind is None or kind.always_mail:
            continue
        if code in existing:
            existing[code].email = email
        else:
            db.session.add(NotificationPreference(user_id=user.id, kind=code, email=email))


#: Built once: the layout of every logged-in page runs one of them.
_UNREAD_COUNT = (
    sa.select(sa.func.count())
    .select_from(Notification)
    .where(Notification.user_id == sa.bindparam("user_id"), Notification.read_at.is_(None))
)
_UNREAD_COUNT_AND_ABOUT = (
    sa.select(sa.func.count(), sa.func.count().filter(Notification.link == sa.bindparam("link")))
    .select_from(Notification)
    .where(Notification.user_id == sa.bindparam("user_id"), Notification.read_at.is_(None))
)


def unread_count(user: User) -> int:
    """The badge's figure. A page that counted already (unread_about) is not asked again:
    the count is kept for this request and this version of the inbox, which every change to
    the user's notifications bumps."""
    counted = g.get("unread_counted")
    if counted is not None and counted[0] == (user.id, user.inbox_version):
        return counted[1]
    return read(_UNREAD_COUNT, {"user_id": user.id}).scalar() or 0


def unread_about(user: User, link: str) -> int:
    """How many of the user's unread notifications point at `link` (a card reads them when
    it opens). The same statement counts all the unread ones for the badge."""
    total, about = read(_UNREAD_COUNT_AND_ABOUT, {"user_id": user.id, "link": link}).one()
    g.unread_counted = ((user.id, user.inbox_version), total)
    return about


def mark_read(user: User, notification_id: int) -> Notification | None:
    notification = db.session.scalar(
        sa.select(Notification).where(Notification.id == notification_id, Notification.user_id == user.id)
    )
    if notification is None:
        return None
    if notification.read_at is None:
        notification.read_at = now()
        bump_inbox(user)
    return notification


def mark_all_read(user: User) -> int:
    result = db.session.execute(
        sa.update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=now())
    )
    if result.rowcount:
        bump_inbox(user)
    return result.rowcount


def read_on_opening(user: User, link: str) -> None:
    """A card that opens reads the notifications that point at it. It is a GET, so the write is
    a short unit of work of its own, and only when some are unread (docs/architecture.md)."""
    if unread_about(user, link):
        with unit_of_work():
            mark_read_by_link(user, link)


def mark_read_by_link(user: User, link: str) -> None:
    """Opening an object reads the notifications that point at it."""
    result = db.session.execute(
        sa.update(Notification)
        .where(Notification.user_id == user.id, Notification.link == link, Notification.read_at.is_(None))
        .values(read_at=now())
    )
    if result.rowcount:
        bump_inbox(user)


# --- the daily reminder run -------------------------------------------------------------------


@dataclass(frozen=True)
class Reminder:
    """A deadline of the consumer's that is approaching; `key` makes it sent only once."""

    key: str
    user: User
    title: str
    body: str
    link: str
    kind: str = "deadline"


ReminderSource = Callable[[date], Iterable[Reminder]]
_sources: list[ReminderSource] = []


def reminder_source(fn: ReminderSource) -> ReminderSource:
    """Register a feature's function that yields the reminders due on a day."""
    if fn not in _sources:
        _sources.append(fn)
    return fn


def send_reminders(today: date) -> int:
    """Notify every reminder due `today` that was not sent before; the caller commits."""
    due = {r.key: r for source in _sources for r in source(today)}
    keys = list(due)
    already: set[str] = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        already.update(db.session.scalars(sa.select(ReminderSent.key).where(ReminderSent.key.in_(chunk))))
    sent = 0
    for key, reminder in due.items():
        if key in already:
            continue
        notify(reminder.user, reminder.kind, reminder.title, reminder.body, reminder.link)
        db.session.add(ReminderSent(key=key, sent_at=now()))
        sent += 1
    return sent
