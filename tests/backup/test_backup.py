"""A backup restores into an empty instance with every document reference resolving."""

import io
import tarfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from app import create_app
from app.auth.models import User
from app.backup.services import BackupError, create_backup, restore_backup, verify_documents
from app.core.storage import StoredFile, save_bytes
from app.extensions import db


def _empty_database_like(url: str, tmp_path: Path) -> str:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return f"sqlite:///{tmp_path / 'restored.sqlite3'}"
    name = f"{parsed.database}_restore"
    admin = sa.create_engine(parsed, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return parsed.set(database=name).render_as_string(hide_password=False)


def test_backup_and_restore_into_an_empty_instance(app, make_user, tmp_path, database_url):
    user = make_user()
    stored = save_bytes(b"%PDF-1.4 consent scan", "application/pdf", "скан.pdf", user.id)
    save_bytes(b"\x89PNG\r\n\x1a\nphoto", "image/png", "фото.png", user.id)
    db.session.commit()
    result = create_backup(tmp_path / "backups")
    assert result.files == 2

    target = create_app(
        "testing",
        {
            "SQLALCHEMY_DATABASE_URI": _empty_database_like(database_url, tmp_path),
            "UPLOAD_DIR": tmp_path / "restored-uploads",
            "MAIL_DIR": tmp_path / "mail2",
        },
    )
    with target.app_context():
        manifest = restore_backup(result.path)
        assert len(manifest["files"]) == 2
        assert verify_documents() == []
        restored = db.session.get(StoredFile, stored.id)
        assert restored.path.read_bytes() == b"%PDF-1.4 consent scan"
        assert db.session.scalar(sa.select(User.email).where(User.id == user.id)) == user.email
        with pytest.raises(BackupError, match="пуст"):
            restore_backup(result.path)  # never over live data
        db.session.remove()
        db.engine.dispose()


def test_a_damaged_archive_is_refused_before_anything_is_written(app, make_user, tmp_path, database_url):
    make_user()
    save_bytes(b"%PDF-1.4 x", "application/pdf", "a.pdf", None)
    db.session.commit()
    good = create_backup(tmp_path / "b").path
    bad = tmp_path / "bad.tar.gz"
    with tarfile.open(good) as src, tarfile.open(bad, "w:gz") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read() if member.isfile() else None
            if member.name.startswith("uploads/"):
                data = b"tampered"
                member.size = len(data)
            dst.addfile(member, io.BytesIO(data) if data is not None else None)
    target = create_app(
        "testing",
        {
            "SQLALCHEMY_DATABASE_URI": _empty_database_like(database_url, tmp_path),
            "UPLOAD_DIR": tmp_path / "r",
            "MAIL_DIR": tmp_path / "m",
        },
    )
    with target.app_context():
        with pytest.raises(BackupError, match="повреждён"):
            restore_backup(bad)
        assert not (tmp_path / "r").exists()
        db.engine.dispose()


def test_backup_commands(app, tmp_path):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["backup", "create", "--output", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "Резервная копия:" in result.output
    missing = runner.invoke(args=["backup", "restore", str(tmp_path / "nope.tar.gz")])
    assert missing.exit_code != 0
