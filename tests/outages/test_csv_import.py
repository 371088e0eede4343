"""CSV import (SPEC §4.4): good, bad (row number and reason), repeated, updating; upload and command."""

import io
import os
import threading

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.outages.csv_import import ImportFileError, import_csv
from app.outages.models import Outage
from tests.outages.conftest import local

pytestmark = pytest.mark.usefixtures("fixed_clock")

HEADER = "id,district,settlement,street,houses,starts_at,ends_at,reason,status\n"
GOOD = HEADER + (
    'С-1,Северный РЭС,г. Примерск,ул. Ленина,"1-15, 17, 19а",2026-12-10 09:00,2026-12-10 17:00,Замена опор,\n'
    "С-2,Северный РЭС,г. Примерск,пр-т Мира,,2026-12-11 10:00,2026-12-11 12:00,Ремонт ТП-7,planned\n"
    ",Южный РЭС,с. Заречное,,,2026-12-12 08:00,2026-12-12 18:00,Ремонт ВЛ-10 кВ,\n"
)


def outages():
    return db.session.scalars(sa.select(Outage).order_by(Outage.id)).all()


def test_good_file(app):
    result = import_csv(GOOD.encode())
    db.session.commit()
    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    first, second, third = outages()
    assert first.external_id == "С-1" and first.houses == "1-15, 17, 19а" and first.houses_key == "1-15,17,19а"
    assert first.starts_at == local(10, 9) and first.ends_at == local(10, 17)
    assert first.starts_at.utcoffset().total_seconds() == 0, "stored as UTC"
    assert second.street_kind == "проспект" and second.street_key == "мира"
    assert third.external_id is None and third.street == "" and third.status == "planned"


def test_importing_the_same_file_twice_changes_nothing(app):
    import_csv(GOOD.encode())
    db.session.commit()
    before = [(o.id, o.revision, o.updated_at) for o in outages()]
    result = import_csv(GOOD.encode())
    db.session.commit()
    assert (result.created, result.updated, result.unchanged) == (0, 0, 3)
    assert [(o.id, o.revision, o.updated_at) for o in outages()] == before


def test_a_row_with_a_known_id_updates_its_outage(app):
    import_csv(GOOD.encode())
    db.session.commit()
    changed = GOOD.replace("2026-12-10 17:00", "2026-12-10 19:00")
    result = import_csv(changed.encode())
    db.session.commit()
    assert (result.created, result.updated, result.unchanged) == (0, 1, 2)
    first = outages()[0]
    assert first.ends_at == local(10, 19) and first.status == "changed" and first.revision == 2
    assert len(outages()) == 3


def test_a_row_without_id_is_the_same_outage_when_its_place_and_times_are(app):
    import_csv(GOOD.encode())
    db.session.commit()
    # Spelled differently, the same outage: district, place, start and end are equal once normalised.
    same = HEADER + ",южный рэс,Заречное,,все,2026-12-12 08:00,2026-12-12 18:00,Ремонт ВЛ-10 кВ,\n"
    assert import_csv(same.encode()).unchanged == 1
    cancelled = HEADER + ",Южный РЭС,с. Заречное,,,2026-12-12 08:00,2026-12-12 18:00,Ремонт ВЛ-10 кВ,cancelled\n"
    result = import_csv(cancelled.encode())
    db.session.commit()
    assert result.updated == 1 and outages()[2].status == "cancelled"
    moved = HEADER + ",Южный РЭС,с. Заречное,,,2026-12-13 08:00,2026-12-13 18:00,Ремонт ВЛ-10 кВ,\n"
    assert import_csv(moved.encode()).created == 1, "another start is another outage"


def test_semicolons_and_a_byte_order_mark_are_accepted(app):
    text = "\ufeff" + GOOD.replace(",", ";").replace('"1-15; 17; 19а"', '"1-15, 17, 19а"')
    assert import_csv(text.encode("utf-8")).created == 3


def as_excel_saves(text: str) -> bytes:
    """The file as Russian Excel saves «CSV (разделители — запятые)»: Windows-1251, `;`
    between fields, times as ДД.ММ.ГГГГ ЧЧ:ММ, CRLF line ends."""
    import csv
    import re

    rows = list(csv.reader(io.StringIO(text)))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    for row in rows:
        writer.writerow([re.sub(r"^(\d{4})-(\d\d)-(\d\d) ", r"\3.\2.\1 ", value) for value in row])
    return out.getvalue().encode("cp1251")


def imported():
    return [
        (o.external_id, o.district, o.settlement, o.street, o.houses, o.starts_at, o.ends_at, o.reason, o.status)
        for o in outages()
    ]


