"""The rules of grid-connection applications (SPEC §2.2): validation, submission with a
gap-free number, the stage deadlines and the stored due date, the one table of transitions
and the one function that changes a status (history, notification, audit), the invoice,
the queue. Services flush; the route commits."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import aliased, joinedload

from app.applications.models import (
    APPLICANT_KINDS,
    CATEGORY_OF,
    DOCUMENT_LABELS,
    EVENT_TITLES,
    KIND_OF,
    OPEN_STATUSES,
    STATUS_OF,
    Application,
    ApplicationDocument,
    ApplicationEvent,
    ApplicationKind,
    ApplicationNote,
    ApplicationPayment,
    ApplicationStatus,
    DocumentKind,
    LoadCharacter,
    StageDeadline,
)
from app.audit.services import record
from app.auth.models import ApplicantType, User, applicant_display_name, short_person_name
from app.connection.rules import VOLTAGES_KV, Category, derive_category
from app.core.clock import company_zone, now, to_local, today
from app.core.numbering import format_number, next_number
from app.core.storage import (
    StagedFile,
    StoredFile,
    UploadRules,
    save_bytes,
    size_label,
    stage_bytes,
    stage_uploads,
    store_staged,
)
from app.core.templating import format_money
from app.core.text import has_other_digits, like_pattern, normalize_search, other_digits_message
from app.db import Conflict, read
from app.extensions import db
from app.notifications.services import Reminder, notify, reminder_source
from app.office.forms import enum_choice
from app.workdays.services import Term, WorkCalendar, get_calendar, on_calendar_change, term_label

SERIES = "application"
PREFIX = "ТП"

#: Each file up to 10 MB; all the applicant's files of one application up to 50 MB.
UPLOAD_RULES = UploadRules(max_bytes=10 * 1024 * 1024)
MAX_APPLICATION_BYTES = 50 * 1024 * 1024
#: Files in one field or one answer.
MAX_FILES = 10
MAX_TEXT = 5000
#: Above these an input is a typo, not a connection.
MAX_POWER_KW = Decimal("100000")
MAX_POINTS = 100
#: "Due this week" in the office: due within this many calendar days.
DUE_SOON_DAYS = 7

#: A cadastral number: district:area:quarter:parcel, e.g. 77:01:0004012:1234.
CADASTRAL_RE = re.compile(r"[0-9]{2}:[0-9]{2}:[0-9]{6,7}:[0-9]{1,8}")
#: The maximum power a voltage level can carry, and the least that justifies it (kW).
VOLTAGE_POWER = {
    "0.4": (Decimal("0"), Decimal("1000")),
    "6": (Decimal("0"), Decimal("25000")),
    "10": (Decimal("0"), Decimal("25000")),
    "20": (Decimal("0"), Decimal("25000")),
    "35": (Decimal("670"), Decimal("100000")),
    "110": (Decimal("670"), MAX_POWER_KW),
}


class ApplicationError(ValueError):
    """A refused action; the message is Russian and safe to show."""


class TransitionError(ApplicationError):
    """A status change the table does not allow to this actor: the route answers 403."""


# --- stage deadlines (configurable) ------------------------------------------------------------


@dataclass(frozen=True)
class DeadlineSpec:
    code: str
    label: str
    default: Term


DEADLINE_SPECS: tuple[DeadlineSpec, ...] = (
    DeadlineSpec("check", "Проверка полноты сведений (запрос недостающих)", Term(3, "wd")),
    DeadlineSpec("offer_small", "Направление счёта, условий договора и ТУ (до 150 кВт)", Term(10, "wd")),
    DeadlineSpec("offer_large", "Направление проекта договора и ТУ (свыше 150 кВт)", Term(20, "wd")),
    DeadlineSpec("needs_info", "Представление недостающих сведений заявителем", Term(20, "wd")),
    DeadlineSpec("warn_before", "Предупреждение заявителя до аннулирования", Term(3, "wd")),
    DeadlineSpec("pay", "Оплата счёта заявителем (до 150 кВт)", Term(5, "wd")),
    DeadlineSpec("sign", "Подписание договора заявителем (свыше 150 кВт)", Term(10, "wd")),
    DeadlineSpec("tu_check", "Проверка выполнения ТУ", Term(10, "wd")),
    DeadlineSpec("final_docs", "Размещение актов после присоединения", Term(5, "wd")),
    DeadlineSpec("reissue", "Переоформление документов", Term(7, "wd")),
)
DEFAULT_DEADLINES: dict[str, Term] = {s.code: s.default for s in DEADLINE_SPECS}


#: The card reads it on every visit: built once (bench/: building a statement costs more than
#: running it on SQLite).
_STAGE_DEADLINES = sa.select(StageDeadline.code, StageDeadline.amount, StageDeadline.unit)


def load_deadlines() -> dict[str, Term]:
    """Every stage deadline: the admin's rows over the defaults (one query)."""
    terms = dict(DEFAULT_DEADLINES)
    for code, amount, unit in read(_STAGE_DEADLINES):
        if code in terms:
            terms[code] = Term(amount, unit)
    return terms


def save_deadlines(values: dict[str, Term]) -> int:
    """Store the admin's deadlines (a row only where one differs from the default) and
    recompute the due dates of open applications; returns how many changed."""
    rows = {r.code: r for r in db.session.scalars(sa.select(StageDeadline))}
    for code, term in values.items():
        if code not in DEFAULT_DEADLINES:
            continue
        row = rows.get(code)
        if term == DEFAULT_DEADLINES[code]:
            if row is not None:
                db.session.delete(row)
            continue
        if row is None:
            db.session.add(StageDeadline(code=code, amount=term.amount, unit=term.unit))
        else:
            row.amount, row.unit = term.amount, term.unit
    db.session.flush()
    return recompute_due_dates()


@dataclass(frozen=True)
class Deadline:
    """A running obligation: what, by when, whose."""

    label: str
    due: date
    #: "staff" or "applicant"
    party: str
    term: str = ""


def _local_day(moment: datetime | None) -> date | None:
    return to_local(moment).date() if moment is not None else None


def running_deadlines(
    app: Application, terms: dict[str, Term] | None = None, calendar: WorkCalendar | None = None
) -> list[Deadline]:
    """Every deadline running in the application's current stage (SPEC §2.2 table), in the
    order they fall due. Plain arithmetic on the row: no query but the terms (read only for a
    stage that counts one: the contract's own term rules its implementation) and calendar."""
    cal = calendar or get_calendar()
    status = app.status_enum
    start = _local_day(app.stage_started_at)
    found: list[Deadline] = []

    def add(code: str, label: str, party: str, since: date | None = None):
        nonlocal terms
        terms = terms or load_deadlines()
        term = terms[code]
        base = since or start
        if base is not None:
            found.append(Deadline(label, cal.add_term(base, term.amount, term.unit), party, term.label))

    if status is ApplicationStatus.submitted:
        if app.kind == ApplicationKind.reissue.value:
            add("reissue", "Переоформить документы", "staff")
        else:
            if app.checked_at is None:
                add("check", "Проверить полноту сведений или запросить недостающие", "staff")
            if app.is_small:
                add("offer_small", "Направить заявителю счёт, условия договора и ТУ", "staff")
            else:
                add("offer_large", "Направить заявителю проект договора и ТУ", "staff")
    elif status is ApplicationStatus.needs_info:
        add("needs_info", "Представить недостающие сведения (иначе заявка будет аннулирована)", "applicant")
    elif status is ApplicationStatus.offer_sent:
        if app.is_small:
            add("pay", "Оплатить счёт (оплата означает заключение договора)", "applicant")
        else:
            add("sign", "Подписать договор и направить его в сетевую организацию", "applicant")
    elif status in (ApplicationStatus.contract_concluded, ApplicationStatus.in_progress):
        if app.contract_date is not None and app.implementation_amount:
            due = cal.add_term(app.contract_date, app.implementation_amount, app.implementation_unit)
            found.append(
                Deadline(
                    "Выполнить мероприятия по присоединению (п. 16 Правил)",
                    due,
                    "staff",
                    term_label(app.implementation_amount, app.implementation_unit),
                )
            )
    elif status is ApplicationStatus.tu_fulfilled:
        add("tu_check", "Проверить выполнение технических условий", "staff")
    elif status is ApplicationStatus.connected:
        add("final_docs", "Разместить акт о присоединении и акт допуска прибора учёта", "staff")
    return sorted(found, key=lambda d: d.due)


