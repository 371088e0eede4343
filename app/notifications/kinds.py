"""The kinds of events a consumer is notified of, and whether each may be mailed.

Every feature adds its kinds here, so /profile lists them all in one place."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    code: str
    label: str
    #: Mailed by default (the consumer may turn it off, unless `always_mail`).
    mail_default: bool = True
    #: Account and security mail goes out whatever the preference.
    always_mail: bool = False


KINDS: dict[str, Kind] = {
    k.code: k
    for k in (
        Kind("account", "Учётная запись и безопасность", always_mail=True),
        Kind("application_status", "Заявки: смена статуса и документы"),
        Kind("appeal_status", "Обращения: ответы и смена статуса"),
        Kind("deadline", "Напоминания о моих сроках"),
        Kind("outage", "Плановые отключения по моим адресам"),
        Kind("general", "Прочие сообщения"),
    )
}


def get_kind(code: str) -> Kind:
    return KINDS.get(code) or KINDS["general"]
