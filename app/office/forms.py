"""Forms every back-office card shares."""

from __future__ import annotations

from wtforms import SelectField
from wtforms.validators import Optional, ValidationError

from app.auth.models import Role
from app.auth.services import staff_members
from app.core.forms import BaseForm, choices


class AssignForm(BaseForm):
    """Who is responsible for an application or an appeal: a staff member, or nobody (0)."""

    assignee = SelectField("Ответственный", coerce=int, validate_choice=False, validators=[Optional()])

    def validate_assignee(self, field):
        if field.data not in {choice.value for choice in self.assignee.choices}:
            raise ValidationError("Выберите сотрудника из списка.")


def assign_form(current_id: int | None, posted: bool = False) -> AssignForm:
    """The form with the enabled staff to choose from: as posted, or showing `current_id`."""
    if posted:
        form = AssignForm(prefix="assign")
    else:
        form = AssignForm(prefix="assign", formdata=None, assignee=current_id or 0)
    form.assignee.choices = choices(
        [(0, "— никто —")]
        + [(u.id, f"{u.short_person_name or u.email} ({Role(u.role).label})") for u in staff_members()]
    )
    return form
