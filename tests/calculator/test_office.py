"""/office/tariffs/: admins list, import (upload), look at and retire decisions."""

from __future__ import annotations

import io
import json

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.calculator.models import TariffDecision
from app.extensions import db
from tests.helpers import Page

PAGES = ["/office/tariffs/", "/office/tariffs/{id}", "/office/tariffs/{id}/retire", "/office/tariffs/{id}/file"]


def upload(client, raw: bytes, name: str = "decision.json"):
    return client.submit(
        "/office/tariffs/import", {"file": (io.BytesIO(raw), name)}, content_type="multipart/form-data"
    )


def count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(TariffDecision))


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_is_sent_to_login(client, decision, path):
    response = client.get(path.format(id=decision.id))
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("path", PAGES)
def test_consumer_and_operator_get_403(consumer_client, operator_client, decision, path):
    assert consumer_client.get(path.format(id=decision.id)).status_code == 403
    assert operator_client.get(path.format(id=decision.id)).status_code == 403


def test_operator_cannot_import_or_retire(operator_client, decision, example_bytes):
    assert upload(operator_client, example_bytes(decision="Другое")).status_code == 403
    assert operator_client.submit(f"/office/tariffs/{decision.id}/retire", {}).status_code == 403
    assert count() == 1 and db.session.get(TariffDecision, decision.id).retired_at is None


def test_admin_sees_the_list_in_the_menu(admin_client, decision):
    page = admin_client.page("/office/tariffs/")
    assert page.select_one('nav.menu a[aria-current="page"]')["href"] == "/office/tariffs/"
    row = page.text("tbody tr")
    assert decision.title in row and "применяется сегодня" in row and "с 01.01.2026 по 31.12.2026" in row
    assert page.select_one('form[enctype="multipart/form-data"] input[type=file][name=file]')


def test_operators_menu_has_no_tariffs(operator_client):
    assert not operator_client.page("/office/").select('nav.menu a[href="/office/tariffs/"]')


def test_admin_imports_a_good_file(admin_client, admin, example_bytes, fixed_today):
    response = upload(admin_client, example_bytes(decision="Постановление N 7"), "n7.json")
    assert response.status_code == 302
    decision = db.session.scalar(sa.select(TariffDecision))
    assert response.headers["Location"] == f"/office/tariffs/{decision.id}"
    assert decision.imported_by_id == admin.id and decision.file_name == "n7.json"
    page = admin_client.page(response.headers["Location"])
    assert "загружено" in page.text(".flashes") and "Постановление N 7" in page.text("h1")
    assert "АС-70 (ac-70, по умолчанию): 3 100 000,00" in page.text()
    assert "2 155,09" in page.text()
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "office.tariff_imported"))


def test_an_identical_upload_changes_nothing(admin_client, decision, example_bytes):
    again = json.dumps(json.loads(example_bytes()), indent=2).encode()  # same content, other layout
    response = upload(admin_client, again)
    assert response.headers["Location"] == f"/office/tariffs/{decision.id}"
    assert "ничего не изменилось" in admin_client.page(response.headers["Location"]).text(".flashes")
    assert count() == 1


def test_a_bad_upload_is_refused_whole_with_paths(admin_client, example_bytes):
    data = json.loads(example_bytes())
    data["c2_per_km"]["1-20"]["urban"][1]["rate"] = "много"
    data["valid_from"] = "2026-13-01"
    page = Page(upload(admin_client, json.dumps(data, ensure_ascii=False).encode()))
    assert page.status == 200 and page.title.startswith("Ошибка: ")
    assert "ничего не изменено" in page.text(".field .error")
    problems = [li.get_text(" ", strip=True) for li in page.select("ul.problems li")]
    assert "c2_per_km.1-20.urban[1].rate : должно быть неотрицательным числом" in problems
    assert any(p.startswith("valid_from") for p in problems)
    assert "Файл не принят" in page.text(".error-summary")
    assert count() == 0


@pytest.mark.parametrize(
    "raw, problem",
    [
        (b"[" * 100_000 + b"]" * 100_000, "файл : объекты и списки вложены глубже 10 уровней"),  # a RecursionError: 500
        (b'{"c1": {"up_to_150": 1e99999999999999999999}}', "c1.up_to_150 : должно быть неотрицательным числом"),
        (b" " * (2 * 1024 * 1024), "файл : файл больше 1024 КБ"),
    ],
)
def test_a_deep_or_huge_upload_is_refused_in_russian(admin_client, raw, problem):
    page = Page(upload(admin_client, raw))
    assert page.status == 200 and page.title.startswith("Ошибка: ")
    problems = [li.get_text(" ", strip=True) for li in page.select("ul.problems li")]
    assert any(p.startswith(problem) for p in problems), problems
    assert count() == 0


