"""The consumer's forms: the application (field names of SPEC §4.2), the answer to a
request for missing data, the notice of fulfilment of the ТУ, the withdrawal."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

from flask_wtf.file import FileField, MultipleFileField
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from app.applications.enums import APPLICANT_FILE_FIELDS
from app.applications.models import Application, ApplicationKind, DocumentKind, LoadCharacter
from app.applications.rules import MAX_TEXT, ApplicationData
from app.applications.uploads import MAX_FILES, CheckedFile, check_files
from app.connection.rules import VOLTAGES_KV
from app.core.forms import BaseForm, DateText, NumberField, choices, voltage_label

VOLTAGE_LABELS = {v: voltage_label(v) for v in VOLTAGES_KV}
FILE_HINT = "PDF, JPEG или PNG, каждый файл не больше 10 МБ"


def _lf(value):
    """Browsers send CRLF line breaks but count each as one character (maxlength)."""
    return value.replace("\r\n", "\n") if isinstance(value, str) else value


def _length(limit: int, what: str = "Текст"):
    return Length(max=limit, message=f"{what} — не длиннее {limit} символов.")


def _yes_no(value):
    """The model's flag as the radio's value (a draft shown with obj=); what was posted as is."""
    return {True: "y", False: "n"}.get(value, value) if isinstance(value, bool) else value


class FilesMixin:
    """Checks the chosen files by content before anything is saved; `checked` holds them
    by document kind."""

    checked: dict[str, list[CheckedFile]]

    def check_uploads(self, names: tuple[str, ...]) -> bool:
        self.checked, ok = {}, True
        for name in names:
            field = self[name]
            files, errors = check_files(field.data, MAX_FILES)
            if errors:
                field.errors = [*field.errors, *errors]
                ok = False
            self.checked[FIELD_KIND.get(name, name)] = files
        return ok


#: The form's file field → the document kind it stores.
FIELD_KIND = {"other_documents": DocumentKind.other.value}


class ApplicationForm(FilesMixin, BaseForm):
    """«Подать заявку» (/applications/new): SPEC §4.2. Missing fields are allowed in a draft;
    the rules say what a submission still lacks. A saved draft fills it with obj=: the field
    names are the application's."""

    kind = RadioField(
        "Вид заявки",
        choices=choices((k.value, k.label) for k in ApplicationKind),
        default=ApplicationKind.new.value,
        validators=[Optional()],
    )
    object_name = StringField("Наименование объекта", validators=[Optional(), _length(300)])
    object_settlement = StringField("Населённый пункт", validators=[Optional(), _length(200)])
    object_street = StringField("Улица (в деревне может не быть)", validators=[Optional(), _length(200)])
    object_house = StringField("Дом, участок", validators=[Optional(), _length(50)])
    object_address_extra = StringField(
        "Уточнение адреса (корпус, строение, ориентир)", validators=[Optional(), _length(300)]
    )
    cadastral_number = StringField("Кадастровый номер участка или объекта", validators=[Optional(), _length(40)])
    power_kw = NumberField("Максимальная мощность, кВт (с учётом ранее присоединённой)", places=3)
    existing_power_kw = NumberField("Ранее присоединённая мощность, кВт", places=3)
    voltage_kv = SelectField(
        "Уровень напряжения",
        choices=choices([("", "— выберите —")] + [(v, VOLTAGE_LABELS[v]) for v in VOLTAGES_KV]),
        validators=[Optional()],
    )
    reliability = RadioField(
        "Категория надёжности",
        choices=choices([("3", "III — перерыв до 24 часов в год"), ("2", "II"), ("1", "I")]),
        default="3",
        validators=[Optional()],
    )
    load_character = RadioField(
        "Характер нагрузки",
        choices=choices((c.value, c.label) for c in LoadCharacter),
        default=LoadCharacter.household.value,
        validators=[Optional()],
    )
    connection_points = NumberField("Количество точек присоединения", integer=True)
    supplier = StringField("Гарантирующий поставщик", validators=[Optional(), _length(300)])
    commissioning_date = DateText("Планируемая дата ввода в эксплуатацию", validators=[Optional()])
    stages = TextAreaField(
        "Этапы ввода (если присоединение поэтапное): мощность и сроки каждого этапа",
        validators=[Optional(), _length(MAX_TEXT)],
        filters=[_lf],
    )
    preferential = RadioField(
        "Льготная категория заявителя",
        choices=choices([("n", "Нет"), ("y", "Да")]),
        default="n",
        coerce=_yes_no,
        validators=[Optional()],
    )
    partnership_members = NumberField(
        "Число членов товарищества или кооператива (если заявитель — СНТ, ОНТ, гаражный кооператив "
        "или иное объединение граждан)",
        integer=True,
    )
    generation = RadioField(
        "Присоединяется объект по производству электрической энергии (генерация)",
        choices=choices([("n", "Нет"), ("y", "Да")]),
        default="n",
        coerce=_yes_no,
        validators=[Optional()],
    )
    mobile_devices = RadioField(
        "Для временного присоединения: объекты передвижные",
        choices=choices([("n", "Нет"), ("y", "Да")]),
        default="n",
        coerce=_yes_no,
        validators=[Optional()],
    )
    requested_term_wd = NumberField(
        "Для временного присоединения: нужный срок, рабочих дней (если больше 15)", integer=True
    )
    passport_series = StringField("Серия паспорта", validators=[Optional(), _length(4)])
    passport_number = StringField("Номер паспорта", validators=[Optional(), _length(6)])
    passport_issued_by = StringField("Кем выдан", validators=[Optional(), _length(300)])
    passport_issued_on = DateText("Дата выдачи", validators=[Optional()], years=(1990, 2100))
    site_plan = MultipleFileField("План расположения энергопринимающих устройств")
    title_document = MultipleFileField("Правоустанавливающий документ на участок или объект")
    power_of_attorney = FileField("Доверенность (если заявку подаёт представитель)")
    preferential_proof = FileField("Документ, подтверждающий льготную категорию")
    other_documents = MultipleFileField("Другие документы")
    action = StringField(validators=[Optional()])

    @property
    def submitting(self) -> bool:
        return self.action.data != "draft"

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        files_ok = self.check_uploads(APPLICANT_FILE_FIELDS)
        return ok and files_ok

    def application_data(self) -> ApplicationData:
        def text(name: str) -> str:
            return (self[name].data or "").strip()

        return ApplicationData(
            kind=self.kind.data or None,
            object_name=text("object_name"),
            object_settlement=text("object_settlement"),
            object_street=text("object_street"),
            object_house=text("object_house"),
            object_address_extra=text("object_address_extra"),
            cadastral_number=text("cadastral_number").replace(" ", ""),
            power_kw=self.power_kw.data,
            existing_power_kw=self.existing_power_kw.data,
            voltage_kv=self.voltage_kv.data or None,
            reliability=int(self.reliability.data) if self.reliability.data in ("1", "2", "3") else None,
            load_character=self.load_character.data or None,
            connection_points=self.connection_points.data,
            supplier=text("supplier"),
            commissioning_date=self.commissioning_date.data,
            stages=text("stages"),
            preferential=self.preferential.data == "y",
            generation=self.generation.data == "y",
            mobile_devices=self.mobile_devices.data == "y",
            requested_term_wd=self.requested_term_wd.data,
            partnership_members=self.partnership_members.data,
            passport_series=text("passport_series").replace(" ", ""),
            passport_number=text("passport_number").replace(" ", ""),
            passport_issued_by=text("passport_issued_by"),
            passport_issued_on=self.passport_issued_on.data,
            files=self.checked,
        )

    def add_problems(self, problems: dict[str, str]) -> None:
        """The rules' reasons, next to their fields."""
        for name, message in problems.items():
            field = self[name] if name in self else self.kind
            if message not in field.errors:
                field.errors = [*field.errors, message]


