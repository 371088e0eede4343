"""What appeals add to other features' pages through app.core.signals: the appeals about an
application on its card, with the link that files a new one about it."""

from __future__ import annotations

from app.appeals.queries import about_application
from app.core import signals
from app.core.sections import Section


@signals.application_card_sections.connect
def appeals_about_application(application, office: bool = False, **_) -> Section:
    appeals = about_application(application.id, None if office else application.consumer_id)
    return Section(
        "appeals/_about_application.html",
        {"application": application, "about": appeals, "office": office},
        order=30,
    )