def test_upload_without_a_file(admin_client):
    page = Page(admin_client.submit("/office/tariffs/import", {}, content_type="multipart/form-data"))
    assert "Выберите файл тарифного решения" in page.text(".error-summary")


def test_retire_through_a_confirmation_page(admin_client, decision, example_bytes):
    page = admin_client.page(f"/office/tariffs/{decision.id}")
    confirm_url = page.select_one("a.danger")["href"]
    confirm = admin_client.page(confirm_url)
    assert "Сейчас применяется именно это решение" in confirm.text()
    assert "калькулятор перестанет считать" in confirm.text()
    form = confirm.select_one("main form")
    assert form["method"] == "post" and form["action"] == confirm_url
    assert db.session.get(TariffDecision, decision.id).retired_at is None  # GET changes nothing
    response = admin_client.submit(confirm_url, {})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(TariffDecision, decision.id).retired_at is not None
    listing = admin_client.page("/office/tariffs/")
    assert "выведено" in listing.text("tbody tr")
    assert "нет действующего тарифного решения" in admin_client.page("/calculator?power_kw=5").text()
    again = admin_client.get(confirm_url)
    assert again.status_code == 302  # retired already: back to the decision


def test_retire_says_what_applies_next(admin_client, decision, example_bytes):
    from app.calculator.services import import_decision

    import_decision(example_bytes(decision="Старое", valid_from="2025-01-01"))
    db.session.commit()
    confirm = admin_client.page(f"/office/tariffs/{decision.id}/retire")
    assert "будет применяться «Старое»" in confirm.text()


def test_retire_needs_csrf(admin_client, decision):
    response = admin_client.submit(f"/office/tariffs/{decision.id}/retire", {}, csrf=False)
    assert response.status_code == 400
    assert db.session.get(TariffDecision, decision.id).retired_at is None


def test_download_the_file_back(admin_client, decision, example_bytes):
    response = admin_client.get(f"/office/tariffs/{decision.id}/file")
    assert response.mimetype == "application/json" and "attachment" in response.headers["Content-Disposition"]
    assert '"single_phase": 2155.09' in response.get_data(as_text=True)
    assert json.loads(response.data) == json.loads(example_bytes())


def test_unknown_decision_is_404(admin_client):
    assert admin_client.get("/office/tariffs/999").status_code == 404
    assert admin_client.get("/office/tariffs/999/retire").status_code == 404


def test_the_list_runs_a_fixed_number_of_queries(admin_client, admin, example_bytes, fixed_today):
    from app.calculator.services import import_decision, retire_decision
    from tests.core.query_counter import count_queries

    def queries_for_list() -> int:
        admin_client.get("/office/tariffs/")
        with count_queries() as queries:
            assert admin_client.get("/office/tariffs/").status_code == 200
        return len(queries)

    import_decision(example_bytes(decision="N 1"), actor=admin)
    db.session.commit()
    few = queries_for_list()
    for n in range(2, 12):
        decision = import_decision(example_bytes(decision=f"N {n}"), actor=admin).decision
        if n % 2:
            retire_decision(decision, actor=admin)
    db.session.commit()
    assert queries_for_list() == few


def test_dashboard_warns_admins_without_a_decision(admin_client, operator_client, fixed_today):
    assert "нет действующего тарифного решения" in admin_client.page("/office/").text()
    assert "Тарифы" not in operator_client.page("/office/").text("main")


def test_dashboard_warns_before_the_decision_runs_out(admin_client, example_bytes):
    from datetime import UTC, datetime

    from app.calculator.services import import_decision
    from app.core import clock

    import_decision(example_bytes())  # valid to 31.12.2026
    db.session.commit()
    clock.set_now(datetime(2026, 11, 1, 9, tzinfo=UTC))
    assert "заканчивается" not in admin_client.page("/office/").text()
    clock.set_now(datetime(2026, 12, 5, 9, tzinfo=UTC))
    assert "на 01.01.2027 решения нет" in admin_client.page("/office/").text()
    import_decision(example_bytes(2027))
    db.session.commit()
    assert "заканчивается" not in admin_client.page("/office/").text()
