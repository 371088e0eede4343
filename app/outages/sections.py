"""The blocks this feature adds to the cabinet's home page and to the profile, and the
addresses of a consumer's applications followed into «мои адреса» when one is submitted."""

from __future__ import annotations

from app.core import signals
from app.core.sections import Section
from app.outages.forms import AddressForm
from app.outages.models import AddressSource
from app.outages.operations import sync_source_addresses
from app.outages.queries import source_addresses, upcoming_for_user, user_addresses
from app.outages.rules import outage_period


@signals.profile_sections.connect
def my_addresses(user, **_) -> Section:
    return Section("outages/_my_addresses.html", profile_context(user), order=40)


@signals.cabinet_sections.connect
def upcoming_outages(user, **_) -> Section:
    return Section("outages/_cabinet_upcoming.html", cabinet_context(user), order=60)


@signals.application_submitted.connect
def follow_the_object(application, consumer, **_) -> None:
    """The object's address becomes one of «мои адреса» (planned outages there are news)."""
    sync_source_addresses(consumer)


def profile_context(user) -> dict:
    """«Мои адреса»: those added by hand, and those of the user's applications as their
    feature gives them now (the mirrored rows that matching uses follow them)."""
    manual = [a for a in user_addresses(user) if a.source == AddressSource.manual.value]
    return dict(
        manual_addresses=manual,
        source_addresses=source_addresses(user),
        address_form=AddressForm(formdata=None, prefix="address"),
    )


def cabinet_context(user) -> dict:
    return dict(my_outages=upcoming_for_user(user), period=outage_period)
