"""Reading an uploaded CSV file the way people make them: one place for every CSV upload.

Russian Excel saves «CSV (разделители — запятые)» in Windows-1251 with `;` between fields
and times as `14.12.2026 09:00`; other tools save UTF-8, often with a BOM, and `,`. Both are
accepted: valid UTF-8 is UTF-8, anything else is read as Windows-1251; the delimiter is the
one of `,` and `;` the header line has more of; times are ISO or `ДД.ММ.ГГГГ ЧЧ:ММ`."""

from __future__ import annotations

import csv
import io
from datetime import datetime

DELIMITERS = (",", ";")
#: Local date and time as a file may spell them: ISO, and as Russian Excel prints them.
DATETIME_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y %H:%M:%S")
#: How an error message names the accepted forms.
DATETIME_HINT = "ГГГГ-ММ-ДД ЧЧ:ММ или ДД.ММ.ГГГГ ЧЧ:ММ"


class CsvFileError(Exception):
    """The file cannot be read as CSV text; `row` is the line of the problem, if it has one."""

    def __init__(self, message: str, row: int | None = None):
        self.row = row
        self.message = message
        super().__init__(f"Строка {row}: {message}" if row else message)


def decode(data: bytes | str) -> str:
    """The file's text without its BOM: UTF-8 when the bytes are valid UTF-8, else
    Windows-1251. An empty or binary file is refused."""
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = data.decode("cp1251")
            except UnicodeDecodeError:  # 0x98, the one byte Windows-1251 leaves undefined
                raise CsvFileError("Файл не в кодировке UTF-8 или Windows-1251.") from None
    else:
        text = data.lstrip("\ufeff")
    if not text.strip():
        raise CsvFileError("Файл пустой.")
    if (nul := text.find("\x00")) >= 0:  # a binary file, or UTF-16; PostgreSQL would refuse the value
        raise CsvFileError(
            "нулевой байт: это не текстовый файл CSV в кодировке UTF-8 или Windows-1251.",
            text.count("\n", 0, nul) + 1,
        )
    return text


def delimiter_of(header_line: str) -> str:
    """`;` when the header has more of them than commas (Russian Excel), else `,`."""
    return max(DELIMITERS, key=header_line.count)  # a tie (none of either) is ","


def dict_reader(data: bytes | str) -> csv.DictReader:
    """Rows as dictionaries by the header, its names stripped and lower-cased; the reader's
    `line_num` is the line of the row just read (the header is line 1)."""
    text = decode(data)
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter_of(text.splitlines()[0]))
    reader.fieldnames = [(name or "").strip().lower() for name in (reader.fieldnames or [])]
    return reader


def parse_datetime(value: str) -> datetime | None:
    """A naive local date and time in one of DATETIME_FORMATS; None when it is none of them."""
    for fmt in DATETIME_FORMATS:
        try:
            return datetime.strptime(value.strip(), fmt)
        except ValueError:
            continue
    return None
