"""The demo's tariff decision: an example, and it says so, valid for the current year only."""

from __future__ import annotations

from datetime import date

from app.calculator.services import import_decision
from app.calculator.tariff_file import to_file
from app.core.clock import today

#: The rates of SPEC §4.3 (roubles without VAT; the preferential ones with VAT).
EXAMPLE_RATES = {
    "c1": {"up_to_150": "19745.00", "over_150": "21452.00"},
    "c2_per_km": {
        "0.4": {"urban": "2332446.00", "rural": "2100000.00"},
        "1-20": {
            "urban": [
                {"code": "ac-70", "name": "АС-70", "rate": "3100000.00"},
                {"code": "sip3-95", "name": "СИП-3 1×95", "rate": "3350000.00"},
            ],
            "rural": "2900000.00",
        },
    },
    "c3_per_km": {
        "0.4": {"urban": "4100000.00", "rural": "3900000.00"},
        "1-20": {"urban": "5200000.00", "rural": "5000000.00"},
    },
    "c4_per_point": {"0.4": "250000.00", "1-20": "900000.00"},
    "c5_per_kw": {"0.4": "9000.00", "1-20": "12000.00"},
    "c6_per_kw": {"1-20": "3000.00"},
    "c7_per_kw": {"35": "5000.00", "110": "7000.00"},
    "c8_per_point": {"single_phase": "2155.09", "three_phase_direct": "10903.35", "three_phase_ct": "31000.00"},
    "preferential_per_kw": {"standard": "5000.00", "preferential_group": "1000.00"},
}


def example_file(year: int) -> bytes:
    """A §4.3 file of a fictional region's decision for `year`."""
    return to_file(
        "Примерская область (пример)",
        f"Пример: постановление РЭК Примерской области N 00/00 от 20.12.{year - 1} (вымышленное)",
        date(year, 1, 1),
        date(year, 12, 31),
        EXAMPLE_RATES,
    ).encode()


def seed(ctx) -> None:
    result = import_decision(example_file(today().year), "primer.json", actor=ctx.admin)
    ctx.extra["tariff_decision"] = result.decision