def test_a_file_as_russian_excel_saves_it_imports_the_same_outages(app):
    excel = as_excel_saves(GOOD)
    assert b";" in excel and b"10.12.2026 09:00" in excel and "Северный".encode("cp1251") in excel
    import_csv(GOOD.encode())
    db.session.commit()
    expected = imported()
    db.session.execute(sa.delete(Outage))
    db.session.commit()
    result = import_csv(excel)
    db.session.commit()
    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    assert imported() == expected
    assert import_csv(GOOD.encode()).unchanged == 3, "the same outages as the UTF-8 file"


def test_a_utf8_file_with_a_byte_order_mark_and_russian_dates(app):
    text = GOOD.replace("2026-12-10 09:00", "10.12.2026 09:00").replace("2026-12-10 17:00", "10.12.2026 17:00:00")
    result = import_csv(b"\xef\xbb\xbf" + text.encode())
    db.session.commit()
    assert result.created == 3
    first = outages()[0]
    assert first.external_id == "С-1" and (first.starts_at, first.ends_at) == (local(10, 9), local(10, 17))


def test_a_bad_date_in_russian_form_refuses_the_excel_file_with_its_row(app):
    excel = as_excel_saves(GOOD).replace(b"11.12.2026 10:00", b"32.12.2026 10:00")
    with pytest.raises(ImportFileError) as caught:
        import_csv(excel)
    assert caught.value.row == 3
    assert str(caught.value).startswith("Строка 3: starts_at: «32.12.2026 10:00» не время")
    assert "ДД.ММ.ГГГГ ЧЧ:ММ" in str(caught.value)
    assert outages() == []


def test_columns_in_another_order_and_without_the_optional_ones(app):
    text = (
        "reason,ends_at,starts_at,houses,street,settlement,district\n"
        "Ремонт,2026-12-10 17:00,2026-12-10 09:00,1-3,ул. Садовая,г. Примерск,Северный РЭС\n"
    )
    assert import_csv(text.encode()).created == 1


@pytest.mark.parametrize(
    "row, line, reason",
    [
        ("С-3,Северный РЭС,г. Примерск,ул. Ленина,1-5,2026-12-10 17:00,2026-12-10 09:00,Ремонт,", 3, "позже начала"),
        ("С-3,Северный РЭС,г. Примерск,ул. Ленина,1-5,10/12/2026 09:00,2026-12-10 17:00,Ремонт,", 3, "starts_at"),
        ("С-3,Северный РЭС,г. Примерск,ул. Ленина,1-5,2026-12-10 09:00,31.11.2026 17:00,Ремонт,", 3, "ends_at"),
        ("С-3,Северный РЭС,г. Примерск,ул. Ленина,1-5,2026-12-10 09:00,,Ремонт,", 3, "ends_at"),
        (
            "С-3,Северный РЭС,г. Примерск,ул. Ленина,15-1,2026-12-10 09:00,2026-12-10 17:00,Ремонт,",
            3,
            "начало больше конца",
        ),
        ("С-3,Северный РЭС,,ул. Ленина,1-5,2026-12-10 09:00,2026-12-10 17:00,Ремонт,", 3, "населённый пункт"),
        ("С-3,,г. Примерск,ул. Ленина,1-5,2026-12-10 09:00,2026-12-10 17:00,Ремонт,", 3, "РЭС"),
        ("С-3,Северный РЭС,г. Примерск,ул. Ленина,1-5,2026-12-10 09:00,2026-12-10 17:00,,", 3, "причину"),
        ("С-3,Северный РЭС,г. Примерск,ул. Ленина,1-5,2026-12-10 09:00,2026-12-10 17:00,Ремонт,postponed", 3, "status"),
        (
            "С-1,Северный РЭС,г. Примерск,ул. Ленина,1-5,2026-12-10 09:00,2026-12-10 17:00,Ремонт,",
            3,
            "уже был в строке 2",
        ),
        (
            "С-3,Северный РЭС,г. Примерск,ул. Ленина,1-5,2026-12-10 09:00,2026-12-10 17:00,Ремонт,,лишнее",
            3,
            "больше значений",
        ),
        ("С-3,Северный РЭС,г. Примерск", 3, "меньше значений"),
        ("С-3,Северный РЭС,г. Примерск,,1-5,2026-12-10 09:00,2026-12-10 17:00,Ремонт,", 3, "вместе с улицей"),
        ("С-3,Северный РЭС,г. Примерск,ул. Ленина,1-5,2026-12-10 09:00,2026-12-20 17:00,Ремонт,", 3, "7 дней"),
    ],
)
def test_a_bad_row_refuses_the_whole_file(app, row, line, reason):
    text = (
        HEADER + "С-1,Северный РЭС,г. Примерск,ул. Ленина,1-5,2026-12-09 09:00,2026-12-09 17:00,Ремонт,\n" + row + "\n"
    )
    with pytest.raises(ImportFileError) as caught:
        import_csv(text.encode())
    db.session.rollback()
    assert caught.value.row == line
    assert reason.lower() in str(caught.value).lower()
    assert str(caught.value).startswith(f"Строка {line}: ")
    assert outages() == [], "nothing half-imported"