def refresh_due(app: Application, terms: dict[str, Term] | None = None) -> None:
    """Store the earliest obligation not yet met (indexed: the office sorts by it)."""
    deadlines = running_deadlines(app, terms) if app.status_enum.is_open else []
    first = deadlines[0] if deadlines else None
    app.due_date = first.due if first else None
    app.due_label = first.label[:200] if first else ""
    app.due_party = first.party if first else ""


@on_calendar_change
def recompute_due_dates() -> int:
    """Recompute the due date of every open application (the calendar or a deadline changed)."""
    terms = load_deadlines()
    changed = 0
    for start in range(0, 10**9, 1000):
        rows = db.session.scalars(
            sa.select(Application)
            .where(Application.status.in_([s.value for s in OPEN_STATUSES]))
            .order_by(Application.id)
            .offset(start)
            .limit(1000)
        ).all()
        for app in rows:
            before = (app.due_date, app.due_label)
            refresh_due(app, terms)
            if (app.due_date, app.due_label) != before:
                app.version += 1
                changed += 1
        if len(rows) < 1000:
            break
    db.session.flush()
    return changed


# --- the application's data --------------------------------------------------------------------

#: An upload that passed the checks, written to disk and waiting for its row (app/core/storage.py).
CheckedFile = StagedFile


def check_files(uploads, max_files: int = MAX_FILES) -> tuple[list[CheckedFile], list[str]]:
    """Every upload read, recognised by content and staged, or the reasons, before the unit of
    work that records them."""
    return stage_uploads(uploads, UPLOAD_RULES, max_files)


@dataclass
class ApplicationData:
    """The fields of SPEC §4.2, typed; None where the form left a field empty."""

    kind: str | None = None
    object_name: str = ""
    object_settlement: str = ""
    object_street: str = ""
    object_house: str = ""
    object_address_extra: str = ""
    cadastral_number: str = ""
    power_kw: Decimal | None = None
    existing_power_kw: Decimal | None = None
    voltage_kv: str | None = None
    reliability: int | None = None
    load_character: str | None = None
    connection_points: int | None = None
    supplier: str = ""
    commissioning_date: date | None = None
    stages: str = ""
    preferential: bool = False
    passport_series: str = ""
    passport_number: str = ""
    passport_issued_by: str = ""
    passport_issued_on: date | None = None
    #: Files by document kind (site_plan, title_document, power_of_attorney, preferential_proof, other).
    files: dict[str, list[CheckedFile]] = field(default_factory=dict)


#: Fields every submitted application needs, with the message when missing.
REQUIRED = {
    "kind": "Выберите вид заявки.",
    "object_name": "Укажите наименование объекта (например, «жилой дом»).",
    "object_settlement": "Укажите населённый пункт.",
    "power_kw": "Укажите максимальную мощность.",
    "voltage_kv": "Выберите уровень напряжения.",
    "reliability": "Выберите категорию надёжности.",
    "load_character": "Выберите характер нагрузки.",
    "connection_points": "Укажите количество точек присоединения.",
    "supplier": "Укажите гарантирующего поставщика.",
    "commissioning_date": "Укажите планируемую дату ввода в эксплуатацию.",
}
PASSPORT_REQUIRED = {
    "passport_series": "Укажите серию паспорта.",
    "passport_number": "Укажите номер паспорта.",
    "passport_issued_by": "Укажите, кем выдан паспорт.",
    "passport_issued_on": "Укажите дату выдачи паспорта.",
}


def data_problems(  # noqa: C901 (split in the applications rework of issue 18)
    data: ApplicationData,
    applicant_type: str,
    *,
    submitting: bool,
    existing_kinds: Iterable[str] = (),
    day: date | None = None,
) -> dict[str, str]:
    """What keeps the data from being saved (any value that is wrong) or submitted (also
    anything missing), by field name; the form shows each next to its field."""
    day = day or today()
    problems: dict[str, str] = {}
    if data.kind is not None and data.kind not in {k.value for k in ApplicationKind}:
        problems["kind"] = "Выберите вид заявки из списка."
    if data.voltage_kv is not None and data.voltage_kv not in VOLTAGES_KV:
        problems["voltage_kv"] = "Выберите уровень напряжения из списка."
    if data.reliability is not None and data.reliability not in (1, 2, 3):
        problems["reliability"] = "Выберите категорию надёжности: I, II или III."
    if data.load_character is not None and data.load_character not in {c.value for c in LoadCharacter}:
        problems["load_character"] = "Выберите характер нагрузки из списка."
    if data.power_kw is not None and not Decimal(0) < data.power_kw <= MAX_POWER_KW:
        problems["power_kw"] = f"Максимальная мощность — больше 0 и не больше {MAX_POWER_KW} кВт."
    if data.existing_power_kw is not None:
        if data.existing_power_kw < 0:
            problems["existing_power_kw"] = "Ранее присоединённая мощность не может быть отрицательной."
        elif data.power_kw is not None and data.existing_power_kw > data.power_kw:
            problems["existing_power_kw"] = (
                "Ранее присоединённая мощность не может быть больше максимальной: "
                "максимальная мощность указывается с учётом ранее присоединённой."
            )
        elif (
            data.power_kw is not None
            and data.existing_power_kw == data.power_kw
            and data.kind in (ApplicationKind.new.value, ApplicationKind.increase.value)
        ):
            problems["power_kw"] = (
                "Максимальная мощность должна быть больше ранее присоединённой: иначе присоединять нечего."
            )
    if data.kind == ApplicationKind.increase.value and submitting and not data.existing_power_kw:
        problems.setdefault("existing_power_kw", "При увеличении мощности укажите ранее присоединённую мощность.")
    if data.voltage_kv in VOLTAGE_POWER and data.power_kw is not None and "power_kw" not in problems:
        low, high = VOLTAGE_POWER[data.voltage_kv]
        if data.power_kw > high:
            problems["voltage_kv"] = (
                f"На напряжении {data.voltage_kv} кВ нельзя присоединить больше {high} кВт: "
                "выберите более высокий уровень напряжения."
            )
        elif data.power_kw <= low:
            problems["voltage_kv"] = (
                f"Присоединение на {data.voltage_kv} кВ — для мощности свыше {low} кВт: "
                "для вашей мощности выберите уровень до 20 кВ."
            )
    if has_other_digits(data.cadastral_number):
        problems["cadastral_number"] = other_digits_message("Кадастровый номер")
    elif data.cadastral_number and not CADASTRAL_RE.fullmatch(data.cadastral_number):
        problems["cadastral_number"] = "Кадастровый номер — в виде 77:01:0004012:1234 (цифры через двоеточие)."
    if data.connection_points is not None and not 1 <= data.connection_points <= MAX_POINTS:
        problems["connection_points"] = f"Точек присоединения — от 1 до {MAX_POINTS}."
    if data.commissioning_date is not None:
        if data.commissioning_date < day:
            problems["commissioning_date"] = "Дата ввода в эксплуатацию не может быть в прошлом."
        elif data.commissioning_date > day.replace(year=day.year + 10):
            problems["commissioning_date"] = "Дата ввода в эксплуатацию — не дальше чем через 10 лет."
    if len(data.stages) > MAX_TEXT:
        problems["stages"] = f"Описание этапов — не длиннее {MAX_TEXT} символов."
    if applicant_type == ApplicantType.individual.value:
        if has_other_digits(data.passport_series):
            problems["passport_series"] = other_digits_message("Серия паспорта")
        elif data.passport_series and not re.fullmatch(r"[0-9]{4}", data.passport_series):
            problems["passport_series"] = "Серия паспорта — 4 цифры."
        if has_other_digits(data.passport_number):
            problems["passport_number"] = other_digits_message("Номер паспорта")
        elif data.passport_number and not re.fullmatch(r"[0-9]{6}", data.passport_number):
            problems["passport_number"] = "Номер паспорта — 6 цифр."
        if data.passport_issued_on is not None and not date(1997, 1, 1) <= data.passport_issued_on <= day:
            problems["passport_issued_on"] = "Дата выдачи паспорта — не раньше 1997 года и не позже сегодняшней."
    if submitting:
        for name, message in REQUIRED.items():
            if getattr(data, name) in (None, "") and name not in problems:
                problems[name] = message
        if data.kind != ApplicationKind.temporary.value and not data.cadastral_number:
            problems.setdefault("cadastral_number", "Укажите кадастровый номер земельного участка или объекта.")
        if applicant_type == ApplicantType.individual.value:
            for name, message in PASSPORT_REQUIRED.items():
                if getattr(data, name) in (None, "") and name not in problems:
                    problems[name] = message
        kinds = set(existing_kinds) | {k for k, files in data.files.items() if files}
        if data.kind != ApplicationKind.reissue.value and DocumentKind.site_plan.value not in kinds:
            problems["site_plan"] = "Приложите план расположения энергопринимающих устройств."
        if DocumentKind.title_document.value not in kinds:
            problems["title_document"] = "Приложите правоустанавливающий документ на участок или объект."
        if data.preferential and DocumentKind.preferential_proof.value not in kinds:
            problems["preferential_proof"] = "Приложите документ, подтверждающий льготную категорию."
    return problems


