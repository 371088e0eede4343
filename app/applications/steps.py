"""The application form in four steps (applicant; object and address; power and connection;
documents), then a summary to check before «Подать заявку». Each step's POST checks only
its own fields, saves them into the draft and leads to the next step; the summary submits
the draft with the full check of a submission and, when something is missing, sends the
person to the first step that needs it (`?check=1` shows the problems there). Plain forms
and links: no JavaScript needed. Step 1 of a new application is the GET of
/applications/new (routes.new_application); its «Сохранить и продолжить» creates the draft.

URLs: /applications/<id>/steps/<1..4>, /applications/<id>/summary."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.applications import bp
from app.applications.forms import STEPS, VOLTAGE_LABELS, ApplicationForm, Step, step_data, step_of, stored_data
from app.applications.models import Application, ApplicationKind, LoadCharacter
from app.applications.operations import save_application
from app.applications.queries import document_kinds, documents, get_own_application
from app.applications.rules import ApplicationDataError, ApplicationError, data_problems
from app.auth.models import ApplicantType
from app.calculator.rules import RELIABILITY_LABELS
from app.core.forms import ActionForm
from app.core.limits import limit_submissions, limit_uploads
from app.core.templating import format_date, format_number
from app.db import reads_first, unit_of_work


def _consumer():
    return current_user._get_current_object()


def _own_draft(application_id: int) -> Application:
    """The consumer's own application (another's is 404; staff have the office's card)."""
    if current_user.is_staff:
        abort(404)
    application = get_own_application(application_id, current_user)
    if application is None:
        abort(404)
    return application


def _step(number: int) -> Step:
    if not 1 <= number <= len(STEPS):
        abort(404)
    return STEPS[number - 1]


def submission_problems(draft: Application) -> dict[str, str]:
    """What a submission of the draft as it is would refuse, by field."""
    return data_problems(
        stored_data(draft),
        current_user.applicant_type or "",
        submitting=True,
        existing_kinds=document_kinds(draft),
    )


def _steps_with(problems: dict[str, str]) -> set[int]:
    return {step_of(name) for name in problems}


def _step_url(draft: Application, number: int, check: bool = False) -> str:
    return url_for("applications.draft_step", application_id=draft.id, step=number, check=1 if check else None)


def step_page(form: ApplicationForm, draft: Application | None, step: Step, *, check=False, other_problem=None):
    """A step's page; `check`: reached from a refused submission, so every step with
    problems is marked in the bar."""
    marked = _steps_with(submission_problems(draft)) if (draft is not None and check) else set()
    if form.errors:
        marked.add(step.number)
    if draft is None:
        action = url_for("applications.new_application")
    else:
        action = _step_url(draft, step.number, check)
    return render_template(
        "applications/step.html",
        form=form,
        draft=draft,
        step=step,
        steps=STEPS,
        marked=marked,
        check=check,
        action=action,
        other_problem=other_problem,
        attached=[d for d in documents(draft) if d.is_applicants] if draft is not None else [],
        applicant_type=current_user.applicant_type,
    )


def save_step(form: ApplicationForm, draft: Application | None, step: Step, *, check: bool = False):
    """Save the step's fields into the draft (a new one for step 1 of a new application) and
    redirect onwards; on refusal the form shows why, nothing is kept, and None is returned."""
    data = step_data(form, draft, step)
    try:
        with unit_of_work():
            draft = save_application(_consumer(), data, submit=False, app=draft)
    except ApplicationDataError as exc:
        form.add_problems({k: v for k, v in exc.problems.items() if step_of(k) == step.number})
        others = [(step_of(k), v) for k, v in exc.problems.items() if step_of(k) != step.number]
        if others:
            form.other_problem = f"Шаг {others[0][0]}: {others[0][1]}"
        return None
    except ApplicationError as exc:
        form.add_problems({step.fields[0]: str(exc)})
        return None
    if form.action.data == "back":
        return redirect(_step_url(draft, max(step.number - 1, 1), check))
    if check:
        problems = submission_problems(draft)
        if problems:
            return redirect(_step_url(draft, min(_steps_with(problems)), check=True))
        return redirect(url_for("applications.draft_summary", application_id=draft.id))
    if step.number < len(STEPS):
        return redirect(_step_url(draft, step.number + 1))
    return redirect(url_for("applications.draft_summary", application_id=draft.id))


@bp.route("/applications/<int:application_id>/steps/<int:step>", methods=["GET", "POST"])
@login_required
@limit_uploads
@reads_first
def draft_step(application_id: int, step: int):
    """A step of the consumer's draft. Not counted as a submission: it only changes the
    person's own draft (creating one and submitting are counted)."""
    draft = _own_draft(application_id)
    spec = _step(step)
    if not draft.is_draft:
        return redirect(url_for("applications.show_application", application_id=draft.id))
    check = request.args.get("check") == "1"
    if request.method == "GET":
        form = ApplicationForm(obj=draft)
        if check:
            form.add_problems({k: v for k, v in submission_problems(draft).items() if step_of(k) == spec.number})
        return step_page(form, draft, spec, check=check)
    form = ApplicationForm()
    if form.validate_on_submit() and (done := save_step(form, draft, spec, check=check)) is not None:
        return done
    draft = _own_draft(application_id)
    return step_page(form, draft, spec, check=check, other_problem=getattr(form, "other_problem", None))


