"""The invoice of the offer (SPEC §2.2) and its payment QR code (ГОСТ Р 56042-2014)."""

from __future__ import annotations

import io
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from xml.sax.saxutils import escape  # nosec B406  # escapes text for reportlab, parses no XML

import segno
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Image, Paragraph, Table, TableStyle

from app.applications.models import Application
from app.applications.pdf import (
    PAGE_WIDTH,
    QR_SIDE,
    is_legal,
    kw,
    label_table,
    money_text,
    nobreak,
    or_dash,
    submitted_on,
)
from app.auth.models import User
from app.company.services import get_company
from app.core import pdf
from app.core.clock import today
from app.core.templating import format_date, format_money, format_number

# --- the payment QR code -----------------------------------------------------------

#: ГОСТ Р 56042-2014: "ST0001", then the encoding: "1" WIN1251, "2" UTF-8, "3" KOI8-R.
PAYLOAD_HEADER = "ST00012"
PAYLOAD_SEPARATOR = "|"
#: The standard's limits on the lengths of the fields we fill.
PAYLOAD_MAX = {
    "Name": 160,
    "PersonalAcc": 20,
    "BankName": 45,
    "BIC": 9,
    "CorrespAcc": 20,
    "PayeeINN": 12,
    "KPP": 9,
    "Sum": 18,
    "Purpose": 210,
    "PayerINN": 12,
    "LastName": 60,
    "FirstName": 60,
    "MiddleName": 60,
}


def _field(value) -> str:
    """A value as the standard allows: no separator, no line breaks, single spaces."""
    return " ".join(str(value or "").replace(PAYLOAD_SEPARATOR, " ").split())


