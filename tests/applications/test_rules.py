"""The rules of SPEC §2.2: the derived category, the one table of transitions and who may
make each, the deadlines of every stage on both paths (and the short path of a reissue),
the stored due date and its recomputation, the daily expiry, the reminders, and gap-free
numbers under concurrent submissions."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.applications import deadlines, offer, office_operations, operations, rules, uploads
from app.applications.models import Application, ApplicationEvent, ApplicationStatus
from app.applications.rules import TRANSITIONS, ApplicationDataError, TransitionError
from app.core import clock
from app.extensions import db
from app.notifications.models import Notification
from app.workdays.services import Term, WorkCalendar
from tests.applications.conftest import application_data, application_form, checked
from tests.core.query_counter import count_queries

S = ApplicationStatus
LEGAL = dict(
    applicant_type="legal", inn="7707083893", kpp="770701001", ogrn="1027700132195", org_name="ООО «Тест»", snils=None
)


@pytest.fixture
def legal(make_user):
    return make_user("consumer", **LEGAL)


# --- the category ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "power", "kind", "load", "category"),
    [
        ("individual", "15", "new", "household", "up_to_15"),
        ("individual", "15.001", "new", "household", "up_to_150"),
        ("individual", "10", "new", "commercial", "up_to_150"),
        ("legal", "15", "new", "commercial", "up_to_150"),
        ("legal", "150", "new", "commercial", "up_to_150"),
        ("legal", "150.001", "new", "commercial", "up_to_670"),
        ("legal", "670", "increase", "industrial", "up_to_670"),
        ("legal", "670.5", "new", "industrial", "over_670"),
        ("individual", "5", "temporary", "household", "temporary"),
    ],
)
def test_the_category_is_derived_never_typed(make_user, decision, fixed_clock, who, power, kind, load, category):
    consumer = make_user("consumer", **(LEGAL if who == "legal" else {}))
    voltage = "10" if Decimal(power) > 150 else "0.4"
    application = operations.save_application(
        consumer,
        application_data(
            power_kw=Decimal(power),
            kind=kind,
            load_character=load,
            voltage_kv=voltage,
            existing_power_kw=Decimal("1") if kind == "increase" else Decimal("0"),
        ),
        submit=True,
    )
    assert application.category == category


# --- the transition table ----------------------------------------------------------------------


def test_every_status_pair_outside_the_table_is_refused(consumer, operator, make_application):
    application = make_application(consumer)
    for frm in S:
        for to in S:
            application.status = frm.value
            allowed_for = {
                role
                for role, actor in (("consumer", consumer), ("staff", operator), ("system", None))
                if rules.can_change(application, to.value, actor)
            }
            assert allowed_for <= set(TRANSITIONS.get((frm, to), ())), (frm, to)
            if (frm, to) not in TRANSITIONS:
                assert not allowed_for, (frm, to)
    db.session.rollback()


def test_who_may_make_each_change(consumer, operator, make_application, make_user):
    application = make_application(consumer)
    stranger = make_user("consumer", email="stranger@example.ru")
    assert rules.can_change(application, "needs_info", operator)
    assert not rules.can_change(application, "needs_info", consumer), "only staff request data"
    assert rules.can_change(application, "withdrawn", consumer)
    assert not rules.can_change(application, "withdrawn", stranger), "only the owner withdraws"
    assert not rules.can_change(application, "withdrawn", operator), "staff annul, they do not withdraw"
    assert not rules.can_change(application, "completed", operator), "only a reissue skips the path"
    with pytest.raises(TransitionError):
        office_operations.start_work(application, operator)
    assert db.session.get(Application, application.id).status == "submitted"


def test_the_daily_run_may_only_annul_what_waits_for_data(consumer, make_application):
    application = make_application(consumer, status="needs_info")
    assert rules.can_change(application, "annulled", None)
    assert not rules.can_change(application, "submitted", None)
    offer = make_application(consumer, status="offer_sent")
    assert not rules.can_change(offer, "annulled", None), "staff annul an unpaid offer, not the machine"


def test_a_reissue_takes_the_short_path(consumer, operator, make_application):
    application = make_application(consumer, kind="reissue")
    assert not rules.can_change(application, "offer_sent", operator)
    office_operations.complete(application, operator, {"reissued_documents": [checked()]})
    assert application.status == "completed"


def test_a_status_change_writes_history_notification_and_audit(consumer, operator, make_application):
    from app.audit.models import AuditEvent

    application = make_application(consumer)
    version = application.version
    office_operations.request_info(application, operator, "Нужен план.")
    db.session.commit()
    event = db.session.scalars(sa.select(ApplicationEvent).order_by(ApplicationEvent.id.desc())).first()
    assert (event.from_status, event.to_status, event.actor_id, event.comment) == (
        "submitted",
        "needs_info",
        operator.id,
        "Нужен план.",
    )
    note = db.session.scalars(sa.select(Notification).order_by(Notification.id.desc())).first()
    assert note.link == application.link and "нужны сведения" in note.title.lower() and "Нужен план." in note.body
    assert application.version > version
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "application.needs_info"))


def test_a_refused_change_leaves_no_trace(consumer, operator, make_application):
    application = make_application(consumer)
    events = db.session.scalar(sa.select(sa.func.count()).select_from(ApplicationEvent))
    with pytest.raises(TransitionError):
        operations.change_status(application, "connected", operator)
    assert application.status == "submitted"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApplicationEvent)) == events


# --- deadlines (Thursday 05.03.2026; 08.03 is Sunday, 09.03 its holiday moved to Monday) ------


def labels(application):
    return [(d.label.split(" ")[0], d.due, d.party) for d in deadlines.running_deadlines(application)]


def test_submitted_up_to_150_check_in_3_and_offer_in_10_working_days(consumer, operator, make_application, fixed_clock):
    application = make_application(consumer)
    assert labels(application) == [("Проверить", date(2026, 3, 11), "staff"), ("Направить", date(2026, 3, 20), "staff")]
    assert application.due_date == date(2026, 3, 11)
    office_operations.mark_checked(application, operator)
    assert application.due_date == date(2026, 3, 20), "the check is met: the offer is next"


def test_submitted_above_150_offer_in_20_working_days(legal, make_application, fixed_clock):
    application = make_application(legal, power_kw=Decimal("400"), voltage_kv="10", load_character="industrial")
    assert labels(application)[-1] == ("Направить", date(2026, 4, 3), "staff")


def test_needs_info_20_working_days_for_the_applicant(consumer, make_application, fixed_clock):
    application = make_application(consumer, status="needs_info")
    assert labels(application) == [("Представить", date(2026, 4, 3), "applicant")]


def test_the_check_restarts_on_receipt_of_the_missing_data(consumer, make_application, fixed_clock):
    application = make_application(consumer, status="needs_info")
    clock.set_now(datetime(2026, 3, 16, 9, 0, tzinfo=UTC))  # Monday
    operations.supply_info(application, consumer, "Вот план.", [checked()])
    assert application.status == "submitted" and application.due_date == date(2026, 3, 19)


def test_offer_up_to_150_pay_in_5_above_sign_in_10_working_days(consumer, legal, make_application, fixed_clock):
    small = make_application(consumer, status="offer_sent")
    assert labels(small) == [("Оплатить", date(2026, 3, 13), "applicant")]
    large = make_application(
        legal, status="offer_sent", power_kw=Decimal("400"), voltage_kv="10", load_character="industrial"
    )
    assert labels(large) == [("Подписать", date(2026, 3, 20), "applicant")]


def test_the_implementation_term_counts_from_the_contract(consumer, legal, make_application, fixed_clock):
    small = make_application(consumer, status="in_progress")
    assert (small.implementation_amount, small.implementation_unit) == (4, "m"), "no construction needed"
    assert small.contract_date == date(2026, 3, 5)
    assert labels(small)[0][1:] == (date(2026, 7, 6), "staff"), "05.07.2026 is a Sunday"
    large = make_application(
        legal, status="in_progress", power_kw=Decimal("900"), voltage_kv="10", load_character="industrial"
    )
    # p.16(б): above 670 kW, 1 year when no object of the investment programme is built
    assert (large.implementation_amount, large.implementation_unit) == (1, "y")
    assert large.due_date == date(2027, 3, 5)


def test_the_stage_terms_are_read_only_for_a_stage_that_counts_one(consumer, make_application, fixed_clock):
    working = make_application(consumer, status="in_progress")
    waiting = make_application(consumer, status="needs_info")
    calendar = WorkCalendar()
    for application, reads in ((working, 0), (waiting, 1)):
        with count_queries() as statements:
            assert deadlines.running_deadlines(application, calendar=calendar)
        assert sum("application_deadlines" in s for s in statements) == reads, application.status


def test_tu_check_10_and_final_documents_5_working_days(consumer, make_application, fixed_clock):
    fulfilled = make_application(consumer, status="tu_fulfilled")
    assert labels(fulfilled) == [("Проверить", date(2026, 3, 20), "staff")]
    connected = make_application(consumer, status="connected")
    assert labels(connected) == [("Разместить", date(2026, 3, 13), "staff")]
    done = make_application(consumer, status="completed")
    assert done.due_date is None and labels(done) == []


def test_a_reissue_is_due_in_7_working_days(consumer, make_application, fixed_clock):
    application = make_application(consumer, kind="reissue")
    assert labels(application) == [("Переоформить", date(2026, 3, 17), "staff")]


def test_deadlines_are_configurable_and_due_dates_recomputed(consumer, make_application, fixed_clock):
    application = make_application(consumer, status="needs_info")
    changed = operations.save_deadlines({"needs_info": Term(10, "wd")})
    db.session.commit()
    assert changed == 1 and db.session.get(Application, application.id).due_date == date(2026, 3, 20)
    operations.save_deadlines({"needs_info": Term(20, "wd")})
    assert deadlines.load_deadlines()["needs_info"] == Term(20, "wd")


def test_a_calendar_change_moves_stored_due_dates(consumer, make_application, fixed_clock):
    from app.workdays.models import CalendarOverride
    from app.workdays.services import calendar_changed

    application = make_application(consumer)
    assert application.due_date == date(2026, 3, 11)
    db.session.add(CalendarOverride(day=date(2026, 3, 10), is_working=False, note="региональный выходной"))
    db.session.flush()
    calendar_changed()
    db.session.commit()
    assert db.session.get(Application, application.id).due_date == date(2026, 3, 12)


# --- the daily runs ----------------------------------------------------------------------------


def test_expiry_annuls_only_what_ran_out(consumer, make_application, fixed_clock):
    waiting = make_application(consumer, status="needs_info")
    assert waiting.due_date == date(2026, 4, 3)
    assert operations.expire(date(2026, 4, 3)) == [], "the last day of the term still counts"
    assert [a.id for a in operations.expire(date(2026, 4, 4))] == [waiting.id]
    assert waiting.status == "annulled" and "03.04.2026" in waiting.closing_reason
    event = db.session.scalars(sa.select(ApplicationEvent).order_by(ApplicationEvent.id.desc())).first()
    assert event.actor_id is None and event.to_status == "annulled"


def test_the_expire_command(app, consumer, make_application, fixed_clock):
    waiting = make_application(consumer, status="needs_info")
    clock.set_now(datetime(2026, 4, 6, 9, 0, tzinfo=UTC))
    result = app.test_cli_runner().invoke(args=["applications", "expire"])
    assert result.exit_code == 0 and waiting.number in result.output and "Аннулировано заявок: 1" in result.output
    assert db.session.get(Application, waiting.id).status == "annulled"


def test_the_applicant_is_warned_3_working_days_before_annulment_once(consumer, make_application, fixed_clock):
    from app.notifications.services import send_reminders

    make_application(consumer, status="needs_info")  # due 03.04.2026
    assert send_reminders(date(2026, 3, 30)) == 0, "Mon 30.03: four working days left"
    assert send_reminders(date(2026, 3, 31)) == 1, "Tue 31.03: three working days left"
    assert send_reminders(date(2026, 4, 1)) == 0, "never twice"
    note = db.session.scalars(sa.select(Notification).order_by(Notification.id.desc())).first()
    assert "03.04.2026" in note.title and "аннулирована" in note.body


def test_the_payment_reminder(consumer, make_application, fixed_clock):
    from app.notifications.services import send_reminders

    make_application(consumer, status="offer_sent")  # pay by 13.03.2026
    assert send_reminders(date(2026, 3, 10)) == 1
    note = db.session.scalars(sa.select(Notification).order_by(Notification.id.desc())).first()
    assert "оплатите счёт до 13.03.2026" in note.title


# --- payments and the invoice ------------------------------------------------------------------


def test_a_partial_payment_does_not_conclude_the_contract(consumer, operator, make_application, fixed_clock):
    application = make_application(consumer, status="offer_sent")
    total = application.invoice_with_vat
    office_operations.record_payment(application, operator, date(2026, 3, 5), total - Decimal("100"), "п/п 1")
    assert application.status == "offer_sent"
    office_operations.record_payment(application, operator, date(2026, 3, 5), Decimal("100"), "п/п 2")
    assert application.status == "contract_concluded" and application.contract_date == date(2026, 3, 5)


def test_the_invoice_is_the_calculators_with_the_tariff_at_submission(consumer, make_application, fixed_clock):
    from app.calculator.services import calculate

    application = make_application(consumer, status="offer_sent")
    expected = calculate(offer.calculation_input(application, offer.offer_defaults(application)))
    assert application.invoice_with_vat == expected.total_with_vat
    assert application.offer_inputs["metering"] == "single_phase"
    assert expected.on_date == date(2026, 3, 5)


def test_a_payment_before_an_invoice_is_refused(consumer, operator, make_application):
    application = make_application(consumer)
    with pytest.raises(TransitionError):
        office_operations.record_payment(application, operator, clock.today(), Decimal("10"))


def test_data_problems_are_by_field(consumer, fixed_clock):
    with pytest.raises(ApplicationDataError) as caught:
        operations.save_application(
            consumer,
            application_data(power_kw=Decimal("5"), existing_power_kw=Decimal("6"), cadastral_number="abc", files={}),
            submit=True,
        )
    assert set(caught.value.problems) >= {"existing_power_kw", "cadastral_number", "site_plan", "title_document"}


# --- numbering ---------------------------------------------------------------------------------


def test_numbers_are_unique_and_gap_free_under_parallel_submissions(app, make_user, login, decision, fixed_clock):
    """Eight consumers press «Подать заявку» at once (threads, the real POST route, one
    SQLite or PostgreSQL database): eight numbers, 1 to 8, no gaps, no duplicates."""
    clients = []
    for i in range(8):
        user = make_user("consumer", email=f"racer{i}@example.ru")
        c = app.test_client()
        login(user, c=c)
        clients.append(c)
    statuses, barrier = [], threading.Barrier(len(clients))

    def press(c):
        barrier.wait()
        response = c.submit("/applications/new", application_form(), content_type="multipart/form-data")
        statuses.append(response.status_code)

    threads = [threading.Thread(target=press, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert statuses == [302] * 8
    db.session.commit()
    numbers = sorted(db.session.scalars(sa.select(Application.number)))
    assert numbers == [f"ТП-2026-{n:06d}" for n in range(1, 9)]


def test_an_individuals_commercial_load_pays_by_the_rates(consumer, make_application, fixed_clock):
    """The preferential fee is for household needs only (Decree 861 p.17)."""
    from app.calculator.services import calculate

    household = make_application(consumer, power_kw=Decimal("15"))
    shop = make_application(consumer, power_kw=Decimal("10"), load_character="commercial")
    far = offer.OfferInputs(overhead_km=Decimal("0.2"), metering="single_phase", metering_points=1)
    assert calculate(offer.calculation_input(household, far)).rule == "preferential"
    refused = calculate(offer.calculation_input(shop, far))
    assert refused.rule == "standard" and "нагрузка не бытовая" in refused.explanation


def test_the_invoice_takes_the_vat_of_its_own_day(consumer, operator, make_application, fixed_clock):
    """Submitted in December 2025 (20 %), invoiced in 2026 (22 %): the tariff of submission,
    the VAT of the invoice."""
    from app.calculator.demo import example_file
    from app.calculator.services import import_decision

    import_decision(example_file(2025), "primer-2025.json")
    clock.set_now(datetime(2025, 12, 29, 9, 0, tzinfo=UTC))
    application = make_application(consumer, power_kw=Decimal("50"), load_character="commercial")
    clock.set_now(datetime(2026, 1, 13, 9, 0, tzinfo=UTC))
    calculation = office_operations.post_offer(
        application, operator, offer.offer_defaults(application), [checked("ТУ.pdf")]
    )
    assert calculation.decision.valid_from == date(2025, 1, 1) and calculation.vat_percent == Decimal("22")


def test_all_the_applicants_files_together_have_a_limit(consumer, make_application, monkeypatch):
    """Each file is checked on its own; all of one application's files together too."""
    from app.core.storage import StoredFile

    draft = make_application(consumer, status="draft")  # two files of 43 bytes
    monkeypatch.setattr(uploads, "MAX_APPLICATION_BYTES", 120)
    stored = db.session.scalar(sa.select(sa.func.count()).select_from(StoredFile))
    with pytest.raises(rules.ApplicationError, match="Все файлы заявки вместе"):
        operations.save_application(
            consumer, application_data(files={"other": [checked("ещё.pdf")]}), submit=False, app=draft
        )
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StoredFile)) == stored
    operations.save_application(consumer, application_data(files={}), submit=False, app=draft)  # no new files: fine


