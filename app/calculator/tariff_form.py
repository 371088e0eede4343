"""A tariff decision typed in by hand: the fields of the decision file, one row per voltage
band (FieldList of FormField), and rows of line variants. The form builds the same data a
file holds and hands it to tariff_file.validate(), so every check of a file applies; each
problem comes back next to the field it is about, in Russian."""

from __future__ import annotations

import re
from decimal import Decimal

from wtforms import Form, StringField
from wtforms.fields import FieldList, FormField, SelectField

from app.calculator.rules import BAND_LABELS, METERING_LABELS, TERRITORY_LABELS
from app.calculator.tariff_file import (
    BANDS,
    C1_KEYS,
    METERING_TYPES,
    PREFERENTIAL_KEYS,
    TERRITORIES,
    ParsedDecision,
    TariffFileError,
    validate,
)
from app.core.forms import BaseForm, DateText, choices

#: A rate as typed: digits with an optional decimal comma or point; spaces between thousands.
_NUMBER = re.compile(r"[0-9]+(?:[.,][0-9]+)?", re.ASCII)
#: The rows of the band table: sections with a rate per band (and territory for lines).
BAND_COLUMNS = (
    ("c2_urban", "c2_per_km", "urban"),
    ("c2_rural", "c2_per_km", "rural"),
    ("c3_urban", "c3_per_km", "urban"),
    ("c3_rural", "c3_per_km", "rural"),
    ("c4", "c4_per_point", None),
    ("c5", "c5_per_kw", None),
    ("c6", "c6_per_kw", None),
    ("c7", "c7_per_kw", None),
)
BAND_COLUMN_LABELS = {
    "c2_urban": "C2 ВЛ, город, ₽/км",
    "c2_rural": "C2 ВЛ, село, ₽/км",
    "c3_urban": "C3 КЛ, город, ₽/км",
    "c3_rural": "C3 КЛ, село, ₽/км",
    "c4": "C4 пункт секционирования, ₽/шт.",
    "c5": "C5 ТП, ₽/кВт",
    "c6": "C6 РТП, ₽/кВт",
    "c7": "C7 центр питания, ₽/кВт",
}
#: The rates a row of variants may belong to: the lines of a band and territory.
VARIANT_CELLS = [
    (f"{section}.{band}.{territory}", f"{kind}, {BAND_LABELS[band]}, {TERRITORY_LABELS[territory]}")
    for section, kind in (("c2_per_km", "C2 ВЛ"), ("c3_per_km", "C3 КЛ"))
    for band in BANDS
    for territory in TERRITORIES
]
VARIANT_ROWS = 3


def _rate_field(label: str) -> StringField:
    return StringField(label, render_kw={"inputmode": "decimal", "autocomplete": "off"})


class BandRow(Form):
    """The rates of one voltage band (the band is the row's place in BANDS)."""

    c2_urban = _rate_field(BAND_COLUMN_LABELS["c2_urban"])
    c2_rural = _rate_field(BAND_COLUMN_LABELS["c2_rural"])
    c3_urban = _rate_field(BAND_COLUMN_LABELS["c3_urban"])
    c3_rural = _rate_field(BAND_COLUMN_LABELS["c3_rural"])
    c4 = _rate_field(BAND_COLUMN_LABELS["c4"])
    c5 = _rate_field(BAND_COLUMN_LABELS["c5"])
    c6 = _rate_field(BAND_COLUMN_LABELS["c6"])
    c7 = _rate_field(BAND_COLUMN_LABELS["c7"])


class VariantRow(Form):
    """A line variant: its rate replaces the single number of that band and territory."""

    cell = SelectField("Ставка", choices=choices([("", "— не нужен —"), *VARIANT_CELLS]), validate_choice=False)
    code = StringField("Код", render_kw={"autocomplete": "off"})
    name = StringField("Название", render_kw={"autocomplete": "off"})
    rate = _rate_field("Ставка, ₽/км")


