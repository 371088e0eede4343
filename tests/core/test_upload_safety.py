"""Uploads (SPEC §2.10, ASVS 5.0 V5): size limited, checked by content, never executed,
stored under generated names outside the web root."""

import io
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from app.auth.models import User
from app.core.security import DOWNLOAD_CONTENT_SECURITY_POLICY
from app.core.storage import StoredFile, UploadError, save_upload, send_stored_file
from app.extensions import db
from app.privacy.models import ConsentRecord
from tests.auth.test_walk_in import register_visitor


def test_files_live_outside_the_web_root(app):
    uploads = Path(app.config["UPLOAD_DIR"]).resolve()
    static = Path(app.static_folder).resolve()
    assert static not in uploads.parents and uploads != static
    assert Path(app.root_path).resolve() not in uploads.parents, "not inside the application package either"


@pytest.mark.parametrize(
    "name", ["../../etc/cron.d/evil.pdf", "..\\..\\evil.pdf", "/abs/path.pdf", "evil.pdf\x00.html"]
)
def test_no_user_given_path_reaches_the_disk(app, name):
    stored = save_upload(FileStorage(stream=io.BytesIO(b"%PDF-1.4 x"), filename=name), None)
    assert re.fullmatch(r"[0-9a-f]{2}/[0-9a-f]{32}\.pdf", stored.storage_key)
    assert stored.path.resolve().parent.parent == Path(app.config["UPLOAD_DIR"]).resolve()
    assert "/" not in stored.original_name and "\\" not in stored.original_name and "\x00" not in stored.original_name
    assert ".." not in stored.original_name.replace("..pdf", "")


@pytest.mark.parametrize(
    "data",
    [
        b"<html><script>alert(1)</script></html>",
        b"<svg onload=alert(1)>",
        b"#!/bin/sh\nrm -rf /",
        b"MZ\x90\x00",
        b"PK\x03\x04zip",
    ],
)
def test_anything_but_pdf_jpeg_png_is_refused_whatever_its_name(app, data):
    with pytest.raises(UploadError):
        save_upload(FileStorage(stream=io.BytesIO(data), filename="scan.pdf", content_type="application/pdf"), None)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StoredFile)) == 0


def test_the_type_is_the_sniffed_one_not_the_declared_one(app):
    stored = save_upload(
        FileStorage(stream=io.BytesIO(b"\x89PNG\r\n\x1a\nxx"), filename="photo.html", content_type="text/html"), None
    )
    assert stored.content_type == "image/png" and stored.original_name == "photo.html.png"


def test_downloads_are_attachments_that_cannot_run(app):
    stored = save_upload(FileStorage(stream=io.BytesIO(b"%PDF-1.4 x"), filename="a.pdf"), None)
    db.session.commit()
    with app.test_request_context("/"):
        response = send_stored_file(stored)
        response.direct_passthrough = False
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert response.headers["Content-Security-Policy"] == DOWNLOAD_CONTENT_SECURITY_POLICY
        assert response.headers["Cache-Control"] == "no-store"
        assert response.mimetype == "application/pdf"
        response.close()


def test_a_walk_in_scan_is_downloaded_as_a_sandboxed_attachment(operator_client):
    register_visitor(operator_client)
    user = db.session.scalar(sa.select(User).where(User.email == "visitor@example.ru"))
    consent = db.session.scalar(sa.select(ConsentRecord).where(ConsentRecord.user_id == user.id))
    response = operator_client.get(f"/office/consumers/{user.id}/consents/{consent.id}/scan")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == DOWNLOAD_CONTENT_SECURITY_POLICY
    assert "attachment" in response.headers["Content-Disposition"]
    response.close()
    assert operator_client.get(f"/office/consumers/{user.id}/consents/{consent.id + 99}/scan").status_code == 404


def test_uploaded_files_are_not_served_as_static_files(operator_client, client):
    register_visitor(operator_client)
    stored = db.session.scalar(sa.select(StoredFile))
    for url in (
        f"/static/{stored.storage_key}",
        f"/static/../instance/uploads/{stored.storage_key}",
        f"/uploads/{stored.storage_key}",
        f"/{stored.storage_key}",
    ):
        assert client.get(url).status_code == 404


def test_request_size_is_limited(app, client):
    assert app.config["MAX_CONTENT_LENGTH"] <= 64 * 1024 * 1024
    app.config["MAX_CONTENT_LENGTH"] = 2048
    response = client.submit(
        "/register", {"scan": (io.BytesIO(b"%PDF-" + b"0" * 4096), "big.pdf")}, content_type="multipart/form-data"
    )
    assert response.status_code == 413 and "Файл слишком большой" in response.get_data(as_text=True)
