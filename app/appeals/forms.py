"""Appeal forms. The consumer's field names: kind, topic, application_id, text, channel,
postal_address, files, and for a complaint about the quality of supply complainant_details,
contract_number, supply_address, problem_date, problem_time, demands."""

from __future__ import annotations

from flask_wtf.file import MultipleFileField
from wtforms import DateField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from app.appeals.models import AnswerChannel, AppealKind, AppealTopic, ReceivedVia, is_supply_complaint
from app.appeals.operations import check_files
from app.appeals.rules import (
    EXTENSION_GROUNDS,
    MAX_ANSWER,
    MAX_EXTENSION_COMMENT,
    MAX_FILES,
    MAX_REASON,
    MAX_TEXT,
    NOT_ONE_OF_YOURS,
    AppealData,
    CheckedFile,
    extension_ground,
)
from app.core.clock import today
from app.core.forms import BaseForm, IntegerField, choices


def _lf(value):
    """Browsers send CRLF line breaks but count each as one character (maxlength)."""
    return value.replace("\r\n", "\n") if isinstance(value, str) else value


def _length(limit: int, what: str = "Текст"):
    return Length(max=limit, message=f"{what} не должен быть длиннее {limit} символов.")


class FilesMixin:
    """Checks the chosen files by content before anything is saved; `checked` holds them."""

    checked: list[CheckedFile]

    def check_uploads(self) -> bool:
        self.checked, errors = check_files(self.files.data)
        if errors:
            self.files.errors = [*self.files.errors, *errors]
            return False
        return True


class AppealForm(FilesMixin, BaseForm):
    """A consumer's appeal (/appeals/new); the office form adds how it was received."""

    kind = RadioField(
        "Вид обращения",
        choices=choices((k.value, k.label) for k in AppealKind),
        validators=[DataRequired(message="Выберите вид обращения.")],
    )
    topic = RadioField(
        "Тема",
        choices=choices((t.value, t.label) for t in AppealTopic),
        validators=[DataRequired(message="Выберите тему обращения.")],
    )
    #: The choices are the consumer's submitted applications (set_applications); anything else,
    #: another's id, a draft's or an unknown one, gets the same refusal.
    application_id = SelectField("Заявка, к которой относится обращение", validate_choice=False)
    text = TextAreaField(
        "Суть обращения",
        validators=[DataRequired(message="Опишите суть обращения."), _length(MAX_TEXT, "Текст обращения")],
        filters=[_lf],
    )
    files = MultipleFileField(f"Файлы (до {MAX_FILES}: PDF, JPEG или PNG, каждый не больше 5 МБ)")
    channel = RadioField(
        "Как получить ответ",
        choices=choices((c.value, c.label) for c in AnswerChannel),
        default=AnswerChannel.cabinet.value,
        validators=[DataRequired(message="Выберите, как получить ответ.")],
    )
    postal_address = StringField("Почтовый адрес для ответа", validators=[Optional(), _length(300, "Адрес")])

    complainant_details = StringField("Сведения о потребителе", validators=[Optional(), _length(500, "Текст")])
    contract_number = StringField(
        "Номер договора энергоснабжения (если есть)", validators=[Optional(), _length(50, "Номер договора")]
    )
    supply_address = StringField("Адрес энергопринимающих устройств", validators=[Optional(), _length(300, "Адрес")])
    problem_date = DateField("Когда возникла проблема", format=["%Y-%m-%d", "%d.%m.%Y"], validators=[Optional()])
    problem_time = StringField(
        "Время или продолжительность (если известны)", validators=[Optional(), _length(100, "Текст")]
    )
    demands = TextAreaField(
        "Ваши требования", validators=[Optional(), _length(MAX_TEXT, "Текст требований")], filters=[_lf]
    )

    def set_applications(self, pairs: list[tuple[int, str]], chosen: str | None = None) -> None:
        """Offer the consumer's submitted applications; on a GET, `chosen` (?application_id=)
        is preselected when it is one of them and silently ignored otherwise."""
        self.application_id.choices = choices([("", "Не относится к заявке"), *((str(i), n) for i, n in pairs)])
        if chosen is not None and chosen in self.application_ids():
            self.application_id.data = chosen

    def application_ids(self) -> set[str]:
        return {c.value for c in self.application_id.choices if c.value}

    def chosen_application(self) -> int | None:
        value = self.application_id.data or ""
        return int(value) if value in self.application_ids() else None

    def validate(self, extra_validators=None) -> bool:
        if self.problem_date.raw_data and self.problem_date.raw_data[0] and self.problem_date.data is None:
            self.problem_date.process_errors = ["Укажите дату в виде ДД.ММ.ГГГГ, например 12.03.2026."]
        ok = super().validate(extra_validators)
        if self.channel.data == AnswerChannel.post.value and not self.postal_address.data:
            self.postal_address.errors = [*self.postal_address.errors, "Укажите почтовый адрес для ответа."]
            ok = False
        if is_supply_complaint(self.kind.data, self.topic.data):
            required = [
                (self.complainant_details, "Укажите ФИО или наименование потребителя."),
                (self.supply_address, "Укажите адрес энергопринимающих устройств."),
                (self.problem_date, "Укажите дату, когда возникла проблема."),
                (self.demands, "Укажите ваши требования."),
            ]
            for f, message in required:
                if not f.data and not f.errors:
                    f.errors = [*f.errors, message]
                    ok = False
            if self.problem_date.data and self.problem_date.data > today():
                self.problem_date.errors = [*self.problem_date.errors, "Дата не может быть позже сегодняшней."]
                ok = False
        if (self.application_id.data or "") not in {"", *self.application_ids()}:
            self.application_id.errors = [*self.application_id.errors, NOT_ONE_OF_YOURS]
            ok = False
        files_ok = self.check_uploads()
        return ok and files_ok

    def appeal_data(self) -> AppealData:
        return AppealData(
            kind=self.kind.data,
            topic=self.topic.data,
            text=self.text.data,
            channel=self.channel.data,
            postal_address=self.postal_address.data or "",
            complainant_details=self.complainant_details.data or "",
            contract_number=self.contract_number.data or "",
            supply_address=self.supply_address.data or "",
            problem_date=self.problem_date.data,
            problem_time=self.problem_time.data or "",
            demands=self.demands.data or "",
            files=self.checked,
            application_id=self.chosen_application(),
        )


