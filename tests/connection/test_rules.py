from decimal import Decimal

import pytest

from app.connection.groups import Applicant, ApplicantGroup, Procedure, applicant_group
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


G = ApplicantGroup


@pytest.mark.parametrize(
    "facts, expected",
    [
        # p.14: an individual up to 15 kW inclusive, household, one source (category III)
        (dict(applicant_type="individual", max_power_kw="15"), G.individual_15),
        (dict(applicant_type="individual", max_power_kw="15.001"), G.general_670),
        (dict(applicant_type="individual", max_power_kw="15", reliability=2), G.general_670),
        (dict(applicant_type="individual", max_power_kw="10", household=False), G.general_670),
        (dict(applicant_type="individual", max_power_kw="10", generation=True), G.general_670),
        # p.12(1): a legal entity or sole proprietor up to 150 kW inclusive, one source
        (dict(applicant_type="entrepreneur", max_power_kw="150"), G.small_150),
        (dict(applicant_type="legal", max_power_kw="150.001"), G.general_670),
        (dict(applicant_type="legal", max_power_kw="100", reliability=2), G.general_670),
        (dict(applicant_type="legal", max_power_kw="100", generation=True), G.general_670),
        # pp. 13(2)–13(5): a partnership up to 15 kW for each member
        (dict(applicant_type="legal", max_power_kw="300", partnership_members=20), G.partnership),
        (dict(applicant_type="legal", max_power_kw="300.5", partnership_members=20), G.general_670),
        (dict(applicant_type="legal", max_power_kw="30", partnership_members=2, reliability=1), G.general_670),
        # p.16(б), temporary: mobile devices up to 150 kW inclusive
        (dict(applicant_type="legal", max_power_kw="150", temporary=True, mobile_devices=True), G.temporary_mobile),
        (dict(applicant_type="legal", max_power_kw="150.5", temporary=True, mobile_devices=True), G.general_670),
        (dict(applicant_type="individual", max_power_kw="5", temporary=True), G.general_670),
        # the general procedure by power, 670 kW inclusive
        (dict(applicant_type="legal", max_power_kw="670"), G.general_670),
        (dict(applicant_type="legal", max_power_kw="670.001"), G.over_670),
    ],
)
def test_applicant_group(facts, expected):
    facts["max_power_kw"] = Decimal(facts["max_power_kw"])
    assert applicant_group(Applicant(**facts)) is expected


def test_each_group_names_its_point_and_procedure():
    for group in G:
        assert group.rule.words().startswith(("п. ", "пп. ", "подп. "))
        assert group.rule.penalty_percent(Decimal("16")) > 0
    personal = {g for g in G if g.procedure is Procedure.personal_account}
    assert personal == {G.individual_15, G.small_150, G.partnership, G.temporary_mobile}


@pytest.mark.parametrize(
    "group, kv, within, investment, asked, expected",
    [
        # temporary: 15 working days within 300 m, or the longer term the application names
        (G.temporary_mobile, "0.4", True, False, None, (15, "wd")),
        (G.temporary_mobile, "0.4", True, False, 30, (30, "wd")),
        (G.temporary_mobile, "0.4", True, False, 10, (15, "wd")),
        (G.temporary_mobile, "0.4", False, False, None, (1, "y")),
        # 4 months: up to 670 kW, up to 20 kV inclusive, within the limit, no investment programme object
        (G.individual_15, "0.4", True, False, None, (4, "m")),
        (G.general_670, "20", True, False, None, (4, "m")),
        (G.general_670, "35", True, False, None, (1, "y")),
        # 6 months: pp. 12(1), 13(2)–13(5), 14 up to 20 kV within the limit, whatever is built
        (G.individual_15, "0.4", True, True, None, (6, "m")),
        (G.small_150, "10", True, True, None, (6, "m")),
        (G.partnership, "10", True, True, None, (6, "m")),
        (G.small_150, "35", True, False, None, (1, "y")),
        (G.small_150, "0.4", False, True, None, (1, "y")),
        # no 6 months for the general procedure
        (G.general_670, "10", True, True, None, (1, "y")),
        # above 670 kW: 1 year, or 2 years when the investment programme's objects are built
        (G.over_670, "10", True, False, None, (1, "y")),
        (G.over_670, "10", True, True, None, (2, "y")),
    ],
)
def test_implementation_term(group, kv, within, investment, asked, expected):
    """Subpoint «б» of p.16 of the Rules."""
    term = implementation_term(group, kv, within, investment, asked)
    assert (term.amount, term.unit) == expected
    assert term.reason.startswith("подп. «б» п. 16 Правил")
