"""Russian PDFs with reportlab: DejaVu Sans (shipped in app/core/fonts) and the company's
details in the header and footer of every page."""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape  # nosec B406  # escapes text for reportlab, parses no XML

from flask import current_app
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    Flowable,
    KeepInFrame,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

FONT_DIR = Path(__file__).parent / "fonts"
FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"


@lru_cache(maxsize=1)
def register_fonts() -> None:
    pdfmetrics.registerFont(TTFont(FONT, str(FONT_DIR / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(FONT_DIR / "DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD)


@lru_cache(maxsize=1)
def styles() -> dict[str, ParagraphStyle]:
    register_fonts()
    body = ParagraphStyle("body", fontName=FONT, fontSize=10, leading=13.5)
    return {
        "body": body,
        "small": ParagraphStyle("small", parent=body, fontSize=8, leading=10, textColor=colors.HexColor("#444444")),
        "title": ParagraphStyle("title", parent=body, fontName=FONT_BOLD, fontSize=15, leading=19, spaceAfter=6),
        "h2": ParagraphStyle(
            "h2", parent=body, fontName=FONT_BOLD, fontSize=12, leading=15, spaceBefore=8, spaceAfter=4
        ),
        "big": ParagraphStyle("big", parent=body, fontName=FONT_BOLD, fontSize=13, leading=17),
        "letterhead": ParagraphStyle(
            "letterhead", parent=body, fontName=FONT_BOLD, fontSize=12, leading=15, alignment=1
        ),
        "letterhead_small": ParagraphStyle("letterhead_small", parent=body, fontSize=8, leading=10, alignment=1),
    }


def p(text: str, style: str = "body") -> Paragraph:
    """A paragraph of plain text (escaped), in one of our styles."""
    return Paragraph(escape(text).replace("\n", "<br/>"), styles()[style])


def pm(markup: str, style: str = "body") -> Paragraph:
    """A paragraph of reportlab markup the caller has already escaped."""
    return Paragraph(markup, styles()[style])


def table(rows: list[list], col_widths: list[float] | None = None, header: bool = True) -> Table:
    """A simple ruled table; cells may be strings (escaped here) or flowables."""
    cells = [[c if isinstance(c, Flowable) else p(str(c)) for c in row] for row in rows]
    # splitInRow: a row taller than a page (a long text in a cell) goes on over the next page
    t = Table(cells, colWidths=col_widths, repeatRows=1 if header else 0, splitInRow=1)
    style = [
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#999999")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
    ]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")))
    t.setStyle(TableStyle(style))
    return t


def spacer(height_mm: float = 4) -> Spacer:
    return Spacer(1, height_mm * mm)


#: A story up to this much taller than one page is shrunk onto it (fit_one_page): a document
#: that nearly fits is better read on one sheet than with a paragraph alone on the second.
NEARLY_ONE_PAGE = 1.15


def flatten(story: list[Flowable]) -> list[Flowable]:
    """The story with its KeepTogether groups opened: they lay out only inside a page build."""
    flat: list[Flowable] = []
    for flowable in story:
        flat += flatten(flowable._content) if isinstance(flowable, KeepTogether) else [flowable]
    return flat


def story_height(story: list[Flowable], width: float) -> float:
    """The height the story takes laid out in one column of `width`, spaces included."""
    total = 0.0
    for flowable in flatten(story):
        _, height = flowable.wrap(width, 100 * A4[1])
        total += height + flowable.getSpaceBefore() + flowable.getSpaceAfter()
    return total


def render(story: list[Flowable], title: str, company=None, *, fit_one_page: bool = False) -> bytes:
    """Lay out `story` on A4 pages with the company in the header and footer; with
    `fit_one_page`, a story that nearly fits one page is shrunk a little onto it."""
    register_fonts()
    if company is None:
        company = current_app.extensions["lk.company"]()  # the company feature provides it
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=title,
        author=company.short_name,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=22 * mm,
        bottomMargin=20 * mm,
    )
    if fit_one_page:
        width, height = doc.width - 12, doc.height - 12  # the frame's padding, 6 pt each side
        if height < story_height(story, width) <= height * NEARLY_ONE_PAGE:
            story = [KeepInFrame(width, height, content=flatten(story), mode="shrink")]
    doc.build(story, onFirstPage=_page_decorator(company), onLaterPages=_page_decorator(company))
    return buffer.getvalue()


def _page_decorator(company) -> Callable:
    def decorate(canvas, doc):
        canvas.saveState()
        width, height = A4
        canvas.setFont(FONT_BOLD, 9)
        canvas.drawString(18 * mm, height - 12 * mm, company.short_name)
        canvas.setFont(FONT, 7.5)
        canvas.drawRightString(width - 18 * mm, height - 12 * mm, company.phone or "")
        footer = footer_paragraph(company, width - 36 * mm - 16 * mm)  # the margins and the page number
        footer.drawOn(canvas, 18 * mm, FOOTER_BOTTOM)
        canvas.setFont(FONT, 7.5)
        canvas.drawRightString(width - 18 * mm, FOOTER_BOTTOM, f"стр. {doc.page}")
        canvas.restoreState()

    return decorate


#: The footer sits between these heights above the page's edge, under the text (bottomMargin 20 mm).
FOOTER_BOTTOM = 5 * mm
FOOTER_TOP = 19 * mm
#: Font sizes the footer tries, largest first, until it fits its band.
FOOTER_SIZES = (7.5, 7, 6.5, 6, 5.5, 5)


def footer_text(company) -> str:
    parts = [company.full_name, f"ИНН {company.inn}" if company.inn else "", company.address]
    return ", ".join(part for part in parts if part)


def footer_paragraph(company, room: float) -> Paragraph:
    """The company's details wrapped into the footer's band, smaller when they are long:
    never cut (a cut ИНН or address is worse than small print)."""
    register_fonts()
    text = escape(footer_text(company))
    for size in FOOTER_SIZES:
        style = ParagraphStyle(
            f"footer-{size}", fontName=FONT, fontSize=size, leading=size * 1.2, textColor=colors.HexColor("#444444")
        )
        footer = Paragraph(text, style)
        _, height = footer.wrap(room, FOOTER_TOP)
        if height <= FOOTER_TOP - FOOTER_BOTTOM:
            break
    return footer  # the smallest size: wrapped, taller than the band only for absurd details
