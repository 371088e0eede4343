"""Reading a CSV upload: UTF-8 or Windows-1251, `,` or `;`, ISO or Russian times."""

from datetime import datetime

import pytest

from app.core.csv_text import CsvFileError, decode, delimiter_of, dict_reader, parse_datetime


@pytest.mark.parametrize(
    "data",
    [
        "район;улица\nСеверный;Ленина\n".encode(),
        "\ufeffрайон;улица\nСеверный;Ленина\n".encode(),
        "район;улица\r\nСеверный;Ленина\r\n".encode("cp1251"),
    ],
    ids=["utf-8", "utf-8 with a BOM", "windows-1251"],
)
def test_utf8_and_windows_1251_read_as_the_same_text(data):
    assert decode(data).replace("\r\n", "\n") == "район;улица\nСеверный;Ленина\n"


def test_valid_utf8_is_utf8_even_when_it_would_also_be_windows_1251():
    # "ё" in UTF-8 is the bytes D1 91, which Windows-1251 would read as "С‘".
    assert decode("Берёзовая".encode()) == "Берёзовая"


@pytest.mark.parametrize(
    "data, message",
    [(b"", "Файл пустой."), (b"\x98\x98", "Файл не в кодировке UTF-8 или Windows-1251.")],
)
def test_what_is_not_text_is_refused(data, message):
    with pytest.raises(CsvFileError) as caught:
        decode(data)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    "header, delimiter", [("a,b,c", ","), ("a;b;c", ";"), ("a;b,c;d", ";"), ("one", ","), ("a,b;c", ",")]
)
def test_the_delimiter_comes_from_the_header(header, delimiter):
    assert delimiter_of(header) == delimiter


def test_a_reader_of_an_excel_file():
    data = 'District; Street \r\nСеверный РЭС;"ул. Ленина; д. 1"\r\n'.encode("cp1251")
    reader = dict_reader(data)
    assert list(reader) == [{"district": "Северный РЭС", "street": "ул. Ленина; д. 1"}]
    assert reader.line_num == 2


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2026-12-14 09:00", datetime(2026, 12, 14, 9, 0)),
        ("2026-12-14 09:00:30", datetime(2026, 12, 14, 9, 0, 30)),
        ("14.12.2026 09:00", datetime(2026, 12, 14, 9, 0)),
        (" 14.12.2026 9:05 ", datetime(2026, 12, 14, 9, 5)),
        ("14.12.2026 09:00:00", datetime(2026, 12, 14, 9, 0)),
        ("31.11.2026 09:00", None),
        ("14/12/2026 09:00", None),
        ("14.12.2026", None),
    ],
)
def test_times_iso_or_as_russian_excel_prints_them(value, expected):
    assert parse_datetime(value) == expected
