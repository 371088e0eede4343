"""Forms of the applications back-office: one per staff action on the card, the offer with
the calculation inputs staff enter (SPEC §2.2, names as in the calculator's query), and the
stage deadlines (admins). Files are checked by content before anything is saved."""

from __future__ import annotations

from decimal import Decimal

from flask_wtf.file import MultipleFileField
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, StopValidation, ValidationError

from app.applications.offer import OfferInputs
from app.applications.rules import MAX_TEXT
from app.applications.uploads import MAX_FILES, CheckedFile, check_files
from app.calculator.rules import MAX_COUNT, MAX_LINE_KM, METERING_LABELS, TERRITORY_LABELS
from app.core.clock import today
from app.core.forms import (
    BaseForm,
    DateText,
    InRange,
    IntegerField,
    NetworkInputsMixin,
    NumberField,
    OneOf,
    choices,
    line_fields,
    metering_fields,
    sectioning_points_field,
    substation_flags,
    within_distance_field,
)
from app.workdays.services import Term

FILES_HINT = f"PDF, JPEG или PNG, до {MAX_FILES} файлов, каждый не больше 10 МБ"
#: The largest payment we accept as typed: above it the number is a typo.
MAX_AMOUNT = Decimal("1000000000")
UNITS = (("wd", "рабочих дней"), ("d", "календарных дней"), ("m", "месяцев"))


def _lf(value):
    """Browsers send CRLF line breaks but count each as one character (maxlength)."""
    return value.replace("\r\n", "\n") if isinstance(value, str) else value


def _length(limit: int = MAX_TEXT, what: str = "Текст"):
    return Length(max=limit, message=f"{what} не должен быть длиннее {limit} символов.")


class FilesForm(BaseForm):
    """A form whose file fields are read and recognised by content in validate(); the
    files that passed are in `checked[field name]`. `required` maps a field to the message
    shown when it is left empty."""

    file_fields: tuple[str, ...] = ()
    required: dict[str, str] = {}
    checked: dict[str, list[CheckedFile]]

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        self.checked = {}
        for name in self.file_fields:
            field = self[name]
            files, errors = check_files(field.data)
            if errors:
                field.errors = [*field.errors, *errors]
                ok = False
            elif not files and name in self.required:
                field.errors = [*field.errors, self.required[name]]
                ok = False
            self.checked[name] = files
        return ok


class NoteForm(BaseForm):
    text = TextAreaField(
        "Внутренняя заметка (заявитель её не видит)",
        filters=[_lf],
        validators=[DataRequired(message="Напишите текст заметки."), _length(MAX_TEXT, "Заметка")],
    )


class RequestInfoForm(FilesForm):
    file_fields = ("files",)
    text = TextAreaField(
        "Каких сведений или документов не хватает (это увидит заявитель)",
        filters=[_lf],
        validators=[
            DataRequired(message="Напишите, каких сведений или документов не хватает."),
            _length(MAX_TEXT, "Запрос"),
        ],
    )
    files = MultipleFileField(f"Файлы к запросу, если нужны ({FILES_HINT})")


class OfferCalcForm(NetworkInputsMixin, BaseForm):
    """The calculation inputs the application does not hold, prefilled from it
    (offer.offer_defaults); the invoice preview validates just these."""

    territory = RadioField(
        "Территория",
        choices=choices(list(TERRITORY_LABELS.items())),
        validate_choice=False,
        validators=[OneOf(TERRITORY_LABELS, "Выберите территорию: город или село.")],
    )
    within_distance = within_distance_field()
    overhead_km, overhead_variant, cable_km, cable_variant = line_fields(MAX_LINE_KM)
    sectioning_points = sectioning_points_field(MAX_COUNT)
    substation, distribution_substation, supply_center = substation_flags()
    metering, metering_points = metering_fields(METERING_LABELS, MAX_COUNT)
    investment_construction = RadioField(
        "Строительство объектов инвестиционной программы (п. 16 Правил: срок 4 месяца или 2 года)",
        choices=choices([("auto", "по строительству, указанному выше"), ("y", "требуется"), ("n", "не требуется")]),
        default="auto",
        validate_choice=False,
        validators=[OneOf(("auto", "y", "n"), "Выберите один из вариантов.")],
    )

    #: The fields of the calculation, in the order of the form (the preview sends just these).
    CALC_FIELDS = (
        "territory",
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
        "investment_construction",
    )

    def fill(self, inputs: OfferInputs) -> None:
        """Prefill from the application (a GET of the card)."""
        for name in (
            "overhead_km",
            "cable_km",
            "sectioning_points",
            "substation",
            "distribution_substation",
            "supply_center",
            "metering",
            "metering_points",
        ):
            self[name].data = getattr(inputs, name)
        self.territory.data = inputs.territory
        self.within_distance.data = "y" if inputs.within_distance else "n"
        self.overhead_variant.data = inputs.overhead_variant or ""
        self.cable_variant.data = inputs.cable_variant or ""
        if inputs.metering == "none":
            self.metering_points.data = 0
        self.investment_construction.data = {None: "auto", True: "y", False: "n"}[inputs.investment_construction]

    def inputs(self) -> OfferInputs:
        metering = self.metering.data
        return OfferInputs(
            territory=self.territory.data,
            within_distance=self.within_distance.data == "y",
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
            investment_construction={"y": True, "n": False}.get(self.investment_construction.data),
        )