@pytest.mark.parametrize(
    "content, reason",
    [
        (b"", "пустой"),
        ("id,district\n1,РЭС\n".encode(), "нет столбцов"),
        ((HEADER.strip() + ",comment\n").encode(), "Неизвестные столбцы"),
        (HEADER.encode(), "нет ни одного"),
        (GOOD.encode("cp1251") + b"\x98", "UTF-8 или Windows-1251"),
    ],
)
def test_a_bad_file(app, content, reason):
    with pytest.raises(ImportFileError, match=reason):
        import_csv(content)


ROW = "С-7,Северный РЭС,г. Примерск,ул. Ленина,1,2026-12-10 09:00,2026-12-10 17:00,Замена опор,\n"


@pytest.mark.parametrize(
    "content, line, reason",
    [
        # PostgreSQL refuses a NUL in a text column: the import was a 500 there, SQLite kept it.
        ((HEADER + ROW.replace("Замена", "Зам\x00ена")).encode(), 2, "нулевой байт: это не текстовый файл CSV"),
        ((HEADER + ROW + ROW.replace("С-7", "С-8").replace("Ленина,1", "Ленина,1\x00")).encode(), 3, "нулевой байт"),
        (GOOD.encode("utf-16-le"), 1, "нулевой байт"),
        # The csv module's own reason was English, and the line number that of the row before.
        (
            (HEADER + ROW + ROW.replace("Замена опор", '"' + "опора " * 30000 + '"')).encode(),
            3,
            "значение длиннее 131072 знаков",
        ),
    ],
)
def test_a_file_that_is_not_text_or_too_big_a_value(app, content, line, reason):
    with pytest.raises(ImportFileError) as caught:
        import_csv(content)
    assert caught.value.row == line and caught.value.message.startswith(reason), str(caught.value)
    assert outages() == []


def test_duplicate_rows_without_id(app):
    row = ",Южный РЭС,с. Заречное,,,2026-12-12 08:00,2026-12-12 18:00,Ремонт,\n"
    with pytest.raises(ImportFileError, match="Строка 3: то же отключение, что в строке 2"):
        import_csv((HEADER + row + row).encode())


def test_short_notice_is_reported(app):
    soon = HEADER + "С-9,Северный РЭС,г. Примерск,ул. Ленина,1,2026-12-02 09:00,2026-12-02 12:00,Авария,\n"
    result = import_csv((soon + GOOD[len(HEADER) :]).encode())
    assert [line for line, _ in result.short_notice] == [2]


