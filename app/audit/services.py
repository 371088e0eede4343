"""record() is called wherever something worth auditing happens; it joins the caller's
transaction. Details are short facts: the caller never passes secrets or identifiers.

Each event of a request also goes to the `app.audit` logger (INFO), so a log collector or
SIEM gets the same facts as /office/audit without reading the database (commands, such as
the demo data or the purge, only write the table)."""

from __future__ import annotations

import json
import logging
import re

from flask import has_request_context, request
from flask_login import current_user

from app.audit.models import AuditEvent
from app.core import signals
from app.core.clock import now
from app.extensions import db

log = logging.getLogger("app.audit")

#: Keys that must never reach the log, whatever a caller passes.
FORBIDDEN_KEYS = {
    "password",
    "new_password",
    "token",
    "snils",
    "passport",
    "passport_number",
    "passport_series",
    "code",
    "secret",
}
#: …nor any key that contains one of these.
FORBIDDEN_KEY_PARTS = ("password", "token", "secret", "snils", "passport", "otp", "recovery")
#: Values shaped like a СНИЛС (112-233-445 95, 11223344595) or a passport (4510 123456) are
#: masked, so a careless caller cannot leak them under an innocent key.
_IDENTIFIER = re.compile(r"\b\d{3}-?\d{3}-?\d{3}[ -]?\d{2}\b|\b\d{2} ?\d{2} ?\d{6}\b")


def _allowed(key: str) -> bool:
    key = key.lower()
    return key not in FORBIDDEN_KEYS and not any(part in key for part in FORBIDDEN_KEY_PARTS)


def _scrub(value):
    if isinstance(value, str):
        return _IDENTIFIER.sub("***", value)
    if isinstance(value, list | tuple | set):
        return [_scrub(v) for v in value]
    return value


def client_ip() -> str:
    if not has_request_context():
        return ""
    return (request.remote_addr or "")[:45]


def record(action: str, obj=None, *, actor=None, **details) -> AuditEvent:
    if actor is None and has_request_context() and current_user and current_user.is_authenticated:
        actor = current_user
    if obj is not None and getattr(obj, "id", None) is None:
        db.session.flush()  # the new object needs its id in the log
    safe = {k: _scrub(v) for k, v in details.items() if _allowed(k) and v is not None}
    event = AuditEvent(
        at=now(),
        actor_id=getattr(actor, "id", None),
        actor_role=getattr(actor, "role", "") or "",
        ip=client_ip(),
        action=action,
        object_type=obj.__tablename__ if obj is not None else "",
        object_id=getattr(obj, "id", None) if obj is not None else None,
        details=json.dumps(safe, ensure_ascii=False, default=str)[:1000] if safe else "",
    )
    db.session.add(event)
    if has_request_context():
        log.info(
            "%s actor=%s role=%s ip=%s object=%s#%s %s",
            action,
            event.actor_id,
            event.actor_role,
            event.ip,
            event.object_type,
            event.object_id,
            event.details,
        )
    return event


#: How staff read the codes in /office/audit; features add theirs with describe_actions().
ACTION_LABELS: dict[str, str] = dict(
    (
        ("auth.login", "Вход"),
        ("auth.login_failed", "Неудачный вход"),
        ("auth.login_expired_password", "Вход с истёкшим паролем"),
        ("auth.second_factor_failed", "Неверный код подтверждения"),
        ("auth.second_factor_enabled", "Подключено подтверждение входа"),
        ("auth.second_factor_disabled", "Отключено подтверждение входа"),
        ("auth.recovery_codes_renewed", "Новые резервные коды"),
        ("auth.password_confirm_failed", "Неверный пароль при подтверждении"),
        ("auth.logout", "Выход"),
        ("auth.logout_everywhere", "Выход на всех устройствах"),
        ("auth.register", "Регистрация"),
        ("auth.register_existing_email", "Регистрация с занятым адресом"),
        ("auth.password_reset_requested", "Запрос восстановления пароля"),
        ("auth.password_reset", "Пароль восстановлен"),
        ("auth.password_change", "Смена пароля"),
        ("auth.email_change_requested", "Запрос смены адреса для входа"),
        ("auth.email_change_refused", "Смена адреса отклонена"),
        ("auth.email_changed", "Адрес для входа изменён"),
        ("access.forbidden", "Отказ в доступе"),
        ("profile.contacts_changed", "Изменены контакты"),
        ("profile.preferences_changed", "Изменены настройки уведомлений"),
        ("privacy.consent_given", "Согласие дано"),
        ("privacy.consent_withdrawn", "Согласие отозвано"),
        ("privacy.data_exported", "Выгрузка «Мои данные»"),
        ("privacy.anonymised", "Данные обезличены"),
        ("office.walk_in_registration", "Регистрация посетителя в офисе"),
        ("office.reissue_password", "Выдан новый одноразовый пароль"),
        ("office.print_slip", "Распечатана памятка"),
        ("office.create_staff", "Создан сотрудник"),
        ("office.staff_enabled", "Сотрудник включён"),
        ("office.staff_disabled", "Сотрудник отключён"),
        ("office.staff_second_factor_reset", "Сброшено подтверждение входа сотрудника"),
        ("office.consent_scan_viewed", "Просмотрен скан согласия"),
        ("office.mail_retry", "Письмо поставлено в очередь снова"),
        ("office.company_settings", "Изменены сведения о компании"),
        ("office.vat_rate_added", "Добавлена ставка НДС"),
        ("office.vat_rate_deleted", "Удалена ставка НДС"),
        ("office.calendar_override", "Изменён календарь"),
        ("office.calendar_override_deleted", "Удалено исключение календаря"),
        ("profile.address_added", "Добавлен «мой адрес»"),
        ("profile.address_removed", "Удалён «мой адрес»"),
        ("office.outage_published", "Опубликовано отключение"),
        ("office.outage_changed", "Изменено отключение"),
        ("office.outage_cancelled", "Отменено отключение"),
        ("office.outage_closed", "Отключение завершено"),
        ("office.outages_imported", "Импорт отключений"),
        ("office.outage_settings", "Изменены настройки отключений"),
        ("users.create_staff", "Создан сотрудник (команда)"),
        ("office.staff_changed", "Изменены сведения о сотруднике"),
        ("office.appeal_terms", "Изменены сроки ответа на обращения"),
        ("office.tariff_imported", "Загружено тарифное решение"),
        ("office.tariff_entered", "Тарифное решение введено вручную"),
        ("office.tariff_retired", "Тарифное решение выведено из действия"),
        ("tariffs.imported", "Загружено тарифное решение (команда)"),
        ("outages.imported", "Импорт отключений (команда)"),
        ("appeal.letter_numbered", "Ответ на обращение распечатан письмом (присвоен исходящий номер)"),
    )
)