class TariffEntryForm(BaseForm):
    class Meta:
        def bind_field(self, form, unbound_field, options):
            """The rows take no filters (their fields are stripped where they are read)."""
            if unbound_field.field_class in (FieldList, FormField):
                return unbound_field.bind(form=form, **options)
            return BaseForm.Meta.bind_field(self, form, unbound_field, options)

    region = StringField("Регион")
    decision = StringField("Решение (вид, орган, номер и дата)")
    valid_from = DateText("Действует с")
    valid_to = DateText("Действует по (пусто — бессрочно)")
    c1_up_to_150 = _rate_field("C1 до 150 кВт включительно, ₽ за присоединение")
    c1_over_150 = _rate_field("C1 свыше 150 кВт, ₽ за присоединение")
    bands = FieldList(FormField(BandRow), min_entries=len(BANDS), max_entries=len(BANDS))
    c8_single_phase = _rate_field(f"C8 {METERING_LABELS['single_phase']}, ₽ за точку")
    c8_three_phase_direct = _rate_field(f"C8 {METERING_LABELS['three_phase_direct']}, ₽ за точку")
    c8_three_phase_ct = _rate_field(f"C8 {METERING_LABELS['three_phase_ct']}, ₽ за точку")
    preferential_standard = _rate_field("Льготная плата: физические лица до 15 кВт, ₽ за кВт с НДС")
    preferential_preferential_group = _rate_field("Льготная плата: льготная категория, ₽ за кВт с НДС")
    variants = FieldList(FormField(VariantRow), min_entries=VARIANT_ROWS, max_entries=VARIANT_ROWS)

    @property
    def errors(self) -> dict:
        """Every error, the checks of the decision included (WTForms keeps only its own)."""
        found: dict = {}
        for field, message in self.error_list():
            found.setdefault(field.id, []).append(message)
        return found

    def error_list(self) -> list:
        """The summary's (field, message) pairs, the fields of the rows included."""
        pairs = []
        for field in self:
            if not isinstance(field, FieldList):
                pairs += [(field, message) for message in field.errors if isinstance(message, str)]
                continue
            for index, entry in enumerate(field):
                row = BAND_LABELS[BANDS[index]] if field.name == "bands" else f"Вариант {index + 1}"
                for sub in entry.form:
                    pairs += [(sub, f"{row}, {sub.label.text}: {_lower(message)}") for message in sub.errors]
        return pairs

    def parsed(self) -> ParsedDecision | None:
        """The decision, or None with every problem next to its field."""
        data, fields = self._data()
        refused = "_variants" in fields or any(f.errors for f in (self.valid_from, self.valid_to))
        try:
            parsed = validate(data)
            return None if refused else parsed
        except TariffFileError as exc:
            for problem in exc.problems:
                field = _field_for(problem.path, fields) or self.decision
                message = f"{problem.message[:1].upper()}{problem.message[1:]}."
                if message not in field.errors:
                    field.errors = [*field.errors, message]
            return None

    def _data(self) -> tuple[dict, dict]:
        """The decision as a file's data, and which field each path of it came from."""
        data: dict = {}
        fields: dict = {"region": self.region, "decision": self.decision, "valid_from": self.valid_from}
        fields["valid_to"] = self.valid_to
        for key in ("region", "decision"):
            if self[key].data:
                data[key] = self[key].data
        if self.valid_from.data:
            data["valid_from"] = self.valid_from.data.isoformat()
        data["valid_to"] = self.valid_to.data.isoformat() if self.valid_to.data else None
        sections: dict = {}

        def put(path: tuple[str, ...], field) -> None:
            fields[".".join(path)] = field
            if path[0] == "c1":
                fields.setdefault("c1", field)
            value = _number(field.data)
            if value is None:
                return
            level = sections.setdefault(path[0], {})
            for key in path[1:-1]:
                level = level.setdefault(key, {})
            level[path[-1]] = value

        for key in C1_KEYS:
            put(("c1", key), self[f"c1_{key}"])
        for band, row in zip(BANDS, self.bands, strict=True):
            for name, section, territory in BAND_COLUMNS:
                put((section, band, territory) if territory else (section, band), row.form[name])
        for key in METERING_TYPES:
            put(("c8_per_point", key), self[f"c8_{key}"])
        for key in PREFERENTIAL_KEYS:
            put(("preferential_per_kw", key), self[f"preferential_{key}"])
        self._put_variants(sections, fields)
        data.update(sections)
        return data, fields

    def _put_variants(self, sections: dict, fields: dict) -> None:
        listed: dict[str, list] = {}
        for row in self.variants:
            form = row.form
            if not (form.cell.data or form.code.data or form.name.data or form.rate.data):
                continue
            if form.cell.data not in dict(VARIANT_CELLS):
                form.cell.errors = ["Выберите, к какой ставке относится вариант."]
                fields.setdefault("_variants", form.cell)
                continue
            items = listed.setdefault(form.cell.data, [])
            path = f"{form.cell.data}[{len(items)}]"
            fields.update({path: form.cell, f"{path}.code": form.code, f"{path}.name": form.name})
            fields[f"{path}.rate"] = form.rate
            items.append(
                {
                    "code": (form.code.data or "").strip(),
                    "name": (form.name.data or "").strip(),
                    "rate": _number(form.rate.data),
                }
            )
        for cell, items in listed.items():
            section, band, territory = cell.split(".")
            rates = sections.setdefault(section, {}).setdefault(band, {})
            if territory in rates:
                field = fields[cell]
                field.errors = [*field.errors, "Укажите либо одну ставку в таблице, либо варианты — не то и другое."]
                fields["_variants"] = field
            rates[territory] = items


def _lower(message: str) -> str:
    return message[:1].lower() + message[1:]


def _number(text: str | None):
    """A typed rate as a Decimal; None when empty; the text itself when it is no number
    (the file's check then says «должно быть неотрицательным числом» next to it)."""
    text = "".join((text or "").split()).replace("\u00a0", "")
    if not text:
        return None
    return Decimal(text.replace(",", ".")) if _NUMBER.fullmatch(text) else text


def _field_for(path: str, fields: dict):
    """The field a problem's path names, or the nearest field above it."""
    while path:
        if path in fields:
            return fields[path]
        path = path.rsplit(".", 1)[0] if "." in path else ""
    return None
