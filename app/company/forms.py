import re
from zoneinfo import available_timezones

from wtforms import BooleanField, DateField, DecimalField, EmailField, StringField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Regexp, StopValidation, ValidationError

from app.core.forms import BaseForm
from app.core.text import has_other_digits, other_digits_message


def _pattern(pattern: str, name: str, message: str):
    """A requisite of ASCII digits (re's \\d would take '٣' and '３'); another script's digits
    are named as the problem."""
    compiled = re.compile(pattern)

    def check(form, field):
        if has_other_digits(field.data):
            raise ValidationError(other_digits_message(name))
        if not compiled.fullmatch(field.data or ""):
            raise ValidationError(message)

    return check


def _no_other_digits(name: str | None = None):
    """Also for a number field (its text, not the number: Decimal() reads '٣' as 3)."""

    def check(form, field):
        if has_other_digits(field.raw_data[0] if field.raw_data else field.data):
            field.errors[:] = []  # «not a valid number» says less
            raise StopValidation(other_digits_message(name))

    return check


def _digits(n: int, name: str):
    return _pattern(rf"[0-9]{{{n}}}", name, f"{name}: {n} цифр.")


class CompanyForm(BaseForm):
    full_name = StringField(
        "Полное наименование", validators=[DataRequired(message="Укажите полное наименование."), Length(max=300)]
    )
    short_name = StringField(
        "Краткое наименование", validators=[DataRequired(message="Укажите краткое наименование."), Length(max=120)]
    )
    address = StringField("Адрес", validators=[DataRequired(message="Укажите адрес."), Length(max=300)])
    phone = StringField(
        "Телефоны", validators=[DataRequired(message="Укажите телефон."), Length(max=60), _no_other_digits("Телефоны")]
    )
    email = EmailField(
        "Электронная почта",
        validators=[
            DataRequired(message="Укажите адрес почты."),
            Email(message="Проверьте адрес почты.", check_deliverability=False),
        ],
    )
    inn = StringField("ИНН", validators=[_digits(10, "ИНН")])
    kpp = StringField("КПП", validators=[_pattern(r"[0-9]{4}[0-9A-Z]{2}[0-9]{3}", "КПП", "КПП: 9 знаков.")])
    ogrn = StringField("ОГРН", validators=[_digits(13, "ОГРН")])
    bank_name = StringField("Банк", validators=[DataRequired(message="Укажите банк."), Length(max=200)])
    bank_bic = StringField("БИК", validators=[_digits(9, "БИК")])
    bank_account = StringField("Расчётный счёт", validators=[_digits(20, "Расчётный счёт")])
    bank_corr_account = StringField("Корреспондентский счёт", validators=[_digits(20, "Корреспондентский счёт")])
    vat_payer = BooleanField("Компания платит НДС")
    region = StringField("Регион", validators=[DataRequired(message="Укажите регион."), Length(max=120)])
    time_zone = StringField(
        "Часовой пояс (например, Europe/Moscow)", validators=[DataRequired(message="Укажите часовой пояс.")]
    )
    site_url = StringField(
        "Адрес личного кабинета в интернете",
        validators=[
            DataRequired(message="Укажите адрес сайта."),
            Regexp(r"^https?://[^\s/]+", message="Адрес начинается с https://"),
        ],
    )

    def validate_time_zone(self, field):
        if field.data not in available_timezones():
            raise ValidationError("Неизвестный часовой пояс. Пример: Europe/Moscow, Asia/Yekaterinburg.")

    def validate_inn(self, field):
        from stdnum.ru import inn

        if field.data and not inn.is_valid(field.data):
            raise ValidationError("ИНН введён с ошибкой.")


class VatRateForm(BaseForm):
    valid_from = DateField("Действует с", validators=[DataRequired(message="Укажите дату.")])
    percent = DecimalField(
        "Ставка, %",
        places=2,
        validators=[
            _no_other_digits(),
            DataRequired(message="Укажите ставку."),  # the route prefixes the label
            # NumberRange formats its message with %: a bare «%» was a ValueError, a 500 for 60 %.
            NumberRange(min=0, max=50, message="Ставка от 0 до 50 %%."),
        ],
    )
