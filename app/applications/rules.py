"""The rules of grid-connection applications (SPEC §2.2), pure: the limits of the data and
what is wrong with it field by field, the one table of transitions and who may make each,
the refusals. No query, no write."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from app.applications.models import (
    AnnulmentGround,
    Application,
    ApplicationKind,
    ApplicationStatus,
    DocumentKind,
    LoadCharacter,
)
from app.auth.models import ApplicantType, User
from app.connection.groups import Applicant, ApplicantGroup, applicant_group
from app.connection.rules import MAX_REQUESTED_TERM_WD, TEMPORARY_TERM_WD, VOLTAGES_KV
from app.core.clock import to_local, today
from app.core.storage import StagedFile
from app.core.templating import format_date
from app.core.text import has_other_digits, other_digits_message
from app.workdays.services import Term, WorkCalendar

MAX_TEXT = 5000
#: Above these an input is a typo, not a connection.
MAX_POWER_KW = Decimal("100000")
MAX_POINTS = 100
MAX_MEMBERS = 100000


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


#: The calculator's territory for the kind of settlement an address names (its abbreviation or
#: word). Decree 861 p.17 sets the distance limits «в городах и посёлках городского типа» and «в
#: сельской местности», and the regulator's rates follow the same split, so an urban-type
#: settlement (пгт, рабочий посёлок) is «город». Unknown kinds are left to the person.
SETTLEMENT_TERRITORY = {
    **dict.fromkeys(("г", "гор", "город", "пгт", "рп"), "urban"),
    **dict.fromkeys(
        (
            "с",
            "село",
            "д",
            "дер",
            "деревня",
            "п",
            "пос",
            "поселок",
            "х",
            "хут",
            "хутор",
            "ст-ца",
            "станица",
            "сл",
            "слобода",
            "аул",
            "снт",
        ),
        "rural",
    ),
}
_SETTLEMENT_KIND_RE = re.compile(r"\s*([а-я]+(?:-[а-я]+)?)(?:\.\s*|\s+)\S")


def territory_of(settlement: str) -> str | None:
    """«с. Заречное» → "rural", «г. Примерск» → "urban", «Примерск» → None (the address
    does not say)."""
    match = _SETTLEMENT_KIND_RE.match((settlement or "").lower().replace("ё", "е"))
    return SETTLEMENT_TERRITORY.get(match.group(1)) if match else None


class ApplicationError(ValueError):
    """A refused action; the message is Russian and safe to show."""


class TransitionError(ApplicationError):
    """A status change the table does not allow to this actor: the route answers 403."""


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
    generation: bool = False
    mobile_devices: bool = False
    requested_term_wd: int | None = None
    partnership_members: int | None = None
    passport_series: str = ""
    passport_number: str = ""
    passport_issued_by: str = ""
    passport_issued_on: date | None = None
    #: Files by document kind (site_plan, title_document, power_of_attorney, preferential_proof, other).
    files: dict[str, list[StagedFile]] = field(default_factory=dict)


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


def data_problems(
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
    _choice_problems(data, problems)
    _power_problems(data, problems, submitting)
    _object_problems(data, problems, day)
    if applicant_type == ApplicantType.individual.value:
        _passport_problems(data, problems, day)
    if submitting:
        _missing(data, applicant_type, problems, existing_kinds)
    return problems


def _choice_problems(data: ApplicationData, problems: dict[str, str]) -> None:
    """A value outside its list."""
    if data.kind is not None and data.kind not in {k.value for k in ApplicationKind}:
        problems["kind"] = "Выберите вид заявки из списка."
    if data.voltage_kv is not None and data.voltage_kv not in VOLTAGES_KV:
        problems["voltage_kv"] = "Выберите уровень напряжения из списка."
    if data.reliability is not None and data.reliability not in (1, 2, 3):
        problems["reliability"] = "Выберите категорию надёжности: I, II или III."
    if data.load_character is not None and data.load_character not in {c.value for c in LoadCharacter}:
        problems["load_character"] = "Выберите характер нагрузки из списка."


def _power_problems(data: ApplicationData, problems: dict[str, str], submitting: bool) -> None:
    """The power asked, the power already connected, and the voltage that can carry it."""
    if data.power_kw is not None and not Decimal(0) < data.power_kw <= MAX_POWER_KW:
        problems["power_kw"] = f"Максимальная мощность — больше 0 и не больше {MAX_POWER_KW} кВт."
    if data.existing_power_kw is not None:
        if data.existing_power_kw < 0:
            problems["existing_power_kw"] = "Ранее присоединённая мощность не может быть отрицательной."
        elif "power_kw" in problems:
            pass  # an invalid maximum gets its own error; comparing with it would add a second
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


def _object_problems(data: ApplicationData, problems: dict[str, str], day: date) -> None:
    """The object: its cadastral number, connection points, commissioning date, stages."""
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
    _group_fact_problems(data, problems)


def _group_fact_problems(data: ApplicationData, problems: dict[str, str]) -> None:
    """The facts of the applicant's group: a temporary connection's longer term, a
    partnership's members. (A non-temporary application's mobile devices and term are not
    asked, and dropped on save.)"""
    temporary = data.kind == ApplicationKind.temporary.value
    if temporary and data.requested_term_wd is not None:
        if not TEMPORARY_TERM_WD < data.requested_term_wd <= MAX_REQUESTED_TERM_WD:
            problems["requested_term_wd"] = (
                f"Срок — больше {TEMPORARY_TERM_WD} и не больше {MAX_REQUESTED_TERM_WD} рабочих дней; "
                f"если хватит {TEMPORARY_TERM_WD}, оставьте поле пустым."
            )
    if data.partnership_members is not None and not 1 <= data.partnership_members <= MAX_MEMBERS:
        problems["partnership_members"] = f"Число членов — от 1 до {MAX_MEMBERS}."


def group_of(app: Application) -> ApplicantGroup:
    """The applicant's group of the Rules from what the application states."""
    return applicant_group(
        Applicant(
            applicant_type=app.applicant_type,
            max_power_kw=Decimal(app.power_kw),
            reliability=app.reliability or 3,
            household=app.load_character in (None, LoadCharacter.household.value),
            temporary=app.kind == ApplicationKind.temporary.value,
            mobile_devices=bool(app.mobile_devices),
            partnership_members=app.partnership_members,
            generation=bool(app.generation),
        )
    )


