"""The applicant's files (SPEC §4.2): the limits, the check of each upload before the unit of
work (read, recognised by content, staged), the limit of all of an application's files
together, and their rows as documents of the application inside it."""

from __future__ import annotations

import sqlalchemy as sa

from app.applications.models import APPLICANT_KINDS, Application, ApplicationDocument, ApplicationEvent, DocumentKind
from app.applications.rules import ApplicationError
from app.auth.models import User
from app.core.clock import now
from app.core.storage import StagedFile, StoredFile, UploadRules, save_bytes, stage_uploads, store_staged
from app.extensions import db

#: Each file up to 10 MB; all the applicant's files of one application up to 50 MB.
UPLOAD_RULES = UploadRules(max_bytes=10 * 1024 * 1024)
MAX_APPLICATION_BYTES = 50 * 1024 * 1024
#: Files in one field or one answer.
MAX_FILES = 10


#: An upload that passed the checks, written to disk and waiting for its row (app/core/storage.py).
CheckedFile = StagedFile


def check_files(uploads, max_files: int = MAX_FILES) -> tuple[list[CheckedFile], list[str]]:
    """Every upload read, recognised by content and staged, or the reasons, before the unit of
    work that records them."""
    return stage_uploads(uploads, UPLOAD_RULES, max_files)


def attach_files(
    app: Application, files: dict[str, list[CheckedFile]], uploaded_by: User, event: ApplicationEvent | None = None
) -> list[ApplicationDocument]:
    added = []
    for kind, items in files.items():
        for f in items:
            stored = store_staged(f, uploaded_by.id)
            doc = ApplicationDocument(
                application_id=app.id,
                kind=kind,
                stage=app.status,
                stored=stored,
                event_id=event.id if event else None,
                created_at=now(),
            )
            db.session.add(doc)
            added.append(doc)
    return added


def check_total_size(app: Application | None, files: dict[str, list[CheckedFile]]) -> None:
    new = sum(f.size for items in files.values() for f in items)
    if not new:
        return
    existing = 0
    if app is not None and app.id is not None:
        existing = (
            db.session.scalar(
                sa.select(sa.func.coalesce(sa.func.sum(StoredFile.size), 0))
                .join(ApplicationDocument, ApplicationDocument.stored_file_id == StoredFile.id)
                .where(ApplicationDocument.application_id == app.id, ApplicationDocument.kind.in_(APPLICANT_KINDS))
            )
            or 0
        )
    if existing + new > MAX_APPLICATION_BYTES:
        raise ApplicationError(
            f"Все файлы заявки вместе — не больше {MAX_APPLICATION_BYTES // (1024 * 1024)} МБ. "
            "Уменьшите сканы (например, 150–200 точек на дюйм) или приложите меньше страниц."
        )


def add_generated(
    app: Application, kind: DocumentKind, data: bytes, event: ApplicationEvent | None, name: str
) -> ApplicationDocument:
    stored = save_bytes(data, "application/pdf", name, None)
    doc = ApplicationDocument(
        application_id=app.id,
        kind=kind.value,
        stage=app.status,
        stored=stored,
        event_id=event.id if event else None,
        created_at=now(),
    )
    db.session.add(doc)
    return doc
