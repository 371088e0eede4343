from wtforms import DateField, RadioField, StringField
from wtforms.validators import DataRequired, Length, Optional

from app.core.forms import BaseForm, choices


class OverrideForm(BaseForm):
    day = DateField("Дата", validators=[DataRequired(message="Укажите дату.")])
    is_working = RadioField(
        "Этот день",
        choices=choices([("0", "нерабочий"), ("1", "рабочий")]),
        default="0",
        validators=[DataRequired(message="Выберите, рабочий ли это день.")],
    )
    note = StringField("Основание (постановление, региональный праздник)", validators=[Optional(), Length(max=200)])
