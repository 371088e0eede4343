"""The back-office menu. Each feature adds its entry; entries for endpoints that are not
registered are not shown, and admin-only entries are hidden from operators."""

from __future__ import annotations

from dataclasses import dataclass


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
