"""The answer to an appeal as a paper letter (channel «post»), on the company's letterhead."""

from __future__ import annotations

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Table, TableStyle

from app.appeals.models import Appeal, AppealFile, AppealMessage
from app.auth.models import User
from app.company.services import get_company
from app.core import pdf
from app.core.templating import format_date
from app.extensions import db


def answer_letter(appeal: Appeal, answer: AppealMessage, files: list[AppealFile]) -> bytes:
    """The letter: the letterhead, the outgoing number and date (operations.number_letter),
    the addressee, the answer, and the signatory — the answering staff member's position and
    name from their staff profile."""
    company = get_company()
    consumer = db.session.get(User, appeal.consumer_id)
    author = db.session.get(User, answer.author_id) if answer.author_id else None
    addressee = [consumer.display_name, appeal.postal_address or "(почтовый адрес не указан)"]
    letter_date = format_date(answer.letter_date) if answer.letter_date else "«___» ________ 20__"
    reference = [
        f"Исх. № {answer.letter_number or '________'} от {letter_date}",
        f"На № {appeal.number} от {format_date(appeal.registered_at)}",
    ]
    head = Table(
        [[pdf.p("\n".join(reference)), pdf.p("\n".join(addressee))]],
        colWidths=[88 * mm, 82 * mm],
        hAlign="LEFT",
    )
    head.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    story = [
        *letterhead(company),
        pdf.spacer(5),
        head,
        pdf.spacer(6),
        pdf.p(f"Ответ на обращение № {appeal.number}", "title"),
        pdf.p(f"{appeal.kind.label}. Тема: {appeal.topic.label}.", "small"),
        pdf.spacer(3),
        pdf.p(_greeting(consumer)),
        pdf.spacer(2),
        pdf.p(answer.text),
    ]
    if files:
        story += [pdf.spacer(4), pdf.p("Приложения:", "h2")]
        story += [pdf.p(f"{i}. {f.stored.original_name}") for i, f in enumerate(files, 1)]
    story += [pdf.spacer(10), KeepTogether([_signature(author, company), pdf.spacer(6)])]
    story.append(pdf.p("Ответ также размещён в личном кабинете заявителя.", "small"))
    return pdf.render(story, title=f"Ответ на обращение {appeal.number}", company=company)


def letterhead(company) -> list:
    """The company's name, address, phones, mail and registration numbers across the top."""
    contacts = [
        company.address,
        f"Тел.: {company.phone}" if company.phone else "",
        f"Эл. почта: {company.email}" if company.email else "",
    ]
    numbers = [
        f"ИНН {company.inn}" if company.inn else "",
        f"КПП {company.kpp}" if company.kpp else "",
        f"ОГРН {company.ogrn}" if company.ogrn else "",
    ]
    rule = Table([[""]], colWidths=[170 * mm], rowHeights=[1])
    rule.setStyle(TableStyle([("LINEABOVE", (0, 0), (-1, 0), 1, colors.black)]))
    return [
        pdf.p(company.full_name, "letterhead"),
        pdf.p(" · ".join(part for part in contacts if part), "letterhead_small"),
        pdf.p(" · ".join(part for part in numbers if part), "letterhead_small"),
        pdf.spacer(1),
        rule,
    ]


def signatory_name(user: User) -> str:
    """«О.И. Кузнецова»: initials before the surname, as a letter is signed."""
    initials = "".join(f"{part[0]}." for part in (user.first_name, user.middle_name) if part)
    return f"{initials}\u00a0{user.last_name}" if initials and user.last_name else user.last_name or user.email


def _signature(author: User | None, company) -> Table:
    position = (author.position if author else "") or ""
    name = signatory_name(author) if author else ""
    who = position or f"Сотрудник {company.short_name}"
    sign = Table(
        [[pdf.p(who), pdf.p("_______________"), pdf.p(name)]],
        colWidths=[80 * mm, 40 * mm, 50 * mm],
        hAlign="LEFT",
    )
    sign.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("ALIGN", (2, 0), (2, 0), "RIGHT"),
            ]
        )
    )
    return sign


def _greeting(consumer: User) -> str:
    """«Здравствуйте, Мария Петровна!» for a person; an organisation is greeted plainly."""
    if consumer.applicant_type != "legal" and consumer.first_name:
        return f"Здравствуйте, {' '.join(p for p in (consumer.first_name, consumer.middle_name) if p)}!"
    return "Здравствуйте!"