def test_command_imports_and_reports(app, tmp_path):
    path = tmp_path / "outages.csv"
    path.write_text(GOOD, encoding="utf-8")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["outages", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "новых 3" in result.output
    again = runner.invoke(args=["outages", "import", str(path)])
    assert again.exit_code == 0 and "без изменений 3" in again.output
    assert len(outages()) == 3


def test_command_reads_a_file_as_excel_saves_it(app, tmp_path):
    path = tmp_path / "график.csv"
    path.write_bytes(as_excel_saves(GOOD))
    result = app.test_cli_runner().invoke(args=["outages", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "новых 3" in result.output
    assert outages()[0].street == "ул. Ленина" and outages()[0].houses == "1-15, 17, 19а"


def test_a_large_import_writes_in_chunks_so_others_write_in_between(app, tmp_path, monkeypatch):
    """A 20,000-row import held SQLite's write lock for 32 s and others failed meanwhile; now it
    commits every IMPORT_CHUNK rows (the file is checked whole before the first one)."""
    from sqlalchemy import event

    from app.outages import csv_import

    monkeypatch.setattr(csv_import, "IMPORT_CHUNK", 2)
    path = tmp_path / "outages.csv"
    path.write_text(GOOD, encoding="utf-8")
    commits = []

    def count(conn):
        commits.append(conn)

    event.listen(db.engine, "commit", count)
    try:
        result = app.test_cli_runner().invoke(args=["outages", "import", str(path)])
    finally:
        event.remove(db.engine, "commit", count)
    assert result.exit_code == 0, result.output
    assert len(commits) >= 3, "two chunks of rows and the audit record, each its own unit of work"
    assert len(outages()) == 3


def test_command_refuses_a_bad_file_and_exits_non_zero(app, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        GOOD + "С-5,Северный РЭС,г. Примерск,ул. Ленина,1,2026-13-01 09:00,2026-12-01 12:00,Ремонт,\n", encoding="utf-8"
    )
    result = app.test_cli_runner().invoke(args=["outages", "import", str(path)])
    assert result.exit_code != 0
    assert "Строка 5" in result.output and "starts_at" in result.output
    assert outages() == []


def test_command_refuses_a_huge_input_by_its_start(app, tmp_path):
    """A pipe that sends 16 MB: the command stops reading past 5 MB instead of taking all of
    it into memory first (an endless input would never end)."""
    fifo = tmp_path / "endless.csv"
    os.mkfifo(fifo)
    sent = {"bytes": 0}

    def write():
        chunk = HEADER.encode() * (65536 // len(HEADER.encode()))
        try:
            with open(fifo, "wb") as pipe:
                while sent["bytes"] < 16 * 1024 * 1024:
                    pipe.write(chunk)
                    sent["bytes"] += len(chunk)
        except BrokenPipeError:
            pass

    writer = threading.Thread(target=write)
    writer.start()
    result = app.test_cli_runner().invoke(args=["outages", "import", str(fifo)])
    writer.join(timeout=30)
    assert result.exit_code != 0 and "Файл больше 5 МБ" in result.output
    assert sent["bytes"] < 8 * 1024 * 1024, "the command read the whole input"
    assert outages() == []


def upload(client, content: bytes, name: str = "g.csv"):
    return client.submit(
        "/office/outages/import", {"file": (io.BytesIO(content), name)}, content_type="multipart/form-data"
    )


def test_upload_in_the_office_redirects_to_its_result_shown_once(operator_client):
    from tests.helpers import Page

    response = upload(operator_client, GOOD.encode())
    assert response.status_code == 302
    assert response.headers["Location"] == "/office/outages/import/result"
    assert len(outages()) == 3
    page = operator_client.page("/office/outages/import/result")
    assert page.title.startswith("График загружен")
    assert "новых отключений — 3, изменённых — 0, без изменений — 0" in page.text("[role=status]")
    assert page.response.headers["Cache-Control"] == "no-store"
    again = Page(operator_client.get("/office/outages/import/result"))
    assert again.title.startswith("Результат загрузки уже показан")
    assert "новых отключений" not in again.text("main")
    links = {a.get_text(strip=True): a["href"] for a in again.select("main a")}
    assert links["Загрузить другой файл"] == "/office/outages/import"


def test_a_refresh_of_the_result_imports_nothing_more(operator_client):
    from app.audit.models import AuditEvent

    upload(operator_client, GOOD.encode())
    for _ in range(2):  # what F5 sends after the redirect: the GET, never the POST again
        assert operator_client.get("/office/outages/import/result").status_code == 200
    assert len(outages()) == 3
    imports = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "office.outages_imported")).all()
    assert len(imports) == 1


def test_the_result_lists_short_notice_outages_by_their_lines(operator_client):
    soon = HEADER + "С-9,Северный РЭС,г. Примерск,ул. Ленина,1,2026-12-02 09:00,2026-12-02 12:00,Авария,\n"
    upload(operator_client, (soon + GOOD[len(HEADER) :]).encode())
    page = operator_client.page("/office/outages/import/result")
    warning = page.text("[role=alert]")
    assert "строка 2: г. Примерск, ул. Ленина, д. 1, 02.12.2026 09:00 – 12:00" in warning
    assert "новых отключений — 4" in page.text("[role=status]")


def test_the_result_names_a_limited_number_of_short_notice_lines_and_counts_the_rest(operator_client, monkeypatch):
    """The result travels in the session cookie: 20,000 short-notice lines would not fit."""
    from app.outages import office

    monkeypatch.setattr(office, "SHOWN_SHORT_NOTICE", 1)
    soon = HEADER + (
        "С-8,Северный РЭС,г. Примерск,ул. Ленина,1,2026-12-02 09:00,2026-12-02 12:00,Авария,\n"
        "С-9,Северный РЭС,г. Примерск,ул. Ленина,3,2026-12-02 09:00,2026-12-02 12:00,Авария,\n"
    )
    upload(operator_client, soon.encode())
    warning = operator_client.page("/office/outages/import/result").text("[role=alert]")
    assert "строка 2:" in warning and "строка 3:" not in warning
    assert "Таких отключений ещё: 1" in warning


def test_a_bad_upload_shows_the_row_and_reason(operator_client):
    bad = GOOD + "С-5,Северный РЭС,г. Примерск,ул. Ленина,15-1,2026-12-10 09:00,2026-12-10 12:00,Ремонт,\n"
    response = upload(operator_client, bad.encode())
    from tests.helpers import Page

    page = Page(response)
    assert page.title.startswith("Ошибка: ")
    assert "Строка 5" in page.text(".error-summary") and "начало больше конца" in page.text(".field .error")
    assert outages() == []


def test_upload_without_a_file(operator_client):
    from tests.helpers import Page

    page = Page(operator_client.submit("/office/outages/import", {}, content_type="multipart/form-data"))
    assert "Выберите файл CSV." in page.errors()