def _apply(app: Application, data: ApplicationData, applicant_type: str) -> None:
    for name in (
        "object_name",
        "object_settlement",
        "object_street",
        "object_house",
        "object_address_extra",
        "cadastral_number",
        "supplier",
        "stages",
    ):
        setattr(app, name, (getattr(data, name) or "").strip())
    app.kind = data.kind or ApplicationKind.new.value
    app.power_kw = data.power_kw
    app.existing_power_kw = data.existing_power_kw or Decimal("0")
    app.voltage_kv = data.voltage_kv
    app.reliability = data.reliability or 3
    app.load_character = data.load_character or LoadCharacter.household.value
    app.connection_points = data.connection_points or 1
    app.commissioning_date = data.commissioning_date
    app.preferential = bool(data.preferential)
    individual = applicant_type == ApplicantType.individual.value
    app.passport_series = data.passport_series if individual else ""
    app.passport_number = data.passport_number if individual else ""
    app.passport_issued_by = data.passport_issued_by if individual else ""
    app.passport_issued_on = data.passport_issued_on if individual else None
    app.applicant_type = applicant_type
    app.category = (
        derive_category(applicant_type, data.power_kw, app.kind, app.load_character).value
        if data.power_kw is not None
        else None
    )


def _search_text(app: Application, consumer: User) -> str:
    return normalize_search(
        app.number or "",
        consumer.display_name,
        consumer.person_name,
        consumer.email,
        app.object_settlement,
        app.object_street,
    )


def _attach_files(
    app: Application, files: dict[str, list[CheckedFile]], uploaded_by: User, event: ApplicationEvent | None = None
) -> list[ApplicationDocument]:
    added = []
    for kind, items in files.items():
        for f in items:
            stored = store_staged(f, uploaded_by.id)
            doc = ApplicationDocument(
                application_id=app.id,
                kind=kind,
                stage=app.status,
                stored=stored,
                event_id=event.id if event else None,
                created_at=now(),
            )
            db.session.add(doc)
            added.append(doc)
    return added


def _check_total_size(app: Application | None, files: dict[str, list[CheckedFile]]) -> None:
    new = sum(f.size for items in files.values() for f in items)
    if not new:
        return
    existing = 0
    if app is not None and app.id is not None:
        existing = (
            db.session.scalar(
                sa.select(sa.func.coalesce(sa.func.sum(StoredFile.size), 0))
                .join(ApplicationDocument, ApplicationDocument.stored_file_id == StoredFile.id)
                .where(ApplicationDocument.application_id == app.id, ApplicationDocument.kind.in_(APPLICANT_KINDS))
            )
            or 0
        )
    if existing + new > MAX_APPLICATION_BYTES:
        raise ApplicationError(
            f"Все файлы заявки вместе — не больше {MAX_APPLICATION_BYTES // (1024 * 1024)} МБ. "
            "Уменьшите сканы (например, 150–200 точек на дюйм) или приложите меньше страниц."
        )


def document_kinds(app: Application) -> set[str]:
    if app.id is None:
        return set()
    return set(
        db.session.scalars(
            sa.select(ApplicationDocument.kind).where(ApplicationDocument.application_id == app.id).distinct()
        )
    )


def save_application(
    consumer: User,
    data: ApplicationData,
    *,
    submit: bool,
    app: Application | None = None,
    created_by: User | None = None,
) -> Application:
    """Create or update the consumer's draft with `data` and its files; with `submit`, also
    submit it. Raises ApplicationError (a Russian message) when the data or the files are
    refused; then nothing is written, files included (the route rolls back)."""
    if not consumer.is_consumer:
        raise ApplicationError("Заявку можно подать только от имени заявителя.")
    if app is not None and (app.consumer_id != consumer.id or not app.is_draft):
        raise TransitionError("Изменять можно только свой черновик.")
    kinds = document_kinds(app) if app is not None else set()
    problems = data_problems(data, consumer.applicant_type or "", submitting=submit, existing_kinds=kinds)
    if problems:
        raise ApplicationDataError(problems)
    _check_total_size(app, data.files)
    moment = now()
    if app is None:
        app = Application(
            consumer_id=consumer.id,
            status=ApplicationStatus.draft.value,
            created_at=moment,
            created_by_id=created_by.id if created_by else None,
            version=1,
            offer_inputs={},
        )
        db.session.add(app)
    _apply(app, data, consumer.applicant_type or ApplicantType.individual.value)
    app.updated_at = moment
    app.search_text = _search_text(app, consumer)
    db.session.flush()
    _attach_files(app, data.files, created_by or consumer)
    if submit:
        submit_application(app, created_by or consumer)
    else:
        record("application.draft_saved", app, actor=created_by or consumer)
    return app


class ApplicationDataError(ApplicationError):
    """Data refused field by field: `problems` maps a field name to its message."""

    def __init__(self, problems: dict[str, str]):
        super().__init__(" ".join(problems.values()))
        self.problems = problems


def submit_application(app: Application, actor: User) -> ApplicationEvent:
    """Give the draft its number and date, generate the application as submitted, start the
    completeness check."""
    if not app.is_draft:
        raise TransitionError("Заявка уже подана.")
    moment = now()
    day = to_local(moment).date()
    app.number = format_number(PREFIX, day.year, next_number(SERIES, day.year))
    app.submitted_at = moment
    consumer = db.session.get(User, app.consumer_id)
    app.search_text = _search_text(app, consumer)
    event = change_status(
        app,
        ApplicationStatus.submitted.value,
        actor,
        comment="Подана через личный кабинет" if actor.id == app.consumer_id else "Принята в офисе",
    )
    from app.applications import pdf

    # It prints the number, which exists only inside the unit of work (docs/architecture.md).
    _add_generated(
        app, DocumentKind.application_form, pdf.application_form(app, consumer), event, f"Заявка {app.number}.pdf"
    )
    _sync_addresses(consumer)
    return event


def _add_generated(
    app: Application, kind: DocumentKind, data: bytes, event: ApplicationEvent | None, name: str
) -> ApplicationDocument:
    stored = save_bytes(data, "application/pdf", name, None)
    doc = ApplicationDocument(
        application_id=app.id,
        kind=kind.value,
        stage=app.status,
        stored=stored,
        event_id=event.id if event else None,
        created_at=now(),
    )
    db.session.add(doc)
    return doc


def _sync_addresses(consumer: User) -> None:
    """The object's address becomes one of «мои адреса» (planned outages there are news)."""
    try:
        from app.outages.services import sync_source_addresses
    except ImportError:  # pragma: no cover - the outages feature is part of every install
        return
    sync_source_addresses(consumer)


def delete_draft(app: Application, consumer: User) -> None:
    from app.core.storage import delete_stored_file

    if app.consumer_id != consumer.id or not app.is_draft:
        raise TransitionError("Удалить можно только свой черновик.")
    docs = db.session.scalars(
        sa.select(ApplicationDocument)
        .options(joinedload(ApplicationDocument.stored))
        .where(ApplicationDocument.application_id == app.id)
    ).all()
    for doc in docs:
        stored = doc.stored
        db.session.delete(doc)
        db.session.flush()
        delete_stored_file(stored)
    db.session.delete(app)
    record("application.draft_deleted", None, actor=consumer, application_id=app.id)