@dataclass(frozen=True)
class Step:
    """One page of the application form in steps: its number, title and the fields it holds
    (the one-page form's names, SPEC §4.2)."""

    number: int
    title: str
    fields: tuple[str, ...]

    @property
    def files(self) -> bool:
        return self.fields == APPLICANT_FILE_FIELDS


STEPS = (
    Step(
        1,
        "Заявитель",
        (
            "kind",
            "preferential",
            "partnership_members",
            "passport_series",
            "passport_number",
            "passport_issued_by",
            "passport_issued_on",
        ),
    ),
    Step(
        2,
        "Объект и адрес",
        (
            "object_name",
            "object_settlement",
            "object_street",
            "object_house",
            "object_address_extra",
            "cadastral_number",
        ),
    ),
    Step(
        3,
        "Мощность и присоединение",
        (
            "power_kw",
            "existing_power_kw",
            "voltage_kv",
            "reliability",
            "load_character",
            "generation",
            "mobile_devices",
            "requested_term_wd",
            "connection_points",
            "commissioning_date",
            "stages",
            "supplier",
        ),
    ),
    Step(4, "Документы", APPLICANT_FILE_FIELDS),
)
STEP_OF_FIELD = {name: step.number for step in STEPS for name in step.fields}
#: The rules name document kinds where the form names fields (other → other_documents).
STEP_OF_FIELD[DocumentKind.other.value] = 4


def step_of(name: str) -> int:
    """The step that shows a field (a problem the rules name otherwise: the first step)."""
    return STEP_OF_FIELD.get(name, 1)


def stored_data(app: Application) -> ApplicationData:
    """What a draft holds, as the rules read it (its files are already attached)."""
    values = {}
    for f in fields(ApplicationData):
        if f.name != "files":
            value = getattr(app, f.name)
            values[f.name] = "" if value is None and f.default == "" else value
    return ApplicationData(**values)


def step_data(form: ApplicationForm, app: Application | None, step: Step) -> ApplicationData:
    """The draft's data with the step's fields as posted: a step changes only its own."""
    base = stored_data(app) if app is not None else ApplicationData()
    posted = form.application_data()
    if step.files:
        return replace(base, files=posted.files)
    return replace(base, **{name: getattr(posted, name) for name in step.fields})


class ReplyForm(FilesMixin, BaseForm):
    """The applicant's answer to a request for missing data (FulfilmentForm: the notice of fulfilment)."""

    text = TextAreaField("Ответ", validators=[Optional(), _length(MAX_TEXT)], filters=[_lf])
    files = MultipleFileField(f"Файлы (до {MAX_FILES}: {FILE_HINT})")

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        files_ok = self.check_uploads(("files",))
        return ok and files_ok

    @property
    def files_checked(self) -> list[CheckedFile]:
        return self.checked.get("files", [])


class FulfilmentForm(ReplyForm):
    """The applicant's notice that their part of the ТУ is done (in_progress → tu_fulfilled)."""

    text = TextAreaField("Уведомление о выполнении ТУ", validators=[Optional(), _length(MAX_TEXT)], filters=[_lf])


class WithdrawForm(BaseForm):
    reason = TextAreaField("Причина (необязательно)", validators=[Optional(), _length(MAX_TEXT)], filters=[_lf])