def _passport_problems(data: ApplicationData, problems: dict[str, str], day: date) -> None:
    """An individual's passport."""
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


def _missing(
    data: ApplicationData, applicant_type: str, problems: dict[str, str], existing_kinds: Iterable[str]
) -> None:
    """What a submission still lacks: the required fields and documents."""
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


class ApplicationDataError(ApplicationError):
    """Data refused field by field: `problems` maps a field name to its message."""

    def __init__(self, problems: dict[str, str]):
        super().__init__(" ".join(problems.values()))
        self.problems = problems


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
    # Only on a ground of the Rules, after its term (ANNULMENT_RULES): a complete application
    # (submitted) has none; the applicant may withdraw it.
    (S.offer_sent, S.annulled): frozenset({"staff"}),
}

#: Paths that only some kinds take: reissue goes submitted → (needs_info) → completed.
REISSUE_ONLY = {(S.submitted, S.completed)}
NOT_FOR_REISSUE = {(S.submitted, S.offer_sent)}


def signed_upload_problem(app: Application) -> str | None:
    """Why the applicant cannot send the signed contract through the cabinet now, or None.
    Only above 150 kW (up to 150 kW paying the invoice concludes the contract, SPEC §2.2)
    and only while the draft contract waits for the signature (offer_sent); the
    contract is then concluded on the day the signed copy reaches the network organisation
    (p.15), which staff confirm."""
    if app.is_small:
        return "По этой заявке договор заключается оплатой счёта: подписанный договор направлять не нужно."
    if app.status == S.offer_sent.value:
        return None
    if app.status in (S.withdrawn.value, S.annulled.value, S.completed.value):
        return "Заявка закрыта: направить договор по ней нельзя."
    if app.contract_date is not None or app.status in (
        S.contract_concluded.value,
        S.in_progress.value,
        S.tu_fulfilled.value,
        S.connected.value,
    ):
        return "Договор по заявке уже заключён: направлять его ещё раз не нужно."
    return "Подписанный договор можно направить, когда сетевая организация разместит проект договора."


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


