"""An app on a fresh instance with the demo data, for in-process measurements."""

from __future__ import annotations

import contextlib
import os
import shutil

from bench.instance import instance_env, make_instance


@contextlib.contextmanager
def demo_app():
    root = make_instance("demo")
    env = instance_env(root)
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        import config
        from app import create_app

        config.Config.INSTANCE_DIR = root
        app = create_app(
            "development",
            {
                "SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"],
                "UPLOAD_DIR": root / "uploads",
                "MAIL_DIR": root / "mail",
                "MAIL_DISPATCH": "off",
                "RATELIMIT_ENABLED": False,
            },
        )
        with app.app_context():
            from flask_migrate import upgrade

            from app.db import unit_of_work
            from app.demo import load

            upgrade()
            with unit_of_work():  # as `flask demo load` does (app/db.py: writes declare it)
                load()
        yield app
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        shutil.rmtree(root, ignore_errors=True)