def delete_draft_document(app: Application, doc_id: int, consumer: User) -> None:
    from app.core.storage import delete_stored_file

    if app.consumer_id != consumer.id or not app.is_draft:
        raise TransitionError("Файлы можно убрать только из черновика.")
    doc = db.session.scalar(
        sa.select(ApplicationDocument)
        .options(joinedload(ApplicationDocument.stored))
        .where(ApplicationDocument.id == doc_id, ApplicationDocument.application_id == app.id)
    )
    if doc is None:
        raise ApplicationError("Такого файла в черновике нет.")
    stored = doc.stored
    db.session.delete(doc)
    db.session.flush()
    delete_stored_file(stored)


# --- status ------------------------------------------------------------------------------------

S = ApplicationStatus
#: Every allowed change and who may make it (SPEC §2.2). Nothing else changes a status.
#: "consumer": the application's owner; "staff": an operator or admin; "system": the daily run.
TRANSITIONS: dict[tuple[ApplicationStatus, ApplicationStatus], frozenset[str]] = {
    (S.draft, S.submitted): frozenset({"consumer", "staff"}),
    (S.submitted, S.needs_info): frozenset({"staff"}),
    (S.needs_info, S.submitted): frozenset({"consumer"}),
    (S.submitted, S.offer_sent): frozenset({"staff"}),
    (S.submitted, S.completed): frozenset({"staff"}),  # reissue only
    (S.offer_sent, S.contract_concluded): frozenset({"staff"}),  # payment recorded, or the signed contract
    (S.contract_concluded, S.in_progress): frozenset({"staff"}),
    (S.in_progress, S.tu_fulfilled): frozenset({"consumer"}),
    (S.tu_fulfilled, S.in_progress): frozenset({"staff"}),  # remarks: the ТУ are not fulfilled yet
    (S.tu_fulfilled, S.connected): frozenset({"staff"}),
    (S.connected, S.completed): frozenset({"staff"}),
    (S.submitted, S.withdrawn): frozenset({"consumer"}),
    (S.needs_info, S.withdrawn): frozenset({"consumer"}),
    (S.offer_sent, S.withdrawn): frozenset({"consumer"}),
    (S.needs_info, S.annulled): frozenset({"system", "staff"}),
    (S.offer_sent, S.annulled): frozenset({"staff"}),
    (S.submitted, S.annulled): frozenset({"staff"}),
}

#: Paths that only some kinds take: reissue goes submitted → (needs_info) → completed.
REISSUE_ONLY = {(S.submitted, S.completed)}
NOT_FOR_REISSUE = {(S.submitted, S.offer_sent)}


def role_of(actor: User | None) -> str:
    if actor is None:
        return "system"
    return "staff" if actor.is_staff else "consumer"


def can_change(app: Application, to: str, actor: User | None) -> bool:
    key = (app.status_enum, ApplicationStatus(to))
    roles = TRANSITIONS.get(key)
    if roles is None or role_of(actor) not in roles:
        return False
    if role_of(actor) == "consumer" and actor.id != app.consumer_id:
        return False
    reissue = app.kind == ApplicationKind.reissue.value
    if key in REISSUE_ONLY and not reissue:
        return False
    return not (key in NOT_FOR_REISSUE and reissue)


def next_statuses(app: Application, actor: User | None) -> list[ApplicationStatus]:
    return [to for (frm, to) in TRANSITIONS if frm.value == app.status and can_change(app, to.value, actor)]


#: What the consumer is told when the application reaches a status.
STATUS_NEWS = {
    S.submitted: ("Заявка {n} зарегистрирована", "Мы проверим сведения и направим документы в установленный срок."),
    S.needs_info: ("По заявке {n} нужны сведения", "Сетевая организация просит дополнить заявку: {comment}"),
    S.offer_sent: ("По заявке {n} размещены документы", "{offer}"),
    S.contract_concluded: ("По заявке {n} заключён договор", "Срок выполнения мероприятий: {term}."),
    S.in_progress: (
        "По заявке {n} начато выполнение мероприятий",
        "Выполните технические условия со своей стороны и уведомите об этом в личном кабинете.",
    ),
    S.tu_fulfilled: ("Уведомление о выполнении ТУ по заявке {n} получено", "Мы проверим выполнение ТУ."),
    S.connected: ("Присоединение по заявке {n} выполнено", "Акты будут размещены в личном кабинете."),
    S.completed: (
        "Заявка {n} исполнена",
        "Итоговые документы можно скачать в личном кабинете. Оцените, пожалуйста, качество обслуживания.",
    ),
    S.withdrawn: ("Заявка {n} отозвана", "{comment}"),
    S.annulled: ("Заявка {n} аннулирована", "Причина: {comment}"),
}

#: Remarks on the fulfilment of the ТУ (tu_fulfilled → in_progress): the applicant must read them.
REWORK_NEWS = (
    "По заявке {n} есть замечания к выполнению ТУ",
    "Замечания сетевой организации: {comment} Устраните их и снова уведомите о выполнении ТУ.",
)


def change_status(
    app: Application, to: str, actor: User | None, *, comment: str = "", action: str = "status"
) -> ApplicationEvent:
    """The only code that changes an application's status: checks the table, moves the
    stage and its deadlines, writes the history, tells the consumer, writes the audit."""
    current, target = app.status_enum, ApplicationStatus(to)
    if not can_change(app, target.value, actor):
        raise TransitionError(f"Заявку в статусе «{current.label}» нельзя перевести в статус «{target.label}».")
    comment = (comment or "").strip()
    moment = now()
    app.status = target.value
    app.stage_started_at = moment
    app.version += 1
    app.updated_at = moment
    if target is S.submitted:
        app.checked_at = None
        app.info_request = "" if current is S.needs_info else app.info_request
    if target is S.needs_info:
        app.info_request = comment
    if target in (S.completed, S.withdrawn, S.annulled):
        app.completed_at = moment
    if target in (S.withdrawn, S.annulled):
        app.closing_reason = comment
    refresh_due(app)
    event = ApplicationEvent(
        application_id=app.id,
        at=moment,
        actor_id=actor.id if actor else None,
        action=action,
        from_status=None if current is S.draft else current.value,
        to_status=target.value,
        comment=comment,
    )
    db.session.add(event)
    db.session.flush()
    _tell_consumer(app, target, comment, REWORK_NEWS if (current, target) == (S.tu_fulfilled, S.in_progress) else None)
    record(f"application.{target.value}", app, actor=actor, from_status=current.value)
    return event


def _tell_consumer(
    app: Application, status: ApplicationStatus, comment: str, news: tuple[str, str] | None = None
) -> None:
    news = news or STATUS_NEWS.get(status)
    if news is None:
        return
    consumer = db.session.get(User, app.consumer_id)
    term = term_label(app.implementation_amount, app.implementation_unit) if app.implementation_amount else ""
    offer = (
        "Оплатите счёт: оплата означает заключение договора."
        if app.is_small
        else "Подпишите проект договора и направьте его в сетевую организацию."
    )
    title, body = news
    body = body.format(comment=comment, term=term or "—", offer=offer)
    if app.due_date and app.due_party == "applicant":
        body += f" Срок: до {app.due_date:%d.%m.%Y}."
    notify(consumer, "application_status", title.format(n=app.number), body.strip(), app.link)


def _event(app: Application, actor: User | None, action: str, comment: str = "") -> ApplicationEvent:
    """A history row that keeps the status (a payment, an assignment, completeness confirmed)."""
    event = ApplicationEvent(
        application_id=app.id,
        at=now(),
        actor_id=actor.id if actor else None,
        action=action,
        from_status=app.status,
        to_status=app.status,
        comment=comment,
    )
    db.session.add(event)
    db.session.flush()
    return event


def _need_text(text: str, message: str, limit: int = MAX_TEXT) -> str:
    text = (text or "").strip()
    if not text:
        raise ApplicationError(message)
    if len(text) > limit:
        raise ApplicationError(f"Текст длиннее {limit} символов.")
    return text


