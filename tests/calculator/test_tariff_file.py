"""The §4.3 file: validated as a whole, every problem with its JSON path and a Russian reason."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from app.calculator.demo import example_file
from app.calculator.tariff_file import MAX_DEPTH, MAX_FILE_BYTES, TariffFileError, load_rates, parse_file, to_file

SPEC_FILE = """{"region": "Пример", "decision": "Постановление РЭК N 00/00 от 2025-12-20",
 "valid_from": "2026-01-01", "valid_to": "2026-12-31",
 "c1": {"up_to_150": 19745.00, "over_150": 21452.00},
 "c2_per_km": {"0.4": {"urban": 2332446.00, "rural": 2100000.00},
               "1-20": {"urban": [{"code": "ac-70", "name": "АС-70", "rate": 3100000.00},
                                  {"code": "sip3-95", "name": "СИП-3 1×95", "rate": 3350000.00}],
                        "rural": 2900000.00}},
 "c3_per_km": {"0.4": {"urban": 4100000.00, "rural": 3900000.00}, "1-20": {"urban": 5200000.00, "rural": 5000000.00}},
 "c4_per_point": {"0.4": 250000.00, "1-20": 900000.00},
 "c5_per_kw": {"0.4": 9000.00, "1-20": 12000.00},
 "c6_per_kw": {"1-20": 3000.00},
 "c7_per_kw": {"35": 5000.00, "110": 7000.00},
 "c8_per_point": {"single_phase": 2155.09, "three_phase_direct": 10903.35, "three_phase_ct": 31000.00},
 "preferential_per_kw": {"standard": 5000.00, "preferential_group": 1000.00}}"""


def problems_of(data) -> list[str]:
    raw = data if isinstance(data, bytes) else json.dumps(data, ensure_ascii=False).encode()
    with pytest.raises(TariffFileError) as error:
        parse_file(raw)
    return [str(p) for p in error.value.problems]


def spec() -> dict:
    return json.loads(SPEC_FILE)


def test_the_spec_example_is_accepted_with_exact_decimals():
    parsed = parse_file(SPEC_FILE.encode())
    assert parsed.region == "Пример" and str(parsed.valid_from) == "2026-01-01"
    rates = load_rates(parsed.rates)
    assert rates["c8_per_point"]["single_phase"] == Decimal("2155.09")
    assert rates["c2_per_km"]["1-20"]["urban"][1].rate == Decimal("3350000.00")
    assert rates["c2_per_km"]["1-20"]["urban"][0].code == "ac-70"


def test_the_demo_file_is_the_spec_example_in_another_region():
    demo = parse_file(example_file(2026))
    assert demo.rates == parse_file(SPEC_FILE.encode()).rates
    assert "(пример)" in demo.region


def test_content_hash_ignores_layout_key_order_and_trailing_zeros():
    parsed = parse_file(SPEC_FILE.encode())
    data = spec()
    reordered = {key: data[key] for key in reversed(list(data))}
    text = json.dumps(reordered, ensure_ascii=False, indent=4).replace("19745.0", "19745")
    assert parse_file(text.encode()).content_hash == parsed.content_hash
    changed = spec()
    changed["c1"]["up_to_150"] = 19745.01
    assert parse_file(json.dumps(changed).encode()).content_hash != parsed.content_hash


def test_to_file_round_trips():
    parsed = parse_file(SPEC_FILE.encode())
    again = parse_file(to_file(parsed.region, parsed.title, parsed.valid_from, parsed.valid_to, parsed.rates).encode())
    assert again == parsed


def test_the_example_of_the_brief():
    data = spec()
    data["c2_per_km"]["1-20"]["urban"][1]["rate"] = -5
    assert problems_of(data) == ["c2_per_km.1-20.urban[1].rate: должно быть неотрицательным числом"]


def test_every_problem_is_reported_at_once():
    data = spec()
    data["region"] = ""
    data["valid_from"] = "01.01.2026"
    data["c1"]["over_150"] = "21452"
    data["c4_per_point"]["0.5"] = 1
    data["c5_per_kw"]["0.4"] = None
    data["c8_per_point"]["smart"] = 5
    data["c9"] = {}
    data["c2_per_km"]["1-20"]["urban"].append({"code": "ac-70", "name": "", "rate": True})
    data["c3_per_km"]["0.4"]["urban"] = []
    found = problems_of(data)
    expected = [
        "c9: неизвестный ключ",
        "region: должно быть непустой строкой",
        "valid_from: должно быть датой в формате ГГГГ-ММ-ДД",
        "c1.over_150: должно быть неотрицательным числом",
        "c2_per_km.1-20.urban[2].code: код «ac-70» уже есть в этом списке",
        "c2_per_km.1-20.urban[2].name: должно быть непустой строкой",
        "c2_per_km.1-20.urban[2].rate: должно быть неотрицательным числом",
        "c3_per_km.0.4.urban: список вариантов пуст",
        "c4_per_point.0.5: неизвестный ключ (допустимы: 0.4, 1-20, 35, 110)",
        "c5_per_kw.0.4: должно быть неотрицательным числом",
        "c8_per_point.smart: неизвестный ключ",
    ]
    for text in expected:
        assert any(p.startswith(text) for p in found), (text, found)
    assert len(found) == len(expected)


@pytest.mark.parametrize(
    "raw, message",
    [
        (b"\xff\xfe{", "файл не в кодировке UTF-8"),
        (b'{"region": "x",', "файл не является JSON"),
        (b"[1, 2]", "ожидается объект JSON"),
        (b"{}", "region: обязательное поле не указано"),
    ],
)
def test_files_that_are_not_decisions(raw, message):
    assert any(p.startswith(message) for p in problems_of(raw))


def test_nan_infinity_huge_and_duplicate_keys():
    text = (
        SPEC_FILE.replace("19745.00", "NaN")
        .replace("21452.00", "1e12")
        .replace('"c6_per_kw": {"1-20": 3000.00}', '"c6_per_kw": {"1-20": 3000.00, "1-20": 3.00}')
    )
    found = problems_of(text.encode())
    assert "c1.up_to_150: должно быть неотрицательным числом" in found
    assert any(p.startswith("c1.over_150: слишком большое значение") for p in found)
    assert "c6_per_kw.1-20: ключ повторяется в файле" in found


def test_dates():
    data = spec()
    data["valid_to"] = "2025-12-31"
    assert problems_of(data) == ["valid_to: не может быть раньше valid_from"]
    data["valid_to"] = "2026-02-30"
    assert problems_of(data) == ["valid_to: должно быть датой в формате ГГГГ-ММ-ДД или null"]
    data["valid_to"] = None
    assert parse_file(json.dumps(data).encode()).valid_to is None


def test_a_utf8_bom_is_accepted():
    assert parse_file(b"\xef\xbb\xbf" + SPEC_FILE.encode()).region == "Пример"


# --- nested, huge and binary files (issue 16) ----------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        b"[" * 100_000 + b"]" * 100_000,
        b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
        b'{"c1": ' + b"[" * 11 + b"]" * 11 + b"}",
    ],
)
def test_a_file_nested_too_deep_is_refused_with_where(raw):
    """json.loads ended in a RecursionError on the first two (a 500 in the office)."""
    [problem] = problems_of(raw)
    assert problem.startswith(f"объекты и списки вложены глубже {MAX_DEPTH} уровней (строка 1, столбец ")


def test_brackets_inside_strings_are_no_nesting():
    data = spec()
    data["decision"] = "[" * 50 + "Постановление" + "{" * 50
    assert parse_file(json.dumps(data, ensure_ascii=False).encode()).title.startswith("[[[")
    line = problems_of(b'{"region": "[[[[[[[[[[[[",\n  "c1": ' + b"[" * 12 + b"]" * 12 + b"}")
    assert line[0].startswith("объекты и списки вложены глубже 10 уровней (строка 2, столбец 18)")


def test_a_number_beyond_any_exponent_is_no_number():
    """Decimal() raised InvalidOperation out of json.loads (a 500)."""
    found = problems_of(SPEC_FILE.replace("21452.00", "1e99999999999999999999").encode())
    assert found == ["c1.over_150: должно быть неотрицательным числом"]


def test_control_characters_in_texts_are_refused_with_the_path():
    """PostgreSQL refuses a NUL in a text column: the import was a 500 there."""
    data = spec()
    data["region"] = "При\x00мер"
    data["c2_per_km"]["1-20"]["urban"][0]["name"] = "АС\x07-70"
    data["c2_per_km"]["1-20"]["urban"][1]["code"] = "sip3-95\n"
    assert problems_of(data) == [
        "region: содержит управляющие символы (например, нулевой байт)",
        "c2_per_km.1-20.urban[0].name: содержит управляющие символы (например, нулевой байт)",
        "c2_per_km.1-20.urban[1].code: должно быть кодом из латинских букв, цифр, точки, дефиса или подчёркивания "
        "(до 40 знаков)",
    ]
    data = spec()
    data["decision"] = "Постановление\tРЭК\nN 00/00"  # whitespace is folded, not refused
    assert parse_file(json.dumps(data, ensure_ascii=False).encode()).title == "Постановление РЭК N 00/00"


def test_a_file_over_the_limit_is_refused_unread():
    assert problems_of(b" " * (MAX_FILE_BYTES + 1)) == ["файл больше 1024 КБ: это не похоже на тарифное решение"]
