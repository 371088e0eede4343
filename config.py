"""Configuration classes, selected by name in create_app() or by FLASK_CONFIG.

Everything secret or installation-specific comes from the environment:
SECRET_KEY, DATABASE_URL, MAIL_*. The embedded SQLite database lives in instance/.
"""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("LK_INSTANCE_DIR", BASE_DIR / "instance"))

#: The value a development checkout uses; production refuses to start with it.
DEV_SECRET_KEY = "dev-secret-key-not-for-production"  # noqa: S105 (refused in production)
#: Production refuses a shorter SECRET_KEY: it signs sessions, CSRF tokens and mailed links.
MIN_SECRET_KEY_BYTES = 32


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
    INSTANCE_DIR = INSTANCE_DIR
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'lk.sqlite3'}")
    #: hide_parameters: SQL errors in the log never carry the values (СНИЛС, passport data…).
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True, "hide_parameters": True}
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    #: Connections each process keeps open: one per gunicorn thread, since a request holds its
    #: connection from the first query to the end. With fewer, the threads past the pool's size
    #: opened a connection and closed it again after their request (measured with 8 threads and
    #: SQLAlchemy's default of 5: five new SQLite connections a second per worker, each ~1 ms
    #: of CPU; on PostgreSQL a new connection also means a new server process).
    DATABASE_POOL_SIZE = _env_int("DATABASE_POOL_SIZE", _env_int("GUNICORN_THREADS", 8))
    #: Seconds a unit of work waits on SQLite for another writer's lock before it is run again
    #: (app/db.py); writers hold it for milliseconds, an import's chunk for well under a second.
    SQLITE_BUSY_TIMEOUT = float(os.environ.get("SQLITE_BUSY_TIMEOUT", 15))

    #: Uploaded files (consent scans, application documents) live here, outside the web root.
    UPLOAD_DIR = Path(os.environ.get("UPLOAD_DIR", INSTANCE_DIR / "uploads"))
    #: `flask storage sweep` removes a file no row names only once it is this old: the request
    #: that wrote it may still be about to commit its row.
    UPLOAD_SWEEP_GRACE_MINUTES = _env_int("UPLOAD_SWEEP_GRACE_MINUTES", 60)
    #: With no MAIL_SERVER every outgoing mail is written here as an .eml file (SPEC §4.6).
    MAIL_DIR = Path(os.environ.get("MAIL_DIR", INSTANCE_DIR / "mail"))

    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = _env_int("MAIL_PORT", 25)
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS")
    MAIL_USE_SSL = _env_bool("MAIL_USE_SSL")
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_SUPPRESS_SEND = False  # Flask-Mail would suppress under TESTING; we test with a real server
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "lk@example.ru")
    #: Seconds an SMTP conversation may take before the sender gives up and retries later.
    MAIL_TIMEOUT = _env_int("MAIL_TIMEOUT", 10)
    #: How queued mail leaves after the commit: "thread" (background, never blocks the
    #: request), "inline" (right after the commit; tests), "off" (only the periodic sender).
    MAIL_DISPATCH = os.environ.get("MAIL_DISPATCH", "thread")
    #: Seconds the background sender waits after the commit, so the answer leaves first.
    MAIL_DISPATCH_DELAY = 0.2
    MAIL_MAX_ATTEMPTS = 8

    WTF_I18N_ENABLED = False  # WTForms then uses its own Russian catalogue (BaseForm.Meta)
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    WTF_CSRF_SSL_STRICT = False  # old browsers send no Referer; app/core/security.py checks Origin
    MAX_CONTENT_LENGTH = 32 * 1024 * 1024

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_DURATION = 30 * 24 * 3600
    STAFF_SESSION_MAX_SECONDS = 8 * 3600
    STAFF_SESSION_IDLE_SECONDS = 30 * 60

    #: argon2id cost; tests lower it (the suite's gunicorn through the environment).
    PASSWORD_HASH_TIME_COST = _env_int("PASSWORD_HASH_TIME_COST", 3)
    PASSWORD_HASH_MEMORY_COST = _env_int("PASSWORD_HASH_MEMORY_COST", 65536)
    TEMPORARY_PASSWORD_HOURS = 72
    RESET_TOKEN_SECONDS = 3600

    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = False
    #: When the shared storage (Redis) does not answer, each process counts in its own memory
    #: until it does again (Flask-Limiter checks it now and then), and an error of the limiter
    #: itself is logged, never a 500: a Redis restart must not take registration down.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    REGISTRATION_LIMIT = "20 per hour"
    RECOVERY_LIMIT = "20 per hour"
    LOGIN_WINDOW_MINUTES = 15
    LOGIN_FAILURES_PER_ADDRESS = 10
    LOGIN_FAILURES_PER_ACCOUNT = 5
    #: Per-address limits of app.core.limits, shared by every route that applies them.
    SUBMISSION_LIMIT = os.environ.get("SUBMISSION_LIMIT", "30 per hour;10 per minute")
    UPLOAD_LIMIT = os.environ.get("UPLOAD_LIMIT", "60 per hour")
    EXPORT_LIMIT = os.environ.get("EXPORT_LIMIT", "10 per hour")

    #: The second factor (TOTP, RFC 6238): the name authenticator apps show (empty: the
    #: company's short name), and how long the step between the password and the code may take.
    TOTP_ISSUER = os.environ.get("TOTP_ISSUER", "")
    SECOND_FACTOR_PENDING_SECONDS = 5 * 60
    #: Wrong codes in one login before the password must be typed again.
    SECOND_FACTOR_MAX_FAILURES = 5
    RECOVERY_CODES = 10
    #: The link that confirms a new login email.
    EMAIL_CHANGE_TOKEN_SECONDS = 24 * 3600

    #: Retention (docs/privacy.md), in days; `flask privacy purge` applies them.
    CONSENT_WITHDRAWAL_GRACE_DAYS = 30
    FAILED_LOGIN_RETENTION_DAYS = 90
    LOGIN_HISTORY_RETENTION_DAYS = 365
    #: Login records (app.auth.models.LoginSession) after their logout or expiry.
    LOGIN_SESSION_RETENTION_DAYS = 7
    AUDIT_DETAIL_RETENTION_DAYS = 365
    AUDIT_RETENTION_DAYS = 3 * 365
    CONSENT_PROOF_RETENTION_DAYS = 3 * 365
    SENT_MAIL_RETENTION_DAYS = 7
    FAILED_MAIL_RETENTION_DAYS = 30

    #: Where absolute links (mail, the walk-in slip, documents) point when the company's site
    #: address is empty and no request tells it: the mail sender, commands. `make run` sets
    #: LK_SITE_URL from its PORT; the demo company is made with it.
    SITE_URL = os.environ.get("LK_SITE_URL", "http://127.0.0.1:5000")
    #: The Bank of Russia's key rate, percent: the penalty of the general procedure is 0.014 of
    #: it for a day of delay (Decree 861 p.16(в)). Set it when the rate changes.
    KEY_RATE_PERCENT = os.environ.get("LK_KEY_RATE_PERCENT", "16.5")

    #: How long a process may print the company's settings it read before reading them again;
    #: a change shows at once in the process that saved it, in the others within this time.
    COMPANY_CACHE_SECONDS = _env_int("COMPANY_CACHE_SECONDS", 30)

    #: Seconds between polls of live blocks (unread count, application status).
    POLL_SECONDS = _env_int("POLL_SECONDS", 20)
    #: Static files carry a content hash in their URL, so browsers may keep them a year.
    SEND_FILE_MAX_AGE_DEFAULT = 365 * 24 * 3600
    COMPRESS_MIMETYPES = [
        "text/html",
        "text/css",
        "text/plain",
        "text/calendar",
        "text/csv",
        "application/javascript",
        "text/javascript",
        "application/json",
        "image/svg+xml",
    ]
    COMPRESS_ALGORITHM = ["gzip"]
    COMPRESS_LEVEL = 6
    COMPRESS_MIN_SIZE = 256

    #: How many reverse proxies (nginx) stand in front and set X-Forwarded-For/-Proto; the
    #: client's address (throttling, audit) is read through them. 0: none.
    TRUSTED_PROXIES = _env_int("TRUSTED_PROXIES", 0)

    #: Refuse to start without a real SECRET_KEY (production).
    REQUIRE_REAL_SECRET = False


class DevelopmentConfig(Config):
    DEBUG = False  # the debugger is never on a port others can reach; use FLASK_DEBUG=1 locally


class TestingConfig(Config):
    TESTING = True
    MAIL_DISPATCH = "inline"
    PASSWORD_HASH_TIME_COST = 1
    PASSWORD_HASH_MEMORY_COST = 1024
    SERVER_NAME = None


class ProductionConfig(Config):
    REQUIRE_REAL_SECRET = True
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-session"
    REMEMBER_COOKIE_NAME = "__Host-remember"
    PREFERRED_URL_SCHEME = "https"
    #: The host names the site answers to (LK_TRUSTED_HOSTS="lk.example.ru,lk2.example.ru"):
    #: a request for any other Host is refused, so a link built from the request (while the
    #: company's site address is not saved yet) never points at a host an attacker chose.
    TRUSTED_HOSTS = [h.strip() for h in os.environ.get("LK_TRUSTED_HOSTS", "").split(",") if h.strip()] or None


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
