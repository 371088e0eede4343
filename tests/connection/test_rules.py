from decimal import Decimal

import pytest

from app.connection.rules import Category, derive_category, implementation_term, voltage_band


@pytest.mark.parametrize(
    "applicant, power, kind, load, expected",
    [
        ("individual", "15", "new", "household", Category.up_to_15),
        ("individual", "15.01", "new", "household", Category.up_to_150),
        ("individual", "10", "new", "commercial", Category.up_to_150),
        ("entrepreneur", "10", "new", "commercial", Category.up_to_150),
        ("legal", "150", "increase", "industrial", Category.up_to_150),
        ("legal", "150.001", "new", "industrial", Category.up_to_670),
        ("legal", "670", "new", "industrial", Category.up_to_670),
        ("legal", "670.5", "new", "industrial", Category.over_670),
        ("individual", "5", "temporary", "household", Category.temporary),
    ],
)
def test_category(applicant, power, kind, load, expected):
    assert derive_category(applicant, Decimal(power), kind, load) is expected


@pytest.mark.parametrize(
    "kv, band", [("0.4", "0.4"), ("6", "1-20"), ("10", "1-20"), ("20", "1-20"), ("35", "35"), ("110", "110")]
)
def test_voltage_band(kv, band):
    assert voltage_band(kv) == band


@pytest.mark.parametrize(
    "category, kv, within, build, power, expected",
    [
        (Category.temporary, "0.4", True, False, "50", (15, "wd")),
        (Category.temporary, "0.4", False, False, "50", (1, "y")),
        (Category.up_to_15, "0.4", True, False, "15", (4, "m")),
        (Category.up_to_15, "0.4", True, True, "15", (6, "m")),
        (Category.up_to_150, "10", True, True, "150", (6, "m")),
        (Category.up_to_150, "35", True, False, "150", (1, "y")),
        (Category.up_to_150, "0.4", False, True, "100", (1, "y")),
        (Category.up_to_670, "10", True, False, "600", (4, "m")),
        (Category.up_to_670, "10", True, True, "600", (1, "y")),
        (Category.over_670, "10", True, False, "700", (2, "y")),
    ],
)
def test_implementation_term(category, kv, within, build, power, expected):
    term = implementation_term(category, kv, within, build, Decimal(power))
    assert (term.amount, term.unit) == expected
    assert term.reason