#: How the details of an event are labelled; an unknown key is shown as it is.
DETAIL_LABELS: dict[str, str] = {
    "role": "роль",
    "assignee_id": "ответственный (№ сотрудника)",
    "from_status": "прежний статус",
    "path": "адрес страницы",
    "method": "запрос",
    "consent_record": "запись о согласии",
    "title": "название",
    "valid_from": "действует с",
    "valid_to": "действует по",
    "decision_id": "тарифное решение №",
    "application_id": "заявка №",
    "appeal_id": "обращение №",
    "mail_id": "письмо №",
    "amount": "сумма",
    "day": "день",
    "is_working": "рабочий день",
    "percent": "ставка, %",
    "created": "создано",
    "updated": "изменено",
    "unchanged": "без изменений",
    "changed_due_dates": "пересчитано сроков",
    "fields": "поля",
    "forced": "принудительно",
    "frozen": "заморожено",
    "email_known": "адрес известен",
    "reason": "причина",
    "second_factor": "подтверждение входа",
    "success": "успешно",
    "format": "формат",
    "files": "файлов",
    "file": "файл",
    "place": "место",
    "period": "период",
    "min_notice_days": "уведомлять не позднее, дней",
    "overall": "общая оценка",
    "topic": "тема",
    "received_via": "способ поступления",
    "unconfirmed": "доставка не подтверждена",
    "via": "способ",
    "kind": "вид",
    "position": "должность",
    "letter": "исходящий номер",
}
ROLE_LABELS = {"consumer": "заявитель", "operator": "оператор", "admin": "администратор"}
#: What an event is about, by table.
OBJECT_LABELS = {
    "users": "Пользователь",
    "applications": "Заявка",
    "appeals": "Обращение",
    "outages": "Отключение",
    "tariff_decisions": "Тарифное решение",
    "company_settings": "Сведения о компании",
    "vat_rates": "Ставка НДС",
    "calendar_overrides": "Календарь",
    "outbox_mail": "Письмо",
    "consent_records": "Согласие",
    "appeal_ratings": "Оценка обращения",
    "application_ratings": "Оценка заявки",
    "user_addresses": "«Мой адрес»",
}


def describe_actions(labels: dict[str, str]) -> None:
    ACTION_LABELS.update(labels)


def action_label(code: str) -> str:
    return ACTION_LABELS.get(code, code)


def role_label(code: str) -> str:
    return ROLE_LABELS.get(code, code)


def object_label(table: str) -> str:
    return OBJECT_LABELS.get(table, table)


def _value(value) -> str:
    if value is True:
        return "да"
    if value is False:
        return "нет"
    if isinstance(value, list):
        return ", ".join(_value(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_value(v)}" for k, v in value.items())
    return str(value)


def detail_lines(details: str) -> list[tuple[str, str]]:
    """The stored details as «ключ: значение» pairs with Russian keys where we know them;
    details cut at 1000 characters (or not JSON) come back as one line of text."""
    if not details:
        return []
    try:
        facts = json.loads(details)
    except ValueError:
        return [("", details)]
    if not isinstance(facts, dict):
        return [("", _value(facts))]
    return [
        (DETAIL_LABELS.get(key, key), role_label(value) if key == "role" else _value(value))
        for key, value in facts.items()
    ]


@signals.access_refused.connect
def _record_refusal(app, path: str, method: str, **kwargs) -> None:
    record("access.forbidden", None, path=path, method=method)