# --- annulment (Decree 861) --------------------------------------------------------------------


@dataclass(frozen=True)
class GroundRule:
    """When a ground of annulment may be used: in `status`, once the term `term` (a code of
    deadlines.DEADLINE_SPECS, so an admin may change it) counted from the start of the stage
    has passed — the day after its last day."""

    status: ApplicationStatus
    term: str
    #: The event the term counts from, after «с» («получения проекта договора»).
    since: str
    #: True: up to 150 kW only (the personal-account procedure); False: above 150 kW only.
    small: bool | None = None


#: The grounds the Rules give and their terms. The wording of the edition in force was not
#: confirmed here (docs/applications.md, «Annulment»): the terms are data, the defaults the
#: lead's reading. No ground annuls a complete application (submitted).
ANNULMENT_RULES: dict[AnnulmentGround, GroundRule] = {
    # p.15: the missing data not given within 20 working days of the notice.
    AnnulmentGround.no_info: GroundRule(S.needs_info, "needs_info", "уведомления о недостающих сведениях"),
    # p.15: neither the signed contract nor a reasoned refusal, not earlier than 30 working
    # days after the applicant received the draft contract and the ТУ (above 150 kW).
    AnnulmentGround.unsigned: GroundRule(S.offer_sent, "annul_unsigned", "получения проекта договора", small=False),
    # p.103–105, p.110: up to 150 kW the invoice concludes the contract; unpaid in its term.
    AnnulmentGround.unpaid: GroundRule(S.offer_sent, "pay", "размещения счёта", small=True),
}
SIGNED_WAITS_PROBLEM = (
    "Заявитель направил подписанный договор через личный кабинет: подтвердите заключение договора, "
    "аннулировать заявку по этому основанию нельзя."
)


@dataclass(frozen=True)
class AnnulmentOptions:
    """The grounds of annulment open now, and why each other ground of the stage is not yet."""

    available: tuple[AnnulmentGround, ...]
    waiting: dict[AnnulmentGround, str]
    #: The day each ground's term passed or passes (the ground is open from it).
    opens: dict[AnnulmentGround, date] = field(default_factory=dict)

    def problem(self, code: str | None) -> str | None:
        """Why the application cannot be annulled on `code` now, or None."""
        if code in {g.value for g in self.available}:
            return None
        if code in {g.value for g in self.waiting}:
            return self.waiting[AnnulmentGround(code)]
        return "Выберите основание аннулирования из списка."


def annulment_options(
    app: Application, terms: Mapping[str, Term], calendar: WorkCalendar, day: date
) -> AnnulmentOptions:
    """The grounds `app` may be annulled on `day` (ANNULMENT_RULES), with their terms from
    `terms` counted by `calendar` from the start of the stage; empty when there is none."""
    available: list[AnnulmentGround] = []
    waiting: dict[AnnulmentGround, str] = {}
    opens: dict[AnnulmentGround, date] = {}
    for ground, rule in ANNULMENT_RULES.items():
        if app.status != rule.status.value or (rule.small is not None and app.is_small != rule.small):
            continue
        if ground is AnnulmentGround.unsigned and app.signed_received_at is not None:
            waiting[ground] = SIGNED_WAITS_PROBLEM
            continue
        if app.stage_started_at is None:
            continue
        term = terms[rule.term]
        last = calendar.add_term(to_local(app.stage_started_at).date(), term.amount, term.unit)
        opens[ground] = last + timedelta(days=1)
        if day > last:
            available.append(ground)
        else:
            waiting[ground] = (
                f"Аннулировать можно с {format_date(opens[ground])}: прошло меньше {term_genitive(term)} "
                f"с {rule.since} ({ground.point})."
            )
    return AnnulmentOptions(tuple(available), waiting, opens)


def term_genitive(term: Term) -> str:
    """«меньше 30 рабочих дней», «меньше 21 рабочего дня», «меньше 1 месяца»."""
    one = term.amount % 10 == 1 and term.amount % 100 != 11
    words = {
        "wd": ("рабочего дня", "рабочих дней"),
        "d": ("дня", "дней"),
        "m": ("месяца", "месяцев"),
        "y": ("года", "лет"),
    }[term.unit]
    return f"{term.amount} {words[0] if one else words[1]}"
