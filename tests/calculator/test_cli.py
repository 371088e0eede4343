"""`flask tariffs import FILE.json`: a good file, the same again, a bad one (exit code ≠ 0)."""

from __future__ import annotations

import json
import os
import threading

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


def test_a_file_nested_too_deep_fails_with_the_reason(app, tmp_path):
    """json.loads ended in a RecursionError: a traceback, not the refusal of §4.3."""
    path = tmp_path / "deep.json"
    path.write_bytes(b"[" * 100_000 + b"]" * 100_000)
    result = run(app, "import", str(path))
    assert result.exit_code == 1
    assert "объекты и списки вложены глубже 10 уровней (строка 1, столбец 11)" in result.stderr
    assert count() == 0


def test_a_huge_input_is_refused_by_its_first_megabyte(app, tmp_path):
    """A pipe that sends 16 MB: the command stops reading past the limit instead of taking all
    of it into memory first (an endless input, /dev/zero, would never end)."""
    fifo = tmp_path / "endless.json"
    os.mkfifo(fifo)
    sent = {"bytes": 0}

    def write():
        chunk = b" " * 65536
        try:
            with open(fifo, "wb") as pipe:
                for _ in range(256):
                    pipe.write(chunk)
                    sent["bytes"] += len(chunk)
        except BrokenPipeError:
            pass

    writer = threading.Thread(target=write)
    writer.start()
    result = run(app, "import", str(fifo))
    writer.join(timeout=30)
    assert result.exit_code == 1 and "файл больше 1024 КБ" in result.stderr
    assert sent["bytes"] < 4 * 1024 * 1024, "the command read the whole input"
