"""The invitation to rate on the consumer's cards of a completed application and of an
answered appeal (app.core.signals.card_sections): the cards do not import this feature."""

from __future__ import annotations

from app.appeals.models import Appeal
from app.applications.models import Application, ApplicationStatus
from app.core import signals
from app.core.sections import Section
from app.ratings.services import appeal_rating, application_rating, can_rate_appeal


@signals.card_sections.connect
def invitation_to_rate(card, **_) -> Section | None:
    if isinstance(card, Application) and card.status == ApplicationStatus.completed:
        return Section("ratings/_invite.html", {"application": card, "rating": application_rating(card)})
    if isinstance(card, Appeal) and can_rate_appeal(card):
        return Section("ratings/_invite.html", {"appeal": card, "rating": appeal_rating(card)})
    return None