class OfficeAppealForm(AppealForm):
    """An appeal that came by phone, post or in person, registered by an operator."""

    received_via = RadioField(
        "Как поступило обращение",
        choices=choices((r.value, r.label) for r in ReceivedVia if r is not ReceivedVia.website),
        validators=[DataRequired(message="Укажите, как поступило обращение.")],
    )


class ClarificationForm(FilesMixin, BaseForm):
    text = TextAreaField(
        "Уточнение", validators=[DataRequired(message="Напишите текст уточнения."), _length(MAX_TEXT)], filters=[_lf]
    )
    files = MultipleFileField(f"Файлы (до {MAX_FILES}: PDF, JPEG или PNG, каждый не больше 5 МБ)")

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        files_ok = self.check_uploads()
        return ok and files_ok


class AnswerForm(FilesMixin, BaseForm):
    text = TextAreaField(
        "Текст ответа",
        validators=[DataRequired(message="Напишите текст ответа."), _length(MAX_ANSWER, "Ответ")],
        filters=[_lf],
    )
    files = MultipleFileField(f"Файлы к ответу (до {MAX_FILES}: PDF, JPEG или PNG, каждый не больше 5 МБ)")

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        files_ok = self.check_uploads()
        return ok and files_ok


class DeclineForm(BaseForm):
    reason = TextAreaField(
        "Причина (её увидит заявитель)",
        validators=[
            DataRequired(message="Укажите причину, по которой обращение остаётся без ответа по существу."),
            _length(MAX_REASON, "Причина"),
        ],
        filters=[_lf],
    )


class NoteForm(BaseForm):
    text = TextAreaField(
        "Внутренняя заметка (заявитель её не видит)",
        validators=[DataRequired(message="Напишите текст заметки."), _length(MAX_TEXT, "Заметка")],
        filters=[_lf],
    )


def terms_form(terms: dict):
    """One amount and one unit per kind and topic (admins)."""

    class TermsForm(BaseForm):
        pass

    for (kind, topic), term in terms.items():
        setattr(
            TermsForm,
            f"amount_{kind}_{topic}",
            IntegerField(
                "Срок",
                default=term.amount,
                validators=[
                    DataRequired(message="Укажите срок числом от 1 до 365."),
                    NumberRange(min=1, max=365, message="Укажите срок числом от 1 до 365."),
                ],
            ),
        )
        setattr(
            TermsForm,
            f"unit_{kind}_{topic}",
            SelectField(
                "Единица", default=term.unit, choices=choices([("d", "календарных дней"), ("wd", "рабочих дней")])
            ),
        )
    return TermsForm


class ExtendForm(BaseForm):
    """Staff extend the answer term (the office card); rules.extension_problems has the last word."""

    days = IntegerField("На сколько рабочих дней продлить")
    ground = SelectField(
        "Основание",
        choices=choices([("", "Выберите основание"), *((g.code, g.label) for g in EXTENSION_GROUNDS)]),
        validators=[DataRequired(message="Выберите основание продления из списка.")],
        validate_choice=False,
    )
    comment = TextAreaField(
        "Комментарий (в истории обращения)",
        validators=[
            DataRequired(message="Напишите комментарий: почему нужно продлить срок."),
            _length(MAX_EXTENSION_COMMENT, "Комментарий"),
        ],
        filters=[_lf],
    )

    def __init__(self, *args, max_days: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_days = max_days
        self.days_message = f"Укажите, на сколько рабочих дней продлить срок: целым числом от 1 до {max_days}."
        self.days.validators = [DataRequired(self.days_message), NumberRange(1, max_days, self.days_message)]

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        # WTForms' «Неверное целое число.» says nothing of what to type; digits that only look
        # like digits keep their own message (core.forms.IntegerField).
        if self.days.errors and not any("цифрами" in e for e in self.days.errors):
            self.days.errors = [self.days_message]
        return ok

    def validate_ground(self, field):
        if field.data and extension_ground(field.data) is None:
            raise ValidationError("Выберите основание продления из списка.")
