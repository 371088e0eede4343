"""Forms of the outage schedule, «мои адреса» and the office. Field names of the schedule's
filter are the public contract of SPEC §4.2."""

from __future__ import annotations

from datetime import date, datetime

from flask_wtf.file import FileField
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from app.core.clock import company_zone
from app.core.forms import BaseForm, IntegerField

DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y")
DATETIME_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d.%m.%Y %H:%M")


def parse_date(value: str | None) -> date | None:
    """YYYY-MM-DD (what a date input sends) or DD.MM.YYYY (typed where there is none)."""
    value = (value or "").strip()
    if not value:
        return None
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise ValueError(value)


def parse_local_datetime(value: str | None) -> datetime | None:
    value = (value or "").strip()
    if not value:
        return None
    for fmt in DATETIME_FORMATS:
        try:
            return datetime.strptime(value, fmt).replace(tzinfo=company_zone())
        except ValueError:
            continue
    raise ValueError(value)


class ScheduleFilterForm(BaseForm):
    """The schedule's filter: a GET form, so no CSRF token."""

    class Meta:
        csrf = False

    settlement = StringField(
        "Населённый пункт", validators=[Optional(), Length(max=120, message="Не длиннее 120 символов.")]
    )
    street = StringField("Улица", validators=[Optional(), Length(max=160, message="Не длиннее 160 символов.")])
    date_from = StringField("С даты")
    date_to = StringField("По дату")

    def validate_date_from(self, field):
        self._date(field)

    def validate_date_to(self, field):
        self._date(field)
        start = getattr(self.date_from, "parsed", None)
        if field.parsed and start and field.parsed < start:
            raise ValidationError("Дата окончания периода раньше даты начала.")
        if field.parsed and start and (field.parsed - start).days > 366:
            raise ValidationError("Период не может быть длиннее года.")

    @staticmethod
    def _date(field):
        field.parsed = None
        try:
            field.parsed = parse_date(field.data)
        except ValueError:
            raise ValidationError("Введите дату в виде ДД.ММ.ГГГГ, например 01.12.2026.") from None
        if field.parsed and not 2000 <= field.parsed.year <= 2100:
            field.parsed = None
            raise ValidationError("Проверьте год.")


class AddressForm(BaseForm):
    settlement = StringField(
        "Населённый пункт",
        validators=[
            DataRequired(message="Укажите населённый пункт."),
            Length(max=120, message="Не длиннее 120 символов."),
        ],
    )
    street = StringField(
        "Улица (если есть)", validators=[Optional(), Length(max=160, message="Не длиннее 160 символов.")]
    )
    house = StringField("Дом", validators=[Optional(), Length(max=40, message="Не длиннее 40 символов.")])


class OutageForm(BaseForm):
    district = StringField(
        "Район электрических сетей (РЭС)",
        validators=[
            DataRequired(message="Укажите район электрических сетей (РЭС)."),
            Length(max=120, message="Не длиннее 120 символов."),
        ],
    )
    settlement = StringField(
        "Населённый пункт",
        validators=[
            DataRequired(message="Укажите населённый пункт."),
            Length(max=120, message="Не длиннее 120 символов."),
        ],
    )
    street = StringField("Улица", validators=[Optional(), Length(max=160, message="Не длиннее 160 символов.")])
    houses = StringField("Дома", validators=[Optional(), Length(max=500, message="Не длиннее 500 символов.")])
    starts_at = StringField("Начало")
    ends_at = StringField("Окончание")
    reason = TextAreaField(
        "Причина",
        validators=[
            DataRequired(message="Укажите причину отключения."),
            Length(max=500, message="Не длиннее 500 символов."),
        ],
    )
    external_id = StringField(
        "Идентификатор в учётной системе (необязательно)",
        validators=[Optional(), Length(max=64, message="Не длиннее 64 символов.")],
    )

    def validate_starts_at(self, field):
        self._moment(field, "Укажите начало отключения.")

    def validate_ends_at(self, field):
        self._moment(field, "Укажите окончание отключения.")

    @staticmethod
    def _moment(field, missing: str):
        field.parsed = None
        try:
            field.parsed = parse_local_datetime(field.data)
        except ValueError:
            raise ValidationError("Введите дату и время в виде ДД.ММ.ГГГГ ЧЧ:ММ, например 01.12.2026 09:00.") from None
        if field.parsed is None:
            raise ValidationError(missing)


class ImportForm(BaseForm):
    file = FileField("Файл CSV")

    def validate_file(self, field):
        if not field.data or not getattr(field.data, "filename", ""):
            raise ValidationError("Выберите файл CSV.")


class SettingsForm(BaseForm):
    min_notice_days = IntegerField(
        "Предупреждать, если отключение публикуется менее чем за, дней",
        validators=[
            DataRequired(message="Укажите число дней."),
            NumberRange(min=1, max=60, message="От 1 до 60 дней."),
        ],
    )


class CancelForm(BaseForm):
    """Cancelling needs nothing but the confirmation; the CSRF token is the form."""
