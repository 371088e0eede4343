"""The base form every feature uses: strips whitespace, speaks Russian."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import Field
from wtforms.fields.choices import SelectChoice


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class BaseForm(FlaskForm):
    """Strips surrounding whitespace from every text field and renders errors in Russian.

    Messages of our own validators are Russian already; WTForms' built-in ones are
    translated through the 'ru' locale."""

    class Meta:
        locales = ["ru_RU", "ru"]

        def bind_field(self, form, unbound_field, options):
            filters = unbound_field.kwargs.get("filters", [])
            filters = [_strip, *filters]
            return unbound_field.bind(form=form, filters=filters, **options)

    def error_list(self) -> list[tuple[Field, str]]:
        """(field, message) pairs for the error summary at the top of the form."""
        pairs = []
        for field in self:
            for message in field.errors:
                pairs.append((field, message))
        return pairs


class ActionForm(BaseForm):
    """A form with no fields: a one-button POST action, CSRF-protected like any other."""


def choices(pairs) -> list[SelectChoice]:
    """[(value, label), …] as WTForms' SelectChoice objects (tuples are deprecated in WTForms 3.3)."""
    return [SelectChoice(value, label) for value, label in pairs]
