"""`flask storage sweep` (app/core/storage.py, storage_cli.py): files under UPLOAD_DIR that no
stored_files row names are removed once older than the grace period, leftover *.part files
too; rows whose file is missing are reported and kept (issue 16).

A process killed after an upload's body arrived and its file was written, before the row
was committed, leaves exactly such a file: the files here are made the way save_bytes
names them, with their age set by os.utime."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from app.core.storage import StoredFile, save_upload, sweep_storage
from app.extensions import db

HOUR = 3600


@pytest.fixture
def uploads(app) -> Path:
    return Path(app.config["UPLOAD_DIR"])


def put(uploads: Path, key: str, age_seconds: int, data: bytes = b"%PDF-1.4 left behind") -> Path:
    path = uploads / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    moment = time.time() - age_seconds
    os.utime(path, (moment, moment))
    return path


def stored(name: str = "Паспорт Иванова.pdf", age_seconds: int = 0) -> StoredFile:
    """A real upload with its row committed; its file as old as asked."""
    row = save_upload(FileStorage(stream=io.BytesIO(b"%PDF-1.4 kept"), filename=name), None)
    db.session.commit()
    moment = time.time() - age_seconds
    os.utime(row.path, (moment, moment))
    return row


def sweep(app, *args: str):
    return app.test_cli_runner().invoke(args=["storage", "sweep", *args])


def test_orphans_and_parts_past_the_grace_go_and_everything_else_stays(app, uploads):
    old_orphan = put(uploads, "ab/ab00000000000000000000000000000.pdf", 2 * HOUR)
    fresh_orphan = put(uploads, "cd/cd00000000000000000000000000000.pdf", 10 * 60)
    old_part = put(uploads, "ef/ef00000000000000000000000000000.jpg.part", 2 * HOUR)
    fresh_part = put(uploads, "ef/ef11111111111111111111111111111.png.part", 60)
    kept_old, kept_new = stored(age_seconds=30 * 24 * HOUR), stored()

    result = sweep(app)

    assert result.exit_code == 0, result.output
    assert not old_orphan.exists() and not old_part.exists()
    assert fresh_orphan.exists() and fresh_part.exists(), "a request still in flight is never robbed"
    assert kept_old.path.exists() and kept_new.path.exists(), "a file with a row is never touched, however old"
    assert "Удалено файлов без записи в базе: 1 (1 КБ)." in result.output
    assert "Удалено недописанных файлов .part: 1." in result.output
    assert "моложе 60 мин (их запрос ещё может завершиться): 2." in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StoredFile)) == 2


def test_the_grace_period_is_configurable(app, uploads):
    young = put(uploads, "ab/ab22222222222222222222222222222.pdf", 10 * 60)
    assert sweep(app).exit_code == 0 and young.exists()
    app.config["UPLOAD_SWEEP_GRACE_MINUTES"] = 5
    assert sweep(app).exit_code == 0 and not young.exists()
    younger = put(uploads, "ab/ab33333333333333333333333333333.pdf", 2 * 60)
    result = sweep(app, "--grace-minutes", "1")
    assert result.exit_code == 0 and not younger.exists()


def test_a_row_whose_file_is_missing_is_reported_not_changed(app):
    gone, present = stored(), stored()
    gone.path.unlink()
    result = sweep(app)
    assert result.exit_code == 0
    assert f"Записей о файлах, самих файлов которых нет: 1 (stored_files.id: {gone.id})" in result.stderr
    assert "Записи не изменены" in result.stderr
    assert {f.id for f in db.session.scalars(sa.select(StoredFile))} == {gone.id, present.id}


def test_the_output_names_no_one(app, uploads):
    row = stored("Паспорт Иванова.pdf")
    row.path.unlink()
    put(uploads, "ab/ab44444444444444444444444444444.pdf", 2 * HOUR)
    result = sweep(app)
    assert result.exit_code == 0
    for secret in ("Иванова", "Паспорт", "ab44444444444444444444444444444", row.storage_key):
        assert secret not in result.output, secret


def test_a_dry_run_removes_nothing(app, uploads):
    orphan = put(uploads, "ab/ab55555555555555555555555555555.pdf", 2 * HOUR)
    result = sweep(app, "--dry-run")
    assert result.exit_code == 0 and orphan.exists()
    assert "Будет удалено файлов без записи в базе: 1" in result.output and "ничего не удалено" in result.output


def test_a_symlink_is_not_followed_out_of_the_directory(app, uploads, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    precious = outside / "precious.pdf"
    precious.write_bytes(b"%PDF-1.4 not ours")
    moment = time.time() - 2 * HOUR
    os.utime(precious, (moment, moment))
    uploads.mkdir(parents=True, exist_ok=True)
    (uploads / "elsewhere").symlink_to(outside, target_is_directory=True)
    assert sweep(app).exit_code == 0
    assert precious.exists()


def test_no_upload_directory_yet(app, uploads):
    assert not uploads.exists()
    result = sweep(app)
    assert result.exit_code == 0 and "Удалено файлов без записи в базе: 0." in result.output
    assert sweep_storage(0).orphans_removed == 0
