"""The menu of the personal account (SPEC §2). Each feature adds its entry here; an entry
whose endpoint is not registered yet is not shown."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, has_request_context, url_for
from flask_login import current_user

from app.cabinet import bp


@dataclass(frozen=True)
class MenuEntry:
    endpoint: str
    label: str


CONSUMER_MENU: list[MenuEntry] = [
    MenuEntry("applications.new_application", "Подать заявку"),
    MenuEntry("applications.list_applications", "Поданные заявки"),
    MenuEntry("appeals.list_appeals", "Обращения"),
    MenuEntry("notifications.list_notifications", "Уведомления"),
    MenuEntry("calculator.calculate", "Расчёт стоимости"),
    MenuEntry("ratings.my_ratings", "Оценить качество"),
    MenuEntry("outages.schedule", "Плановые отключения"),
    MenuEntry("cabinet.profile", "Профиль"),
]


@bp.app_context_processor
def consumer_menu() -> dict:
    """A logged-in consumer's menu on every page: the entries whose endpoints exist."""
    if not has_request_context() or not current_user.is_authenticated or current_user.is_staff:
        return {}
    entries = [e for e in CONSUMER_MENU if e.endpoint in current_app.view_functions]
    return {"consumer_menu": entries, "menu_urls": {e.endpoint: url_for(e.endpoint) for e in entries}}
