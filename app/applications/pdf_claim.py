"""«Претензия о нарушении срока технологического присоединения»: the applicant's claim for the
penalty of p.16(в), filled from the card (penalties.company_penalty), to sign and send."""

from __future__ import annotations

from reportlab.platypus import Flowable

from app.applications.models import Application
from app.applications.pdf import label_table, money_text, submitted_on
from app.applications.penalties import Penalty
from app.auth.models import User
from app.company.services import get_company
from app.core import pdf
from app.core.templating import format_date, format_number
from app.workdays.services import term_label

TITLE = "Претензия о нарушении срока технологического присоединения"


def claim(app: Application, consumer: User, penalty: Penalty) -> bytes:
    company = get_company()
    term = term_label(app.implementation_amount, app.implementation_unit)
    story: list[Flowable] = [
        pdf.p(f"Кому: {company.full_name}" + (f", {company.address}" if company.address else "")),
        pdf.p(f"От: {consumer.display_name}"),
        pdf.spacer(2),
        pdf.p(TITLE, "title"),
        label_table(
            [
                ["Заявка", f"№ {app.number} от {submitted_on(app)}"],
                ["Договор о технологическом присоединении", f"заключён {format_date(app.contract_date)}"],
                ["Срок выполнения мероприятий", f"{term}, до {format_date(penalty.term_end)} включительно"],
                ["Плата за технологическое присоединение", money_text(penalty.fee)],
                ["Просрочка на " + format_date(penalty.on), f"{penalty.days} дн."],
                ["Неустойка", f"{format_number(penalty.percent_per_day, 4)} % × {penalty.counted_days} дн."],
                ["Сумма неустойки", money_text(penalty.amount)],
            ]
        ),
        pdf.spacer(),
        pdf.p(
            f"Срок осуществления мероприятий по технологическому присоединению по договору истёк "
            f"{format_date(penalty.term_end)}, мероприятия сетевой организацией не выполнены. В соответствии с "
            f"{penalty.point} (Правила технологического присоединения, утверждённые постановлением Правительства "
            f"РФ от 27.12.2004 № 861) сторона договора, нарушившая срок, уплачивает другой стороне неустойку: "
            f"{penalty.rate_words}."
        ),
        pdf.p(
            f"Прошу выполнить мероприятия по технологическому присоединению и уплатить неустойку в размере "
            f"{money_text(penalty.amount)} на {format_date(penalty.on)}, а также неустойку за дальнейшие дни "
            "просрочки до дня исполнения обязательства."
        ),
        pdf.spacer(6),
        pdf.p(f"{consumer.display_name}          ____________________ (подпись)          «___» __________ 20__ г."),
    ]
    return pdf.render(story, title=TITLE, company=company)