# --- the summary -------------------------------------------------------------------------------


def _or_dash(value) -> str:
    return value if value not in (None, "") else "не указано"


def _rows(draft: Application) -> dict[int, list[tuple[str, str]]]:
    """What the summary prints of each step, as the person typed it."""
    address = ", ".join(
        p for p in (draft.object_settlement, draft.object_street, draft.object_house, draft.object_address_extra) if p
    )
    applicant = [
        ("Вид заявки", ApplicationKind(draft.kind).label if draft.kind else ""),
        ("Льготная категория", "Да" if draft.preferential else "Нет"),
    ]
    if current_user.applicant_type == ApplicantType.legal.value:
        applicant.append(("Членов товарищества", str(draft.partnership_members or "не товарищество")))
    if current_user.applicant_type == ApplicantType.individual.value:
        applicant += [
            ("Паспорт", " ".join(p for p in (draft.passport_series, draft.passport_number) if p)),
            ("Кем выдан", draft.passport_issued_by),
            ("Дата выдачи", format_date(draft.passport_issued_on)),
        ]
    power = [
        ("Максимальная мощность", f"{format_number(draft.power_kw, places=3)} кВт" if draft.power_kw else ""),
        ("Ранее присоединённая мощность", f"{format_number(draft.existing_power_kw or 0, places=3)} кВт"),
        ("Уровень напряжения", VOLTAGE_LABELS.get(draft.voltage_kv or "", "")),
        ("Категория надёжности", RELIABILITY_LABELS.get(draft.reliability, "")),
        ("Характер нагрузки", LoadCharacter(draft.load_character).label if draft.load_character else ""),
        ("Генерация", "Да" if draft.generation else "Нет"),
    ]
    if draft.kind == ApplicationKind.temporary.value:
        power += [
            ("Передвижные объекты", "Да" if draft.mobile_devices else "Нет"),
            (
                "Срок временного присоединения",
                f"{draft.requested_term_wd} раб. дн." if draft.requested_term_wd else "15 раб. дн.",
            ),
        ]
    power += [
        ("Точек присоединения", str(draft.connection_points or "")),
        ("Ввод в эксплуатацию", format_date(draft.commissioning_date)),
        ("Этапы ввода", draft.stages),
        ("Гарантирующий поставщик", draft.supplier),
    ]
    rows = {
        1: applicant,
        2: [
            ("Наименование объекта", draft.object_name),
            ("Адрес", address),
            ("Кадастровый номер", draft.cadastral_number),
        ],
        3: power,
    }
    return {n: [(label, _or_dash(value)) for label, value in items] for n, items in rows.items()}


def _summary_page(draft: Application, form: ActionForm):
    problems = submission_problems(draft)
    by_step: dict[int, list[str]] = {}
    for name, message in problems.items():
        by_step.setdefault(step_of(name), []).append(message)
    return render_template(
        "applications/summary.html",
        form=form,
        draft=draft,
        steps=STEPS,
        current="summary",
        marked=set(by_step),
        check=bool(by_step),
        rows=_rows(draft),
        problems=by_step,
        attached=[d for d in documents(draft) if d.is_applicants],
    )


@bp.route("/applications/<int:application_id>/summary", methods=["GET", "POST"])
@login_required
@limit_submissions
@reads_first
def draft_summary(application_id: int):
    """Everything the draft holds, each step with «Изменить»; «Подать заявку» submits it with
    the full check, or leads to the first step with a problem."""
    draft = _own_draft(application_id)
    if not draft.is_draft:
        return redirect(url_for("applications.show_application", application_id=draft.id))
    form = ActionForm()
    if request.method == "GET" or not form.validate_on_submit():
        return _summary_page(draft, form)
    try:
        with unit_of_work():
            application = save_application(_consumer(), stored_data(draft), submit=True, app=draft)
    except ApplicationDataError as exc:
        first = min(_steps_with(exc.problems))
        flash("Заявку пока нельзя подать: заполните отмеченное и снова нажмите «Подать заявку».", "error")
        return redirect(_step_url(draft, first, check=True))
    except ApplicationError as exc:
        flash(str(exc), "error")
        return redirect(url_for("applications.draft_summary", application_id=draft.id))
    flash(
        f"Заявка {application.number} зарегистрирована {format_date(application.submitted_at)}. "
        "Мы проверим сведения и сообщим о следующем шаге.",
        "success",
    )
    return redirect(url_for("applications.show_application", application_id=application.id))
