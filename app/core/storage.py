"""Uploaded files: checked by content, stored outside the web root under generated names.

A StoredFile row and its file are all or nothing: a file written in a transaction that
rolls back is deleted again."""

from __future__ import annotations

import errno
import hashlib
import os
import re
import secrets
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from flask import current_app, g, send_file
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, mapped_column
from werkzeug.datastructures import FileStorage

from app.extensions import db

#: What we accept and how we recognise it: by the first bytes, never by the name.
SIGNATURES: dict[str, tuple[bytes, str]] = {
    "application/pdf": (b"%PDF-", ".pdf"),
    "image/jpeg": (b"\xff\xd8\xff", ".jpg"),
    "image/png": (b"\x89PNG\r\n\x1a\n", ".png"),
}
DEFAULT_MAX_BYTES = 10 * 1024 * 1024


class UploadError(ValueError):
    """A file we refuse; the message is Russian and safe to show."""


@dataclass(frozen=True)
class UploadRules:
    max_bytes: int = DEFAULT_MAX_BYTES
    types: tuple[str, ...] = tuple(SIGNATURES)

    def describe(self) -> str:
        names = {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG"}
        kinds = ", ".join(names[t] for t in self.types)
        return f"{kinds}, не больше {self.max_bytes // (1024 * 1024)} МБ"


class StoredFile(db.Model):
    """A file somebody uploaded or the system generated, kept in UPLOAD_DIR."""

    __tablename__ = "stored_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Generated relative path under UPLOAD_DIR; never derived from user input.
    storage_key: Mapped[str] = mapped_column(sa.String(80), unique=True)
    #: The name the uploader gave, cleaned; used only as the download name.
    original_name: Mapped[str] = mapped_column(sa.String(255))
    content_type: Mapped[str] = mapped_column(sa.String(80))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]

    @property
    def path(self) -> Path:
        return upload_dir() / self.storage_key

    @property
    def size_label(self) -> str:
        return size_label(self.size)


def size_label(size: int) -> str:
    """'12 КБ', '1,5 МБ'."""
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} КБ"
    return f"{size / (1024 * 1024):.1f} МБ".replace(".", ",")


def upload_dir() -> Path:
    return Path(current_app.config["UPLOAD_DIR"])


def sniff(head: bytes) -> str | None:
    for content_type, (magic, _ext) in SIGNATURES.items():
        if head.startswith(magic):
            return content_type
    return None


_UNSAFE = re.compile(r"[^\w.\- ()]+", re.UNICODE)


