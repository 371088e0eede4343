"""The application's generated documents (SPEC §2.2), in Russian with reportlab:
the application as submitted, the standard contract terms filled with the applicant's
data, the connection instruction, and the invoice with its payment QR code of
ГОСТ Р 56042-2014 (the company's bank details from its settings)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Table

from app.applications.models import Application, ApplicationKind, LoadCharacter
from app.auth.models import ApplicantType, User
from app.calculator.rules import RELIABILITY_LABELS
from app.company.services import get_company, site_address
from app.core import pdf
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


def kw(value) -> str:
    return f"{format_number(Decimal(value or 0), 3)} кВт"


def _kv(value: str | None) -> str:
    return f"{format_number(Decimal(value))} кВ" if value else "не указано"


def or_dash(text: str | None) -> str:
    return text if text else "—"


def _applicant_type(app: Application, consumer: User) -> str:
    """The type the applicant had when applying (the application keeps it)."""
    kind = app.applicant_type or consumer.applicant_type
    return ApplicantType(kind).label if kind else consumer.applicant_type_label


def is_legal(app: Application, consumer: User) -> bool:
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
    if is_legal(app, consumer):
        if consumer.person_name:
            rows.append(["Представитель", consumer.person_name])
        rows += [["ИНН", or_dash(consumer.inn)], ["КПП", or_dash(consumer.kpp)], ["ОГРН", or_dash(consumer.ogrn)]]
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
        rows += [["Электронная почта", or_dash(consumer.email)], ["Телефон", or_dash(consumer.phone)]]
    return rows


def _object_rows(app: Application) -> list[list[str]]:
    """What is connected: the object, where, and its power parameters (Decree 861 p.9)."""
    return [
        ["Наименование объекта", or_dash(app.object_name)],
        ["Адрес объекта", or_dash(app.address)],
        ["Кадастровый номер", or_dash(app.cadastral_number)],
        ["Максимальная мощность (с учётом ранее присоединённой)", kw(app.power_kw)],
        ["Ранее присоединённая мощность", kw(app.existing_power_kw)],
        ["Присоединяемая мощность", kw(app.power_added_kw)],
        ["Уровень напряжения", _kv(app.voltage_kv)],
        ["Категория надёжности", RELIABILITY_LABELS.get(app.reliability, str(app.reliability))],
        ["Характер нагрузки", LoadCharacter(app.load_character).label],
        ["Количество точек присоединения", str(app.connection_points)],
    ]


def label_table(rows: list[list[str]]) -> Table:
    """A two-column table of label–value rows, no header."""
    return pdf.table(rows, col_widths=[68 * mm, PAGE_WIDTH - 68 * mm], header=False)


def _numbered(items: list[str], prefix: str = "") -> list[Flowable]:
    story: list[Flowable] = []
    for i, text in enumerate(items, 1):
        story += [pdf.p(f"{prefix}{i}. {text}"), pdf.spacer(1)]
    return story


def nobreak(text: str) -> str:
    """Sums in running text never break inside: reportlab breaks a line at a thin space
    (format_money's thousands separator), not at a no-break one."""
    return text.replace("\u202f", "\u00a0")


def money_text(value: Decimal) -> str:
    return nobreak(format_money(value))


def submitted_on(app: Application) -> str:
    return format_date(app.submitted_at) if app.submitted_at else ""


def _company_rows(company) -> list[list[str]]:
    return [
        ["Сетевая организация", company.full_name],
        ["Адрес", or_dash(company.address)],
        ["ИНН / КПП", f"{or_dash(company.inn)} / {or_dash(company.kpp)}"],
        ["ОГРН", or_dash(company.ogrn)],
    ]


def _contacts(company) -> list[Flowable]:
    lines = [f"{company.full_name}"]
    if company.address:
        lines.append(f"Адрес: {company.address}")
    if company.phone:
        lines.append(f"Телефон: {company.phone}")
    if company.email:
        lines.append(f"Электронная почта: {company.email}")
    lines.append(f"Личный кабинет: {site_address()}")
    return [pdf.p("Контакты сетевой организации", "h2"), pdf.p("\n".join(lines))]


def _deadlines():
    from app.applications.deadlines import load_deadlines

    return load_deadlines()


def _vat_phrase(calculation) -> str:
    if not calculation.vat_percent:
        return "НДС не облагается"
    return f"в том числе НДС {format_number(calculation.vat_percent)} % — {money_text(calculation.vat_amount)}"


# --- the application as submitted ------------------------------------------------------------------


def application_form(app, consumer) -> bytes:
    """«Заявка на технологическое присоединение» as the applicant submitted it."""
    from app.applications.queries import documents

    category = app.category_enum
    title = f"Заявка на технологическое присоединение № {app.number}"
    story: list[Flowable] = [
        pdf.p("Заявка на технологическое присоединение", "title"),
        pdf.p(f"№ {app.number} от {submitted_on(app)}", "big"),
        pdf.p(
            f"Дата и время подачи: {format_datetime(app.submitted_at)}. "
            + ("Принята в офисе обслуживания." if app.created_by_id else "Подана через личный кабинет.")
        ),
        pdf.p(f"Вид заявки: {app.kind_enum.label}."),
        pdf.p("Заявитель", "h2"),
        label_table(_applicant_rows(app, consumer)),
        pdf.p("Объект и параметры присоединения", "h2"),
        label_table(
            _object_rows(app)
            + [
                ["Планируемая дата ввода в эксплуатацию", or_dash(format_date(app.commissioning_date))],
                ["Этапы ввода в эксплуатацию", app.stages or "без разбивки на этапы"],
                ["Гарантирующий поставщик", or_dash(app.supplier)],
                ["Льготная категория заявителя", "да" if app.preferential else "нет"],
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
    # The closing statement goes with the last attachment: never alone at the top of a page.
    closing = [
        story.pop(),
        pdf.spacer(4),
        pdf.p(
            "Заявитель подтверждает достоверность сведений, указанных в заявке. Заявка рассматривается "
            f"в соответствии с {RULES_861}.",
            "small",
        ),
    ]
    story.append(KeepTogether(closing))
    return pdf.render(story, title=title, fit_one_page=True)


# --- the contract terms ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Offer:
    """What the sections of the contract terms print from."""

    app: Application
    consumer: User
    calculation: object
    company: object
    #: The stage deadlines' labels by code: {pay}, {sign}, {tu_check}, … in the texts below.
    labels: dict[str, str]


#: Section 5 of the terms: how the contract is concluded, on the small path (paying the invoice).
SMALL_CONCLUSION = (
    "5.1. Договор считается заключённым со дня оплаты заявителем счёта, размещённого в личном "
    "кабинете. Оплата счёта означает согласие заявителя с настоящими условиями.",
    "5.2. Счёт оплачивается в течение {pay} со дня его размещения. Если счёт не "
    "оплачен в этот срок, заявка может быть аннулирована.",
)
#: … and on the others (signing the draft contract).
LARGE_CONCLUSION = (
    "5.1. Заявитель подписывает проект договора, размещённый в личном кабинете, в течение "
    "{sign} со дня его размещения и направляет подписанный экземпляр в сетевую "
    "организацию. Договор считается заключённым со дня поступления подписанного заявителем "
    "экземпляра в сетевую организацию.",
    "5.2. Плата вносится в порядке и сроки, установленные договором. Если договор не подписан в "
    "указанный срок, заявка может быть аннулирована.",
)
#: Section 6, numbered 6.1, 6.2, …
COMPANY_DUTIES = (
    "Выполнить мероприятия по технологическому присоединению, предусмотренные техническими "
    "условиями для сетевой организации, включая мероприятия до границы участка заявителя.",
    "В течение {tu_check} со дня уведомления заявителя о выполнении технических условий "
    "проверить их выполнение и осмотреть присоединяемые устройства с участием заявителя.",
    "Осуществить фактическое присоединение и обеспечить возможность действиями заявителя "
    "осуществить фактический приём (подачу) напряжения и мощности.",
    "Разместить в личном кабинете заявителя акт об осуществлении технологического присоединения "
    "(или уведомление об обеспечении возможности присоединения) и акт допуска прибора учёта.",
)
#: Section 7, numbered 7.1, 7.2, …
APPLICANT_DUTIES = (
    "Выполнить мероприятия, предусмотренные техническими условиями для заявителя, в пределах границ своего участка.",
    "Уведомить сетевую организацию о выполнении технических условий через личный кабинет, приложив "
    "подтверждающие документы.",
    "Обеспечить доступ представителей сетевой организации к присоединяемым устройствам для проверки "
    "выполнения технических условий и фактического присоединения.",
    "Внести плату за технологическое присоединение в размере и сроки, указанные в договоре.",
)
#: Section 8.
OTHER_TERMS = (
    f"8.1. Договор исполняется в соответствии с {RULES_861}.",
    "8.2. Заявитель вправе в одностороннем порядке расторгнуть договор при нарушении сетевой "
    "организацией сроков, указанных в разделе 3.",
    "8.3. Договор считается исполненным после подписания акта об осуществлении технологического присоединения.",
)


def _labels() -> dict[str, str]:
    return {code: term.label for code, term in _deadlines().items()}


def _paragraphs(texts: tuple[str, ...], labels: dict[str, str]) -> list[str]:
    return [text.format(**labels) for text in texts]


def _parties(o: _Offer) -> list[Flowable]:
    return [
        pdf.p("1. Стороны", "h2"),
        label_table(_company_rows(o.company) + _applicant_rows(o.app, o.consumer, contacts=False)),
        pdf.spacer(2),
        pdf.p(
            f"{o.company.full_name} (далее — сетевая организация) и {o.consumer.display_name} (далее — заявитель) "
            "заключают договор на следующих условиях."
        ),
    ]


def _subject(o: _Offer) -> list[Flowable]:
    subject = o.app.object_name or "энергопринимающие устройства"
    return [
        pdf.p("2. Предмет договора", "h2"),
        pdf.p(
            f"2.1. Сетевая организация обязуется осуществить технологическое присоединение "
            f"энергопринимающих устройств заявителя ({subject}) к электрическим сетям, а заявитель обязуется "
            "оплатить технологическое присоединение и выполнить технические условия со своей стороны."
        ),
        pdf.p("2.2. Характеристики присоединения:"),
        label_table(_object_rows(o.app)),
        pdf.spacer(2),
        pdf.p(
            "2.3. Технические условия являются неотъемлемой частью договора и размещены в личном кабинете "
            "заявителя вместе с настоящими условиями."
        ),
    ]


def _term_and_fee(o: _Offer) -> list[Flowable]:
    calculation, term, decision = o.calculation, o.calculation.implementation_term, o.calculation.decision
    story = [
        pdf.p("3. Срок выполнения мероприятий", "h2"),
        pdf.p(
            f"3.1. Срок выполнения мероприятий по технологическому присоединению — {term.label} "
            f"со дня заключения договора ({term.reason})."
        ),
        pdf.p("4. Плата за технологическое присоединение", "h2"),
        pdf.p(
            f"4.1. Плата за технологическое присоединение составляет {money_text(calculation.total_with_vat)}, "
            f"{_vat_phrase(calculation)}; без НДС — {money_text(calculation.total_without_vat)}. Плата рассчитана "
            f"по тарифному решению «{decision.title}» ({decision.region})."
        ),
    ]
    if calculation.rule == "preferential":
        story.append(pdf.p(f"4.2. {nobreak(calculation.explanation)}"))
    return story


def _conclusion(o: _Offer) -> list[Flowable]:
    texts = SMALL_CONCLUSION if o.app.is_small else LARGE_CONCLUSION
    return [pdf.p("5. Порядок заключения договора и оплаты", "h2")] + [
        pdf.p(text) for text in _paragraphs(texts, o.labels)
    ]


def _duties(o: _Offer) -> list[Flowable]:
    return [
        pdf.p("6. Обязанности сетевой организации", "h2"),
        *_numbered(_paragraphs(COMPANY_DUTIES, o.labels), "6."),
        pdf.p("7. Обязанности заявителя", "h2"),
        *_numbered(_paragraphs(APPLICANT_DUTIES, o.labels), "7."),
    ]


def _other_terms(o: _Offer) -> list[Flowable]:
    calculation = o.calculation
    return [
        pdf.p("8. Прочие условия", "h2"),
        *[pdf.p(text) for text in OTHER_TERMS],
        pdf.spacer(4),
        pdf.p(
            f"Тарифное решение: {calculation.decision.title}; регион: {calculation.decision.region}. Ставка НДС на "
            f"дату расчёта ({format_date(calculation.on_date)}): {format_number(calculation.vat_percent)} %.",
            "small",
        ),
    ]


#: The sections of the contract terms, in their order.
CONTRACT_SECTIONS = (_parties, _subject, _term_and_fee, _conclusion, _duties, _other_terms)


def contract_terms(app, consumer, calculation) -> bytes:
    """The standard contract terms (Decree 861) filled with the applicant's data, the price of
    the invoice and the implementation term."""
    company = get_company()
    offer = _Offer(app, consumer, calculation, company, _labels())
    title = "Условия типового договора об осуществлении технологического присоединения"
    story: list[Flowable] = [
        pdf.p(title, "title"),
        pdf.p(f"к электрическим сетям по заявке № {app.number} от {submitted_on(app)}"),
        pdf.spacer(2),
    ]
    for section in CONTRACT_SECTIONS:
        story += section(offer)
    return pdf.render(story, title=title, company=company)


# --- the instruction -------------------------------------------------------------------------------

#: A reissue's short instruction.
REISSUE_STEPS = (
    "Сетевая организация проверит заявку и приложенные документы и переоформит документы в течение "
    "{reissue} со дня регистрации заявки.",
    "Если сведений или документов не хватит, мы запросим их в личном кабинете. Ответьте в течение "
    "{needs_info}, иначе заявка будет аннулирована.",
    "Переоформленные документы появятся в личном кабинете на странице заявки; о них придёт уведомление.",
)
#: The first steps on the small path ({due}: « (до 01.04.2026)» when the term runs) …
SMALL_FIRST_STEPS = (
    "Оплатите счёт, размещённый в личном кабинете, в течение {pay} со дня его "
    "размещения{due}. Для оплаты можно отсканировать QR-код на счёте в приложении банка.",
    "Оплата счёта означает согласие с условиями типового договора: договор считается заключённым "
    "в день оплаты. Подписывать договор на бумаге не нужно.",
)
#: … and on the others.
LARGE_FIRST_STEPS = (
    "Подпишите проект договора, размещённый в личном кабинете, в течение {sign} со дня "
    "его размещения{due} и направьте подписанный экземпляр в сетевую организацию.",
    "Договор считается заключённым со дня поступления подписанного экземпляра в сетевую организацию. "
    "Плату внесите в порядке и сроки, установленные договором.",
)
#: The steps after them ({term}: « — 4 месяца со дня заключения договора» when it is known).
PATH_STEPS = (
    "Сетевая организация выполняет мероприятия по присоединению со своей стороны в срок, указанный в "
    "условиях договора{term}.",
    "Выполните технические условия со своей стороны: подготовьте электроустановку объекта (вводное "
    "устройство, внутренние сети, защитные аппараты) в соответствии с техническими условиями.",
    "Уведомите о выполнении технических условий в личном кабинете: на странице заявки выберите "
    "«Уведомить о выполнении ТУ» и приложите файлы (фотографии, акты, документы на оборудование).",
    "Сетевая организация проверит выполнение технических условий в течение {tu_check}, "
    "при необходимости осмотрит устройства с вашим участием и выполнит фактическое присоединение.",
    "Акт об осуществлении технологического присоединения (или уведомление об обеспечении возможности "
    "присоединения) и акт допуска прибора учёта появятся в личном кабинете в течение "
    "{final_docs} после присоединения.",
)


def _path_steps(app, labels: dict[str, str]) -> list[str]:
    """The numbered steps of the connection path, with this application's terms."""
    due = f" (до {format_date(app.due_date)})" if app.due_date and app.due_party == "applicant" else ""
    term = ""
    if app.implementation_amount and app.implementation_unit:
        from app.workdays.services import term_label

        term = f" — {term_label(app.implementation_amount, app.implementation_unit)} со дня заключения договора"
    first = SMALL_FIRST_STEPS if app.is_small else LARGE_FIRST_STEPS
    steps = _paragraphs(first + PATH_STEPS, {**labels, "due": due, "term": term})
    if app.supplier:
        steps.append(
            f"Для покупки электроэнергии заключите договор энергоснабжения с гарантирующим поставщиком: {app.supplier}."
        )
    return steps


def instruction(app) -> bytes:
    """«Инструкция по технологическому присоединению»: the steps of this application's path,
    and the company's contacts. A reissue gets the short version."""
    company = get_company()
    labels = _labels()
    title = "Инструкция по технологическому присоединению"
    story: list[Flowable] = [pdf.p(title, "title"), pdf.p(f"по заявке № {app.number} от {submitted_on(app)}")]
    if app.kind == ApplicationKind.reissue.value:
        story += [
            pdf.p("Переоформление документов о технологическом присоединении", "h2"),
            *_numbered(_paragraphs(REISSUE_STEPS, labels)),
        ]
    else:
        story += [pdf.p("Порядок действий", "h2"), *_numbered(_path_steps(app, labels))]
        story.append(pdf.p("Ход заявки, документы и сроки всегда видны в личном кабинете на странице заявки.", "small"))
    story += _contacts(company)
    return pdf.render(story, title=title, company=company)
