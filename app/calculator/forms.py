"""The calculator's GET form (field names of SPEC §4.2) and the office's tariff upload."""

from __future__ import annotations

from decimal import Decimal

from flask_wtf.file import FileField, FileRequired
from wtforms import RadioField, SelectField
from wtforms.validators import ValidationError

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
from app.core.forms import (
    BaseForm,
    DateText,
    InRange,
    NetworkInputsMixin,
    NumberField,
    OneOf,
    choices,
    flag,
    line_fields,
    metering_fields,
    sectioning_points_field,
    substation_flags,
    voltage_label,
    within_distance_field,
)

VOLTAGE_LABELS = [(v, voltage_label(v)) for v in VOLTAGES_KV]


class CalculatorForm(NetworkInputsMixin, BaseForm):
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
    within_distance = within_distance_field(default="y")
    preferential = flag("Заявитель относится к льготной категории (для физических лиц)")
    overhead_km, overhead_variant, cable_km, cable_variant = line_fields(MAX_LINE_KM)
    sectioning_points = sectioning_points_field(MAX_COUNT)
    substation, distribution_substation, supply_center = substation_flags()
    metering, metering_points = metering_fields(METERING_LABELS, MAX_COUNT)
    date = DateText("Дата расчёта (тариф и НДС)")

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
