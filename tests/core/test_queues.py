"""What every office queue shares (app.core.queues): its GET parameters cleaned, the
filters back into a page link's parameters, and the page."""

from dataclasses import dataclass
from enum import Enum

from werkzeug.datastructures import MultiDict

from app.core import queues


class Colour(Enum):
    red = "red"
    green = "green"


@dataclass
class Filters(queues.QueueFilters):
    STATUSES = frozenset({"new", "done"})

    colour: str = queues.choice(Colour)
    late: bool = queues.flag()


def test_no_parameters_are_the_open_ones_by_due_date():
    f = Filters.from_args(MultiDict())
    assert (f.status, f.q, f.sort, f.mine, f.colour, f.late) == ("open", "", "due", False, "", False)
    assert f.as_args() == {"status": "open"}


def test_every_parameter_is_cleaned():
    f = Filters.from_args(
        MultiDict({"status": "done", "q": "  Иванова ", "sort": "new", "mine": "y", "colour": "green", "late": "y"})
    )
    assert (f.status, f.q, f.sort, f.mine, f.colour, f.late) == ("done", "Иванова", "new", True, "green", True)
    assert f.as_args() == {
        "status": "done",
        "q": "Иванова",
        "sort": "new",
        "mine": "y",
        "colour": "green",
        "late": "y",
    }


def test_anything_unknown_is_ignored():
    f = Filters.from_args(
        MultiDict({"status": "'; drop", "sort": "id", "colour": "blue", "late": "on", "mine": "1", "other": "x"})
    )
    assert (f.status, f.sort, f.colour, f.late, f.mine) == ("open", "due", "", False, False)
    assert Filters.from_args(MultiDict({"q": "я" * 500})).q == "я" * queues.SEARCH_MAX


def test_a_search_looks_in_every_status_and_its_links_keep_a_chosen_one():
    assert Filters.from_args(MultiDict({"q": "Петров"})).status == "all"
    narrowed = Filters.from_args(MultiDict({"q": "Петров", "status": "open"}))
    assert narrowed.status == "open"
    # the next page must not fall back to "all"
    assert Filters.from_args(MultiDict(narrowed.as_args())).status == "open"


def test_page():
    assert queues.Page.from_args(MultiDict(), 30) == queues.Page(1, 30)
    for bad in ("0", "-3", "x", "١٢", str(10**30)):
        assert queues.Page.from_args(MultiDict({"page": bad}), 30).number == 1, bad
    page = queues.Page.from_args(MultiDict({"page": "3"}), 30)
    assert (page.offset, page.limit) == (60, 31)
    assert page.split(list(range(31))) == (list(range(30)), True)
    assert page.split(list(range(30))) == (list(range(30)), False)
