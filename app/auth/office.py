"""Staff routes for accounts: walk-in registration of consumers, one-time passwords, staff."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import undefer
from wtforms import HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from app.audit.services import record
from app.auth import twofactor
from app.auth.forms import WalkInRegistrationForm, email_field, name_check
from app.auth.models import Role, User
from app.auth.passwords import verify_password
from app.auth.pdf import credentials_slip
from app.auth.services import (
    create_consumer,
    create_staff,
    find_by_email,
    issue_temporary_password,
    new_temporary_password,
    send_credentials,
)
from app.auth.sessions import end_all_sessions
from app.company.services import absolute_url, get_company
from app.core.forms import ActionForm, BaseForm, choices
from app.core.limits import limit_submissions, limit_uploads
from app.core.once import keep_for_one_view, take
from app.core.storage import StoredFile, UploadError, UploadRules, send_stored_file, stage_upload, store_staged
from app.core.text import like_pattern
from app.core.urls import int_arg
from app.db import reads_first, unit_of_work
from app.extensions import db
from app.office import bp as office
from app.office.access import admin_required
from app.privacy.models import ConsentRecord
from app.privacy.services import consent_history, record_consent

consumers = Blueprint("consumers", __name__, url_prefix="/consumers")
staff = Blueprint("staff", __name__, url_prefix="/staff")

PAGE_SIZE = 30


class SlipForm(BaseForm):
    password = HiddenField(validators=[DataRequired()])


def _show_credentials_once(user: User, password: str, created: bool):
    """After the POST that made the password: a redirect to the page that shows it, once (a
    refresh of the POST would issue and mail another, and the slip just printed would lie)."""
    keep_for_one_view("credentials", user_id=user.id, password=password, created=created)
    return redirect(url_for("office.consumers.issued_credentials", user_id=user.id))


@consumers.get("/<int:user_id>/credentials")
def issued_credentials(user_id: int):
    """The password just issued, shown once; it is not stored anywhere readable. Seen again,
    the page says so and offers to issue a new one."""
    user = _consumer_or_404(user_id)
    issued = take("credentials", user_id=user.id)
    response = make_response(
        render_template(
            "office/accounts/credentials.html",
            user=user,
            password=issued and issued["password"],
            created=issued and issued["created"],
            slip_form=SlipForm(password=issued["password"]) if issued else None,
        )
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@consumers.get("/")
def list_consumers():
    q = request.args.get("q", "").strip()
    page = max(request.args.get("page", 1, type=int_arg) or 1, 1)
    query = sa.select(User).where(User.role == Role.consumer.value)
    if q:
        query = query.where(User.search_text.like(like_pattern(q), escape="\\"))
    rows = db.session.scalars(query.order_by(User.id.desc()).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)).all()
    return render_template(
        "office/accounts/consumers.html", users=rows[:PAGE_SIZE], q=q, page=page, has_next=len(rows) > PAGE_SIZE
    )


_EMAIL_TAKEN = "Этот адрес уже зарегистрирован. Найдите заявителя в списке и выдайте новый пароль."


@consumers.route("/new", methods=["GET", "POST"])
@limit_submissions
@limit_uploads
@reads_first
def register_walk_in():
    form = WalkInRegistrationForm()
    if form.validate_on_submit():
        data = form.applicant_data()
        if find_by_email(data["email"]):
            form.email.errors.append(_EMAIL_TAKEN)
        else:
            try:
                scan = stage_upload(form.consent_scan.data, UploadRules())
            except UploadError as exc:
                form.consent_scan.errors.append(str(exc))
            else:
                credentials = new_temporary_password()
                with unit_of_work():
                    if find_by_email(data["email"]):  # registered meanwhile, by the visitor or a colleague
                        form.email.errors.append(_EMAIL_TAKEN)
                        return render_template("office/accounts/walk_in.html", form=form)
                    scan_file = store_staged(scan, current_user.id)
                    user = create_consumer(data, credentials, via="office", created_by=current_user)
                    record_consent(user, method="paper", scan_file=scan_file, recorded_by=current_user)
                    send_credentials(user, credentials.password)
                    record("office.walk_in_registration", user)
                return _show_credentials_once(user, credentials.password, created=True)
    return render_template("office/accounts/walk_in.html", form=form)


def _consumer_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or user.role != Role.consumer.value:
        abort(404)
    return user


@consumers.get("/<int:user_id>")
def show_consumer(user_id: int):
    user = _consumer_or_404(user_id)
    return render_template(
        "office/accounts/consumer.html", user=user, form=ActionForm(), consents=consent_history(user)
    )


@consumers.post("/<int:user_id>/password")
@reads_first
def reissue_password(user_id: int):
    user = _consumer_or_404(user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    credentials = new_temporary_password()
    with unit_of_work():
        issue_temporary_password(user, credentials)
        send_credentials(user, credentials.password)
        record("office.reissue_password", user)
    return _show_credentials_once(user, credentials.password, created=False)


@consumers.post("/<int:user_id>/slip")
@reads_first
def credentials_slip_pdf(user_id: int):
    """The printable slip. The password comes back from the page that showed it and is
    checked against the stored hash, so the slip cannot print anything else."""
    user = _consumer_or_404(user_id)
    form = SlipForm()
    if (
        not form.validate_on_submit()
        or not user.must_change_password
        or not verify_password(user.password_hash, form.password.data)
    ):
        flash("Памятку можно распечатать только сразу после выдачи пароля. Выдайте новый пароль.", "error")
        return redirect(url_for("office.consumers.show_consumer", user_id=user_id))
    data = credentials_slip(user, form.password.data, absolute_url("auth.login"), get_company())
    with unit_of_work():
        record("office.print_slip", user)
    response = make_response(data)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f"attachment; filename=lk-access-{user.id}.pdf"
    return response


# --- staff accounts (admin) ---------------------------------------------------------------------


def _one_line(form, field):
    if field.data and any(ord(ch) < 32 for ch in field.data):
        raise ValidationError("Должность — одной строкой, без управляющих символов.")


def _position_field() -> StringField:
    return StringField(
        "Должность",
        validators=[Optional(), Length(max=200, message="Должность — не длиннее 200 символов."), _one_line],
        filters=[lambda value: " ".join(value.split()) if value else value],
    )


class StaffProfileForm(BaseForm):
    """What an admin edits on a staff account: the name and the position letters print."""

    last_name = StringField(
        "Фамилия", validators=[DataRequired(message="Укажите фамилию."), Length(max=100), name_check]
    )
    first_name = StringField("Имя", validators=[Optional(), Length(max=100), name_check])
    middle_name = StringField("Отчество", validators=[Optional(), Length(max=100), name_check])
    position = _position_field()


class StaffForm(StaffProfileForm):
    email = email_field()
    role = SelectField(
        "Роль", choices=choices([(Role.operator.value, "Оператор"), (Role.admin.value, "Администратор")])
    )


@staff.get("/")
@admin_required
def list_staff():
    users = db.session.scalars(
        sa.select(User)
        .options(undefer(User.position))
        .where(User.role.in_([Role.operator.value, Role.admin.value]))
        .order_by(User.last_name, User.email)
    ).all()
    return render_template("office/accounts/staff.html", users=users, form=ActionForm())


@staff.route("/new", methods=["GET", "POST"])
@admin_required
@reads_first
def new_staff():
    form = StaffForm()
    if form.validate_on_submit():
        if find_by_email(form.email.data):
            form.email.errors.append("Учётная запись с этим адресом уже есть.")
        else:
            credentials = new_temporary_password()
            with unit_of_work():
                user = create_staff(
                    form.email.data,
                    form.role.data,
                    credentials,
                    last_name=form.last_name.data,
                    first_name=form.first_name.data or "",
                    middle_name=form.middle_name.data or "",
                    position=form.position.data or "",
                    created_by=current_user,
                )
                send_credentials(user, credentials.password)
                record("office.create_staff", user, role=user.role)
            flash(f"Сотрудник {user.email} создан; логин и одноразовый пароль отправлены ему на почту.", "success")
            return redirect(url_for("office.staff.list_staff"))
    return render_template("office/accounts/staff_new.html", form=form)


def _staff_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or not user.is_staff:
        abort(404)
    return user


@staff.route("/<int:user_id>/edit", methods=["GET", "POST"])
@admin_required
def edit_staff(user_id: int):
    """The staff member's name and position (shown to consumers only in the letters they sign)."""
    user = _staff_or_404(user_id)
    form = StaffProfileForm(obj=user)
    if form.validate_on_submit():
        for name in ("last_name", "first_name", "middle_name", "position"):
            setattr(user, name, (form[name].data or "").strip())
        user.refresh_search_text()
        record("office.staff_changed", user)
        db.session.commit()
        flash(f"Сведения о сотруднике {user.email} сохранены.", "success")
        return redirect(url_for("office.staff.list_staff"))
    return render_template("office/accounts/staff_edit.html", form=form, user=user)


