"""The choices the calculator's forms offer from a tariff decision (the calculator page and the
office's offer form)."""

from __future__ import annotations

from app.calculator.rules import BAND_LABELS, TERRITORY_LABELS


def variant_choices(decision, section: str) -> list[tuple[str, str]]:
    """The line variants of a decision (c2_per_km or c3_per_km) for the calculator's select:
    (code, «name (where it applies)»), each code once."""
    if decision is None or section not in decision.rates:
        return []
    names: dict[str, str] = {}
    places: dict[str, list[str]] = {}
    for band, territories in decision.rates[section].items():
        for territory, rate in territories.items():
            for variant in rate if isinstance(rate, list) else ():
                names.setdefault(variant["code"], variant["name"])
                places.setdefault(variant["code"], []).append(f"{BAND_LABELS[band]}, {TERRITORY_LABELS[territory]}")
    return [(code, f"{names[code]} ({'; '.join(where)})") for code, where in places.items()]