@pytest.mark.parametrize("status", list(ApplicationStatus))
def test_an_application_reads_its_status_kind_and_category_as_enums(status):
    from app.applications.models import ApplicationKind
    from app.connection.rules import Category

    application = Application(status=status.value, kind=ApplicationKind.new.value, category=Category.up_to_15.value)
    assert application.status_enum is status
    assert application.is_open is status.is_open
    assert application.kind_enum is ApplicationKind.new and application.category_enum is Category.up_to_15
    assert Application(status=status.value, kind="new", category=None).category_enum is None


def test_every_member_of_the_enums_lists_print_has_its_labels():
    """Labels are looked up in dicts by the member: a member added without one would fail
    the first page that prints it."""
    from app.applications.models import ApplicationKind, DocumentKind
    from app.connection.rules import Category
    from app.outages.models import OutageStatus

    assert ApplicationStatus.in_progress.label == "Выполнение технических условий"
    assert ApplicationStatus.submitted.css == "wait" and ApplicationStatus.annulled.css == "bad"
    assert Category.up_to_670.short_label == "150–670 кВт" and OutageStatus.cancelled.css == "bad"
    for enum in (ApplicationStatus, ApplicationKind, DocumentKind, Category, OutageStatus):
        for member in enum:
            assert member.label, member
    for member in (*ApplicationStatus, *OutageStatus):
        assert isinstance(member.css, str), member
    for member in Category:
        assert member.short_label, member


