"""The blocks this feature adds to the cabinet's home page and to the profile."""

from __future__ import annotations

from app.outages.forms import AddressForm
from app.outages.models import AddressSource
from app.outages.services import outage_period, source_addresses, upcoming_for_user, user_addresses


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
