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

DEFAULT_TERM = Term(30, "d")
#: Decree 442 as amended by Decree 55: a complaint about the quality of supply, 15 working days.
DEFAULT_TERMS: dict[tuple[str, str], Term] = {
    (AppealKind.complaint, AppealTopic.quality): Term(15, "wd"),
}


def default_term(kind: str, topic: str) -> Term:
    return DEFAULT_TERMS.get((kind, topic), DEFAULT_TERM)


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
