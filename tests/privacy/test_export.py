"""«Скачать мои данные» (SPEC §2.9): JSON, or a ZIP with the JSON and the person's files,
built from the exporters features register."""

import io
import json
import zipfile

import pytest
import sqlalchemy as sa

from app.auth.models import User
from app.core import personal_data
from app.core.storage import save_bytes
from app.extensions import db
from app.notifications.services import notify
from app.privacy.services import record_consent
from tests.core.query_counter import count_queries


@pytest.fixture
def consumer_with_history(consumer, consumer_client):
    record_consent(consumer, method="online")
    notify(consumer, "general", "Ваше обращение зарегистрировано", "Номер ОБ-2026-000001")
    db.session.commit()
    return consumer


def download(c, url):
    response = c.get(url)
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment; filename=my-data-")
    assert response.headers["Cache-Control"] == "no-store"
    return response


def test_json_has_every_section(consumer_client, consumer_with_history):
    response = download(consumer_client, "/profile/data.json")
    data = json.loads(response.data)
    assert data["format"] == "lk-personal-data/1"
    assert data["operator"]["name"] and data["subject"]["email"] == consumer_with_history.email
    sections = data["sections"]
    assert list(sections)[:2] == ["account", "consents"]
    assert {"account", "consents", "login_history", "notifications"} <= set(sections)
    assert sections["account"]["snils"] == "11223344595" and sections["account"]["last_name"] == "Петров"
    assert sections["consents"][0]["action"] == "дано"
    assert sections["login_history"][0]["success"] is True and sections["login_history"][0]["ip"] == "127.0.0.1"
    assert sections["notifications"]["items"][0]["title"] == "Ваше обращение зарегистрировано"
    assert sections["notifications"]["mail_preferences"]


def test_only_my_data(consumer_client, consumer_with_history, make_user):
    other = make_user(last_name="Чужой", snils="08765430300")
    notify(other, "general", "Чужое уведомление")
    db.session.commit()
    text = download(consumer_client, "/profile/data.json").get_data(as_text=True)
    assert "Чужой" not in text and "08765430300" not in text and "Чужое уведомление" not in text


def test_zip_holds_the_json_and_my_files(app, consumer_client, consumer_with_history):
    scan = save_bytes(b"%PDF-1.4 my scan", "application/pdf", "моё согласие.pdf", None)
    db.session.flush()
    record_consent(consumer_with_history, method="paper", scan_file=scan)
    db.session.commit()
    response = download(consumer_client, "/profile/data.zip")
    assert response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    data = json.loads(archive.read("my-data.json"))
    paper = next(c for c in data["sections"]["consents"] if c["scan"])
    assert archive.read(paper["scan"]["archive_path"]) == b"%PDF-1.4 my scan"
    assert paper["scan"]["archive_path"].startswith("files/") and ".." not in paper["scan"]["archive_path"]


def test_a_feature_adds_its_exporter(consumer_client, consumer_with_history):
    @personal_data.personal_data_exporter("applications_test", order=90)
    def export_applications(user):
        return personal_data.ExportPart([{"number": "ТП-2026-000123", "owner": user.id}])

    try:
        data = json.loads(download(consumer_client, "/profile/data.json").data)
        assert data["sections"]["applications_test"] == [
            {"number": "ТП-2026-000123", "owner": consumer_with_history.id}
        ]
    finally:
        personal_data._exporters.pop("applications_test")


def test_the_export_runs_a_fixed_number_of_queries(consumer_client, consumer_with_history):
    with count_queries() as few:
        download(consumer_client, "/profile/data.json")
    for n in range(25):
        notify(consumer_with_history, "general", f"Событие {n}")
    db.session.commit()
    with count_queries() as many:
        download(consumer_client, "/profile/data.json")
    assert len(many) == len(few)


def test_export_is_audited_and_needs_login(consumer_client, consumer_with_history, client):
    from app.audit.models import AuditEvent

    download(consumer_client, "/profile/data.zip")
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "privacy.data_exported"))
    assert event.actor_id == consumer_with_history.id and "zip" in event.details
    for url in ("/profile/data.json", "/profile/data.zip"):
        assert client.get(url).headers["Location"].startswith("/login")


def test_profile_links_the_downloads(consumer_client, consumer_with_history):
    page = consumer_client.page("/profile")
    assert page.select_one("a[href='/profile/data.json']") and page.select_one("a[href='/profile/data.zip']")
    assert db.session.get(User, consumer_with_history.id)


def test_my_addresses_are_exported_and_forgotten_on_anonymisation(consumer_client, consumer_with_history):
    from app.outages.models import UserAddress
    from app.outages.operations import add_address
    from app.privacy.services import anonymise

    add_address(consumer_with_history, "Примерск", "ул. Ленина", "1")
    db.session.commit()
    data = json.loads(download(consumer_client, "/profile/data.json").data)
    assert data["sections"]["my_addresses"][0]["address"].startswith("Примерск, ул. Ленина")
    anonymise(consumer_with_history)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(UserAddress)) == 0


def test_my_appeals_are_exported_with_their_files_but_not_staff_notes(
    consumer_client, consumer_with_history, make_user
):
    from app.appeals.operations import add_note, register_appeal
    from app.appeals.rules import AppealData
    from app.core.storage import stage_bytes

    appeal = register_appeal(
        consumer_with_history,
        AppealData(
            kind="statement",
            topic="connection",
            text="Прошу сообщить сроки.",
            files=[stage_bytes(b"%PDF-1.4 mine", "application/pdf", "план.pdf")],
        ),
    )
    db.session.commit()
    add_note(appeal, make_user("operator"), "Внутренняя заметка")
    db.session.commit()
    archive = zipfile.ZipFile(io.BytesIO(download(consumer_client, "/profile/data.zip").data))
    data = json.loads(archive.read("my-data.json"))
    [exported] = data["sections"]["appeals"]
    assert exported["number"] == appeal.number and exported["text"] == "Прошу сообщить сроки."
    assert archive.read(exported["files"][0]["archive_path"]) == b"%PDF-1.4 mine"
    assert "Внутренняя заметка" not in json.dumps(data, ensure_ascii=False)
