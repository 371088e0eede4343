"""The tariff decision file of SPEC §4.3: parsing, validation as a whole, the content hash.

Plain functions, no Flask: the command, the office upload and the tests call the same
code. A file is read with every number as a Decimal (never a float) and checked entirely
before anything is written; each problem comes back with the JSON path of the bad value
and the reason in Russian, e.g. «c2_per_km.1-20.urban[1].rate: должно быть
неотрицательным числом»."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

BANDS = ("0.4", "1-20", "35", "110")
TERRITORIES = ("urban", "rural")
METERING_TYPES = ("single_phase", "three_phase_direct", "three_phase_ct")
C1_KEYS = ("up_to_150", "over_150")
PREFERENTIAL_KEYS = ("standard", "preferential_group")

#: Each rate section and the keys of its levels: c2_per_km[band][territory] is a rate.
SECTIONS: dict[str, tuple[tuple[str, ...], ...]] = {
    "c1": (C1_KEYS,),
    "c2_per_km": (BANDS, TERRITORIES),
    "c3_per_km": (BANDS, TERRITORIES),
    "c4_per_point": (BANDS,),
    "c5_per_kw": (BANDS,),
    "c6_per_kw": (BANDS,),
    "c7_per_kw": (BANDS,),
    "c8_per_point": (METERING_TYPES,),
    "preferential_per_kw": (PREFERENTIAL_KEYS,),
}
HEADER_KEYS = ("region", "decision", "valid_from", "valid_to")
REQUIRED = ("region", "decision", "valid_from", "c1")
#: Larger than any real rate (roubles): a value above it is a typo, not a tariff.
MAX_RATE = Decimal("1000000000")
MAX_TEXT = {"region": 200, "decision": 300}
CODE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,39}")
MAX_FILE_BYTES = 1024 * 1024
#: Objects and lists nest five deep in a valid file (c2_per_km → band → territory → variants
#: → a variant); far deeper is no decision, and Python's json would end in a RecursionError.
MAX_DEPTH = 10
#: A JSON string (in one go, linear even when unterminated) or a bracket, for the depth scan.
_STRING_OR_BRACKET = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}"]', re.DOTALL)
#: Characters no text of a decision holds (PostgreSQL refuses NUL in a text column).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MAX_PROBLEMS = 50


@dataclass(frozen=True)
class Problem:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class TariffFileError(ValueError):
    """A file refused as a whole; `problems` lists every bad value found."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(str(p) for p in problems[:5]))
        self.problems = problems


@dataclass(frozen=True)
class Variant:
    code: str
    name: str
    rate: Decimal


#: A rate: a number, or variants (the first is the default).
Rate = Decimal | tuple[Variant, ...]


@dataclass(frozen=True)
class ParsedDecision:
    region: str
    title: str
    valid_from: date
    valid_to: date | None
    #: The rate sections as stored: numbers as strings, so no float ever touches them.
    rates: dict
    content_hash: str


class _Invalid:
    """What NaN and Infinity parse to: never a valid number."""


def _decimal(text: str):
    """A number as a Decimal; one beyond Decimal's exponent range ('1e99999999999999999999')
    is never a valid number either."""
    try:
        return Decimal(text)
    except InvalidOperation:
        return _Invalid()


class _Pairs(dict):
    """A JSON object that remembers the keys it saw twice."""

    duplicates: tuple[str, ...] = ()


def _object_pairs(pairs):
    obj = _Pairs()
    seen = []
    for key, value in pairs:
        if key in obj:
            seen.append(key)
        obj[key] = value
    obj.duplicates = tuple(seen)
    return obj