@pytest.mark.parametrize(
    "settlement, territory",
    [
        ("г. Примерск", "urban"),
        ("г.Примерск", "urban"),
        ("город Тверь", "urban"),
        ("пгт Новый", "urban"),  # an urban-type settlement is «город» (Decree 861 p.17)
        ("с. Заречное", "rural"),
        ("д. Берёзовка", "rural"),
        ("пос. Лесной", "rural"),
        ("х. Весёлый", "rural"),
        ("ст-ца Каневская", "rural"),
        ("Примерск", None),  # the address does not say
        ("Нижний Новгород", None),
        ("", None),
    ],
)
def test_the_territory_follows_the_kind_of_settlement(settlement, territory):
    from app.applications.rules import territory_of

    assert territory_of(settlement) == territory


@pytest.mark.parametrize("power", ["-5", "0", "200000"])
def test_an_invalid_maximum_power_gets_one_error_not_a_comparison_too(app, power):
    data = application_data(power_kw=Decimal(power), existing_power_kw=Decimal("3"), files={})
    problems = rules.data_problems(data, "legal", submitting=False, day=date(2026, 3, 2))
    assert "Максимальная мощность — больше 0" in problems["power_kw"]
    assert "existing_power_kw" not in problems, problems


def test_a_valid_maximum_is_still_compared_with_the_power_connected_before(app):
    data = application_data(power_kw=Decimal("5"), existing_power_kw=Decimal("6"), files={})
    problems = rules.data_problems(data, "legal", submitting=False, day=date(2026, 3, 2))
    assert "не может быть больше максимальной" in problems["existing_power_kw"]
