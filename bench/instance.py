"""A throw-away instance for measuring: its own SQLite database and files in a temp folder."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def make_instance(name: str) -> Path:
    root = Path(tempfile.mkdtemp(prefix=f"lk-bench-{name}-"))
    (root / "uploads").mkdir()
    return root


def instance_env(root: Path, database_url: str | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "LK_INSTANCE_DIR": str(root),
            "DATABASE_URL": database_url or f"sqlite:///{root / 'bench.sqlite3'}",
            "UPLOAD_DIR": str(root / "uploads"),
            "MAIL_DIR": str(root / "mail"),
            "MAIL_DISPATCH": "off",
            "FLASK_CONFIG": "development",
        }
    )
    return env