def parse_file(raw: bytes) -> ParsedDecision:
    """Read and validate a whole file; raise TariffFileError listing every problem."""
    if len(raw) > MAX_FILE_BYTES:
        raise TariffFileError(
            [Problem("", f"файл больше {MAX_FILE_BYTES // 1024} КБ: это не похоже на тарифное решение")]
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise TariffFileError([Problem("", "файл не в кодировке UTF-8")]) from None
    if (where := _too_deep(text)) is not None:
        raise TariffFileError(
            [
                Problem(
                    "",
                    f"объекты и списки вложены глубже {MAX_DEPTH} уровней (строка {where[0]}, "
                    f"столбец {where[1]}): это не похоже на тарифное решение",
                )
            ]
        )
    try:
        data = json.loads(
            text,
            parse_float=_decimal,
            parse_int=_decimal,
            parse_constant=lambda _: _Invalid(),
            object_pairs_hook=_object_pairs,
        )
    except json.JSONDecodeError as exc:
        raise TariffFileError(
            [Problem("", f"файл не является JSON: ошибка в строке {exc.lineno}, столбце {exc.colno}")]
        ) from None
    return validate(data)


def _too_deep(text: str) -> tuple[int, int] | None:
    """The line and column where objects and lists first nest deeper than MAX_DEPTH, if they do.

    Brackets inside strings do not count; an unterminated string ends the scan (json.loads
    then reports it)."""
    depth = 0
    for match in _STRING_OR_BRACKET.finditer(text):
        piece = match.group()
        if piece in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                start = match.start()
                line = text.count("\n", 0, start) + 1
                return line, start - text.rfind("\n", 0, start)
        elif piece in "]}":
            depth -= 1
        elif piece == '"':
            return None
    return None


def validate(data) -> ParsedDecision:
    problems: list[Problem] = []
    if not isinstance(data, dict):
        raise TariffFileError([Problem("", "ожидается объект JSON с полями region, decision, valid_from, c1 …")])
    _check_duplicates(data, "", problems)
    allowed = (*HEADER_KEYS, *SECTIONS)
    for key in data:
        if key not in allowed:
            problems.append(Problem(key, f"неизвестный ключ (допустимы: {', '.join(allowed)})"))
    for key in REQUIRED:
        if key not in data:
            problems.append(Problem(key, "обязательное поле не указано"))

    region = _text(data, "region", problems)
    title = _text(data, "decision", problems)
    valid_from = _date(data, "valid_from", problems, required=True)
    valid_to = _date(data, "valid_to", problems, required=False)
    if valid_from and valid_to and valid_to < valid_from:
        problems.append(Problem("valid_to", "не может быть раньше valid_from"))

    rates: dict = {}
    for section, levels in SECTIONS.items():
        if section in data:
            stored = _section(data[section], section, levels, problems)
            if stored is not None:
                rates[section] = stored
    if problems:
        raise TariffFileError(problems)
    return ParsedDecision(
        region=region,
        title=title,
        valid_from=valid_from,
        valid_to=valid_to,
        rates=rates,
        content_hash=content_hash(region, title, valid_from, valid_to, rates),
    )


def _check_duplicates(obj, path: str, problems: list[Problem]) -> None:
    for key in getattr(obj, "duplicates", ()):
        problems.append(Problem(_join(path, key), "ключ повторяется в файле"))


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _text(data: dict, key: str, problems: list[Problem]) -> str:
    value = data.get(key)
    if key not in data:
        return ""
    if not isinstance(value, str) or not value.strip():
        problems.append(Problem(key, "должно быть непустой строкой"))
        return ""
    if _CONTROL.search(value):
        problems.append(Problem(key, "содержит управляющие символы (например, нулевой байт)"))
        return ""
    value = " ".join(value.split())
    if len(value) > MAX_TEXT[key]:
        problems.append(Problem(key, f"не длиннее {MAX_TEXT[key]} символов"))
    return value


def _date(data: dict, key: str, problems: list[Problem], required: bool) -> date | None:
    if key not in data or (not required and data[key] is None):
        return None
    value = data[key]
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            day = date.fromisoformat(value)
        except ValueError:
            pass
        else:
            if 2000 <= day.year <= 2100:
                return day
    problems.append(Problem(key, "должно быть датой в формате ГГГГ-ММ-ДД" + ("" if required else " или null")))
    return None


def _section(value, path: str, levels: tuple[tuple[str, ...], ...], problems: list[Problem]):
    """A level of nested objects down to the rates; returns the stored form, or None."""
    if not levels:
        return _rate(value, path, problems)
    if not isinstance(value, dict):
        problems.append(Problem(path, "должно быть объектом"))
        return None
    _check_duplicates(value, path, problems)
    keys, rest = levels[0], levels[1:]
    stored = {}
    for key, item in value.items():
        if key not in keys:
            problems.append(Problem(_join(path, key), f"неизвестный ключ (допустимы: {', '.join(keys)})"))
            continue
        result = _section(item, _join(path, key), rest, problems)
        if result is not None:
            stored[key] = result
    return stored


def _number(value, path: str, problems: list[Problem]) -> str | None:
    if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
        problems.append(Problem(path, "должно быть неотрицательным числом"))
        return None
    if value > MAX_RATE:
        problems.append(Problem(path, f"слишком большое значение (больше {MAX_RATE:,} ₽)".replace(",", " ")))
        return None
    return str(value)


def _rate(value, path: str, problems: list[Problem]):
    if not isinstance(value, list):
        return _number(value, path, problems)
    if not value:
        problems.append(Problem(path, "список вариантов пуст: укажите число или хотя бы один вариант"))
        return None
    variants, codes = [], set()
    for index, item in enumerate(value):
        item_path = f"{path}[{index}]"
        if not isinstance(item, dict):
            problems.append(Problem(item_path, "вариант должен быть объектом с полями code, name, rate"))
            continue
        _check_duplicates(item, item_path, problems)
        for key in item:
            if key not in ("code", "name", "rate"):
                problems.append(Problem(f"{item_path}.{key}", "неизвестный ключ (допустимы: code, name, rate)"))
        code = item.get("code")
        if not isinstance(code, str) or not CODE_RE.fullmatch(code):
            problems.append(
                Problem(
                    f"{item_path}.code",
                    "должно быть кодом из латинских букв, цифр, точки, дефиса или подчёркивания (до 40 знаков)",
                )
            )
        elif code in codes:
            problems.append(Problem(f"{item_path}.code", f"код «{code}» уже есть в этом списке"))
        else:
            codes.add(code)
        name = item.get("name")
        if not isinstance(name, str) or not name.strip() or len(name) > 200:
            problems.append(Problem(f"{item_path}.name", "должно быть непустой строкой до 200 символов"))
        elif _CONTROL.search(name):
            problems.append(Problem(f"{item_path}.name", "содержит управляющие символы (например, нулевой байт)"))
            name = None
        if "rate" not in item:
            problems.append(Problem(f"{item_path}.rate", "обязательное поле не указано"))
            rate = None
        else:
            rate = _number(item["rate"], f"{item_path}.rate", problems)
        if rate is not None and isinstance(code, str) and isinstance(name, str):
            variants.append({"code": code, "name": " ".join(name.split()), "rate": rate})
    return variants


def _normalized(rate: str) -> str:
    """A rate compared by value: 19745.00 is 19745."""
    return format(Decimal(rate).normalize(), "f")


def content_hash(region: str, title: str, valid_from: date, valid_to: date | None, rates: dict) -> str:
    """SHA-256 of the decision's content (not of the file's bytes): whitespace, key order and
    trailing zeros do not make a different decision."""
    canonical = {
        "region": region,
        "decision": title,
        "valid_from": valid_from.isoformat(),
        "valid_to": valid_to.isoformat() if valid_to else None,
        # Variant codes, names and rates are strings; only rates parse as numbers.
        "rates": {s: _canonical_rates(v) for s, v in rates.items()},
    }
    text = json.dumps(canonical, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _canonical_rates(value):
    if isinstance(value, list):
        return [{"code": v["code"], "name": v["name"], "rate": _normalized(v["rate"])} for v in value]
    if isinstance(value, dict):
        return {k: _canonical_rates(v) for k, v in value.items()}
    return _normalized(value)


def load_rates(stored: dict) -> dict:
    """The stored rate sections with Decimals and Variants, for the calculation."""

    def convert(value):
        if isinstance(value, list):
            return tuple(Variant(v["code"], v["name"], Decimal(v["rate"])) for v in value)
        if isinstance(value, dict):
            return {k: convert(v) for k, v in value.items()}
        return Decimal(value)

    return {section: convert(value) for section, value in stored.items()}


def to_file(region: str, title: str, valid_from: date, valid_to: date | None, stored: dict) -> str:
    """The decision as a §4.3 file again, numbers written exactly as stored, for download."""
    data = {
        "region": region,
        "decision": title,
        "valid_from": valid_from.isoformat(),
        "valid_to": valid_to.isoformat() if valid_to else None,
    }
    data.update({section: stored[section] for section in SECTIONS if section in stored})
    return _dump(data, 0) + "\n"


def _dump(value, depth: int, key: str | None = None) -> str:
    """A small JSON writer: rates are Decimal strings written unquoted, so no float rounds them."""
    pad = "  " * (depth + 1)
    if isinstance(value, dict):
        if not value:
            return "{}"
        inner = [f"{pad}{json.dumps(k, ensure_ascii=False)}: {_dump(v, depth + 1, k)}" for k, v in value.items()]
        return "{\n" + ",\n".join(inner) + "\n" + "  " * depth + "}"
    if isinstance(value, list):
        inner = [pad + _dump(v, depth + 1) for v in value]
        return "[\n" + ",\n".join(inner) + "\n" + "  " * depth + "]"
    if value is None:
        return "null"
    if key in ("code", "name", *HEADER_KEYS):
        return json.dumps(value, ensure_ascii=False)
    return str(Decimal(value))
