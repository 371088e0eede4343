"""The menu of the personal account (SPEC §2). Each feature adds its entry here; an entry
whose endpoint is not registered yet is not shown."""

from __future__ import annotations

from dataclasses import dataclass


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
