"""The calculator's GET form (field names of SPEC §4.2) and the office's tariff upload."""

from __future__ import annotations

from decimal import Decimal

from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, RadioField, SelectField
from wtforms.validators import Length, ValidationError

from app.calculator.rules import (
    APPLICANT_TYPES,
    MAX_COUNT,
    MAX_LINE_KM,
    MAX_POWER_KW,
    METERING_LABELS,
    TERRITORY_LABELS,
)
from app.calculator.services import CalculationInput
from app.connection.rules import VOLTAGES_KV
from app.core.forms import FALSE_VALUES, BaseForm, DateText, InRange, NumberField, OneOf, choices


def _flag(label: str) -> BooleanField:
    return BooleanField(label, false_values=FALSE_VALUES)


VOLTAGE_LABELS = [(v, f"{v.replace('.', ',')} кВ") for v in VOLTAGES_KV]
DEFAULT_VARIANT = ("", "по умолчанию")


class CalculatorForm(BaseForm):
    """The query of /calculator. Its field names are a public contract (SPEC §4.2)."""

    class Meta:
        csrf = False  # a GET form: nothing changes on the server

    applicant_type = RadioField(
        "Заявитель",
        choices=choices(
            [
                ("individual", "Физическое лицо"),
                ("entrepreneur", "Индивидуальный предприниматель"),
                ("legal", "Юридическое лицо"),
            ]
        ),
        default="individual",
        validate_choice=False,
        validators=[OneOf(APPLICANT_TYPES, "Выберите тип заявителя.")],
    )
    power_kw = NumberField(
        "Максимальная мощность, кВт",
        places=3,
        required_message="Укажите максимальную мощность, кВт.",
        validators=[InRange(Decimal(0), MAX_POWER_KW, "кВт", exclusive_min=True)],
    )
    existing_power_kw = NumberField(
        "Ранее присоединённая мощность, кВт",
        places=3,
        default=Decimal(0),
        validators=[InRange(Decimal(0), MAX_POWER_KW, "кВт")],
    )
    voltage_kv = SelectField(
        "Уровень напряжения",
        choices=choices(VOLTAGE_LABELS),
        default="0.4",
        validate_choice=False,
        validators=[OneOf(VOLTAGES_KV, "Выберите уровень напряжения из списка.")],
    )
    reliability = RadioField(
        "Категория надёжности",
        choices=choices([("1", "I"), ("2", "II"), ("3", "III")]),
        default="3",
        validate_choice=False,
        validators=[OneOf(("1", "2", "3"), "Выберите категорию надёжности: I, II или III.")],
    )
    territory = RadioField(
        "Территория",
        choices=choices([("urban", "город"), ("rural", "сельская местность")]),
        default="urban",
        validate_choice=False,
        validators=[OneOf(TERRITORY_LABELS, "Выберите территорию: город или село.")],
    )
    within_distance = RadioField(
        "Сети нужного напряжения в пределах 300 м (город) или 500 м (село)",
        choices=choices([("y", "да"), ("n", "нет, дальше")]),
        default="y",
        validate_choice=False,
        validators=[OneOf(("y", "n"), "Ответьте «да» или «нет».")],
    )
    preferential = _flag("Заявитель относится к льготной категории (для физических лиц)")
    overhead_km = NumberField(
        "Воздушная линия (ВЛ), км", places=3, default=Decimal(0), validators=[InRange(Decimal(0), MAX_LINE_KM, "км")]
    )
    overhead_variant = SelectField(
        "Вариант ВЛ",
        choices=[],
        default="",
        validate_choice=False,
        validators=[Length(max=40, message="Выберите вариант из списка.")],
    )
    cable_km = NumberField(
        "Кабельная линия (КЛ), км", places=3, default=Decimal(0), validators=[InRange(Decimal(0), MAX_LINE_KM, "км")]
    )
    cable_variant = SelectField(
        "Вариант КЛ",
        choices=[],
        default="",
        validate_choice=False,
        validators=[Length(max=40, message="Выберите вариант из списка.")],
    )
    sectioning_points = NumberField(
        "Пункты секционирования, шт.", integer=True, default=0, validators=[InRange(0, MAX_COUNT, "шт.")]
    )
    substation = _flag("Трансформаторная подстанция (ТП)")
    distribution_substation = _flag("Распределительная трансформаторная подстанция (РТП)")
    supply_center = _flag("Центр питания, подстанция 35 кВ и выше")
    metering = SelectField(
        "Учёт электроэнергии",
        choices=choices(list(METERING_LABELS.items())),
        default="none",
        validate_choice=False,
        validators=[OneOf(METERING_LABELS, "Выберите тип учёта из списка.")],
    )
    metering_points = NumberField("Точек учёта", integer=True, default=1, validators=[InRange(0, MAX_COUNT)])
    date = DateText("Дата расчёта (тариф и НДС)")

    def set_variants(self, overhead: list[tuple[str, str]], cable: list[tuple[str, str]]) -> None:
        """Offer the line variants of the decision in force; a code from elsewhere is kept
        selected, so the calculation can say it is not in this decision."""
        for field, options in ((self.overhead_variant, overhead), (self.cable_variant, cable)):
            pairs = [DEFAULT_VARIANT, *options]
            if field.data and field.data not in {code for code, _ in pairs}:
                pairs.append((field.data, f"{field.data} (нет в действующем решении)"))
            field.choices = choices(pairs)

    def validate_existing_power_kw(self, field):
        """Compared with the maximum power only once that is valid: a negative maximum gets its
        own error, not a second one about the power connected before."""
        if self.power_kw.errors or field.errors:
            return
        if field.data is not None and self.power_kw.data is not None and field.data > self.power_kw.data:
            raise ValidationError(
                "Ранее присоединённая мощность не может быть больше максимальной: "
                "максимальная включает ранее присоединённую."
            )

    def validate_metering_points(self, field):
        if self.metering.data != "none" and field.data == 0:
            raise ValidationError("Укажите хотя бы одну точку учёта или выберите «не требуется».")

    def to_input(self) -> CalculationInput:
        metering = self.metering.data
        return CalculationInput(
            applicant_type=self.applicant_type.data,
            power_kw=self.power_kw.data,
            existing_power_kw=self.existing_power_kw.data,
            voltage_kv=self.voltage_kv.data,
            reliability=int(self.reliability.data),
            territory=self.territory.data,
            within_distance=self.within_distance.data == "y",
            preferential=bool(self.preferential.data),
            overhead_km=self.overhead_km.data,
            cable_km=self.cable_km.data,
            overhead_variant=self.overhead_variant.data or None,
            cable_variant=self.cable_variant.data or None,
            sectioning_points=self.sectioning_points.data,
            substation=bool(self.substation.data),
            distribution_substation=bool(self.distribution_substation.data),
            supply_center=bool(self.supply_center.data),
            metering=metering,
            metering_points=self.metering_points.data if metering != "none" else 0,
            on_date=self.date.data,
        )


#: The query parameters of SPEC §4.2: their presence means a calculation was asked for.
FIELD_NAMES = (
    "applicant_type",
    "power_kw",
    "existing_power_kw",
    "voltage_kv",
    "reliability",
    "territory",
    "within_distance",
    "preferential",
    "overhead_km",
    "cable_km",
    "overhead_variant",
    "cable_variant",
    "sectioning_points",
    "substation",
    "distribution_substation",
    "supply_center",
    "metering",
    "metering_points",
    "date",
)


class ImportForm(BaseForm):
    file = FileField(
        "Файл решения (JSON)",
        validators=[FileRequired(message="Выберите файл тарифного решения.")],
    )
