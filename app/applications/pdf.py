"""The application's generated documents (SPEC §2.2), in Russian with reportlab:
the application as submitted, the standard contract terms filled with the applicant's
data, the connection instruction, and the invoice with its payment QR code of
ГОСТ Р 56042-2014 (the company's bank details from its settings)."""

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

from app.applications.models import Application, ApplicationKind, LoadCharacter
from app.auth.models import ApplicantType, User
from app.calculator.pdf import _num, _yes
from app.calculator.rules import RELIABILITY_LABELS, rub
from app.company.services import get_company
from app.core import pdf
from app.core.clock import today
from app.core.templating import format_date, format_datetime, format_money, format_number

#: The width of the text on an A4 page between the margins of app.core.pdf.render.
PAGE_WIDTH = 174 * mm
#: The side of the printed payment QR code: big enough for a phone camera at arm's length.
QR_SIDE = 42 * mm

#: Decree 861 in the instrumental case: «в соответствии с …».
RULES_861 = (
    "Правилами технологического присоединения энергопринимающих устройств потребителей электрической "
    "энергии, утверждёнными постановлением Правительства Российской Федерации от 27.12.2004 № 861"
)


# --- small helpers ---------------------------------------------------------------------------------


def masked_snils(snils: str | None) -> str:
    """Only the check digits: '***-***-*** 95'. The full СНИЛС is never printed."""
    digits = "".join(ch for ch in snils or "" if ch.isdigit())
    return f"***-***-*** {digits[-2:]}" if len(digits) == 11 else ""


def _kw(value) -> str:
    return f"{format_number(Decimal(value or 0), 3)} кВт"


def _kv(value: str | None) -> str:
    return f"{format_number(Decimal(value))} кВ" if value else "не указано"


def _or_dash(text: str | None) -> str:
    return text if text else "—"


def _applicant_type(app: Application, consumer: User) -> str:
    """The type the applicant had when applying (the application keeps it)."""
    kind = app.applicant_type or consumer.applicant_type
    return ApplicantType(kind).label if kind else consumer.applicant_type_label


def _is_legal(app: Application, consumer: User) -> bool:
    return (app.applicant_type or consumer.applicant_type) == ApplicantType.legal.value


def _passport(app: Application) -> str:
    if not (app.passport_series or app.passport_number):
        return ""
    text = f"серия {app.passport_series} № {app.passport_number}"
    if app.passport_issued_by:
        text += f", выдан {app.passport_issued_by}"
    if app.passport_issued_on:
        text += f" {format_date(app.passport_issued_on)}"
    return text


def _applicant_rows(app: Application, consumer: User, *, contacts: bool = True) -> list[list[str]]:
    """The applicant's details as label–value rows: an organisation's registration numbers, a
    person's passport from the application; the СНИЛС only masked, on the application only."""
    rows = [["Заявитель", consumer.display_name], ["Тип заявителя", _applicant_type(app, consumer)]]
    if _is_legal(app, consumer):
        if consumer.person_name:
            rows.append(["Представитель", consumer.person_name])
        rows += [["ИНН", _or_dash(consumer.inn)], ["КПП", _or_dash(consumer.kpp)], ["ОГРН", _or_dash(consumer.ogrn)]]
    else:
        if contacts and masked_snils(consumer.snils):
            rows.append(["СНИЛС", masked_snils(consumer.snils)])
        if consumer.inn:
            rows.append(["ИНН", consumer.inn])
        if consumer.ogrn:
            rows.append(["ОГРНИП", consumer.ogrn])
        if _passport(app):
            rows.append(["Паспорт", _passport(app)])
    if contacts:
        rows += [["Электронная почта", _or_dash(consumer.email)], ["Телефон", _or_dash(consumer.phone)]]
    return rows


