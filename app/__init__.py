"""The application factory."""

from __future__ import annotations

import importlib
import logging
import os

from flask import Flask
from sqlalchemy.engine import make_url

from config import CONFIGS, DEV_SECRET_KEY, MIN_SECRET_KEY_BYTES

#: The feature packages. Importing one imports its routes, its staff pages (`office.py`,
#: nested under /office), its signal receivers (app.core.signals) and its `privacy.py`; their
#: `models` and `demo` modules are found by these names.
FEATURES = (
    "public",
    "auth",
    "privacy",
    "cabinet",
    "notifications",
    "mail",
    "company",
    "workdays",
    "audit",
    "backup",
    "outages",
    "appeals",
    "calculator",
    "applications",
    "ratings",
)


def create_app(config_name: str | None = None, overrides: dict | None = None) -> Flask:
    config_name = config_name or os.environ.get("FLASK_CONFIG", "development")
    app = Flask(__name__, instance_path=str(CONFIGS[config_name].INSTANCE_DIR))
    from app.core.urls import IdConverter

    app.url_map.converters["int"] = IdConverter  # before any route: ids beyond MAX_ID are 404
    app.config.from_object(CONFIGS[config_name])
    if overrides:
        app.config.update(overrides)
    if app.config["REQUIRE_REAL_SECRET"]:
        _check_secret_key(app.config["SECRET_KEY"])
    os.makedirs(app.instance_path, exist_ok=True)
    if app.config["TRUSTED_PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        proxies = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("app").setLevel(logging.INFO)

    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = _engine_options(app.config)
    _init_extensions(app)

    from app import company
    from app.core import assets, errors, security, storage, templating

    security.init_app(app)
    storage.init_app(app)
    errors.init_app(app)
    assets.init_app(app)
    templating.init_app(app)

    company.init_app(app)  # the time zone and the details every page prints
    for blueprint in _blueprints():
        app.register_blueprint(blueprint)

    importlib.import_module("app.mail.services")  # registers the after-commit mail dispatch
    from app import demo

    app.cli.add_command(demo.demo_cli)
    from app.core.storage_cli import storage_cli

    app.cli.add_command(storage_cli)
    _import_models()
    from app.db import declare_command_intent, retry_conflicts

    for endpoint, view in app.view_functions.items():
        app.view_functions[endpoint] = retry_conflicts(view)
    declare_command_intent(app.cli)
    return app


def _init_extensions(app: Flask) -> None:
    """The database first, with the write discipline's hooks before any other (app/db.py)."""
    from app import extensions

    extensions.db.init_app(app)
    from app.db import declare_request_intent, survive_database_restarts

    declare_request_intent(app)
    survive_database_restarts(app)
    extensions.migrate.init_app(
        app,
        extensions.db,
        directory=os.path.join(os.path.dirname(app.root_path), "migrations"),
        render_as_batch=True,
        compare_type=True,
    )
    extensions.login_manager.init_app(app)
    extensions.mail.init_app(app)
    extensions.csrf.init_app(app)
    extensions.compress.init_app(app)
    extensions.limiter.init_app(app)


def _check_secret_key(key) -> None:
    """Production starts only with a real key: not the development one, at least
    MIN_SECRET_KEY_BYTES long (its length is said, never the key)."""
    if key in (DEV_SECRET_KEY, "", None):
        raise RuntimeError("SECRET_KEY must be set to a long random value in production.")
    size = len(key.encode() if isinstance(key, str) else key)
    if size < MIN_SECRET_KEY_BYTES:
        raise RuntimeError(
            f"SECRET_KEY is {size} bytes long; production needs at least {MIN_SECRET_KEY_BYTES} bytes of random data: "
            "python3 -c 'import secrets; print(secrets.token_urlsafe(48))'"
        )


def _blueprints() -> list:
    """Every blueprint, in the order it registers; /office last, with the staff pages of the
    features nested in it."""
    from app import (
        appeals,
        applications,
        audit,  # noqa: F401  (staff pages only: /office/audit)
        auth,
        backup,
        cabinet,
        calculator,
        mail,
        notifications,
        office,
        outages,
        privacy,
        public,
        ratings,
        workdays,  # noqa: F401  (staff pages only: /office/calendar)
    )

    return [
        public.bp,
        auth.bp,
        privacy.bp,
        cabinet.bp,
        notifications.bp,
        mail.bp,
        backup.bp,
        outages.bp,
        appeals.bp,
        calculator.bp,
        applications.bp,
        ratings.bp,
        office.bp,
    ]


def _import_optional(module: str) -> None:
    try:
        importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name != module:
            raise


def _import_models() -> None:
    """Every model module, so Alembic and create_all see every table."""
    _import_optional("app.core.models")
    _import_optional("app.core.storage")
    for name in FEATURES:
        _import_optional(f"app.{name}.models")


def _engine_options(config) -> dict:
    options = dict(config["SQLALCHEMY_ENGINE_OPTIONS"])
    url = make_url(config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite":
        # A file never drops a connection as a server does: no "SELECT 1" before each request.
        options["pool_pre_ping"] = False
        # How long BEGIN IMMEDIATE waits for another writer before SQLite reports it busy.
        options["connect_args"] = {**options.get("connect_args", {}), "timeout": config["SQLITE_BUSY_TIMEOUT"]}
        if url.database in (None, "", ":memory:"):
            return options  # one shared in-memory connection: no pool to size
    options.setdefault("pool_size", config["DATABASE_POOL_SIZE"])
    return options