def display_name(name: str | None) -> str:
    """The uploader's file name with no path and no control or odd characters."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    return _UNSAFE.sub("_", name).strip(" ._")[:200] or "файл"


def clean_filename(name: str | None, ext: str) -> str:
    """A safe download name that ends with the extension of the recognised type."""
    name = display_name(name)
    stem, dot, given_ext = name.rpartition(".")
    if dot and f".{given_ext.lower()}" in (ext, ".jpeg" if ext == ".jpg" else ext):
        return f"{stem}{ext}"
    return f"{name}{ext}"


def read_upload(upload: FileStorage, rules: UploadRules = UploadRules()) -> tuple[bytes, str]:
    """The bytes and recognised type of an upload, or UploadError with the reason."""
    data = upload.stream.read(rules.max_bytes + 1)
    if len(data) > rules.max_bytes:
        raise UploadError(f"Файл «{display_name(upload.filename)}» больше допустимого размера: {rules.describe()}.")
    if not data:
        raise UploadError("Файл пустой.")
    content_type = sniff(data[:16])
    if content_type is None or content_type not in rules.types:
        raise UploadError(
            f"Файл «{display_name(upload.filename)}» не похож на допустимый документ: {rules.describe()}."
        )
    return data, content_type


@dataclass(frozen=True)
class StagedFile:
    """A file checked, hashed and written to disk before the unit of work that records it:
    storing takes an fsync and a hash of up to 10 MB, which no lock may wait for (app/db.py).
    Until store_staged() adds its row the file belongs to the request, and a request that ends
    without storing it deletes it (`flask storage sweep` removes what a dead process left)."""

    key: str
    content_type: str
    original_name: str
    size: int
    sha256: str

    @property
    def path(self) -> Path:
        return upload_dir() / self.key


def chosen_files(uploads: Iterable[FileStorage] | FileStorage | None) -> list[FileStorage]:
    """The inputs that carry a file (a browser sends an empty part for an empty input)."""
    if isinstance(uploads, FileStorage):
        uploads = [uploads]
    return [u for u in (uploads or []) if isinstance(u, FileStorage) and u.filename]


def stage_uploads(uploads, rules: UploadRules, max_files: int) -> tuple[list[StagedFile], list[str]]:
    """Every chosen upload read, recognised by content and staged; or the reasons, in Russian."""
    files = chosen_files(uploads)
    if len(files) > max_files:
        return [], [f"Можно приложить не больше {max_files} файлов, а выбрано {len(files)}."]
    staged, errors = [], []
    for upload in files:
        try:
            staged.append(stage_upload(upload, rules))
        except UploadError as exc:
            errors.append(str(exc))
    return staged, errors


def stage_upload(upload: FileStorage, rules: UploadRules = UploadRules()) -> StagedFile:
    data, content_type = read_upload(upload, rules)
    return stage_bytes(data, content_type, upload.filename)


def stage_bytes(data: bytes, content_type: str, original_name: str | None) -> StagedFile:
    """Write the bytes under a generated name, outside any transaction.

    Raises UploadError when the disk refuses (ENOSPC and the like); nothing is left behind."""
    ext = SIGNATURES.get(content_type, (b"", ".bin"))[1]
    token = secrets.token_hex(16)
    key = f"{token[:2]}/{token}{ext}"
    path = upload_dir() / key
    tmp = path.with_suffix(path.suffix + ".part")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        if exc.errno == errno.ENOSPC:
            raise UploadError("Не удалось сохранить файл: на сервере закончилось место. Попробуйте позже.") from exc
        raise UploadError("Не удалось сохранить файл. Попробуйте позже.") from exc
    g.setdefault("staged_files", set()).add(path)
    return StagedFile(
        key, content_type, clean_filename(original_name, ext), len(data), hashlib.sha256(data).hexdigest()
    )


def store_staged(staged: StagedFile, uploaded_by_id: int | None) -> StoredFile:
    """The row of a staged file, added to the unit of work: from now on the file commits or
    rolls back with that transaction."""
    from app.core.clock import now

    g.setdefault("staged_files", set()).discard(staged.path)
    _written_in_transaction(db.session()).append(staged.path)
    stored = StoredFile(
        storage_key=staged.key,
        original_name=staged.original_name,
        content_type=staged.content_type,
        size=staged.size,
        sha256=staged.sha256,
        uploaded_by_id=uploaded_by_id,
        created_at=now(),
    )
    db.session.add(stored)
    return stored


def save_bytes(data: bytes, content_type: str, original_name: str | None, uploaded_by_id: int | None) -> StoredFile:
    """Stage and store at once, where the bytes come from inside the unit of work."""
    return store_staged(stage_bytes(data, content_type, original_name), uploaded_by_id)


def save_upload(upload: FileStorage, uploaded_by_id: int | None, rules: UploadRules = UploadRules()) -> StoredFile:
    return store_staged(stage_upload(upload, rules), uploaded_by_id)


def discard_unstored(exc=None) -> None:
    """At the end of a request or app context: delete staged files nobody stored."""
    for path in g.pop("staged_files", ()):
        try:
            path.unlink(missing_ok=True)
        except OSError:
            pass


def init_app(app) -> None:
    app.teardown_request(discard_unstored)
    app.teardown_appcontext(discard_unstored)


def send_stored_file(stored: StoredFile, inline: bool = False):
    """A download with a safe Content-Disposition (RFC 6266/5987 by Werkzeug)."""
    response = send_file(
        stored.path,
        mimetype=stored.content_type,
        as_attachment=not inline,
        download_name=stored.original_name,
        conditional=False,
        etag=False,
        max_age=0,
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# --- all or nothing -------------------------------------------------------------------------


def _written_in_transaction(session: Session) -> list[Path]:
    return session.info.setdefault("files_written", [])


def delete_stored_file(stored: StoredFile) -> None:
    """Delete the row now and the file once the transaction commits (kept on rollback)."""
    session = db.session()
    session.info.setdefault("files_to_delete", []).append(stored.path)
    session.delete(stored)


@event.listens_for(Session, "after_commit")
def _forget_written_files(session):
    session.info.pop("files_written", None)
    for path in session.info.pop("files_to_delete", []):
        try:
            path.unlink(missing_ok=True)
        except OSError:
            pass


@event.listens_for(Session, "after_soft_rollback")
def _delete_written_files(session, previous_transaction):
    if previous_transaction.parent is not None:  # a savepoint: the outer one decides
        return
    session.info.pop("files_to_delete", None)
    for path in session.info.pop("files_written", []):
        try:
            path.unlink(missing_ok=True)
        except OSError:
            pass


# --- the sweep: files the database does not know ----------------------------------------------


@dataclass
class SweepResult:
    #: Files under UPLOAD_DIR that no stored_files row names, removed (and their bytes).
    orphans_removed: int = 0
    orphan_bytes: int = 0
    #: `*.part` files a write left behind (a process killed mid-write), removed.
    parts_removed: int = 0
    #: Files with no row, younger than the grace period: a request may still commit them.
    kept_fresh: int = 0
    #: Files that could not be removed (permissions): left for an administrator.
    failed: int = 0
    #: Ids of stored_files rows whose file is missing: reported, never changed.
    missing_file_ids: tuple[int, ...] = ()


def _files_under(root: Path):
    """(key relative to root, stat) of every regular file under root; symlinks are not followed."""
    directories = [root]
    while directories:
        try:
            entries = list(os.scandir(directories.pop()))
        except FileNotFoundError:
            continue
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                directories.append(Path(entry.path))
            elif entry.is_file(follow_symlinks=False):
                try:
                    info = entry.stat(follow_symlinks=False)
                except FileNotFoundError:  # removed meanwhile (a rollback, a purge)
                    continue
                yield Path(entry.path).relative_to(root).as_posix(), info


def sweep_storage(grace_seconds: int | None = None, *, dry_run: bool = False) -> SweepResult:
    """Remove the files under UPLOAD_DIR that no stored_files row names, and the leftover
    `*.part` files, once older than `grace_seconds` (UPLOAD_SWEEP_GRACE_MINUTES: a request
    that has written its file and not yet committed its row is never robbed of it); report
    the rows whose file is missing.

    A process killed after an upload's file was written and before its row was committed
    leaves such a file, and the personal-data purge, which starts from rows, never finds it.
    Ages are the files' modification times against the real clock, not app.core.clock."""
    if grace_seconds is None:
        grace_seconds = current_app.config["UPLOAD_SWEEP_GRACE_MINUTES"] * 60
    root = upload_dir()
    result = SweepResult()
    cutoff = datetime.now().timestamp() - grace_seconds
    files = list(_files_under(root)) if root.is_dir() else []
    # Read after the walk: a row committed meanwhile names a file the walk saw, so it is kept.
    known = set(db.session.scalars(sa.select(StoredFile.storage_key)))
    for key, info in files:
        if key in known:
            continue
        if info.st_mtime > cutoff:
            result.kept_fresh += 1
            continue
        try:
            if not dry_run:
                (root / key).unlink()
        except FileNotFoundError:
            continue
        except OSError:
            result.failed += 1
            continue
        if key.endswith(".part"):
            result.parts_removed += 1
        else:
            result.orphans_removed += 1
            result.orphan_bytes += info.st_size
    rows = db.session.execute(sa.select(StoredFile.id, StoredFile.storage_key).order_by(StoredFile.id))
    result.missing_file_ids = tuple(file_id for file_id, key in rows if not (root / key).is_file())
    return result
