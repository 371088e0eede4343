"""The stage deadlines (SPEC §2.2): the configurable terms and their defaults, the obligations
running in the application's stage, the stored due date, the applicant's reminders."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from app.applications.models import Application, ApplicationKind, ApplicationStatus, StageDeadline
from app.applications.rules import AnnulmentOptions, annulment_options
from app.core import signals
from app.core.clock import to_local, today
from app.core.templating import format_date
from app.extensions import db
from app.notifications.services import Reminder
from app.workdays.services import Term, WorkCalendar, get_calendar, term_label

S = ApplicationStatus


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
    DeadlineSpec(
        "annul_unsigned",
        "Срок до аннулирования без подписанного договора (свыше 150 кВт, п. 15 Правил)",
        Term(30, "wd"),
    ),
    DeadlineSpec("tu_check", "Проверка выполнения ТУ", Term(10, "wd")),
    DeadlineSpec("final_docs", "Размещение актов после присоединения", Term(5, "wd")),
    DeadlineSpec("reissue", "Переоформление документов", Term(7, "wd")),
)
DEFAULT_DEADLINES: dict[str, Term] = {s.code: s.default for s in DEADLINE_SPECS}
#: The office queue's line while the contract the applicant signed in the cabinet waits.
SIGNED_WAITS = "Договор подписан заявителем, ждёт подтверждения"


def load_deadlines() -> dict[str, Term]:
    """Every stage deadline: the admin's rows over the defaults (one query)."""
    terms = dict(DEFAULT_DEADLINES)
    for row in db.session.execute(sa.select(StageDeadline.code, StageDeadline.amount, StageDeadline.unit)):
        if row.code in terms:
            terms[row.code] = Term(row.amount, row.unit)
    return terms


@dataclass(frozen=True)
class Deadline:
    """A running obligation: what, by when, whose."""

    label: str
    due: date
    #: "staff" or "applicant"
    party: str
    term: str = ""


def local_day(moment: datetime | None) -> date | None:
    return to_local(moment).date() if moment is not None else None


def running_deadlines(
    app: Application, terms: dict[str, Term] | None = None, calendar: WorkCalendar | None = None
) -> list[Deadline]:
    """Every deadline running in the application's current stage (SPEC §2.2 table), in the
    order they fall due. Plain arithmetic on the row: no query but the terms (read only for a
    stage that counts one: the contract's own term rules its implementation) and calendar."""
    cal = calendar or get_calendar()
    status = app.status_enum
    start = local_day(app.stage_started_at)
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
        elif app.signed_received_at is not None:
            # The signed copy arrived through the cabinet: staff confirm it by the next working day.
            arrived = local_day(app.signed_received_at)
            found.append(Deadline(SIGNED_WAITS, cal.add_working_days(arrived, 1), "staff"))
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


def annulment_now(app: Application, day: date | None = None) -> AnnulmentOptions:
    """The grounds `app` may be annulled on (today unless `day`), with the admin's terms and
    the working-day calendar (rules.annulment_options)."""
    return annulment_options(app, load_deadlines(), get_calendar(), day or today())


def refresh_due(app: Application, terms: dict[str, Term] | None = None) -> None:
    """Store the earliest obligation not yet met (indexed: the office sorts by it)."""
    deadlines = running_deadlines(app, terms) if app.status_enum.is_open else []
    first = deadlines[0] if deadlines else None
    app.due_date = first.due if first else None
    app.due_label = first.label[:200] if first else ""
    app.due_party = first.party if first else ""


@signals.reminders_due.connect
def deadline_reminders(day: date, **_) -> Iterable[Reminder]:
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
            title = f"Заявка {app.number}: до {format_date(app.due_date)} представьте недостающие сведения"
            body = "Если сведения не поступят в срок, заявка будет аннулирована."
        elif app.is_small:
            title = f"Заявка {app.number}: оплатите счёт до {format_date(app.due_date)}"
            body = "Оплата счёта означает заключение договора."
        else:
            title = f"Заявка {app.number}: подпишите договор до {format_date(app.due_date)}"
            body = "Подписанный договор направьте в сетевую организацию."
        key = f"application:{app.id}:{app.status}:{app.due_date.isoformat()}:warn"
        yield Reminder(key=key, user=app.consumer, title=title, body=body, link=app.link)
