import errno
import io

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from app.core.storage import StoredFile, UploadError, UploadRules, clean_filename, save_upload
from app.extensions import db


def upload(data: bytes, name: str = "doc.pdf") -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=name)


@pytest.mark.parametrize(
    "data, content_type",
    [
        (b"%PDF-1.7 rest", "application/pdf"),
        (b"\xff\xd8\xff\xe0JFIF", "image/jpeg"),
        (b"\x89PNG\r\n\x1a\nrest", "image/png"),
    ],
)
def test_recognised_by_content(app, data, content_type):
    stored = save_upload(upload(data, "whatever.bin"), None)
    assert stored.content_type == content_type
    assert stored.path.read_bytes() == data
    assert "whatever" in stored.original_name and not stored.storage_key.startswith("whatever")


def test_disguised_and_oversize_files_are_refused(app):
    with pytest.raises(UploadError, match="не похож"):
        save_upload(upload(b"<html><script>alert(1)</script>", "doc.pdf"), None)
    with pytest.raises(UploadError, match="больше допустимого"):
        save_upload(upload(b"%PDF-" + b"0" * 2000), None, UploadRules(max_bytes=1000))


def test_file_is_removed_when_the_transaction_rolls_back(app):
    stored = save_upload(upload(b"%PDF-1.4"), None)
    path = stored.path
    assert path.exists()
    db.session.rollback()
    assert not path.exists()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StoredFile)) == 0


def test_enospc_is_a_clear_error_and_leaves_nothing(app, monkeypatch):
    import builtins

    real_open = builtins.open

    def full_disk(path, mode="r", *args, **kwargs):
        if "w" in mode and str(path).endswith(".part"):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_open(path, mode, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", full_disk)
    with pytest.raises(UploadError, match="закончилось место"):
        save_upload(upload(b"%PDF-1.4"), None)
    assert not any(p.is_file() for p in app.config["UPLOAD_DIR"].rglob("*"))


@pytest.mark.parametrize(
    "name, ext, expected",
    [
        ("../../etc/passwd", ".pdf", "passwd.pdf"),
        ("C:\\Users\\me\\скан.PDF", ".pdf", "скан.pdf"),
        ("photo.jpeg", ".jpg", "photo.jpg"),
        ("x.exe", ".png", "x.exe.png"),
        ("", ".pdf", "файл.pdf"),
    ],
)
def test_clean_filename(name, ext, expected):
    assert clean_filename(name, ext) == expected


def test_a_staged_file_nobody_stores_is_gone_when_the_request_ends(app, client):
    """Slow storing happens before the unit of work (app/db.py); a request that then refuses,
    fails or stores nothing leaves nothing behind."""
    from app.core.storage import stage_bytes
    from tests.helpers import PDF

    staged = {}

    def stage_only():
        staged["path"] = stage_bytes(PDF, "application/pdf", "план.pdf").path
        staged["there"] = staged["path"].exists()
        return "refused"

    app.add_url_rule("/t/stage-only", "stage_only", stage_only)
    client.get("/t/stage-only")
    assert staged["there"] and not staged["path"].exists()


def test_a_staged_file_stored_in_a_unit_of_work_lives_and_dies_with_it(app):
    from app.core.storage import StoredFile, stage_bytes, store_staged
    from app.db import unit_of_work
    from tests.helpers import PDF

    with app.test_request_context():
        kept = stage_bytes(PDF, "application/pdf", "kept.pdf")
        dropped = stage_bytes(PDF, "application/pdf", "dropped.pdf")
        with unit_of_work():
            store_staged(kept, None)
        try:
            with unit_of_work():
                store_staged(dropped, None)
                db.session.flush()
                raise RuntimeError("the unit of work fails after the row was written")
        except RuntimeError:
            pass
    assert kept.path.exists() and not dropped.path.exists()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StoredFile)) == 1