@staff.post("/<int:user_id>/toggle")
@admin_required
def toggle_staff(user_id: int):
    user = db.session.get(User, user_id)
    if user is None or not user.is_staff:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    if user.id == current_user.id:
        flash("Нельзя отключить собственную учётную запись.", "error")
        return redirect(url_for("office.staff.list_staff"))
    user.is_enabled = not user.is_enabled
    end_all_sessions(user)  # a disabled account loses every session at once
    record("office.staff_enabled" if user.is_enabled else "office.staff_disabled", user)
    db.session.commit()
    flash("Учётная запись включена." if user.is_enabled else "Учётная запись отключена.", "success")
    return redirect(url_for("office.staff.list_staff"))


@staff.post("/<int:user_id>/second-factor/reset")
@admin_required
def reset_second_factor(user_id: int):
    """A staff member lost the phone and the recovery codes: they set it up again at the
    next login. Their sessions end now."""
    user = db.session.get(User, user_id)
    if user is None or not user.is_staff:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    if user.id == current_user.id:
        flash("Собственное подтверждение входа сбрасывает другой администратор.", "error")
        return redirect(url_for("office.staff.list_staff"))
    twofactor.disable(user)
    end_all_sessions(user)
    record("office.staff_second_factor_reset", user)
    db.session.commit()
    flash(
        f"Подтверждение входа для {user.email} сброшено: при следующем входе сотрудник подключит его заново.", "success"
    )
    return redirect(url_for("office.staff.list_staff"))


# --- consent records of a consumer (scans of paper consents) ------------------------------------


@consumers.get("/<int:user_id>/consents/<int:record_id>/scan")
def consent_scan(user_id: int, record_id: int):
    """The scan of a paper consent, as a download that cannot run anything."""
    user = _consumer_or_404(user_id)
    record_row = db.session.scalar(
        sa.select(ConsentRecord).where(ConsentRecord.id == record_id, ConsentRecord.user_id == user.id)
    )
    if record_row is None or record_row.scan_file_id is None:
        abort(404)
    stored = db.session.get(StoredFile, record_row.scan_file_id)
    if stored is None:
        abort(404)
    with unit_of_work():
        record("office.consent_scan_viewed", user, consent_record=record_id)
    return send_stored_file(stored)


office.register_blueprint(consumers)
office.register_blueprint(staff)