def _require(app: Application, to: ApplicationStatus, actor: User | None) -> None:
    if not can_change(app, to.value, actor):
        raise TransitionError(f"Заявку в статусе «{app.status_enum.label}» нельзя перевести в статус «{to.label}».")


# --- the applicant's actions -------------------------------------------------------------------


def supply_info(app: Application, consumer: User, text: str, files: list[CheckedFile]) -> ApplicationEvent:
    """The applicant answers a request for missing data: the check starts again."""
    _require(app, S.submitted, consumer)
    if not (text or "").strip() and not files:
        raise ApplicationError("Напишите ответ или приложите файлы.")
    if len((text or "").strip()) > MAX_TEXT:
        raise ApplicationError(f"Текст длиннее {MAX_TEXT} символов.")
    _check_total_size(app, {"info_response": files})
    event = change_status(app, S.submitted.value, consumer, comment=text or "Файлы приложены.")
    _attach_files(app, {DocumentKind.info_response.value: files}, consumer, event)
    return event


def withdraw(app: Application, consumer: User, reason: str = "") -> ApplicationEvent:
    """Before the contract is concluded the applicant may withdraw the application."""
    _require(app, S.withdrawn, consumer)
    if len((reason or "").strip()) > MAX_TEXT:
        raise ApplicationError(f"Текст длиннее {MAX_TEXT} символов.")
    return change_status(app, S.withdrawn.value, consumer, comment=(reason or "").strip() or "Отозвана заявителем.")


def notify_fulfilment(app: Application, consumer: User, text: str, files: list[CheckedFile]) -> ApplicationEvent:
    """The applicant tells the company the ТУ are fulfilled on their side, with files."""
    _require(app, S.tu_fulfilled, consumer)
    if not files:
        raise ApplicationError("Приложите документы о выполнении технических условий (например, акт или фото).")
    if len((text or "").strip()) > MAX_TEXT:
        raise ApplicationError(f"Текст длиннее {MAX_TEXT} символов.")
    _check_total_size(app, {"tu_fulfilment": files})
    event = change_status(
        app, S.tu_fulfilled.value, consumer, comment=(text or "").strip() or "Технические условия выполнены."
    )
    _attach_files(app, {DocumentKind.tu_fulfilment.value: files}, consumer, event)
    return event


# --- staff actions -----------------------------------------------------------------------------


def mark_checked(app: Application, actor: User) -> ApplicationEvent:
    """Staff confirm the application is complete: the 3-day check is met."""
    if not actor.is_staff or app.status != S.submitted.value or app.checked_at is not None:
        raise TransitionError("Подтвердить полноту сведений можно только у зарегистрированной заявки, один раз.")
    app.checked_at = now()
    app.version += 1
    refresh_due(app)
    record("application.checked", app, actor=actor)
    return _event(app, actor, "checked", "Сведения и документы полные.")


def request_info(app: Application, actor: User, text: str, files: list[CheckedFile] = ()) -> ApplicationEvent:
    _require(app, S.needs_info, actor)
    text = _need_text(text, "Напишите, каких сведений или документов не хватает.")
    event = change_status(app, S.needs_info.value, actor, comment=text)
    _attach_files(app, {DocumentKind.staff_other.value: list(files)}, actor, event)
    return event


@dataclass(frozen=True)
class OfferInputs:
    """What staff enter when posting the offer (SPEC §2.2): the calculation inputs the
    application does not hold. Names as in the calculator's query (SPEC §4.2)."""

    territory: str = "urban"
    within_distance: bool = True
    overhead_km: Decimal = Decimal("0")
    cable_km: Decimal = Decimal("0")
    overhead_variant: str | None = None
    cable_variant: str | None = None
    sectioning_points: int = 0
    substation: bool = False
    distribution_substation: bool = False
    supply_center: bool = False
    metering: str = "none"
    metering_points: int = 0

    def as_json(self) -> dict:
        return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in self.__dict__.items()}

    @classmethod
    def from_json(cls, data: dict | None) -> OfferInputs:
        data = dict(data or {})
        for key in ("overhead_km", "cable_km"):
            if key in data:
                data[key] = Decimal(str(data[key]))
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


def offer_defaults(app: Application) -> OfferInputs:
    """The offer form prefilled from the application: a metering point per connection point."""
    if app.offer_inputs:
        return OfferInputs.from_json(app.offer_inputs)
    three_phase = Decimal(app.power_kw or 0) > 15 or app.voltage_kv != "0.4"
    metering = "three_phase_direct" if three_phase else "single_phase"
    if Decimal(app.power_kw or 0) > 100 or app.voltage_kv != "0.4":
        metering = "three_phase_ct"
    return OfferInputs(metering=metering, metering_points=app.connection_points or 1)


def calculation_input(app: Application, inputs: OfferInputs):
    """The calculator's input for the application: its parameters, the staff's inputs, the
    tariff in force at submission and the VAT rate of the day the invoice is issued."""
    from app.calculator.services import CalculationInput

    return CalculationInput(
        applicant_type=app.applicant_type,
        power_kw=Decimal(app.power_kw),
        existing_power_kw=Decimal(app.existing_power_kw or 0),
        voltage_kv=app.voltage_kv,
        reliability=app.reliability,
        territory=inputs.territory,
        within_distance=inputs.within_distance,
        preferential=app.preferential,
        overhead_km=inputs.overhead_km,
        cable_km=inputs.cable_km,
        overhead_variant=inputs.overhead_variant,
        cable_variant=inputs.cable_variant,
        sectioning_points=inputs.sectioning_points,
        substation=inputs.substation,
        distribution_substation=inputs.distribution_substation,
        supply_center=inputs.supply_center,
        metering=inputs.metering,
        metering_points=inputs.metering_points if inputs.metering != "none" else 0,
        on_date=_local_day(app.submitted_at),
        kind=app.kind,
        household=app.load_character == LoadCharacter.household.value,
        vat_on=today(),
    )


def invoice_calculation(app: Application, inputs: OfferInputs):
    """The invoice: the calculator's service on the application's parameters (raises
    calculator.services.CalculationError with the field at fault)."""
    from app.calculator.services import calculate

    return calculate(calculation_input(app, inputs))


@dataclass(frozen=True)
class OfferDocuments:
    """The offer's invoice and its three generated documents, rendered and staged before its
    unit of work (they take a quarter of a second), for the application at `version`."""

    version: int
    calculation: object
    staged: tuple[tuple[DocumentKind, StagedFile], ...]


def prepare_offer(app: Application, inputs: OfferInputs) -> OfferDocuments:
    """Render the offer's documents outside any lock, from a copy of the application as
    post_offer() will leave it: its new stage and that stage's due date are printed in them.
    Raises calculator.services.CalculationError with the field at fault."""
    from app.applications import pdf

    calculation = invoice_calculation(app, inputs)
    posted = Application(**{a.key: getattr(app, a.key) for a in sa.inspect(Application).column_attrs})
    _set_offer(posted, inputs, calculation)
    posted.status, posted.stage_started_at = S.offer_sent.value, now()
    refresh_due(posted)
    consumer = db.session.get(User, app.consumer_id)
    documents = (
        (
            DocumentKind.contract_terms,
            pdf.contract_terms(posted, consumer, calculation),
            f"Условия договора {app.number}.pdf",
        ),
        (DocumentKind.instruction, pdf.instruction(posted), "Инструкция по присоединению.pdf"),
        (DocumentKind.invoice, pdf.invoice(posted, consumer, calculation), f"Счёт {app.number}.pdf"),
    )
    return OfferDocuments(
        app.version,
        calculation,
        tuple((kind, stage_bytes(data, "application/pdf", name)) for kind, data, name in documents),
    )


def _set_offer(app: Application, inputs: OfferInputs, calculation) -> None:
    app.offer_inputs = inputs.as_json()
    app.invoice_without_vat = calculation.total_without_vat
    app.invoice_with_vat = calculation.total_with_vat
    app.invoice_vat_percent = calculation.vat_percent
    term = calculation.implementation_term
    app.implementation_amount, app.implementation_unit = term.amount, term.unit


