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
    hint: str = ""


CONSUMER_MENU: list[MenuEntry] = [
    MenuEntry("applications.new_application", "Подать заявку", "Заявка на технологическое присоединение"),
    MenuEntry("applications.list_applications", "Поданные заявки", "Статусы, сроки и документы"),
    MenuEntry("appeals.list_appeals", "Обращения", "Жалобы, заявления и запросы"),
    MenuEntry("notifications.list_notifications", "Уведомления", "Что изменилось по заявкам и обращениям"),
    MenuEntry("calculator.calculate", "Расчёт стоимости", "Стоимость технологического присоединения"),
    MenuEntry("ratings.my_ratings", "Оценить качество", "Качество и доступность обслуживания"),
    MenuEntry("outages.schedule", "Плановые отключения", "График плановых отключений"),
    MenuEntry("cabinet.profile", "Профиль", "Контакты, пароль, уведомления"),
]


@bp.app_context_processor
def consumer_menu() -> dict:
    """A logged-in consumer's menu on every page: the entries whose endpoints exist."""
    if not has_request_context() or not current_user.is_authenticated or current_user.is_staff:
        return {}
    entries = [e for e in CONSUMER_MENU if e.endpoint in current_app.view_functions]
    return {"consumer_menu": entries, "menu_urls": {e.endpoint: url_for(e.endpoint) for e in entries}}
