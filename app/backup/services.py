"""`flask backup create` and `flask backup restore`.

An archive (tar.gz) holds manifest.json, the database (an SQLite online backup, or a
pg_dump in custom format) and every uploaded file, each with its SHA-256 in the manifest.
A restore checks every checksum before it writes anything, and only into an empty instance."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess  # noqa: S404  # nosec B404  # pg_dump and pg_restore, with fixed arguments
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.engine import make_url

from app.core.clock import now
from app.extensions import db

FORMAT_VERSION = 1


class BackupError(RuntimeError):
    pass


@dataclass
class BackupResult:
    path: Path
    files: int
    database_bytes: int


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _pg_tool(name: str) -> str:
    """pg_dump/pg_restore: PG_BIN first (the server's own version), then PATH."""
    candidates = [Path(os.environ["PG_BIN"]) / name] if os.environ.get("PG_BIN") else []
    candidates += [Path(p) for p in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True)]
    for candidate in candidates:
        if candidate.exists():
            return str(candidate)
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} не найден: установите клиент PostgreSQL (пакет postgresql-client).")
    return found


def _pg_env(url) -> tuple[list[str], dict]:
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    args = ["-h", url.host or "localhost", "-p", str(url.port or 5432), "-U", url.username or "postgres"]
    return args, env


def _alembic_revision() -> str:
    try:
        return db.session.scalar(sa.text("SELECT version_num FROM alembic_version")) or ""
    except Exception:
        db.session.rollback()
        return ""


def create_backup(output_dir: Path) -> BackupResult:
    output_dir.mkdir(parents=True, exist_ok=True)
    stamp = now().strftime("%Y%m%dT%H%M%SZ")
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    upload_dir = Path(current_app.config["UPLOAD_DIR"])
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        if url.get_backend_name() == "sqlite":
            db_file = tmp_path / "database.sqlite3"
            source = sqlite3.connect(url.database)
            target = sqlite3.connect(db_file)
            with target:
                source.backup(target)  # consistent while the app keeps writing
            source.close()
            target.close()
            db_member = "database.sqlite3"
        elif url.get_backend_name() == "postgresql":
            db_file = tmp_path / "database.pgdump"
            args, env = _pg_env(url)
            subprocess.run(  # noqa: S603  # nosec B603  # fixed arguments, no shell
                [_pg_tool("pg_dump"), *args, "-Fc", "--no-owner", "-f", str(db_file), url.database],
                check=True,
                env=env,
                capture_output=True,
            )
            db_member = "database.pgdump"
        else:
            raise BackupError(f"Резервное копирование {url.get_backend_name()} не поддерживается.")
        files = (
            sorted(p for p in upload_dir.rglob("*") if p.is_file() and not p.name.endswith(".part"))
            if upload_dir.exists()
            else []
        )
        manifest = {
            "format": FORMAT_VERSION,
            "created_at": now().isoformat(),
            "database": {
                "dialect": url.get_backend_name(),
                "member": db_member,
                "sha256": _sha256(db_file),
                "alembic_revision": _alembic_revision(),
            },
            "files": [
                {"path": str(p.relative_to(upload_dir)), "sha256": _sha256(p), "size": p.stat().st_size} for p in files
            ],
        }
        archive = output_dir / f"lk-backup-{stamp}.tar.gz"
        partial = archive.with_suffix(".part")
        with tarfile.open(partial, "w:gz") as tar:
            data = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(data)
            info.mtime = int(datetime.now().timestamp())
            tar.addfile(info, io.BytesIO(data))
            tar.add(db_file, arcname=db_member)
            for p in files:
                tar.add(p, arcname=f"uploads/{p.relative_to(upload_dir)}")
        partial.replace(archive)
        return BackupResult(archive, len(files), db_file.stat().st_size)


def _safe_members(tar: tarfile.TarFile) -> dict[str, tarfile.TarInfo]:
    members = {}
    for member in tar.getmembers():
        name = member.name
        if name.startswith("/") or ".." in Path(name).parts or not (member.isfile() or member.isdir()):
            raise BackupError(f"Архив содержит недопустимый путь: {name}")
        members[name] = member
    return members


def restore_backup(archive: Path) -> dict:
    """Restore `archive` into this (empty) instance; returns the manifest."""
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    upload_dir = Path(current_app.config["UPLOAD_DIR"])
    if upload_dir.exists() and any(p.is_file() for p in upload_dir.rglob("*")):
        raise BackupError(f"Каталог файлов {upload_dir} не пуст: восстановление делается в пустой экземпляр.")
    with tarfile.open(archive, "r:gz") as tar, tempfile.TemporaryDirectory() as tmp:
        members = _safe_members(tar)
        if "manifest.json" not in members:
            raise BackupError("В архиве нет manifest.json: это не резервная копия личного кабинета.")
        manifest = json.load(tar.extractfile(members["manifest.json"]))
        if manifest.get("format") != FORMAT_VERSION:
            raise BackupError("Неизвестный формат резервной копии.")
        if manifest["database"]["dialect"] != url.get_backend_name():
            raise BackupError(
                f"Копия сделана из {manifest['database']['dialect']}, а экземпляр использует {url.get_backend_name()}."
            )
        tar.extractall(tmp, filter="data")
        tmp_path = Path(tmp)
        db_file = tmp_path / manifest["database"]["member"]
        if _sha256(db_file) != manifest["database"]["sha256"]:
            raise BackupError("Контрольная сумма базы данных не совпадает: архив повреждён.")
        for entry in manifest["files"]:
            if _sha256(tmp_path / "uploads" / entry["path"]) != entry["sha256"]:
                raise BackupError(f"Контрольная сумма файла {entry['path']} не совпадает: архив повреждён.")
        db.session.remove()
        db.engine.dispose()
        if url.get_backend_name() == "sqlite":
            target = Path(url.database)
            if target.exists() and _sqlite_has_tables(target):
                raise BackupError(f"База {target} не пуста: восстановление делается в пустой экземпляр.")
            target.parent.mkdir(parents=True, exist_ok=True)
            for suffix in ("", "-wal", "-shm"):
                Path(f"{target}{suffix}").unlink(missing_ok=True)
            shutil.copyfile(db_file, target)
        else:
            with db.engine.connect() as conn:
                tables = conn.execute(sa.text("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")).scalar()
            if tables:
                raise BackupError("База данных не пуста: восстановление делается в пустой экземпляр.")
            args, env = _pg_env(url)
            subprocess.run(  # noqa: S603  # nosec B603  # fixed arguments, no shell
                [_pg_tool("pg_restore"), *args, "--no-owner", "-d", url.database, str(db_file)],
                check=True,
                env=env,
                capture_output=True,
            )
        source_uploads = tmp_path / "uploads"
        if source_uploads.exists():
            shutil.copytree(source_uploads, upload_dir, dirs_exist_ok=True)
    db.engine.dispose()
    return manifest


def _sqlite_has_tables(path: Path) -> bool:
    conn = sqlite3.connect(path)
    try:
        return bool(conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0])
    finally:
        conn.close()


def verify_documents() -> list[str]:
    """Every stored file the database refers to exists with its checksum; the problems found."""
    from app.core.storage import StoredFile

    problems = []
    for stored in db.session.scalars(sa.select(StoredFile)):
        if not stored.path.exists():
            problems.append(f"нет файла {stored.storage_key} (запись {stored.id})")
        elif _sha256(stored.path) != stored.sha256:
            problems.append(f"файл {stored.storage_key} изменён (запись {stored.id})")
    return problems
