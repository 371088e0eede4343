"""The slip a walk-in visitor takes home: login, one-time password, how to log in."""

from __future__ import annotations

from app.core import pdf
from app.core.clock import to_local


def credentials_slip(user, password: str, login_url: str, company) -> bytes:
    expires = to_local(user.password_expires_at).strftime("%d.%m.%Y %H:%M") if user.password_expires_at else ""
    story = [
        pdf.p("Доступ в личный кабинет", "title"),
        pdf.p(f"{company.full_name}"),
        pdf.spacer(),
        pdf.p(f"Заявитель: {user.display_name}"),
        pdf.spacer(2),
        pdf.table([["Логин", user.email], ["Пароль", password]], col_widths=[90, 330], header=False),
        pdf.spacer(),
        pdf.p(f"Пароль одноразовый и действует до {expires} (время местное)." if expires else "Пароль одноразовый."),
        pdf.spacer(2),
        pdf.p("Как войти", "h2"),
        pdf.p(f"1. Откройте {login_url}"),
        pdf.p("2. Введите логин (адрес электронной почты) и пароль с этой памятки."),
        pdf.p("3. Придумайте новый пароль не короче 8 символов: система попросит об этом при первом входе."),
        pdf.p(
            "4. Если срок пароля истёк, нажмите «Забыли пароль?» на странице входа или обратитесь в офис обслуживания."
        ),
        pdf.spacer(),
        pdf.p(f"Телефон для справок: {company.phone}. Эл. почта: {company.email}.", "small"),
        pdf.p("Никому не сообщайте пароль. Сотрудники сетевой организации никогда его не спрашивают.", "small"),
    ]
    return pdf.render(story, title="Доступ в личный кабинет", company=company)
