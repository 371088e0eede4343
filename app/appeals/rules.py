"""The rules of appeals as plain functions: what an appeal must hold, the answer terms by
kind and topic, and which status may follow which. No database here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from app.appeals.models import (
    AnswerChannel,
    AppealKind,
    AppealStatus,
    AppealTopic,
    is_supply_complaint,
)
from app.auth.models import ApplicantType, User
from app.core.storage import StagedFile, UploadRules
from app.workdays.services import Term

#: The longest appeal or clarification, in characters (a long letter: about three pages).
MAX_TEXT = 5000
#: Staff answers may be longer.
MAX_ANSWER = 20000
MAX_REASON = 2000
#: Files in one submission (the appeal, a clarification, an answer), each up to 5 MB.
MAX_FILES = 5
UPLOAD_RULES = UploadRules(max_bytes=5 * 1024 * 1024)

#: An upload that passed the checks, written to disk and waiting for its row (app/core/storage.py).
CheckedFile = StagedFile


class AppealError(ValueError):
    """A refused action; the message is Russian and safe to show."""


class TransitionError(AppealError):
    pass


# --- answer terms ------------------------------------------------------------------------------

#: The acts the rules rest on, as cited in docs/appeals.md.
ORDER_186 = (
    "Единые стандарты качества обслуживания сетевыми организациями потребителей"
    " (приказ Минэнерго России от 15.04.2014 № 186)"
)
DECREE_442 = (
    "Основные положения функционирования розничных рынков электроэнергии (постановление Правительства РФ"
    " от 04.05.2012 № 442, в ред. постановления от 24.01.2024 № 55)"
)
LAW_59 = "Федеральный закон от 02.05.2006 № 59-ФЗ «О порядке рассмотрения обращений граждан РФ», ст. 12 ч. 2"


@dataclass(frozen=True)
class LegalRule:
    """A term or limit of the rules with the point of the act it rests on. `confirmed` is False
    where the act's current text could not be checked when the rule was written: the value is
    then configurable data (docs/appeals.md says so)."""

    term: Term
    source: str
    confirmed: bool = False


DEFAULT_TERM = Term(30, "d")
DEFAULT_TERM_RULE = LegalRule(
    DEFAULT_TERM, f"{ORDER_186}: обращение рассматривается в течение 30 дней со дня регистрации"
)
DEFAULT_TERM_RULES: dict[tuple[str, str], LegalRule] = {
    (AppealKind.complaint, AppealTopic.quality): LegalRule(
        Term(15, "wd"),
        f"{DECREE_442}: жалоба на надёжность и качество электроснабжения рассматривается в течение 15 рабочих дней",
    ),
}
#: The defaults that differ from DEFAULT_TERM (the admin's rows in appeal_terms override any).
DEFAULT_TERMS: dict[tuple[str, str], Term] = {key: rule.term for key, rule in DEFAULT_TERM_RULES.items()}


def default_term(kind: str, topic: str) -> Term:
    return DEFAULT_TERMS.get((kind, topic), DEFAULT_TERM)


def term_rule(kind: str, topic: str) -> LegalRule:
    """The default term of a kind and topic with its source."""
    return DEFAULT_TERM_RULES.get((kind, topic), DEFAULT_TERM_RULE)


# --- extension of the answer term --------------------------------------------------------------


@dataclass(frozen=True)
class ExtensionGround:
    """A ground on which staff may extend an answer term, with the point of the act it rests on."""

    code: str
    label: str
    source: str


EXTENSION_GROUNDS: tuple[ExtensionGround, ...] = (
    ExtensionGround(
        "inquiry",
        "Необходимость запроса дополнительных сведений в других организациях",
        f"{ORDER_186}, правило о продлении срока рассмотрения; по аналогии {LAW_59}",
    ),
    ExtensionGround(
        "inspection",
        "Необходимость дополнительной проверки: выезд на место, измерение показателей качества электроэнергии",
        f"{ORDER_186}, правило о продлении срока рассмотрения; для жалоб на качество — {DECREE_442}",
    ),
)
#: The longest extension, in working days (app.config APPEAL_EXTENSION_MAX_WORKDAYS overrides it):
#: 20 working days stay within the «не более 30 дней» of the 59-FZ in an ordinary month.
EXTENSION_MAX_RULE = LegalRule(Term(20, "wd"), f"по аналогии {LAW_59}: продление не более чем на 30 дней")
MAX_EXTENSION_COMMENT = 2000


def extension_ground(code: str | None) -> ExtensionGround | None:
    return next((g for g in EXTENSION_GROUNDS if g.code == code), None)


def extension_problems(
    *,
    is_open: bool,
    already_extended: bool,
    due_date: date,
    today: date,
    days: int | None,
    ground: str | None,
    comment: str,
    max_days: int,
) -> list[str]:
    """Why an answer term may not be extended as asked (empty: it may). Once per appeal, only
    while it is open and its due date has not passed, by 1 to `max_days` working days, on a
    ground of EXTENSION_GROUNDS, with a comment."""
    if not is_open:
        return ["Срок ответа можно продлить только по открытому обращению."]
    if already_extended:
        return ["Срок ответа по этому обращению уже продлевался: продлить его можно только один раз."]
    if due_date < today:
        return ["Срок ответа уже истёк: продлить его можно только до его окончания."]
    problems = []
    if days is None or not 1 <= days <= max_days:
        problems.append(f"Укажите, на сколько рабочих дней продлить срок: числом от 1 до {max_days}.")
    if extension_ground(ground) is None:
        problems.append("Выберите основание продления из списка.")
    if not comment.strip():
        problems.append("Напишите комментарий: почему нужно продлить срок.")
    elif len(comment.strip()) > MAX_EXTENSION_COMMENT:
        problems.append(f"Комментарий длиннее {MAX_EXTENSION_COMMENT} символов.")
    return problems


# --- registration ------------------------------------------------------------------------------


@dataclass
class AppealData:
    kind: str
    topic: str
    text: str
    channel: str = AnswerChannel.cabinet.value
    postal_address: str = ""
    complainant_details: str = ""
    contract_number: str = ""
    supply_address: str = ""
    problem_date: date | None = None
    problem_time: str = ""
    demands: str = ""
    files: list[CheckedFile] = field(default_factory=list)
    #: One of the consumer's submitted applications the appeal is about, or None.
    application_id: int | None = None


#: Said for another's application, a draft and an unknown id alike: it never tells which.
NOT_ONE_OF_YOURS = "Выберите заявку из списка своих поданных заявок или «Не относится к заявке»."


def data_problems(data: AppealData) -> list[str]:
    """What keeps an appeal from being registered (the forms show these next to fields)."""
    problems = []
    if data.kind not in {k.value for k in AppealKind}:
        problems.append("Выберите вид обращения.")
    if data.topic not in {t.value for t in AppealTopic}:
        problems.append("Выберите тему обращения.")
    if data.channel not in {c.value for c in AnswerChannel}:
        problems.append("Выберите, как получить ответ.")
    if not data.text.strip():
        problems.append("Опишите суть обращения.")
    elif len(data.text) > MAX_TEXT:
        problems.append(f"Текст обращения длиннее {MAX_TEXT} символов.")
    if data.channel == AnswerChannel.post.value and not data.postal_address.strip():
        problems.append("Укажите почтовый адрес для ответа.")
    if is_supply_complaint(data.kind, data.topic):
        if not data.complainant_details.strip():
            problems.append("Укажите сведения о потребителе.")
        if not data.supply_address.strip():
            problems.append("Укажите адрес энергопринимающих устройств.")
        if data.problem_date is None:
            problems.append("Укажите, когда возникла проблема.")
        if not data.demands.strip():
            problems.append("Укажите ваши требования.")
    if len(data.files) > MAX_FILES:
        problems.append(f"Можно приложить не больше {MAX_FILES} файлов.")
    return problems


def identity_details(user: User) -> str:
    """What Decree 442 asks as the complainant's identity, prefilled from the account."""
    if user.applicant_type == ApplicantType.legal.value:
        return f"{user.org_name}, ИНН {user.inn}, ОГРН {user.ogrn}; представитель {user.person_name}"
    if user.applicant_type == ApplicantType.entrepreneur.value:
        return f"ИП {user.person_name}, ИНН {user.inn}, ОГРНИП {user.ogrn}"
    return user.person_name


# --- status ------------------------------------------------------------------------------------

#: Every allowed change and who may make it. Nothing else changes a status.
TRANSITIONS: dict[tuple[AppealStatus, AppealStatus], str] = {
    (AppealStatus.registered, AppealStatus.in_progress): "staff",
    (AppealStatus.registered, AppealStatus.answered): "staff",
    (AppealStatus.in_progress, AppealStatus.answered): "staff",
    (AppealStatus.registered, AppealStatus.declined): "staff",
    (AppealStatus.in_progress, AppealStatus.declined): "staff",
    (AppealStatus.answered, AppealStatus.closed): "staff",
}


def can_change(current: str, to: str, actor_is_staff: bool) -> bool:
    who = TRANSITIONS.get((AppealStatus(current), AppealStatus(to)))
    return who is not None and (who != "staff" or actor_is_staff)


def next_statuses(current: str, actor_is_staff: bool = True) -> list[AppealStatus]:
    return [to for (frm, to) in TRANSITIONS if frm.value == current and can_change(current, to.value, actor_is_staff)]
