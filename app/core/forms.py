"""The base form every feature uses: strips whitespace, speaks Russian."""
from __future__ import annotations

import wtforms
from flask_wtf import FlaskForm
from wtforms import Field
from wtforms.fields.choices import SelectChoice
from wtforms.validators import StopValidation

from app.core.text import has_other_digits, other_digits_message


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


class IntegerField(wtforms.IntegerField):
    """WTForms' integer field, typed with ASCII digits only: its int() reads '٣' as 3."""

    def process_formdata(self, valuelist):
        if valuelist and has_other_digits(valuelist[0]):
            self.data = None
            raise ValueError(other_digits_message(self.label.text))
        super().process_formdata(valuelist)

    def pre_validate(self, form):
        if self.process_errors:  # keep the reason: DataRequired would replace it with «required»
            raise StopValidation()


def choices(pairs) -> list[SelectChoice]:
    """[(value, label), …] as WTForms' SelectChoice objects (tuples are deprecated in WTForms 3.3)."""
    return [SelectChoice(value, label) for value, label in pairs]