def post_offer(
    app: Application,
    actor: User,
    inputs: OfferInputs,
    technical_conditions: list[CheckedFile],
    other_files: list[CheckedFile] = (),
    comment: str = "",
    prepared: OfferDocuments | None = None,
):
    """Post the offer: up to 150 kW the invoice, the contract terms, the ТУ and the
    instruction (paying concludes the contract); above, the draft contract and the ТУ for
    signature. Returns the calculation of the invoice. `prepared` (prepare_offer, before the
    unit of work) stands only if the application has not changed since; else Conflict, and
    the request runs again on current data (app/db.py)."""
    _require(app, S.offer_sent, actor)
    if not technical_conditions:
        raise ApplicationError("Приложите технические условия (PDF).")
    if prepared is None:
        prepared = prepare_offer(app, inputs)
    elif prepared.version != app.version:
        raise Conflict("the application changed after its offer was rendered")
    calculation = prepared.calculation
    _set_offer(app, inputs, calculation)
    event = change_status(
        app,
        S.offer_sent.value,
        actor,
        comment=comment
        or (
            "Размещены счёт, условия типового договора, технические условия и инструкция."
            if app.is_small
            else "Размещены проект договора (условия типового договора, заполненные данными заявителя), "
            "технические условия, инструкция и счёт."
        ),
    )
    _attach_files(
        app,
        {
            DocumentKind.technical_conditions.value: technical_conditions,
            DocumentKind.staff_other.value: list(other_files),
        },
        actor,
        event,
    )
    for kind, staged in prepared.staged:
        db.session.add(
            ApplicationDocument(
                application_id=app.id,
                kind=kind.value,
                stage=app.status,
                stored=store_staged(staged, None),
                event_id=event.id,
                created_at=now(),
            )
        )
    return calculation


_PAID_TOTAL = sa.select(sa.func.coalesce(sa.func.sum(ApplicationPayment.amount), 0)).where(
    ApplicationPayment.application_id == sa.bindparam("application_id")
)


def paid_total(app: Application) -> Decimal:
    return read(_PAID_TOTAL, {"application_id": app.id}).scalar() or Decimal("0")


def record_payment(
    app: Application, actor: User, paid_on: date, amount: Decimal, document: str = "", files: list[CheckedFile] = ()
) -> ApplicationPayment:
    """Record a payment. Up to 150 kW, once the invoice is paid in full the contract is
    concluded on the day of the last payment."""
    if not actor.is_staff:
        raise TransitionError("Оплату отмечают сотрудники.")
    if app.invoice_with_vat is None or app.status_enum in (S.draft, S.withdrawn, S.annulled):
        raise TransitionError("Оплату можно отметить, когда заявителю выставлен счёт.")
    if amount is None or amount <= 0:
        raise ApplicationError("Сумма оплаты должна быть больше нуля.")
    if paid_on > today():
        raise ApplicationError("Дата оплаты не может быть позже сегодняшней.")
    if paid_on < _local_day(app.submitted_at):
        raise ApplicationError("Дата оплаты не может быть раньше подачи заявки.")
    payment = ApplicationPayment(
        application_id=app.id,
        paid_on=paid_on,
        amount=amount,
        document=document.strip()[:200],
        recorded_by_id=actor.id,
        recorded_at=now(),
    )
    db.session.add(payment)
    db.session.flush()
    total = paid_total(app)
    event = _event(
        app,
        actor,
        "payment",
        f"Оплата {format_money(amount)} от {paid_on:%d.%m.%Y}"
        + (f", {payment.document}" if payment.document else "")
        + ".",
    )
    _attach_files(app, {DocumentKind.payment_document.value: list(files)}, actor, event)
    record("application.payment", app, actor=actor, amount=str(amount))
    if app.is_small and app.status == S.offer_sent.value and total >= app.invoice_with_vat:
        app.contract_date = paid_on
        change_status(
            app, S.contract_concluded.value, actor, comment=f"Счёт оплачен {paid_on:%d.%m.%Y}: договор заключён."
        )
    else:
        app.version += 1
    return payment


def record_signed_contract(
    app: Application, actor: User, signed_on: date, files: list[CheckedFile]
) -> ApplicationEvent:
    """Above 150 kW the contract is concluded when the applicant's signed copy arrives."""
    _require(app, S.contract_concluded, actor)
    if app.is_small:
        raise TransitionError("До 150 кВт договор заключается оплатой счёта.")
    if signed_on > today() or signed_on < _local_day(app.submitted_at):
        raise ApplicationError("Дата подписания — не позже сегодняшней и не раньше подачи заявки.")
    app.contract_date = signed_on
    event = change_status(app, S.contract_concluded.value, actor, comment=f"Договор подписан {signed_on:%d.%m.%Y}.")
    _attach_files(app, {DocumentKind.signed_contract.value: files}, actor, event)
    return event


def start_work(app: Application, actor: User, comment: str = "") -> ApplicationEvent:
    return change_status(app, S.in_progress.value, actor, comment=comment)


def return_for_rework(app: Application, actor: User, remarks: str, files: list[CheckedFile] = ()) -> ApplicationEvent:
    _require(app, S.in_progress, actor)
    remarks = _need_text(remarks, "Напишите замечания: что ещё не выполнено.")
    event = change_status(app, S.in_progress.value, actor, comment=remarks)
    _attach_files(app, {DocumentKind.inspection_act.value: list(files)}, actor, event)
    return event


def confirm_connection(
    app: Application, actor: User, comment: str = "", files: list[CheckedFile] = ()
) -> ApplicationEvent:
    event = change_status(app, S.connected.value, actor, comment=comment or "Фактическое присоединение выполнено.")
    _attach_files(app, {DocumentKind.inspection_act.value: list(files)}, actor, event)
    return event


def complete(app: Application, actor: User, files: dict[str, list[CheckedFile]], comment: str = "") -> ApplicationEvent:
    """Post the final documents: the act of connection (or the notice) and the meter act;
    for a reissue, the reissued documents."""
    _require(app, S.completed, actor)
    if app.kind == ApplicationKind.reissue.value:
        if not files.get(DocumentKind.reissued_documents.value):
            raise ApplicationError("Приложите переоформленные документы.")
    elif not files.get(DocumentKind.connection_act.value):
        raise ApplicationError("Приложите акт об осуществлении технологического присоединения.")
    event = change_status(app, S.completed.value, actor, comment=comment or "Итоговые документы размещены.")
    _attach_files(app, files, actor, event)
    return event


def annul(app: Application, actor: User | None, reason: str) -> ApplicationEvent:
    reason = _need_text(reason, "Укажите причину аннулирования: её увидит заявитель.")
    return change_status(app, S.annulled.value, actor, comment=reason)


def add_note(app: Application, actor: User, text: str) -> ApplicationNote:
    if not actor.is_staff:
        raise ApplicationError("Заметки ведут только сотрудники.")
    text = _need_text(text, "Напишите текст заметки.")
    note = ApplicationNote(application_id=app.id, author_id=actor.id, text=text, created_at=now())
    db.session.add(note)
    record("application.note", app, actor=actor)
    return note


def assign(app: Application, assignee: User | None, actor: User) -> None:
    if assignee is not None and not assignee.is_staff:
        raise ApplicationError("Назначить заявку можно только сотруднику.")
    app.assigned_to_id = assignee.id if assignee else None
    who = (assignee.short_person_name or assignee.email) if assignee else "никто"
    _event(app, actor, "assigned", f"Ответственный: {who}.")  # staff see it in the history; consumers do not
    record("application.assigned", app, actor=actor, assignee_id=assignee.id if assignee else None)


# --- the daily runs ----------------------------------------------------------------------------


def expire(day: date) -> list[Application]:
    """Annul every application whose term for missing data ran out before `day`."""
    rows = db.session.scalars(
        sa.select(Application)
        .where(Application.status == S.needs_info.value, Application.due_date < day)
        .order_by(Application.id)
    ).all()
    for app in rows:
        annul(
            app,
            None,
            f"Недостающие сведения не представлены в срок до {app.due_date:%d.%m.%Y} "
            "(п. 15 Правил технологического присоединения).",
        )
    return list(rows)