class OfferForm(FilesForm, OfferCalcForm):
    """Post the offer: the calculation inputs, the ТУ (required), other files, a comment."""

    file_fields = ("technical_conditions", "other_files")
    required = {"technical_conditions": "Приложите технические условия (PDF, JPEG или PNG)."}
    technical_conditions = MultipleFileField(f"Технические условия ({FILES_HINT})")
    other_files = MultipleFileField(f"Другие документы, если нужны ({FILES_HINT})")
    comment = TextAreaField(
        "Комментарий для заявителя (необязательно)",
        filters=[_lf],
        validators=[Optional(), _length(MAX_TEXT, "Комментарий")],
    )


def _need_date(field, message: str) -> None:
    """A date is required; a date typed wrong already says so (one message per field)."""
    if field.data is None:
        raise StopValidation() if field.process_errors else StopValidation(message)


class PaymentForm(FilesForm):
    file_fields = ("files",)
    paid_on = DateText("Дата оплаты")
    amount = NumberField(
        "Сумма, ₽",
        places=2,
        required_message="Укажите сумму оплаты.",
        validators=[InRange(Decimal(0), MAX_AMOUNT, "₽", exclusive_min=True)],
    )
    document = StringField("Платёжный документ (номер и дата)", validators=[Optional(), _length(200, "Текст")])
    files = MultipleFileField(f"Скан платёжного документа, если есть ({FILES_HINT})")

    def validate_paid_on(self, field):
        _need_date(field, "Укажите дату оплаты.")
        if field.data > today():
            raise ValidationError("Дата оплаты не может быть позже сегодняшней.")


class SignedContractForm(FilesForm):
    file_fields = ("files",)
    required = {"files": "Приложите подписанный договор."}
    signed_on = DateText("Дата подписания договора заявителем")
    files = MultipleFileField(f"Подписанный договор ({FILES_HINT})")

    def validate_signed_on(self, field):
        _need_date(field, "Укажите дату подписания.")
        if field.data > today():
            raise ValidationError("Дата подписания не может быть позже сегодняшней.")


class ReworkForm(FilesForm):
    file_fields = ("files",)
    remarks = TextAreaField(
        "Замечания: что ещё не выполнено (это увидит заявитель)",
        filters=[_lf],
        validators=[DataRequired(message="Напишите замечания: что ещё не выполнено."), _length(MAX_TEXT, "Замечания")],
    )
    files = MultipleFileField(f"Акт проверки с замечаниями, если есть ({FILES_HINT})")


class ConnectForm(FilesForm):
    file_fields = ("files",)
    comment = TextAreaField(
        "Комментарий (необязательно)", filters=[_lf], validators=[Optional(), _length(MAX_TEXT, "Комментарий")]
    )
    files = MultipleFileField(f"Акт о выполнении технических условий, если есть ({FILES_HINT})")


class CompleteForm(FilesForm):
    """The final documents; which are required depends on the kind (set_reissue)."""

    file_fields = ("connection_act", "meter_act", "reissued_documents")
    connection_act = MultipleFileField(
        "Акт об осуществлении технологического присоединения "
        f"(или уведомление об обеспечении возможности присоединения; {FILES_HINT})"
    )
    meter_act = MultipleFileField(f"Акт допуска прибора учёта в эксплуатацию ({FILES_HINT})")
    reissued_documents = MultipleFileField(f"Переоформленные документы ({FILES_HINT})")
    comment = TextAreaField(
        "Комментарий для заявителя (необязательно)",
        filters=[_lf],
        validators=[Optional(), _length(MAX_TEXT, "Комментарий")],
    )

    def set_reissue(self, reissue: bool) -> None:
        if reissue:
            self.file_fields = ("reissued_documents",)
            self.required = {"reissued_documents": "Приложите переоформленные документы."}
        else:
            self.file_fields = ("connection_act", "meter_act")
            self.required = {"connection_act": "Приложите акт об осуществлении технологического присоединения."}


class AnnulForm(BaseForm):
    """The ground of the Rules (only those open now: rules.annulment_options) and a comment.
    The service checks the ground again: one not open yet is refused with its date."""

    ground = SelectField(
        "Основание аннулирования (его увидит заявитель)",
        choices=[],
        validate_choice=False,
        validators=[DataRequired(message="Выберите основание аннулирования.")],
    )
    reason = TextAreaField(
        "Пояснение для заявителя (необязательно)",
        filters=[_lf],
        validators=[Optional(), _length(MAX_TEXT, "Текст пояснения")],
    )

    def set_grounds(self, grounds) -> None:
        self.ground.choices = [(g.value, f"{g.label} ({g.point})") for g in grounds]


def deadlines_form(specs, terms: dict[str, Term]):
    """One amount and one unit per stage deadline (admins)."""

    class DeadlinesForm(BaseForm):
        def values(self) -> dict[str, Term]:
            return {s.code: Term(self[f"amount_{s.code}"].data, self[f"unit_{s.code}"].data) for s in specs}

    message = "Укажите срок целым числом от 1 до 365."
    for spec in specs:
        term = terms[spec.code]
        setattr(
            DeadlinesForm,
            f"amount_{spec.code}",
            IntegerField(
                "Срок",
                default=term.amount,
                validators=[DataRequired(message=message), NumberRange(min=1, max=365, message=message)],
            ),
        )
        setattr(
            DeadlinesForm,
            f"unit_{spec.code}",
            SelectField(
                "Единица",
                default=term.unit,
                choices=choices(UNITS),
                validate_choice=False,
                validators=[OneOf(dict(UNITS), "Выберите единицу из списка.")],
            ),
        )
    return DeadlinesForm