def _object_rows(app: Application) -> list[list[str]]:
    """What is connected: the object, where, and its power parameters (Decree 861 p.9)."""
    return [
        ["Наименование объекта", _or_dash(app.object_name)],
        ["Адрес объекта", _or_dash(app.address)],
        ["Кадастровый номер", _or_dash(app.cadastral_number)],
        ["Максимальная мощность (с учётом ранее присоединённой)", _kw(app.power_kw)],
        ["Ранее присоединённая мощность", _kw(app.existing_power_kw)],
        ["Присоединяемая мощность", _kw(app.power_added_kw)],
        ["Уровень напряжения", _kv(app.voltage_kv)],
        ["Категория надёжности", RELIABILITY_LABELS.get(app.reliability, str(app.reliability))],
        ["Характер нагрузки", LoadCharacter(app.load_character).label],
        ["Количество точек присоединения", str(app.connection_points)],
    ]


def _rows(rows: list[list[str]]) -> Table:
    """A two-column table of label–value rows, no header."""
    return pdf.table(rows, col_widths=[68 * mm, PAGE_WIDTH - 68 * mm], header=False)


def _numbered(items: list[str], prefix: str = "") -> list[Flowable]:
    story: list[Flowable] = []
    for i, text in enumerate(items, 1):
        story += [pdf.p(f"{prefix}{i}. {text}"), pdf.spacer(1)]
    return story


def _nobreak(text: str) -> str:
    """Sums in running text never break inside: reportlab breaks a line at a thin space
    (format_money's thousands separator), not at a no-break one."""
    return text.replace("\u202f", "\u00a0")


def _rub(value: Decimal) -> str:
    return _nobreak(rub(value))


def _submitted_on(app: Application) -> str:
    return format_date(app.submitted_at) if app.submitted_at else ""


def _company_rows(company) -> list[list[str]]:
    return [
        ["Сетевая организация", company.full_name],
        ["Адрес", _or_dash(company.address)],
        ["ИНН / КПП", f"{_or_dash(company.inn)} / {_or_dash(company.kpp)}"],
        ["ОГРН", _or_dash(company.ogrn)],
    ]


def _contacts(company) -> list[Flowable]:
    lines = [f"{company.full_name}"]
    if company.address:
        lines.append(f"Адрес: {company.address}")
    if company.phone:
        lines.append(f"Телефон: {company.phone}")
    if company.email:
        lines.append(f"Электронная почта: {company.email}")
    if company.site_url:
        lines.append(f"Личный кабинет: {company.site_url}")
    return [pdf.p("Контакты сетевой организации", "h2"), pdf.p("\n".join(lines))]


def _deadlines():
    from app.applications.deadlines import load_deadlines

    return load_deadlines()


def _vat_phrase(calculation) -> str:
    if not calculation.vat_percent:
        return "НДС не облагается"
    return f"в том числе НДС {format_number(calculation.vat_percent)} % — {_rub(calculation.vat_amount)}"


# --- the application as submitted ------------------------------------------------------------------


def application_form(app, consumer) -> bytes:
    """«Заявка на технологическое присоединение» as the applicant submitted it."""
    from app.applications.queries import documents

    category = app.category_enum
    title = f"Заявка на технологическое присоединение № {app.number}"
    story: list[Flowable] = [
        pdf.p("Заявка на технологическое присоединение", "title"),
        pdf.p(f"№ {app.number} от {_submitted_on(app)}", "big"),
        pdf.p(
            f"Дата и время подачи: {format_datetime(app.submitted_at)}. "
            + ("Принята в офисе обслуживания." if app.created_by_id else "Подана через личный кабинет.")
        ),
        pdf.p(f"Вид заявки: {app.kind_enum.label}."),
        pdf.p("Заявитель", "h2"),
        _rows(_applicant_rows(app, consumer)),
        pdf.p("Объект и параметры присоединения", "h2"),
        _rows(
            _object_rows(app)
            + [
                ["Планируемая дата ввода в эксплуатацию", _or_dash(format_date(app.commissioning_date))],
                ["Этапы ввода в эксплуатацию", app.stages or "без разбивки на этапы"],
                ["Гарантирующий поставщик", _or_dash(app.supplier)],
                ["Льготная категория заявителя", _yes(app.preferential)],
                ["Категория заявителя", category.label if category else "—"],
            ]
        ),
        pdf.p("Приложенные документы", "h2"),
    ]
    attached = [d for d in documents(app) if d.is_applicants]
    if attached:
        story += _numbered([f"{d.label}: {d.stored.original_name}" for d in attached])
    else:
        story.append(pdf.p("Документы не приложены."))
    story += [
        pdf.spacer(4),
        pdf.p(
            "Заявитель подтверждает достоверность сведений, указанных в заявке. Заявка рассматривается "
            f"в соответствии с {RULES_861}.",
            "small",
        ),
    ]
    return pdf.render(story, title=title)


