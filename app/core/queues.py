"""What every office queue shares: its GET parameters cleaned into filters (anything unknown
is ignored), the filters back into the parameters of a page link, and the page shown.

A feature's queue subclasses QueueFilters with its own fields, `choice(TheEnum)` for a
select and `flag()` for a checkbox (`=y`), and its `queries.py` turns them into conditions."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from enum import Enum
from typing import ClassVar, Self

from app.core.urls import int_arg

#: A search is cut to this many characters.
SEARCH_MAX = 100
#: A queue's orders: by the due date (the default), or the newest first.
SORTS = ("due", "new")


def enum_choice(value: str | None, enum_cls: type[Enum]) -> str:
    """A filter's GET parameter: one of the enum's values, or "" (anything else is ignored)."""
    return value if value in {e.value for e in enum_cls} else ""


def choice(enum_cls: type[Enum]):
    """A select filter: one of `enum_cls`'s values, "" for any."""
    return field(default="", metadata={"choices": enum_cls})


def flag():
    """A checkbox filter, on when its parameter is "y"."""
    return field(default=False, metadata={"flag": True})


def page_arg(args) -> int:
    """The page number of `?page=`: 1 when it is missing, malformed or below 1."""
    return max(args.get("page", 1, type=int_arg) or 1, 1)


@dataclass(frozen=True)
class Page:
    """A page of a list: it asks for one row more than it shows, to know whether a next exists."""

    number: int
    size: int

    @classmethod
    def from_args(cls, args, size: int) -> Self:
        return cls(page_arg(args), size)

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    @property
    def limit(self) -> int:
        return self.size + 1

    def split(self, rows: list) -> tuple[list, bool]:
        """The rows to show, and whether a next page exists."""
        return rows[: self.size], len(rows) > self.size


@dataclass
class QueueFilters:
    """The filters every queue has: the status ("open", "all" or one of STATUSES), assigned to
    me, the search and the order."""

    status: str = "open"
    mine: bool = flag()
    q: str = ""
    sort: str = "due"

    #: The statuses one may choose besides "open" and "all".
    STATUSES: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def from_args(cls, args) -> Self:
        q = (args.get("q") or "").strip()[:SEARCH_MAX]
        # With no status chosen, the queue shows the open ones; a search looks everywhere.
        status = args.get("status", "all" if q else "open")
        values = {
            "status": status if status in cls.STATUSES | {"open", "all"} else "open",
            "q": q,
            "sort": args.get("sort") if args.get("sort") in SORTS else SORTS[0],
        }
        for f in fields(cls):
            if "choices" in f.metadata:
                values[f.name] = enum_choice(args.get(f.name), f.metadata["choices"])
            elif f.metadata.get("flag"):
                values[f.name] = args.get(f.name) == "y"
        return cls(**values)

    def as_args(self) -> dict[str, str]:
        """The parameters of a page link, the default order left out. The status stays: with a
        search, the default would be "all"."""
        args = {}
        for f in fields(self):
            value = getattr(self, f.name)
            args[f.name] = ("y" if value else "") if f.metadata.get("flag") else value
        if self.sort == SORTS[0]:
            del args["sort"]
        return {name: value for name, value in args.items() if value}
