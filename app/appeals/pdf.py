"""The answer to an appeal as a paper letter (channel «post»), on the company's letterhead."""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import Table, TableStyle

from app.appeals.models import Appeal, AppealFile, AppealMessage
from app.auth.models import User
from app.company.services import get_company
from app.core import pdf
from app.core.clock import to_local
from app.extensions import db


def answer_letter(appeal: Appeal, answer: AppealMessage, files: list[AppealFile]) -> bytes:
    company = get_company()
    consumer = db.session.get(User, appeal.consumer_id)
    author = db.session.get(User, answer.author_id) if answer.author_id else None
    sender = [
        company.full_name,
        company.address,
        f"Тел.: {company.phone}" if company.phone else "",
        f"Эл. почта: {company.email}" if company.email else "",
        f"ИНН {company.inn} / КПП {company.kpp}" if company.inn else "",
        f"ОГРН {company.ogrn}" if company.ogrn else "",
    ]
    addressee = [consumer.display_name, appeal.postal_address or "(почтовый адрес не указан)"]
    head = Table(
        [[pdf.p("\n".join(line for line in sender if line), "small"), pdf.p("\n".join(addressee))]],
        colWidths=[90 * mm, 84 * mm],
    )
    head.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    answered_on = to_local(answer.created_at).strftime("%d.%m.%Y")
    story = [
        head,
        pdf.spacer(6),
        pdf.p(
            f"Исх. от {answered_on} на обращение № {appeal.number} от "
            f"{to_local(appeal.registered_at).strftime('%d.%m.%Y')}"
        ),
        pdf.spacer(4),
        pdf.p(f"Ответ на обращение № {appeal.number}", "title"),
        pdf.p(f"{appeal.kind_label}. Тема: {appeal.topic_label}.", "small"),
        pdf.spacer(3),
        pdf.p(_greeting(consumer)),
        pdf.spacer(2),
        pdf.p(answer.text),
    ]
    if files:
        story += [pdf.spacer(4), pdf.p("Приложения:", "h2")]
        story += [pdf.p(f"{i}. {f.stored.original_name}") for i, f in enumerate(files, 1)]
    story += [
        pdf.spacer(10),
        pdf.p(company.short_name),
        pdf.p(f"Исполнитель: {author.short_person_name or author.email}" if author else "", "small"),
        pdf.p("Ответ также размещён в личном кабинете заявителя.", "small"),
    ]
    return pdf.render(story, title=f"Ответ на обращение {appeal.number}", company=company)


def _greeting(consumer: User) -> str:
    """«Здравствуйте, Мария Петровна!» for a person; an organisation is greeted plainly."""
    if consumer.applicant_type != "legal" and consumer.first_name:
        return f"Здравствуйте, {' '.join(p for p in (consumer.first_name, consumer.middle_name) if p)}!"
    return "Здравствуйте!"
