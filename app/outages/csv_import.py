"""The CSV import of outages (SPEC §4.4): the whole file checked first, then written in
chunks, each its own unit of work."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from app.auth.models import User
from app.core.clock import company_zone
from app.core.csv_text import DATETIME_HINT, CsvFileError, dict_reader, parse_datetime
from app.db import unit_of_work
from app.extensions import db
from app.outages.models import Outage
from app.outages.operations import create_outage, update_outage
from app.outages.queries import get_settings, is_short_notice
from app.outages.rules import OutageData, match_key, validate

REQUIRED_COLUMNS = ("district", "settlement", "street", "houses", "starts_at", "ends_at", "reason")
OPTIONAL_COLUMNS = ("id", "status")
MAX_ROWS = 20000
#: A file of MAX_ROWS ordinary rows is about 2 MB.
MAX_IMPORT_BYTES = 5 * 1024 * 1024


class ImportFileError(CsvFileError):
    """The file is refused as a whole; `row` is its line number (the header is line 1)."""


@dataclass
class ImportRow:
    line: int
    data: OutageData


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    #: (line, outage) of outages published with less notice than the minimum.
    short_notice: list[tuple[int, Outage]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


def _parse_time(value: str, column: str, line: int) -> datetime:
    naive = parse_datetime(value)
    if naive is None:
        raise ImportFileError(f"{column}: «{value}» не время в формате {DATETIME_HINT}.", line)
    return naive.replace(tzinfo=company_zone())


def read_csv(data: bytes | str) -> list[ImportRow]:
    """Parse and check every row; the first problem refuses the file."""
    reader = _reader(data)
    rows: list[ImportRow] = []
    seen = _Seen()
    try:
        for record in reader:
            line = reader.line_num
            item = _row_data(record, line)
            if item is None:
                continue
            seen.check(item, line)
            rows.append(ImportRow(line, item))
            if len(rows) > MAX_ROWS:
                raise ImportFileError(f"в одном файле не больше {MAX_ROWS} отключений.", line)
    except csv.Error as exc:
        raise ImportFileError(_csv_problem(exc), reader.line_num + 1) from None  # the line it could not read
    if not rows:
        raise ImportFileError("В файле нет ни одного отключения.")
    return rows


def _reader(data: bytes | str) -> csv.DictReader:
    """A reader of the rows (app.core.csv_text: UTF-8 or Windows-1251, `,` or `;`), the
    header checked."""
    try:
        reader = dict_reader(data)
    except CsvFileError as exc:
        raise ImportFileError(exc.message, exc.row) from None
    header = reader.fieldnames
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise ImportFileError(
            f"В заголовке нет столбцов: {', '.join(missing)}. Нужны: {','.join(REQUIRED_COLUMNS)} "
            f"и по желанию id, status.",
            1,
        )
    unknown = [c for c in header if c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if unknown:
        raise ImportFileError(f"Неизвестные столбцы: {', '.join(unknown) or 'без названия'}.", 1)
    if len(set(header)) != len(header):
        raise ImportFileError("Столбцы в заголовке повторяются.", 1)
    return reader


def _row_data(record: dict, line: int) -> OutageData | None:
    """The outage of a row, checked; None for an empty row."""
    if None in record:
        raise ImportFileError("в строке больше значений, чем столбцов в заголовке.", line)
    values = {k: (v or "").strip() for k, v in record.items()}
    if not any(values.values()):
        return None
    if any(v is None for v in record.values()):
        raise ImportFileError("в строке меньше значений, чем столбцов в заголовке.", line)
    for column in ("starts_at", "ends_at"):
        if not values[column]:
            raise ImportFileError(f"{column}: не указано время.", line)
    item = OutageData(
        district=values["district"],
        settlement=values["settlement"],
        street=values["street"],
        houses=values["houses"],
        starts_at=_parse_time(values["starts_at"], "starts_at", line),
        ends_at=_parse_time(values["ends_at"], "ends_at", line),
        reason=values["reason"],
        status=values.get("status") or None,
        external_id=values.get("id") or None,
    ).cleaned()
    problems = validate(item)
    if problems:
        column = next(iter(problems))
        column = {"external_id": "id"}.get(column, column)
        raise ImportFileError(f"{column}: {problems[next(iter(problems))]}", line)
    return item


@dataclass
class _Seen:
    """The lines of the ids and match keys met so far: a file names each outage once."""

    ids: dict[str, int] = field(default_factory=dict)
    keys: dict[str, int] = field(default_factory=dict)

    def check(self, item: OutageData, line: int) -> None:
        if item.external_id:
            if item.external_id in self.ids:
                raise ImportFileError(f"id «{item.external_id}» уже был в строке {self.ids[item.external_id]}.", line)
            self.ids[item.external_id] = line
            return
        key = match_key(item)
        if key in self.keys:
            raise ImportFileError(f"то же отключение, что в строке {self.keys[key]}.", line)
        self.keys[key] = line


def _csv_problem(exc: csv.Error) -> str:
    """The csv module's reason in Russian (its messages are English)."""
    if "field larger than field limit" in str(exc):
        return f"значение длиннее {csv.field_size_limit()} знаков: это не похоже на отключение."
    return "файл не читается как CSV: проверьте кавычки и разделители в этой строке."