def kopecks(amount: Decimal) -> int:
    return int((Decimal(amount) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def payment_payload(company, amount: Decimal, purpose: str, payer_name: str = "", payer_inn: str = "") -> str:
    """The ГОСТ Р 56042-2014 string of a payment to the company (UTF-8 header ST00012).

    The required fields (Name, PersonalAcc, BankName, BIC, CorrespAcc) come first, then
    PayeeINN, KPP, Sum (kopecks), Purpose, PayerINN and the payer's LastName, FirstName,
    MiddleName split from `payer_name` (a person's «Фамилия Имя Отчество»; organisations
    have no name field in the standard, pass their ИНН only). Empty optional fields are
    left out; any `|` in a value is removed."""
    required = [
        ("Name", company.full_name),
        ("PersonalAcc", company.bank_account),
        ("BankName", company.bank_name),
        ("BIC", company.bank_bic),
        ("CorrespAcc", company.bank_corr_account),
    ]
    names = _field(payer_name).split(" ", 2) if _field(payer_name) else []
    optional = [
        ("PayeeINN", company.inn),
        ("KPP", company.kpp),
        ("Sum", kopecks(amount)),
        ("Purpose", purpose),
        ("PayerINN", payer_inn),
    ]
    optional += list(zip(("LastName", "FirstName", "MiddleName"), names, strict=False))
    parts = [PAYLOAD_HEADER]
    for key, value in required:
        parts.append(f"{key}={_field(value)[: PAYLOAD_MAX[key]]}")
    for key, value in optional:
        text = _field(value)[: PAYLOAD_MAX[key]].strip()
        if text:
            parts.append(f"{key}={text}")
    return PAYLOAD_SEPARATOR.join(parts)


def has_bank_details(company) -> bool:
    """Whether the company's settings hold everything a payment needs."""
    return all(
        (company.full_name, company.bank_account, company.bank_name, company.bank_bic, company.bank_corr_account)
    )


def invoice_purpose(app: Application, calculation) -> str:
    """The purpose of payment as printed on the invoice and put into the QR code."""
    amount = f"{calculation.vat_amount:.2f}".replace(".", ",")
    vat = (
        f"в т.ч. НДС {format_number(calculation.vat_percent)} % {amount} руб."
        if calculation.vat_percent
        else "НДС не облагается."
    )
    return f"Плата за технологическое присоединение по заявке {app.number}, {vat}"


def _payer_person(app: Application, consumer: User) -> str:
    """The payer's name for the QR code: a person's full name; an organisation has none."""
    return "" if is_legal(app, consumer) else consumer.person_name


def invoice_payload(app: Application, consumer: User, calculation, company=None) -> str:
    """The QR code's content for the application's invoice."""
    company = company or get_company()
    return payment_payload(
        company,
        calculation.total_with_vat,
        invoice_purpose(app, calculation),
        payer_name=_payer_person(app, consumer),
        payer_inn=consumer.inn or "",
    )


def payment_qr(payload: str) -> segno.QRCode:
    """The QR symbol of a payload: byte mode, UTF-8 (as the header says), level M at least."""
    return segno.make_qr(payload, encoding="utf-8", error="m")


#: Pixels per module of the embedded PNG, and the quiet zone in modules (ISO/IEC 18004: 4).
QR_SCALE = 4
QR_BORDER = 4


def qr_png(payload: str) -> bytes:
    """The QR code as PNG bytes, in memory."""
    buffer = io.BytesIO()
    payment_qr(payload).save(buffer, kind="png", scale=QR_SCALE, border=QR_BORDER)
    return buffer.getvalue()


def qr_image(payload: str, side: float = QR_SIDE) -> Image:
    return Image(io.BytesIO(qr_png(payload)), width=side, height=side)


@lru_cache(maxsize=1)
def _figure_style() -> ParagraphStyle:
    return ParagraphStyle("figure", parent=pdf.styles()["body"], alignment=TA_RIGHT)


def _figure(text: str) -> Paragraph:
    """A right-aligned figure of the cost table that never breaks inside."""
    return Paragraph(escape(text).replace(" ", "\u00a0").replace("\u202f", "\u00a0"), _figure_style())


@lru_cache(maxsize=1)
def _total_style() -> ParagraphStyle:
    return ParagraphStyle("total", parent=pdf.styles()["big"], alignment=TA_RIGHT)


def _total(text: str) -> Paragraph:
    """The sum to pay: big, right-aligned, never broken inside."""
    return Paragraph(escape(text).replace(" ", "\u00a0").replace("\u202f", "\u00a0"), _total_style())


def _payee_rows(company) -> list[list[str]]:
    return [
        ["Получатель", company.full_name],
        ["ИНН / КПП получателя", f"{or_dash(company.inn)} / {or_dash(company.kpp)}"],
        ["Банк получателя", or_dash(company.bank_name)],
        ["БИК", or_dash(company.bank_bic)],
        ["Расчётный счёт", or_dash(company.bank_account)],
        ["Корреспондентский счёт", or_dash(company.bank_corr_account)],
    ]


def _payer_rows(consumer: User, purpose: str) -> list[list[str]]:
    payer = [["Плательщик", consumer.display_name]]
    if consumer.inn:
        payer.append(
            [
                "ИНН" + (" / КПП" if consumer.kpp else "") + " плательщика",
                consumer.inn + (f" / {consumer.kpp}" if consumer.kpp else ""),
            ]
        )
    payer.append(["Назначение платежа", purpose])
    return payer


def _cost_table(calculation) -> Table:
    """The terms of the calculation: rate, quantity and sum of each, without VAT."""
    rows = [["№", "Составляющая платы", _figure("Ставка, ₽"), _figure("Количество"), _figure("Сумма, ₽")]]
    for i, t in enumerate(calculation.terms, 1):
        rows.append(
            [
                str(i),
                t.label,
                _figure(format_money(t.rate, False)),
                _figure(f"{format_number(t.quantity, 3)} {t.unit}"),
                _figure(format_money(t.amount, False)),
            ]
        )
    return pdf.table(rows, col_widths=[9 * mm, 80 * mm, 30 * mm, 25 * mm, 30 * mm])


def _totals(calculation) -> list[Flowable]:
    """The preferential fee's working where it applies, and the totals."""
    story: list[Flowable] = []
    if calculation.rule == "preferential" and calculation.preferential_fee is not None:
        story.append(
            pdf.p(
                f"По стандартизированным ставкам: {money_text(calculation.standard_with_vat)} с НДС. "
                f"Льготная плата: {money_text(calculation.preferential_rate)} за кВт × "
                f"{kw(calculation.power_added_kw)} = {money_text(calculation.preferential_fee)} с НДС.",
                "small",
            )
        )
    vat_label = f"НДС {format_number(calculation.vat_percent)} %" if calculation.vat_percent else "НДС не облагается"
    totals = pdf.table(
        [
            ["Итого без НДС", _figure(format_money(calculation.total_without_vat))],
            [vat_label, _figure(format_money(calculation.vat_amount))],
            [pdf.p("Всего к оплате с НДС", "big"), _total(format_money(calculation.total_with_vat))],
        ],
        col_widths=[PAGE_WIDTH - 50 * mm, 50 * mm],
        header=False,
    )
    story += [pdf.spacer(2), totals]
    if calculation.rule == "preferential":
        story += [pdf.spacer(1), pdf.p(nobreak(calculation.explanation), "small")]
    story.append(pdf.p(f"Тарифное решение: {calculation.decision.title} ({calculation.decision.region}).", "small"))
    return story


#: How the invoice is paid: on the small path paying it concludes the contract.
SMALL_PAYMENT_TERMS = (
    "Оплатите счёт{when}. Оплата счёта означает заключение договора об осуществлении "
    "технологического присоединения на условиях типового договора: договор считается "
    "заключённым в день оплаты."
)
LARGE_PAYMENT_TERMS = (
    "Оплата — в порядке и сроки, установленные договором об осуществлении технологического присоединения."
)
QR_HINT = (
    "Для оплаты отсканируйте QR-код в мобильном приложении банка: реквизиты, сумма и назначение "
    "платежа заполнятся сами (ГОСТ Р 56042-2014). Проверьте их перед оплатой."
)
NO_QR = (
    "QR-код для оплаты не сформирован: банковские реквизиты сетевой организации не заполнены. "
    "Уточните реквизиты по телефону сетевой организации."
)


def _payment(app, consumer, calculation, company) -> list[Flowable]:
    """«Оплата»: the terms, and the QR code beside them when the company's bank details are set."""
    if app.is_small:
        when = f" до {format_date(app.due_date)}" if app.due_date and app.due_party == "applicant" else ""
        terms_text = SMALL_PAYMENT_TERMS.format(when=when)
    else:
        terms_text = LARGE_PAYMENT_TERMS
    story: list[Flowable] = [pdf.p("Оплата", "h2")]
    if not has_bank_details(company):
        return story + [pdf.p(terms_text), pdf.p(NO_QR, "small")]
    hint = [pdf.p(terms_text), pdf.spacer(2), pdf.p(QR_HINT, "small")]
    block = Table(
        [[qr_image(invoice_payload(app, consumer, calculation, company)), hint]],
        colWidths=[QR_SIDE + 4 * mm, PAGE_WIDTH - QR_SIDE - 4 * mm],
    )
    block.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("LEFTPADDING", (0, 0), (0, 0), 0)]))
    return story + [block]


def invoice(app, consumer, calculation) -> bytes:
    """«Счёт на оплату» of the application's connection fee, with the payment QR code."""
    company = get_company()
    title = f"Счёт на оплату № {app.number}"
    story: list[Flowable] = [
        pdf.p(f"Счёт на оплату № {app.number} от {format_date(today())}", "title"),
        pdf.p(f"За технологическое присоединение по заявке № {app.number} от {submitted_on(app)}."),
        pdf.p("Получатель платежа", "h2"),
        label_table(_payee_rows(company)),
        pdf.p("Плательщик", "h2"),
        label_table(_payer_rows(consumer, invoice_purpose(app, calculation))),
        pdf.p("Расчёт платы (ставки и суммы без НДС)", "h2"),
        _cost_table(calculation),
        *_totals(calculation),
        *_payment(app, consumer, calculation, company),
    ]
    return pdf.render(story, title=title, company=company)
