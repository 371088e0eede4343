"""The hooks between features, as Flask's signals (blinker), the way Indico joins its modules:
the feature that has something to say sends, the features that care connect, and neither
imports the other. Two kinds:

- events, sent when something happened (receivers return nothing);
- questions, sent to collect what every feature has to add (each receiver returns its part,
  or None; `collect()` gathers the answers in order).

Receivers connect at import time, in the feature's own module:

    from app.core import signals

    @signals.reminders_due.connect
    def payment_reminders(day, **kwargs):
        return [...]
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# --- events ------------------------------------------------------------------------------------

#: A request was refused (403): sender the Flask app; `path`, `method`. The audit log records it.
access_refused = _signals.signal("access-refused")

#: An application was submitted: sender the Application; `consumer`.
application_submitted = _signals.signal("application-submitted")

# --- questions ---------------------------------------------------------------------------------

#: Blocks of the cabinet's home page: sender the consumer; each receiver returns a
#: app.core.sections.Section or None.
cabinet_sections = _signals.signal("cabinet-sections")

#: What waits for the consumer's action, first on the cabinet's home: sender the consumer; each
#: receiver returns an iterable of app.core.sections.ActionDue.
actions_due = _signals.signal("actions-due")

#: Blocks of the consumer's profile page: as cabinet_sections.
profile_sections = _signals.signal("profile-sections")

#: Widgets of the office dashboard: sender the staff member; each receiver returns a
#: app.core.sections.Section or None.
dashboard_widgets = _signals.signal("dashboard-widgets")

#: Reminders of the consumer's own deadlines due on a day: sender the date; each receiver
#: returns an iterable of app.notifications.services.Reminder.
reminders_due = _signals.signal("reminders-due")

#: The addresses a consumer's objects are at (outages there are news to them): sender the user;
#: each receiver returns an iterable of (settlement, street, house).
addresses_of = _signals.signal("addresses-of")

#: Blocks on a consumer's card of an application or an appeal: sender the Application or Appeal;
#: each receiver returns an app.core.sections.Section or None.
card_sections = _signals.signal("card-sections")

#: Blocks on the card of an application, the consumer's or the office's (`office=True`): sender
#: the Application; each receiver returns an app.core.sections.Section or None.
application_card_sections = _signals.signal("application-card-sections")


def collect(signal, sender, **kwargs) -> list:
    """The non-None answers of every receiver of a question, in the order they connected."""
    return [answer for _receiver, answer in signal.send(sender, **kwargs) if answer is not None]


def collect_all(signal, sender, **kwargs) -> list:
    """The answers of a question whose receivers each return an iterable, flattened."""
    return [item for answer in collect(signal, sender, **kwargs) for item in answer]
