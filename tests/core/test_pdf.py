"""The shared PDF layout: the company's details in the footer are never cut."""

import io
from types import SimpleNamespace

import pytest
from pypdf import PdfReader

from app.core import pdf

SHORT = dict(full_name="АО «ПСК»", short_name="ПСК", inn="7707083893", address="г. Примерск, ул. Ленина, д. 1")
LONG = dict(
    full_name="Акционерное общество «Примерская региональная сетевая компания по передаче и распределению "
    "электрической энергии»",
    short_name="ПСК",
    inn="7707083893",
    address="123456, Российская Федерация, Примерская область, Примерский муниципальный район, "
    "городское поселение Примерск, г. Примерск, ул. Имени Первого Секретаря Обкома, д. 123, корп. 4, стр. 5, "
    "помещение 678",
)


#: Where the text frame ends (bottomMargin 20 mm): below it is the footer.
BODY_BOTTOM = 20 * 72 / 25.4


def footer_of(data: bytes) -> str:
    """The text printed below the body on the first page, whitespace collapsed."""
    parts: list[str] = []

    def visit(text, cm, tm, font, size):
        if tm[5] < BODY_BOTTOM:
            parts.append(text)

    PdfReader(io.BytesIO(data)).pages[0].extract_text(visitor_text=visit)
    return " ".join("".join(parts).split())


@pytest.mark.parametrize("details", [SHORT, LONG], ids=["short", "long"])
def test_the_footer_prints_every_detail_in_full(app, details):
    company = SimpleNamespace(phone="+7 (800) 555-00-11", **details)
    with app.app_context():
        data = pdf.render([pdf.p("Текст документа.")], title="Проверка", company=company)
    footer = footer_of(data)
    assert "…" not in footer
    expected = f"{company.full_name}, ИНН {company.inn}, {company.address}"
    assert " ".join(expected.split()) in footer, footer
    assert "стр. 1" in footer


def test_a_long_footer_wraps_and_shrinks_within_its_band(app):
    company = SimpleNamespace(**LONG)
    with app.app_context():
        footer = pdf.footer_paragraph(company, 140 * 2.83465)
    _, height = footer.wrap(140 * 2.83465, pdf.FOOTER_TOP)
    assert height <= pdf.FOOTER_TOP - pdf.FOOTER_BOTTOM
    assert len(footer.blPara.lines) >= 2, "it wraps onto more lines"
