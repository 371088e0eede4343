"""The calculation as a Russian PDF: the same figures the page shows."""

from __future__ import annotations

from functools import lru_cache
from xml.sax.saxutils import escape  # nosec B406  # escapes text for reportlab, parses no XML

from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph

from app.calculator.rules import APPLICANT_TYPES, BAND_LABELS, METERING_LABELS, RELIABILITY_LABELS, TERRITORY_LABELS
from app.calculator.services import Calculation
from app.connection.rules import voltage_band
from app.core import pdf
from app.core.templating import format_date, format_money, format_number


@lru_cache(maxsize=1)
def _number_style() -> ParagraphStyle:
    return ParagraphStyle("number", parent=pdf.styles()["body"], alignment=TA_RIGHT)


def _num(text: str) -> Paragraph:
    """A right-aligned figure that never breaks inside (no-break spaces between thousands)."""
    return Paragraph(escape(text).replace(" ", "\u00a0").replace("\u202f", "\u00a0"), _number_style())


def _yes(flag: bool) -> str:
    return "да" if flag else "нет"


def _inputs_table(c: Calculation) -> list[list]:
    inp = c.input
    return [
        ["Заявитель", APPLICANT_TYPES[inp.applicant_type]],
        ["Максимальная мощность", f"{format_number(inp.power_kw, 3)} кВт"],
        ["Ранее присоединённая мощность", f"{format_number(inp.existing_power_kw, 3)} кВт"],
        ["Присоединяемая мощность N", f"{format_number(c.power_added_kw, 3)} кВт"],
        ["Напряжение", f"{format_number(inp.voltage_kv)} кВ (ставки для {BAND_LABELS[voltage_band(inp.voltage_kv)]})"],
        ["Категория надёжности", RELIABILITY_LABELS[inp.reliability]],
        ["Территория", TERRITORY_LABELS[inp.territory]],
        ["Сети в пределах 300 м (город) / 500 м (село)", _yes(inp.within_distance)],
        ["Льготная категория", _yes(inp.preferential)],
        ["Воздушная линия", f"{format_number(inp.overhead_km, 3)} км"],
        ["Кабельная линия", f"{format_number(inp.cable_km, 3)} км"],
        ["Пункты секционирования", str(inp.sectioning_points)],
        [
            "ТП / РТП / центр питания",
            " / ".join(_yes(f) for f in (inp.substation, inp.distribution_substation, inp.supply_center)),
        ],
        [
            "Учёт",
            METERING_LABELS[inp.metering] + (f", точек: {inp.metering_points or 1}" if inp.metering != "none" else ""),
        ],
    ]


def _terms_table(c: Calculation) -> list[list]:
    money = format_money
    terms = [["Составляющая платы", _num("Ставка, ₽"), _num("Количество"), _num("Сумма, ₽")]]
    for t in c.terms:
        terms.append(
            [
                t.label,
                _num(money(t.rate, False)),
                _num(f"{format_number(t.quantity, 3)} {t.unit}"),
                _num(money(t.amount, False)),
            ]
        )
    terms.append(["По ставкам без НДС", "", "", _num(money(c.standard_without_vat, False))])
    terms.append(
        [f"По ставкам с НДС {format_number(c.vat_percent)} %", "", "", _num(money(c.standard_with_vat, False))]
    )
    if c.preferential_fee is not None:
        terms.append(
            [
                f"Льготная плата с НДС: {money(c.preferential_rate)} × {format_number(c.power_added_kw, 3)} кВт",
                "",
                "",
                _num(money(c.preferential_fee, False)),
            ]
        )
    return terms


def calculation_pdf(c: Calculation) -> bytes:
    money = format_money
    d = c.decision
    validity = f"с {format_date(d.valid_from)}" + (f" по {format_date(d.valid_to)}" if d.valid_to else "")
    story = [
        pdf.p("Расчёт стоимости технологического присоединения", "title"),
        pdf.p(f"Дата расчёта: {format_date(c.on_date, 'long')}. Расчёт предварительный: плату устанавливает договор."),
        pdf.spacer(),
        pdf.p("Итого", "h2"),
        pdf.p(f"С НДС: {money(c.total_with_vat)}", "big"),
        pdf.p(f"Без НДС: {money(c.total_without_vat)}; НДС {format_number(c.vat_percent)} %: {money(c.vat_amount)}"),
        pdf.spacer(2),
        pdf.p(c.explanation),
        pdf.p("Составляющие платы (без НДС)", "h2"),
        pdf.table(_terms_table(c), col_widths=[205, 95, 80, 105]),
        pdf.p("Исходные данные", "h2"),
        pdf.table(_inputs_table(c), col_widths=[200, 285], header=False),
        pdf.p("Основание и срок", "h2"),
        pdf.p(f"Тарифное решение: {d.region}, {d.title}, действует {validity}."),
        pdf.p(f"Ставка НДС на дату расчёта: {format_number(c.vat_percent)} %."),
        pdf.p(f"Категория заявителя: {c.category.label if c.category else ''}."),
        pdf.p(f"Группа заявителя: {c.group.rule.words() if c.group else ''}."),
        pdf.p(
            f"Срок осуществления мероприятий по присоединению: {c.implementation_term.label} со дня заключения "
            f"договора ({c.implementation_term.reason})."
        ),
    ]
    if c.notes:
        story.append(pdf.spacer(2))
        story.extend(pdf.p(f"• {note}", "small") for note in c.notes)
    return pdf.render(story, title="Расчёт стоимости технологического присоединения")
