"""The base form every feature uses (strips whitespace, speaks Russian), and the fields and
validators several features' forms share."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

import wtforms
from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, StopValidation, ValidationError

from app.core.templating import format_number
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


# --- fields and validators that several features' forms share ---------------------------------

FALSE_VALUES = ("n", "no", "false", "0", "")


class NumberField(StringField):
    """A number typed as text: a comma or a dot, spaces between thousands; Russian errors.

    The text typed is shown back as it was, so a mistake can be seen and mended. An empty
    optional field takes its default (0 km, 0 points)."""

    def __init__(
        self,
        label=None,
        validators=None,
        *,
        places: int = 3,
        integer: bool = False,
        required_message: str | None = None,
        **kwargs,
    ):
        super().__init__(label, validators, **kwargs)
        self.places = places
        self.integer = integer
        self.required_message = required_message
        self.raw_text: str | None = None

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        raw = valuelist[0].strip()
        self.raw_text = raw
        if raw == "":
            self.data = None if self.required_message else self.default
            return
        text = re.sub(r"[\s\u00a0\u202f]", "", raw).replace(",", ".")
        if has_other_digits(text):  # int() and Decimal() would read '٣' as 3
            self.data = None
            raise ValueError(other_digits_message(self.label.text))
        if self.integer:
            if not re.fullmatch(r"[+-]?[0-9]{1,9}", text):
                self.data = None
                raise ValueError("Введите целое число, например 2.")
            self.data = int(text)
            return
        if not re.fullmatch(r"[+-]?([0-9]{1,12}(\.[0-9]*)?|\.[0-9]+)", text):
            self.data = None
            raise ValueError("Введите число, например 15 или 15,5.")
        try:
            value = Decimal(text)
        except InvalidOperation:
            self.data = None
            raise ValueError("Введите число, например 15 или 15,5.") from None
        if value.as_tuple().exponent < -self.places:
            self.data = None
            raise ValueError(f"Не больше {self.places} знаков после запятой.")
        self.data = value

    def pre_validate(self, form):
        if self.data is None and self.required_message and not self.process_errors:
            raise ValidationError(self.required_message)

    def _value(self) -> str:
        if self.raw_text is not None:
            return self.raw_text
        if isinstance(self.data, Decimal):
            # As a Russian reader types it: a stored 7.000 shows «7», 12.500 «12,5».
            return format_number(self.data, self.places)
        return "" if self.data is None else str(self.data)


class InRange:
    """min ≤ value ≤ max (or min < value), with a message in Russian naming the unit."""

    def __init__(self, minimum, maximum, unit: str = "", exclusive_min: bool = False):
        self.minimum, self.maximum, self.unit, self.exclusive_min = minimum, maximum, unit, exclusive_min

    def __call__(self, form, field):
        value = field.data
        if value is None:
            return
        unit = f" {self.unit}" if self.unit else ""
        if value < 0:
            raise ValidationError("Значение не может быть отрицательным.")
        if self.exclusive_min and value <= self.minimum:
            raise ValidationError(f"Значение должно быть больше {format_number(self.minimum)}{unit}.")
        if value < self.minimum:
            raise ValidationError(f"Не меньше {format_number(self.minimum)}{unit}.")
        if value > self.maximum:
            raise ValidationError(f"Не больше {format_number(self.maximum, 0)}{unit}: проверьте значение.")


class OneOf:
    def __init__(self, values, message: str):
        self.values, self.message = tuple(values), message

    def __call__(self, form, field):
        if field.data not in self.values:
            raise ValidationError(self.message)


class DateText(StringField):
    """YYYY-MM-DD (what a date input sends), or DD.MM.YYYY typed where there is no date picker;
    a year outside `years` is a typo."""

    def __init__(self, label=None, validators=None, *, years: tuple[int, int] = (2000, 2100), **kwargs):
        super().__init__(label, validators, **kwargs)
        self.years = years

    def process_formdata(self, valuelist):
        self.raw_text = valuelist[0].strip() if valuelist else ""
        self.data = None
        if not self.raw_text:
            return
        for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
            try:
                self.data = datetime.strptime(self.raw_text, fmt).date()
            except ValueError:
                continue
            if not self.years[0] <= self.data.year <= self.years[1]:
                self.data = None
                raise ValueError(f"Укажите дату между {self.years[0]} и {self.years[1]} годами.")
            return
        raise ValueError("Введите дату в формате ГГГГ-ММ-ДД, например 2026-03-01.")

    def _value(self) -> str:
        if getattr(self, "raw_text", None):
            return self.raw_text
        return self.data.isoformat() if isinstance(self.data, date) else ""


def voltage_label(value: str) -> str:
    """A voltage level as a reader sees it: "0.4" → «0,4 кВ»."""
    return f"{value.replace('.', ',')} кВ"


def flag(label: str) -> BooleanField:
    """A checkbox; "n", "no", "false", "0" and "" are off, as a GET query may send them."""
    return BooleanField(label, false_values=FALSE_VALUES)


# --- the calculation's network inputs (SPEC §4.2 names): the calculator's query and the offer -----
# Called in the form's class body, so the fields keep their place in the form's order (WTForms
# orders fields as they are created) and in its error summary.

#: A line variant not chosen: the decision's default.
DEFAULT_VARIANT = ("", "по умолчанию")


def within_distance_field(**kwargs) -> RadioField:
    return RadioField(
        "Сети нужного напряжения в пределах 300 м (город) или 500 м (село)",
        choices=choices([("y", "да"), ("n", "нет, дальше")]),
        validate_choice=False,
        validators=[OneOf(("y", "n"), "Ответьте «да» или «нет».")],
        **kwargs,
    )


def _variant_field(label: str) -> SelectField:
    return SelectField(
        label,
        choices=[],
        default="",
        validate_choice=False,
        validators=[Length(max=40, message="Выберите вариант из списка.")],
    )


def line_fields(max_km: Decimal) -> tuple[NumberField, SelectField, NumberField, SelectField]:
    """overhead_km, overhead_variant, cable_km, cable_variant."""
    return (
        NumberField(
            "Воздушная линия (ВЛ), км", places=3, default=Decimal(0), validators=[InRange(Decimal(0), max_km, "км")]
        ),
        _variant_field("Вариант ВЛ"),
        NumberField(
            "Кабельная линия (КЛ), км", places=3, default=Decimal(0), validators=[InRange(Decimal(0), max_km, "км")]
        ),
        _variant_field("Вариант КЛ"),
    )


def sectioning_points_field(max_count: int) -> NumberField:
    return NumberField(
        "Пункты секционирования, шт.", integer=True, default=0, validators=[InRange(0, max_count, "шт.")]
    )


def substation_flags() -> tuple[BooleanField, BooleanField, BooleanField]:
    """substation, distribution_substation, supply_center."""
    return (
        flag("Трансформаторная подстанция (ТП)"),
        flag("Распределительная трансформаторная подстанция (РТП)"),
        flag("Центр питания, подстанция 35 кВ и выше"),
    )


def metering_fields(labels: dict[str, str], max_count: int) -> tuple[SelectField, NumberField]:
    """metering (its types: `labels`, "none" among them) and metering_points."""
    return (
        SelectField(
            "Учёт электроэнергии",
            choices=choices(list(labels.items())),
            default="none",
            validate_choice=False,
            validators=[OneOf(labels, "Выберите тип учёта из списка.")],
        ),
        NumberField("Точек учёта", integer=True, default=1, validators=[InRange(0, max_count)]),
    )


class NetworkInputsMixin:
    """What a form with line_fields() and metering_fields() does with them."""

    def set_variants(self, overhead: list[tuple[str, str]], cable: list[tuple[str, str]]) -> None:
        """Offer the line variants of the decision in force; a code from elsewhere is kept
        selected, so the calculation can say it is not in this decision."""
        for field, options in ((self.overhead_variant, overhead), (self.cable_variant, cable)):
            pairs = [DEFAULT_VARIANT, *options]
            if field.data and field.data not in {code for code, _ in pairs}:
                pairs.append((field.data, f"{field.data} (нет в действующем решении)"))
            field.choices = choices(pairs)

    def validate_metering_points(self, field):
        if self.metering.data != "none" and field.data == 0:
            raise ValidationError("Укажите хотя бы одну точку учёта или выберите «не требуется».")