# --- the contract terms ----------------------------------------------------------------------------


def contract_terms(app, consumer, calculation) -> bytes:
    """The standard contract terms (Decree 861) filled with the applicant's data, the price of
    the invoice and the implementation term."""
    company = get_company()
    terms = _deadlines()
    term = calculation.implementation_term
    decision = calculation.decision
    applicant = consumer.display_name
    subject = app.object_name or "энергопринимающие устройства"
    title = "Условия типового договора об осуществлении технологического присоединения"
    story: list[Flowable] = [
        pdf.p(title, "title"),
        pdf.p(f"к электрическим сетям по заявке № {app.number} от {_submitted_on(app)}"),
        pdf.spacer(2),
        pdf.p("1. Стороны", "h2"),
        _rows(_company_rows(company) + _applicant_rows(app, consumer, contacts=False)),
        pdf.spacer(2),
        pdf.p(
            f"{company.full_name} (далее — сетевая организация) и {applicant} (далее — заявитель) "
            "заключают договор на следующих условиях."
        ),
        pdf.p("2. Предмет договора", "h2"),
        pdf.p(
            f"2.1. Сетевая организация обязуется осуществить технологическое присоединение "
            f"энергопринимающих устройств заявителя ({subject}) к электрическим сетям, а заявитель обязуется "
            "оплатить технологическое присоединение и выполнить технические условия со своей стороны."
        ),
        pdf.p("2.2. Характеристики присоединения:"),
        _rows(_object_rows(app)),
        pdf.spacer(2),
        pdf.p(
            "2.3. Технические условия являются неотъемлемой частью договора и размещены в личном кабинете "
            "заявителя вместе с настоящими условиями."
        ),
        pdf.p("3. Срок выполнения мероприятий", "h2"),
        pdf.p(
            f"3.1. Срок выполнения мероприятий по технологическому присоединению — {term.label} "
            f"со дня заключения договора ({term.reason})."
        ),
        pdf.p("4. Плата за технологическое присоединение", "h2"),
        pdf.p(
            f"4.1. Плата за технологическое присоединение составляет {_rub(calculation.total_with_vat)}, "
            f"{_vat_phrase(calculation)}; без НДС — {_rub(calculation.total_without_vat)}. Плата рассчитана "
            f"по тарифному решению «{decision.title}» ({decision.region})."
        ),
    ]
    if calculation.rule == "preferential":
        story.append(pdf.p(f"4.2. {_nobreak(calculation.explanation)}"))
    story.append(pdf.p("5. Порядок заключения договора и оплаты", "h2"))
    if app.is_small:
        story += [
            pdf.p(
                "5.1. Договор считается заключённым со дня оплаты заявителем счёта, размещённого в личном "
                "кабинете. Оплата счёта означает согласие заявителя с настоящими условиями."
            ),
            pdf.p(
                f"5.2. Счёт оплачивается в течение {terms['pay'].label} со дня его размещения. Если счёт не "
                "оплачен в этот срок, заявка может быть аннулирована."
            ),
        ]
    else:
        story += [
            pdf.p(
                f"5.1. Заявитель подписывает проект договора, размещённый в личном кабинете, в течение "
                f"{terms['sign'].label} со дня его размещения и направляет подписанный экземпляр в сетевую "
                "организацию. Договор считается заключённым со дня поступления подписанного заявителем "
                "экземпляра в сетевую организацию."
            ),
            pdf.p(
                "5.2. Плата вносится в порядке и сроки, установленные договором. Если договор не подписан в "
                "указанный срок, заявка может быть аннулирована."
            ),
        ]
    story += [
        pdf.p("6. Обязанности сетевой организации", "h2"),
        *_numbered(
            [
                "Выполнить мероприятия по технологическому присоединению, предусмотренные техническими "
                "условиями для сетевой организации, включая мероприятия до границы участка заявителя.",
                f"В течение {terms['tu_check'].label} со дня уведомления заявителя о выполнении технических условий "
                "проверить их выполнение и осмотреть присоединяемые устройства с участием заявителя.",
                "Осуществить фактическое присоединение и обеспечить возможность действиями заявителя "
                "осуществить фактический приём (подачу) напряжения и мощности.",
                "Разместить в личном кабинете заявителя акт об осуществлении технологического присоединения "
                "(или уведомление об обеспечении возможности присоединения) и акт допуска прибора учёта.",
            ],
            "6.",
        ),
        pdf.p("7. Обязанности заявителя", "h2"),
        *_numbered(
            [
                "Выполнить мероприятия, предусмотренные техническими условиями для заявителя, в пределах "
                "границ своего участка.",
                "Уведомить сетевую организацию о выполнении технических условий через личный кабинет, приложив "
                "подтверждающие документы.",
                "Обеспечить доступ представителей сетевой организации к присоединяемым устройствам для проверки "
                "выполнения технических условий и фактического присоединения.",
                "Внести плату за технологическое присоединение в размере и сроки, указанные в договоре.",
            ],
            "7.",
        ),
        pdf.p("8. Прочие условия", "h2"),
        pdf.p(f"8.1. Договор исполняется в соответствии с {RULES_861}."),
        pdf.p(
            "8.2. Заявитель вправе в одностороннем порядке расторгнуть договор при нарушении сетевой "
            "организацией сроков, указанных в разделе 3."
        ),
        pdf.p(
            "8.3. Договор считается исполненным после подписания акта об осуществлении технологического присоединения."
        ),
        pdf.spacer(4),
        pdf.p(
            f"Тарифное решение: {decision.title}; регион: {decision.region}. Ставка НДС на дату расчёта "
            f"({format_date(calculation.on_date)}): {format_number(calculation.vat_percent)} %.",
            "small",
        ),
    ]
    return pdf.render(story, title=title, company=company)