#: Rows written in one unit of work: others get the write lock between chunks. Each row may
#: notify consumers; under the mixed load a chunk of 500 rows kept the lock past the 15 s busy
#: timeout, a chunk of 100 takes a second or two.
IMPORT_CHUNK = 100


def import_rows(rows: list[ImportRow], actor: User | None = None) -> ImportResult:
    """Create or update every row (the file was checked whole by read_csv first), in units of
    work of IMPORT_CHUNK rows. A run cut short leaves whole chunks; importing the same file
    again finishes the job, since a row already there changes nothing."""
    result = ImportResult()
    min_days = get_settings().min_notice_days
    for start in range(0, len(rows), IMPORT_CHUNK):
        with unit_of_work():
            _import_chunk(rows[start : start + IMPORT_CHUNK], actor, result, min_days)
    return result


def _import_chunk(rows: list[ImportRow], actor: User | None, result: ImportResult, min_days: int) -> None:
    """A row with a known id updates that outage, a row without id the outage with an equal
    match key; any other row is a new outage."""
    by_id: dict[str, Outage] = {}
    ids = [r.data.external_id for r in rows if r.data.external_id]
    for start in range(0, len(ids), 500):
        for outage in db.session.scalars(sa.select(Outage).where(Outage.external_id.in_(ids[start : start + 500]))):
            by_id[outage.external_id] = outage
    keys = [match_key(r.data) for r in rows if not r.data.external_id]
    by_key: dict[str, Outage] = {}
    for start in range(0, len(keys), 500):
        for outage in db.session.scalars(
            sa.select(Outage).where(Outage.match_key.in_(keys[start : start + 500])).order_by(Outage.id)
        ):
            by_key.setdefault(outage.match_key, outage)
    for row in rows:
        data = row.data
        existing = by_id.get(data.external_id) if data.external_id else by_key.get(match_key(data))
        if existing is None:
            outage = create_outage(data, actor)
            result.created += 1
            if is_short_notice(outage, min_days):
                result.short_notice.append((row.line, outage))
            continue
        if not data.external_id:
            # The same outage by its normalised place and times: keep the spelling it has.
            data.district, data.settlement, data.street, data.houses = (
                existing.district,
                existing.settlement,
                existing.street,
                existing.houses,
            )
        old_start = existing.starts_at
        event = update_outage(existing, data)
        if event is None:
            result.unchanged += 1
            continue
        result.updated += 1
        if (
            event in ("published", "changed")
            and existing.starts_at != old_start
            and is_short_notice(existing, min_days)
        ):
            result.short_notice.append((row.line, existing))


def import_csv(data: bytes | str, actor: User | None = None) -> ImportResult:
    return import_rows(read_csv(data), actor)