def about_to_expire(day: date, limit: int = 20) -> list[Application]:
    """Applications waiting for missing data whose term ends within the warning period."""
    warn = load_deadlines()["warn_before"]
    horizon = get_calendar().add_term(day, warn.amount, warn.unit)
    return db.session.scalars(
        sa.select(Application)
        .options(joinedload(Application.consumer))
        .where(Application.status == S.needs_info.value, Application.due_date <= horizon)
        .order_by(Application.due_date, Application.id)
        .limit(limit)
    ).all()


@reminder_source
def deadline_reminders(day: date) -> Iterable[Reminder]:
    """The applicant's own deadlines approaching: missing data (before annulment), paying
    the invoice, signing the contract — within the warning period of working days."""
    warn = load_deadlines()["warn_before"]
    horizon = get_calendar().add_term(day, warn.amount, warn.unit)
    rows = db.session.scalars(
        sa.select(Application)
        .options(joinedload(Application.consumer))
        .where(
            Application.status.in_([S.needs_info.value, S.offer_sent.value]),
            Application.due_party == "applicant",
            Application.due_date >= day,
            Application.due_date <= horizon,
        )
    ).all()
    for app in rows:
        if app.status == S.needs_info.value:
            title = f"Заявка {app.number}: до {app.due_date:%d.%m.%Y} представьте недостающие сведения"
            body = "Если сведения не поступят в срок, заявка будет аннулирована."
        elif app.is_small:
            title = f"Заявка {app.number}: оплатите счёт до {app.due_date:%d.%m.%Y}"
            body = "Оплата счёта означает заключение договора."
        else:
            title = f"Заявка {app.number}: подпишите договор до {app.due_date:%d.%m.%Y}"
            body = "Подписанный договор направьте в сетевую организацию."
        key = f"application:{app.id}:{app.status}:{app.due_date.isoformat()}:warn"
        yield Reminder(key=key, user=app.consumer, title=title, body=body, link=app.link)


# --- reading -----------------------------------------------------------------------------------
# The card's statements are built once: it runs all of them on every visit.

_OWN_APPLICATION = sa.select(Application).where(
    Application.id == sa.bindparam("application_id"), Application.consumer_id == sa.bindparam("consumer_id")
)
_DOCUMENTS = (
    sa.select(ApplicationDocument)
    .options(joinedload(ApplicationDocument.stored))
    .where(ApplicationDocument.application_id == sa.bindparam("application_id"))
    .order_by(ApplicationDocument.id)
)
_HISTORY = (
    sa.select(ApplicationEvent)
    .options(joinedload(ApplicationEvent.actor))
    .where(ApplicationEvent.application_id == sa.bindparam("application_id"))
    .order_by(ApplicationEvent.id)
)


def get_own_application(application_id: int, consumer: User) -> Application | None:
    """Ownership first: another consumer's application is simply not found."""
    return db.session.scalar(_OWN_APPLICATION, {"application_id": application_id, "consumer_id": consumer.id})


def documents(app: Application) -> list[ApplicationDocument]:
    return db.session.scalars(_DOCUMENTS, {"application_id": app.id}).all()


# The consumer's card reads its documents and history as plain columns: it only prints them,
# and as ORM objects (a document with its stored file, an event) they took a tenth of the page.


class DocumentLine(NamedTuple):
    """A document as the consumer's card lists it."""

    id: int
    label: str
    #: The status it was added in (documents_by_section groups by it).
    stage: str
    original_name: str
    size_label: str
    created_at: datetime


class HistoryLine(NamedTuple):
    """An event as the consumer's card tells it (and timeline() reads it)."""

    at: datetime
    action: str
    to_status: str
    title: str
    comment: str


_DOCUMENT_LINES = (
    sa.select(
        ApplicationDocument.id,
        ApplicationDocument.kind,
        ApplicationDocument.stage,
        StoredFile.original_name,
        StoredFile.size,
        ApplicationDocument.created_at,
    )
    .join(StoredFile, StoredFile.id == ApplicationDocument.stored_file_id)
    .where(ApplicationDocument.application_id == sa.bindparam("application_id"))
    .order_by(ApplicationDocument.id)
)
_HISTORY_LINES = (
    sa.select(ApplicationEvent.at, ApplicationEvent.action, ApplicationEvent.to_status, ApplicationEvent.comment)
    .where(ApplicationEvent.application_id == sa.bindparam("application_id"))
    .order_by(ApplicationEvent.id)
)


def document_lines(app: Application) -> list[DocumentLine]:
    return [
        DocumentLine(id_, DOCUMENT_LABELS[kind], stage, name, size_label(size), created_at)
        for id_, kind, stage, name, size, created_at in read(_DOCUMENT_LINES, {"application_id": app.id})
    ]


def history_lines(app: Application) -> list[HistoryLine]:
    """The events in order. The consumer's card names nobody, so no user is joined."""
    return [
        HistoryLine(at, action, to_status, EVENT_TITLES.get(action) or STATUS_OF[to_status].label, comment)
        for at, action, to_status, comment in read(_HISTORY_LINES, {"application_id": app.id})
    ]


#: The stages of the card's document list: the status a document was added in → the section.
DOCUMENT_SECTIONS = {
    "draft": "Заявка",
    "submitted": "Заявка",
    "needs_info": "Заявка",
    "offer_sent": "Договор, технические условия и счёт",
    "contract_concluded": "Заключение договора",
    "in_progress": "Выполнение технических условий",
    "tu_fulfilled": "Выполнение технических условий",
    "connected": "Присоединение и итоговые акты",
    "completed": "Присоединение и итоговые акты",
    "withdrawn": "Заявка",
    "annulled": "Заявка",
}


def documents_by_section(docs: list[DocumentLine]) -> list[tuple[str, list[DocumentLine]]]:
    """The documents grouped by the stage they belong to, stages in the order of the path."""
    sections: dict[str, list[DocumentLine]] = {}
    for doc in docs:
        sections.setdefault(DOCUMENT_SECTIONS.get(doc.stage, "Заявка"), []).append(doc)
    order = list(dict.fromkeys(DOCUMENT_SECTIONS.values()))
    return sorted(sections.items(), key=lambda item: order.index(item[0]))


def history(app: Application) -> list[ApplicationEvent]:
    """The events in order, with who did each (the office's card)."""
    return db.session.scalars(_HISTORY, {"application_id": app.id}).all()


def notes(app: Application) -> list[ApplicationNote]:
    return db.session.scalars(
        sa.select(ApplicationNote)
        .options(joinedload(ApplicationNote.author))
        .where(ApplicationNote.application_id == app.id)
        .order_by(ApplicationNote.id)
    ).all()


def payments(app: Application) -> list[ApplicationPayment]:
    return db.session.scalars(
        sa.select(ApplicationPayment)
        .where(ApplicationPayment.application_id == app.id)
        .order_by(ApplicationPayment.paid_on, ApplicationPayment.id)
    ).all()


#: The stages a consumer sees on the timeline, by path.
TIMELINE_SMALL = (
    S.submitted,
    S.offer_sent,
    S.contract_concluded,
    S.in_progress,
    S.tu_fulfilled,
    S.connected,
    S.completed,
)
TIMELINE_REISSUE = (S.submitted, S.completed)


@dataclass(frozen=True)
class TimelineStep:
    status: ApplicationStatus
    #: "done", "current" or "next"
    state: str
    at: datetime | None


def timeline(app: Application, events: list[ApplicationEvent] | list[HistoryLine]) -> list[TimelineStep]:
    """The stages of the application's path with the date each was reached."""
    path = TIMELINE_REISSUE if app.kind == ApplicationKind.reissue.value else TIMELINE_SMALL
    reached: dict[str, datetime] = {}
    for e in events:
        if e.action == "status":
            reached.setdefault(e.to_status, e.at)
    current = app.status_enum
    order = {s: i for i, s in enumerate(path)}
    if current in order:
        position = order[current]
    elif current is S.needs_info:
        position = 0
    else:  # closed off the path: show what was reached
        position = max((order[ApplicationStatus(s)] for s in reached if ApplicationStatus(s) in order), default=-1)
    steps = []
    for i, status in enumerate(path):
        state = (
            "done"
            if i < position or (i == position and current is S.completed)
            else "current"
            if i == position and current.is_open
            else "done"
            if i <= position
            else "next"
        )
        steps.append(TimelineStep(status, state, reached.get(status.value)))
    return steps


