"""Calculator fixtures: a fixed clock inside 2026 and the demo's example decision."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from app.core import clock

TODAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday, 12:00 in Moscow


@pytest.fixture
def fixed_today(app):
    clock.set_now(TODAY)
    yield TODAY.date()
    clock.set_now(None)


@pytest.fixture
def example_bytes():
    """example_bytes(year=2026, **changes) -> a §4.3 file: the demo decision, changed as asked."""
    from app.calculator.demo import example_file

    def make(year: int = 2026, **changes) -> bytes:
        data = json.loads(example_file(year))
        data.update(changes)
        return json.dumps(data, ensure_ascii=False).encode()

    return make


@pytest.fixture
def decision(app, fixed_today, example_bytes):
    """The example decision of 2026, imported as the demo does."""
    from app.calculator.services import import_decision
    from app.extensions import db

    result = import_decision(example_bytes(2026), "primer.json")
    db.session.commit()
    return result.decision
