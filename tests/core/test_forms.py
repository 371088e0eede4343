"""The form fields several features share (app.core.forms): the calculation's network inputs
of the calculator's query and the office's offer, one set instead of two copies."""

from decimal import Decimal

from werkzeug.datastructures import MultiDict
from wtforms import StringField

from app.core import forms

NETWORK_INPUTS = (
    "within_distance",
    "overhead_km",
    "overhead_variant",
    "cable_km",
    "cable_variant",
    "sectioning_points",
    "substation",
    "distribution_substation",
    "supply_center",
    "metering",
    "metering_points",
)


class Inputs(forms.NetworkInputsMixin, forms.BaseForm):
    class Meta:
        csrf = False

    before = StringField("До")
    within_distance = forms.within_distance_field(default="y")
    overhead_km, overhead_variant, cable_km, cable_variant = forms.line_fields(Decimal(5))
    sectioning_points = forms.sectioning_points_field(10)
    substation, distribution_substation, supply_center = forms.substation_flags()
    metering, metering_points = forms.metering_fields({"none": "не требуется", "meter": "счётчик"}, 10)
    after = StringField("После")


def test_the_fields_keep_their_place_in_the_form(app):
    with app.test_request_context():
        assert [f.name for f in Inputs()] == ["before", *NETWORK_INPUTS, "after"]


def test_the_fields_check_what_is_typed(app):
    posted = MultiDict(
        {"within_distance": "maybe", "overhead_km": "6", "sectioning_points": "11", "metering": "meter"}
        | {"metering_points": "0", "substation": "y", "supply_center": "no"}
    )
    with app.test_request_context():
        form = Inputs(formdata=posted)
        assert not form.validate()
        assert [(f.name, m) for f, m in form.error_list()] == [
            ("within_distance", "Ответьте «да» или «нет»."),
            ("overhead_km", "Не больше 5 км: проверьте значение."),
            ("sectioning_points", "Не больше 10 шт.: проверьте значение."),
            ("metering_points", "Укажите хотя бы одну точку учёта или выберите «не требуется»."),
        ]
        assert form.substation.data is True and form.supply_center.data is False


def test_a_variant_not_in_the_decision_stays_chosen(app):
    with app.test_request_context():
        form = Inputs(formdata=MultiDict({"overhead_variant": "old"}))
        form.set_variants([("sip", "СИП")], [])
        assert [(c.value, c.label) for c in form.overhead_variant.choices] == [
            ("", "по умолчанию"),
            ("sip", "СИП"),
            ("old", "old (нет в действующем решении)"),
        ]
        assert [c.value for c in form.cable_variant.choices] == [""]


def test_the_calculator_and_the_offer_ask_the_same_way(app):
    from app.applications.office_forms import OfferCalcForm
    from app.calculator.forms import CalculatorForm

    def described(form):
        return [
            (f.name, f.label.text, type(f).__name__, [(c.value, c.label) for c in getattr(f, "choices", None) or []])
            for f in form
            if f.name in NETWORK_INPUTS and f.name != "within_distance"
        ]

    with app.test_request_context():
        assert described(CalculatorForm()) == described(OfferCalcForm(formdata=None))
        assert len(described(CalculatorForm())) == len(NETWORK_INPUTS) - 1


def test_voltage_label():
    assert [forms.voltage_label(v) for v in ("0.4", "10", "110")] == ["0,4 кВ", "10 кВ", "110 кВ"]
