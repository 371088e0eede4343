from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Length

from app.core.forms import BaseForm


class ContactsForm(BaseForm):
    phone = StringField("Телефон", validators=[DataRequired(message="Укажите телефон для связи."), Length(max=30)])


def preferences_form(kinds, current: dict[str, bool]):
    """A form with one checkbox per kind of notification: «также присылать на почту»."""

    class PreferencesForm(BaseForm):
        pass

    for kind in kinds:
        if kind.always_mail:
            continue
        setattr(PreferencesForm, f"mail_{kind.code}", BooleanField(kind.label, default=current.get(kind.code, True)))
    return PreferencesForm
