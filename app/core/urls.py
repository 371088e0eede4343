"""Integers a visitor types into a URL: the ids of `<int:…>` routes and query-string numbers.

Both are bounded to what a primary key can hold: an id beyond it names no row, so the route
answers 404 (and a page number beyond it an empty page) instead of an overflow in the
database driver (SQLite stops at 2**63, PostgreSQL's INTEGER at 2**31)."""

from __future__ import annotations

import re

from werkzeug.routing import IntegerConverter, Map

#: The largest id any table issues: primary keys are 32-bit INTEGER on PostgreSQL.
MAX_ID = 2**31 - 1

_ASCII_NUMBER = re.compile(r"[0-9]{1,10}")


class IdConverter(IntegerConverter):
    """`<int:…>` in every route (registered as "int" in create_app): ASCII digits only,
    0…MAX_ID. Werkzeug's own takes any script's digits (its regex is `\\d+`) and any size."""

    regex = r"[0-9]+"

    def __init__(
        self, map: Map, fixed_digits: int = 0, min: int | None = None, max: int | None = MAX_ID, signed: bool = False
    ) -> None:
        super().__init__(map, fixed_digits, min, max, signed)


def int_arg(value: str) -> int:
    """A number in the query string, for `request.args.get(name, default, type=int_arg)`:
    ASCII digits, 0…MAX_ID. Anything else raises ValueError, so the default applies
    (`type=int` takes '١٢', '-5' and 10**30, which overflows an OFFSET or an id)."""
    if not _ASCII_NUMBER.fullmatch(value):
        raise ValueError("not a number in range")
    number = int(value)
    if number > MAX_ID:
        raise ValueError("not a number in range")
    return number
