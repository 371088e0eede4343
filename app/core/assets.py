"""Static files: a content hash in their URL (cached for a year) and gzip by the app itself,
so the page-weight budget holds without a proxy in front (SPEC §3)."""

from __future__ import annotations

import gzip
import hashlib
from functools import lru_cache
from pathlib import Path

from flask import Flask, current_app, request, url_for

COMPRESSIBLE = {"text/css", "text/javascript", "application/javascript", "image/svg+xml", "text/plain"}


@lru_cache(maxsize=64)
def _digest(path: str, mtime: float) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


@lru_cache(maxsize=64)
def _gzipped(path: str, mtime: float) -> bytes:
    """Compressed once per file version, at the highest level: it is paid for once."""
    return gzip.compress(Path(path).read_bytes(), compresslevel=9, mtime=0)


def asset_url(filename: str) -> str:
    """The file's URL with its content hash. Outside debug mode the files change only with a
    release, which restarts the app, so every page's URLs are built once per app and mount
    point (bench/: the stat() of two files on every page cost 4 % of its time)."""
    if current_app.debug:
        return _asset_url(filename)
    urls = current_app.extensions.setdefault("lk.asset_urls", {})
    key = (request.script_root, filename)
    if key not in urls:
        urls[key] = _asset_url(filename)
    return urls[key]


def _asset_url(filename: str) -> str:
    path = Path(current_app.static_folder) / filename
    return url_for("static", filename=filename, v=_digest(str(path), path.stat().st_mtime))


def init_app(app: Flask) -> None:
    app.add_template_global(asset_url)

    @app.after_request
    def serve_static(response):
        if request.endpoint != "static" or response.status_code != 200:
            return response
        if request.args.get("v"):
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        response.vary.add("Accept-Encoding")
        accepts_gzip = "gzip" in request.headers.get("Accept-Encoding", "").lower()
        if accepts_gzip and response.mimetype in COMPRESSIBLE:
            path = Path(app.static_folder) / request.view_args["filename"]
            body = _gzipped(str(path), path.stat().st_mtime)
            response.direct_passthrough = False
            response.set_data(body)
            response.headers["Content-Encoding"] = "gzip"
            response.headers["Content-Length"] = str(len(body))
            response.headers.pop("ETag", None)
        return response