# --- the instruction -------------------------------------------------------------------------------


def instruction(app) -> bytes:
    """«Инструкция по технологическому присоединению»: the steps of this application's path,
    and the company's contacts. A reissue gets the short version."""
    company = get_company()
    terms = _deadlines()
    title = "Инструкция по технологическому присоединению"
    story: list[Flowable] = [pdf.p(title, "title"), pdf.p(f"по заявке № {app.number} от {_submitted_on(app)}")]
    if app.kind == ApplicationKind.reissue.value:
        story += [
            pdf.p("Переоформление документов о технологическом присоединении", "h2"),
            *_numbered(
                [
                    f"Сетевая организация проверит заявку и приложенные документы и переоформит документы в течение "
                    f"{terms['reissue'].label} со дня регистрации заявки.",
                    "Если сведений или документов не хватит, мы запросим их в личном кабинете. Ответьте в течение "
                    f"{terms['needs_info'].label}, иначе заявка будет аннулирована.",
                    "Переоформленные документы появятся в личном кабинете на странице заявки; о них придёт уведомление.",
                ]
            ),
        ]
        story += _contacts(company)
        return pdf.render(story, title=title, company=company)

    due = f" (до {format_date(app.due_date)})" if app.due_date and app.due_party == "applicant" else ""
    if app.is_small:
        first = [
            f"Оплатите счёт, размещённый в личном кабинете, в течение {terms['pay'].label} со дня его "
            f"размещения{due}. Для оплаты можно отсканировать QR-код на счёте в приложении банка.",
            "Оплата счёта означает согласие с условиями типового договора: договор считается заключённым "
            "в день оплаты. Подписывать договор на бумаге не нужно.",
        ]
    else:
        first = [
            f"Подпишите проект договора, размещённый в личном кабинете, в течение {terms['sign'].label} со дня "
            f"его размещения{due} и направьте подписанный экземпляр в сетевую организацию.",
            "Договор считается заключённым со дня поступления подписанного экземпляра в сетевую организацию. "
            "Плату внесите в порядке и сроки, установленные договором.",
        ]
    term = ""
    if app.implementation_amount and app.implementation_unit:
        from app.workdays.services import term_label

        term = f" — {term_label(app.implementation_amount, app.implementation_unit)} со дня заключения договора"
    steps = first + [
        f"Сетевая организация выполняет мероприятия по присоединению со своей стороны в срок, указанный в "
        f"условиях договора{term}.",
        "Выполните технические условия со своей стороны: подготовьте электроустановку объекта (вводное "
        "устройство, внутренние сети, защитные аппараты) в соответствии с техническими условиями.",
        "Уведомите о выполнении технических условий в личном кабинете: на странице заявки выберите "
        "«Уведомить о выполнении ТУ» и приложите файлы (фотографии, акты, документы на оборудование).",
        f"Сетевая организация проверит выполнение технических условий в течение {terms['tu_check'].label}, "
        "при необходимости осмотрит устройства с вашим участием и выполнит фактическое присоединение.",
        "Акт об осуществлении технологического присоединения (или уведомление об обеспечении возможности "
        f"присоединения) и акт допуска прибора учёта появятся в личном кабинете в течение "
        f"{terms['final_docs'].label} после присоединения.",
    ]
    if app.supplier:
        steps.append(
            f"Для покупки электроэнергии заключите договор энергоснабжения с гарантирующим поставщиком: {app.supplier}."
        )
    story += [pdf.p("Порядок действий", "h2"), *_numbered(steps)]
    story.append(pdf.p("Ход заявки, документы и сроки всегда видны в личном кабинете на странице заявки.", "small"))
    story += _contacts(company)
    return pdf.render(story, title=title, company=company)


