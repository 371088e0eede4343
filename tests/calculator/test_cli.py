"""`flask tariffs import FILE.json`: a good file, the same again, a bad one (exit code ≠ 0)."""
from __future__ import annotations

import json

import sqlalchemy as sa

from app.calculator.models import TariffDecision
from app.extensions import db


def run(app, *args):
    """result.output holds stdout and stderr together (Click 8.2+); result.stderr the errors."""
    return app.test_cli_runner().invoke(args=["tariffs", *args])


def count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(TariffDecision))


def test_import_then_the_same_again(app, tmp_path, example_bytes):
    path = tmp_path / "decision.json"
    path.write_bytes(example_bytes())
    result = run(app, "import", str(path))
    assert result.exit_code == 0, result.output
    assert "Загружено решение" in result.output and "Примерская область (пример)" in result.output
    decision = db.session.scalar(sa.select(TariffDecision))
    assert decision.file_name == "decision.json" and decision.imported_by_id is None
    again = run(app, "import", str(path))
    assert again.exit_code == 0 and "ничего не изменилось" in again.output
    assert count() == 1
    listing = run(app, "list")
    assert listing.exit_code == 0 and "с 01.01.2026 по 31.12.2026" in listing.output


def test_a_bad_file_prints_every_problem_and_fails(app, tmp_path, example_bytes):
    data = json.loads(example_bytes())
    data["c2_per_km"]["1-20"]["urban"][1]["rate"] = -1
    data["c5_per_kw"]["0.5"] = 1
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data, ensure_ascii=False))
    result = run(app, "import", str(path))
    assert result.exit_code == 1
    assert "c2_per_km.1-20.urban[1].rate: должно быть неотрицательным числом" in result.stderr
    assert "c5_per_kw.0.5: неизвестный ключ" in result.stderr
    assert "ничего не изменено" in result.stderr
    assert count() == 0


def test_a_missing_file_fails(app, tmp_path):
    result = run(app, "import", str(tmp_path / "nope.json"))
    assert result.exit_code == 1 and "Не удалось прочитать файл" in result.output
