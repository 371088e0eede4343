"""The annual report of appeals as a PDF (order 186, appendix 7 style): one table per
section, this year beside last year, with the change in %."""

from __future__ import annotations

from reportlab.lib.units import mm

from app.core import pdf
from app.core.clock import local_now
from app.ratings.reports import AnnualReport, format_change


def annual_pdf(report: AnnualReport) -> bytes:
    story = [
        pdf.p(f"Сведения об обращениях потребителей за {report.year} год", "title"),
        pdf.p(
            f"В сравнении с {report.last_year} годом. Обращения учтены по дате регистрации (по времени компании).",
            "small",
        ),
    ]
    widths = [80 * mm, 30 * mm, 30 * mm, 34 * mm]
    for section in report.sections:
        rows = [["Показатель", f"{report.last_year} год", f"{report.year} год", "Изменение, %"]]
        rows += [[r.label, str(r.last), str(r.this), format_change(r.change)] for r in [*section.rows, section.total]]
        story += [pdf.p(section.title, "h2"), pdf.table(rows, col_widths=widths)]
    story += [
        pdf.spacer(6),
        pdf.p(
            f"Сформировано {local_now():%d.%m.%Y %H:%M}. «—»: в прошлом году обращений "
            "не было, изменение не вычисляется.",
            "small",
        ),
    ]
    return pdf.render(story, title=f"Обращения за {report.year} год")