# --- the office queue --------------------------------------------------------------------------


@dataclass
class QueueFilters:
    """The queue's GET parameters, cleaned: anything unknown is ignored."""

    status: str = "open"
    category: str = ""
    kind: str = ""
    overdue: bool = False
    due_week: bool = False
    mine: bool = False
    q: str = ""
    sort: str = "due"

    @classmethod
    def from_args(cls, args) -> QueueFilters:
        q = (args.get("q") or "").strip()[:100]
        status = args.get("status", "all" if q else "open")
        statuses = {s.value for s in ApplicationStatus if s is not S.draft} | {"open", "all"}
        return cls(
            status=status if status in statuses else "open",
            category=enum_choice(args.get("category"), Category),
            kind=enum_choice(args.get("kind"), ApplicationKind),
            overdue=args.get("overdue") == "y",
            due_week=args.get("due_week") == "y",
            mine=args.get("mine") == "y",
            q=q,
            sort=args.get("sort") if args.get("sort") in ("due", "new") else "due",
        )

    def as_args(self) -> dict[str, str]:
        args = {
            "status": self.status,
            "category": self.category,
            "kind": self.kind,
            "overdue": "y" if self.overdue else "",
            "due_week": "y" if self.due_week else "",
            "mine": "y" if self.mine else "",
            "q": self.q,
            "sort": "" if self.sort == "due" else self.sort,
        }
        return {k: v for k, v in args.items() if v and not (k == "status" and v == "open")}


def _search(q: str):
    """The condition of a search by number or name (SPEC §5). With three characters or
    more and no LIKE wildcards in them, the trigram index of migration 0009 answers it (an
    FTS5 table on SQLite, pg_trgm's GIN index on PostgreSQL); otherwise the column is scanned."""
    text = normalize_search(q)
    plain = len(text) >= 3 and not any(c in text for c in "%_\\")
    if plain and db.session.get_bind().dialect.name == "sqlite":
        fts = sa.table("applications_search", sa.column("rowid"), sa.column("search_text"))
        return Application.id.in_(sa.select(fts.c.rowid).where(fts.c.search_text.like(f"%{text}%")))
    if plain:
        return Application.search_text.like(f"%{text}%")
    return Application.search_text.like(like_pattern(q), escape="\\")


def queue_query(filters: QueueFilters, user: User, day: date) -> sa.Select:
    """The ids of the applications the filters select, in the queue's order. Drafts are
    the applicant's own: the office never lists them."""
    open_values = [s.value for s in OPEN_STATUSES]
    query = sa.select(Application.id)
    if filters.status == "open":
        query = query.where(Application.status.in_(open_values))
    elif filters.status == "all":
        query = query.where(Application.status != S.draft.value)
    else:
        query = query.where(Application.status == filters.status)
    if filters.category:
        query = query.where(Application.category == filters.category)
    if filters.kind:
        query = query.where(Application.kind == filters.kind)
    if filters.overdue:
        query = query.where(Application.status.in_(open_values), Application.due_date < day)
    if filters.due_week:
        query = query.where(
            Application.status.in_(open_values),
            Application.due_date >= day,
            Application.due_date <= day + timedelta(days=DUE_SOON_DAYS),
        )
    if filters.mine:
        query = query.where(Application.assigned_to_id == user.id)
    if filters.q:
        query = query.where(_search(filters.q))
    if filters.sort == "new":
        return query.order_by(Application.id.desc())
    return query.order_by(Application.due_date.is_(None), Application.due_date, Application.id)


class QueueRow(NamedTuple):
    """A line of the office queue, read as plain columns and named in Python: building
    forty-eight ORM objects for a page of sixteen rows took a fifth of the page. (A named
    tuple: built in half the time of a frozen dataclass, and as immutable.)"""

    id: int
    number: str
    submitted_on: date | None
    applicant: str
    kind: ApplicationKind
    category: Category | None
    power_kw: Decimal
    status: ApplicationStatus
    #: The running deadline (None once the application is closed).
    due_date: date | None
    due_label: str | None
    due_party: str | None
    overdue: bool
    due_today: bool
    assignee: str | None


def queue_page(filters: QueueFilters, user: User, day: date, offset: int, limit: int) -> list[QueueRow]:
    """One page of the queue, with applicants and assignees: two queries whatever the size.
    The ids come first from the index alone; sorting whole joined rows of every open
    application took a quarter of a second with 100,000 of them."""
    if filters == QueueFilters():
        query = _default_queue_page()
    else:
        query = queue_query(filters, user, day).offset(sa.bindparam("offset")).limit(sa.bindparam("limit"))
    ids = list(read(query, {"offset": offset, "limit": limit}).scalars())
    zone = company_zone()
    rows = {row[0]: _queue_row(row, day, zone) for row in read(_QUEUE_ROWS, {"ids": ids})}
    return [rows[i] for i in ids]


def _queue_row(row, day: date, zone) -> QueueRow:
    # Unpacked by position: a Row's attributes by name cost a microsecond each.
    (
        id_,
        number,
        submitted_at,
        kind,
        category,
        power_kw,
        status,
        due_date,
        due_label,
        due_party,
        assigned_to_id,
        applicant_type,
        org_name,
        last_name,
        first_name,
        middle_name,
        email,
        assignee_last_name,
        assignee_first_name,
        assignee_middle_name,
        assignee_email,
    ) = row
    status = STATUS_OF[status]
    due = due_date if status.is_open else None
    return QueueRow(
        id=id_,
        number=number,
        submitted_on=submitted_at.astimezone(zone).date() if submitted_at else None,
        applicant=applicant_display_name(applicant_type, org_name, last_name, first_name, middle_name, email),
        kind=KIND_OF[kind],
        category=CATEGORY_OF[category] if category else None,
        power_kw=power_kw,
        status=status,
        due_date=due,
        due_label=due_label,
        due_party=due_party,
        overdue=due is not None and due < day,
        due_today=due == day,
        assignee=(short_person_name(assignee_last_name, assignee_first_name, assignee_middle_name) or assignee_email)
        if assigned_to_id
        else None,
    )


@cache
def _default_queue_page() -> sa.Select:
    """The queue as staff open it, open applications by due date: built once (the filters
    use neither the user nor the day)."""
    return queue_query(QueueFilters(), None, None).offset(sa.bindparam("offset")).limit(sa.bindparam("limit"))


_Applicant = aliased(User)
_Assignee = aliased(User)
#: The rows of a queue page, by id: built once.
_QUEUE_ROWS = (
    sa.select(
        Application.id,
        Application.number,
        Application.submitted_at,
        Application.kind,
        Application.category,
        Application.power_kw,
        Application.status,
        Application.due_date,
        Application.due_label,
        Application.due_party,
        Application.assigned_to_id,
        _Applicant.applicant_type,
        _Applicant.org_name,
        _Applicant.last_name,
        _Applicant.first_name,
        _Applicant.middle_name,
        _Applicant.email,
        _Assignee.last_name,
        _Assignee.first_name,
        _Assignee.middle_name,
        _Assignee.email,
    )
    .join(_Applicant, _Applicant.id == Application.consumer_id)
    .outerjoin(_Assignee, _Assignee.id == Application.assigned_to_id)
    .where(Application.id.in_(sa.bindparam("ids", expanding=True)))
)


def dashboard_numbers(day: date) -> dict:
    """The office dashboard: open applications overdue and due today, the first of them,
    and those about to be annulled for missing data (three queries)."""
    open_values = [s.value for s in OPEN_STATUSES]
    counts = db.session.execute(
        sa.select(
            sa.func.count().filter(Application.due_date < day), sa.func.count().filter(Application.due_date == day)
        ).where(Application.status.in_(open_values), Application.due_date <= day)
    ).one()
    rows = db.session.scalars(
        sa.select(Application)
        .options(joinedload(Application.consumer))
        .where(Application.status.in_(open_values), Application.due_date <= day, Application.due_party == "staff")
        .order_by(Application.due_date, Application.id)
        .limit(10)
    ).all()
    return {
        "overdue_count": counts[0],
        "due_today_count": counts[1],
        "applications": rows,
        "expiring": about_to_expire(day, 10),
        "today": day,
    }
