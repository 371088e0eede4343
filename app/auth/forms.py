"""Account forms. Field names are the public contract of SPEC §4.2."""

from __future__ import annotations

import re

from flask_wtf.file import FileField
from wtforms import BooleanField, EmailField, PasswordField, RadioField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from app.auth import identifiers
from app.auth.models import ApplicantType
from app.auth.passwords import MAX_LENGTH, password_problems
from app.core.forms import BaseForm, choices

_NAME = re.compile(r"^[A-Za-zА-Яа-яЁё][A-Za-zА-Яа-яЁё' .\-]*$")


def _required(message: str):
    return DataRequired(message=message)


def email_field(label: str = "Электронная почта"):
    return EmailField(
        label,
        validators=[
            _required("Укажите адрес электронной почты."),
            Length(max=254, message="Адрес электронной почты слишком длинный."),
            Email(message="Укажите адрес электронной почты в виде name@example.ru.", check_deliverability=False),
        ],
        filters=[lambda v: v.lower() if isinstance(v, str) else v],
    )


def name_check(form, field):
    if field.data and not _NAME.match(field.data):
        raise ValidationError("Используйте буквы, пробел, дефис или апостроф.")


class RegistrationForm(BaseForm):
    """The consumer's registration (SPEC §2.1), online and in the office."""

    applicant_type = RadioField(
        "Кто регистрируется",
        choices=choices((t.value, t.label) for t in ApplicantType),
        default=ApplicantType.individual.value,
        validators=[_required("Выберите, кто регистрируется.")],
    )
    email = email_field()
    phone = StringField("Телефон", validators=[_required("Укажите телефон для связи."), Length(max=30)])
    org_name = StringField(
        "Полное наименование организации", validators=[Optional(), Length(max=300, message="Не длиннее 300 символов.")]
    )
    last_name = StringField(
        "Фамилия",
        validators=[_required("Укажите фамилию."), Length(max=100, message="Не длиннее 100 символов."), name_check],
    )
    first_name = StringField(
        "Имя", validators=[_required("Укажите имя."), Length(max=100, message="Не длиннее 100 символов."), name_check]
    )
    middle_name = StringField(
        "Отчество (если есть)", validators=[Optional(), Length(max=100, message="Не длиннее 100 символов."), name_check]
    )
    snils = StringField("СНИЛС", validators=[Optional()])
    inn = StringField("ИНН", validators=[Optional()])
    kpp = StringField("КПП", validators=[Optional()])
    ogrn = StringField("ОГРН / ОГРНИП", validators=[Optional()])
    consent = BooleanField("Я даю согласие на обработку моих персональных данных")

    #: False in the office: the visitor's consent is on paper and its scan is uploaded.
    consent_online = True

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        kind = self.applicant_type.data
        checks = []
        if kind == ApplicantType.individual.value:
            checks.append((self.snils, identifiers.validate_snils, "Укажите СНИЛС."))
        elif kind == ApplicantType.entrepreneur.value:
            checks.append((self.inn, lambda v: identifiers.validate_inn(v, 12), "Укажите ИНН."))
            checks.append((self.ogrn, lambda v: identifiers.validate_ogrn(v, entrepreneur=True), "Укажите ОГРНИП."))
        elif kind == ApplicantType.legal.value:
            checks.append((self.inn, lambda v: identifiers.validate_inn(v, 10), "Укажите ИНН организации."))
            checks.append((self.kpp, identifiers.validate_kpp, "Укажите КПП."))
            checks.append((self.ogrn, lambda v: identifiers.validate_ogrn(v, entrepreneur=False), "Укажите ОГРН."))
            if not self.org_name.data:
                self.org_name.errors = [*self.org_name.errors, "Укажите наименование организации."]
                ok = False
        for field, validate, missing in checks:
            if not field.data:
                field.errors = [*field.errors, missing]
                ok = False
                continue
            try:
                field.data = validate(field.data)
            except identifiers.IdentifierError as exc:
                field.errors = [*field.errors, str(exc)]
                ok = False
        if self.phone.data:
            try:
                self.phone.data = identifiers.normalize_phone(self.phone.data)
            except identifiers.IdentifierError as exc:
                self.phone.errors = [*self.phone.errors, str(exc)]
                ok = False
        if self.consent_online and not self.consent.data:
            self.consent.errors = [
                *self.consent.errors,
                "Без согласия на обработку персональных данных зарегистрироваться нельзя.",
            ]
            ok = False
        return ok

    def applicant_data(self) -> dict:
        """The cleaned values for the User row, only those of the chosen type."""
        kind = self.applicant_type.data
        data = dict(
            applicant_type=kind,
            email=self.email.data,
            phone=self.phone.data,
            last_name=self.last_name.data,
            first_name=self.first_name.data,
            middle_name=self.middle_name.data or "",
            org_name="",
            snils=None,
            inn=None,
            kpp=None,
            ogrn=None,
        )
        if kind == ApplicantType.individual.value:
            data["snils"] = self.snils.data
        elif kind == ApplicantType.entrepreneur.value:
            data.update(inn=self.inn.data, ogrn=self.ogrn.data)
        else:
            data.update(org_name=self.org_name.data, inn=self.inn.data, kpp=self.kpp.data, ogrn=self.ogrn.data)
        return data