# --- the invoice and its payment QR code -----------------------------------------------------------

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
    return "" if _is_legal(app, consumer) else consumer.person_name


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
def _total_style() -> ParagraphStyle:
    return ParagraphStyle("total", parent=pdf.styles()["big"], alignment=TA_RIGHT)


def _total(text: str) -> Paragraph:
    """The sum to pay: big, right-aligned, never broken inside."""
    return Paragraph(escape(text).replace(" ", "\u00a0").replace("\u202f", "\u00a0"), _total_style())


def invoice(app, consumer, calculation) -> bytes:
    """«Счёт на оплату» of the application's connection fee, with the payment QR code."""
    company = get_company()
    purpose = invoice_purpose(app, calculation)
    title = f"Счёт на оплату № {app.number}"
    payee = [
        ["Получатель", company.full_name],
        ["ИНН / КПП получателя", f"{_or_dash(company.inn)} / {_or_dash(company.kpp)}"],
        ["Банк получателя", _or_dash(company.bank_name)],
        ["БИК", _or_dash(company.bank_bic)],
        ["Расчётный счёт", _or_dash(company.bank_account)],
        ["Корреспондентский счёт", _or_dash(company.bank_corr_account)],
    ]
    payer = [["Плательщик", consumer.display_name]]
    if consumer.inn:
        payer.append(
            [
                "ИНН" + (" / КПП" if consumer.kpp else "") + " плательщика",
                consumer.inn + (f" / {consumer.kpp}" if consumer.kpp else ""),
            ]
        )
    payer.append(["Назначение платежа", purpose])

    money = format_money
    rows = [["№", "Составляющая платы", _num("Ставка, ₽"), _num("Количество"), _num("Сумма, ₽")]]
    for i, t in enumerate(calculation.terms, 1):
        rows.append(
            [
                str(i),
                t.label,
                _num(money(t.rate, False)),
                _num(f"{format_number(t.quantity, 3)} {t.unit}"),
                _num(money(t.amount, False)),
            ]
        )
    vat_label = f"НДС {format_number(calculation.vat_percent)} %" if calculation.vat_percent else "НДС не облагается"
    totals = pdf.table(
        [
            ["Итого без НДС", _num(rub(calculation.total_without_vat))],
            [vat_label, _num(rub(calculation.vat_amount))],
            [pdf.p("Всего к оплате с НДС", "big"), _total(rub(calculation.total_with_vat))],
        ],
        col_widths=[PAGE_WIDTH - 50 * mm, 50 * mm],
        header=False,
    )

    story: list[Flowable] = [
        pdf.p(f"Счёт на оплату № {app.number} от {format_date(today())}", "title"),
        pdf.p(f"За технологическое присоединение по заявке № {app.number} от {_submitted_on(app)}."),
        pdf.p("Получатель платежа", "h2"),
        _rows(payee),
        pdf.p("Плательщик", "h2"),
        _rows(payer),
        pdf.p("Расчёт платы (ставки и суммы без НДС)", "h2"),
        pdf.table(rows, col_widths=[9 * mm, 80 * mm, 30 * mm, 25 * mm, 30 * mm]),
    ]
    if calculation.rule == "preferential" and calculation.preferential_fee is not None:
        story.append(
            pdf.p(
                f"По стандартизированным ставкам: {_rub(calculation.standard_with_vat)} с НДС. "
                f"Льготная плата: {_rub(calculation.preferential_rate)} за кВт × "
                f"{_kw(calculation.power_added_kw)} = {_rub(calculation.preferential_fee)} с НДС.",
                "small",
            )
        )
    story += [pdf.spacer(2), totals]
    if calculation.rule == "preferential":
        story += [pdf.spacer(1), pdf.p(_nobreak(calculation.explanation), "small")]
    story.append(pdf.p(f"Тарифное решение: {calculation.decision.title} ({calculation.decision.region}).", "small"))

    if app.is_small:
        when = f" до {format_date(app.due_date)}" if app.due_date and app.due_party == "applicant" else ""
        terms_text = (
            f"Оплатите счёт{when}. Оплата счёта означает заключение договора об осуществлении "
            "технологического присоединения на условиях типового договора: договор считается "
            "заключённым в день оплаты."
        )
    else:
        terms_text = (
            "Оплата — в порядке и сроки, установленные договором об осуществлении технологического присоединения."
        )
    story.append(pdf.p("Оплата", "h2"))
    if has_bank_details(company):
        hint = [
            pdf.p(terms_text),
            pdf.spacer(2),
            pdf.p(
                "Для оплаты отсканируйте QR-код в мобильном приложении банка: реквизиты, сумма и назначение "
                "платежа заполнятся сами (ГОСТ Р 56042-2014). Проверьте их перед оплатой.",
                "small",
            ),
        ]
        block = Table(
            [[qr_image(invoice_payload(app, consumer, calculation, company)), hint]],
            colWidths=[QR_SIDE + 4 * mm, PAGE_WIDTH - QR_SIDE - 4 * mm],
        )
        block.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("LEFTPADDING", (0, 0), (0, 0), 0)]))
        story.append(block)
    else:
        story += [
            pdf.p(terms_text),
            pdf.p(
                "QR-код для оплаты не сформирован: банковские реквизиты сетевой организации не заполнены. "
                "Уточните реквизиты по телефону сетевой организации.",
                "small",
            ),
        ]
    return pdf.render(story, title=title, company=company)
