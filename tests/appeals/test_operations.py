"""The files of a write, checked by content and staged before its unit of work."""

import io

from werkzeug.datastructures import FileStorage

from app.appeals.operations import check_files
from app.appeals.rules import MAX_FILES
from tests.helpers import PDF, PNG


def upload(data: bytes, name: str) -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=name)


def test_check_files_recognises_content_not_names(app):  # staging writes into UPLOAD_DIR
    checked, errors = check_files([upload(PDF, "a.pdf"), upload(PNG, "photo.png"), FileStorage(filename="")])
    assert errors == [] and [f.content_type for f in checked] == ["application/pdf", "image/png"]
    checked, errors = check_files([upload(b"MZ\x90\x00 not a pdf", "акт.pdf")])
    assert checked == [] and "не похож на допустимый документ" in errors[0]


def test_check_files_refuses_too_many(app):
    checked, errors = check_files([upload(PDF, f"{n}.pdf") for n in range(MAX_FILES + 1)])
    assert checked == [] and f"не больше {MAX_FILES} файлов" in errors[0]


def test_check_files_refuses_an_oversize_file(app):
    big = PDF + b"0" * (5 * 1024 * 1024)
    _, errors = check_files([upload(big, "big.pdf")])
    assert "больше допустимого размера" in errors[0]
