"""The annual report of appeals as a PDF (order 186, appendix 7 style): one table per
section, this year beside last year, with the change in %."""

from __future__ import annotations

from reportlab.lib.units import mm

from app.core import pdf
from app.core.clock import now
from app.core.templating import format_datetime
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
    t = report.timeliness
    rows = [["Показатель", f"{report.last_year} год", f"{report.year} год", "Изменение, %"]]
    rows += [[r.label, str(r.last), str(r.this), format_change(r.change)] for r in t.rows]
    rows.append([t.AVERAGE_LABEL, *t.average_labels, format_change(t.average_change)])
    story += [
        pdf.p(t.TITLE, "h2"),
        pdf.table(rows, col_widths=widths),
        pdf.p(f"В срок — не позднее срока ответа с учётом его продления. {t.OVERDUE_NOTE}", "small"),
    ]
    story += [
        pdf.spacer(6),
        pdf.p(
            f"Сформировано {format_datetime(now())}. «—»: в прошлом году обращений не было, изменение не вычисляется.",
            "small",
        ),
    ]
    return pdf.render(story, title=f"Обращения за {report.year} год")