class LoginForm(BaseForm):
    email = EmailField(
        "Электронная почта",
        validators=[_required("Укажите адрес электронной почты."), Length(max=254)],
        filters=[lambda v: v.lower() if isinstance(v, str) else v],
    )
    password = PasswordField("Пароль", validators=[_required("Введите пароль."), Length(max=MAX_LENGTH)])
    remember = BooleanField("Запомнить меня на этом устройстве (30 дней)")


class ForgotPasswordForm(BaseForm):
    email = email_field()


class NewPasswordForm(BaseForm):
    new_password = PasswordField("Новый пароль", validators=[_required("Введите новый пароль.")])
    new_password_confirm = PasswordField("Новый пароль ещё раз", validators=[_required("Повторите новый пароль.")])

    #: The account's email, so the password may not equal it.
    email: str | None = None

    def validate_new_password(self, field):
        for problem in password_problems(field.data or "", self.email):
            raise ValidationError(problem)

    def validate_new_password_confirm(self, field):
        if field.data != self.new_password.data:
            raise ValidationError("Пароли не совпадают.")


class ChangePasswordForm(NewPasswordForm):
    current_password = PasswordField("Текущий пароль", validators=[Optional()])


class WalkInRegistrationForm(RegistrationForm):
    """The same form in the office, with the scan of the visitor's paper consent."""

    consent_online = False
    consent_scan = FileField("Скан подписанного согласия на обработку персональных данных (PDF, JPEG или PNG)")

    def validate_consent_scan(self, field):
        if not field.data or not getattr(field.data, "filename", ""):
            raise ValidationError("Загрузите скан подписанного посетителем согласия.")


class SecondFactorForm(BaseForm):
    """The login step after the password (SPEC §4.2: the field is `code`)."""

    code = StringField(
        "Код подтверждения",
        validators=[
            _required("Введите код из приложения или резервный код."),
            Length(max=40, message="Код слишком длинный."),
        ],
    )


class EnableSecondFactorForm(BaseForm):
    code = StringField(
        "Код из приложения",
        validators=[
            _required("Введите шестизначный код из приложения."),
            Length(max=12, message="Код слишком длинный."),
        ],
    )


class PasswordConfirmForm(BaseForm):
    """A sensitive action (turning the second factor off, new recovery codes) asks for the password."""

    password = PasswordField(
        "Текущий пароль", validators=[_required("Введите текущий пароль."), Length(max=MAX_LENGTH)]
    )


class EmailChangeForm(BaseForm):
    new_email = email_field("Новый адрес электронной почты")
    current_password = PasswordField(
        "Текущий пароль", validators=[_required("Введите текущий пароль."), Length(max=MAX_LENGTH)]
    )
