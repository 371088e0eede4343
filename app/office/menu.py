"""The back-office menu. Each feature adds its entry; entries for endpoints that are not
registered are not shown, and admin-only entries are hidden from operators."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, has_request_context, url_for
from flask_login import current_user

from app.office import bp


@dataclass(frozen=True)
class OfficeMenuEntry:
    endpoint: str
    label: str
    admin_only: bool = False


OFFICE_MENU: list[OfficeMenuEntry] = [
    OfficeMenuEntry("office.dashboard", "Сводка"),
    OfficeMenuEntry("office.applications.queue", "Заявки"),
    OfficeMenuEntry("office.appeals.queue", "Обращения"),
    OfficeMenuEntry("office.consumers.list_consumers", "Заявители"),
    OfficeMenuEntry("office.outages.list_outages", "Отключения"),
    OfficeMenuEntry("office.ratings.report", "Оценки и отчёты"),
    OfficeMenuEntry("office.tariffs.list_decisions", "Тарифы", admin_only=True),
    OfficeMenuEntry("office.company.edit_settings", "Компания", admin_only=True),
    OfficeMenuEntry("office.workdays.calendar", "Календарь и сроки", admin_only=True),
    OfficeMenuEntry("office.staff.list_staff", "Сотрудники", admin_only=True),
    OfficeMenuEntry("office.mail.outbox", "Почта"),
    OfficeMenuEntry("office.audit.log", "Журнал"),
]


@bp.app_context_processor
def office_menu() -> dict:
    """A staff member's menu on every page: admins see every entry, operators the rest."""
    if not has_request_context() or not current_user.is_authenticated or not current_user.is_staff:
        return {}
    entries = [
        e
        for e in OFFICE_MENU
        if e.endpoint in current_app.view_functions and (current_user.is_admin or not e.admin_only)
    ]
    return {"office_menu": entries, "menu_urls": {e.endpoint: url_for(e.endpoint) for e in entries}}
