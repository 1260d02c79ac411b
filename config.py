"""Application settings, read from environment variables with safe defaults.

Three configurations: development (the default; `make run`), testing (pytest) and production.
Every setting that differs between machines comes from an `LMS_*` environment variable.
"""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent


def env_bool(name: str, default: bool = False) -> bool:
    """Read a yes/no environment variable."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    """Settings shared by every configuration."""

    NAME = "base"
    SECRET_KEY = os.environ.get("LMS_SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = os.environ.get("LMS_DATABASE_URL")
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    # PostgreSQL connections per server process. A gevent process has hundreds of requests in
    # flight; each holds a connection only while it talks to the database (never during the
    # password check), so a few dozen serve them. Waiting longer than the timeout for one answers
    # 503. Keep processes × (size + overflow) under PostgreSQL's max_connections (100 by default).
    DB_POOL_SIZE = os.environ.get("LMS_DB_POOL_SIZE", "20")
    DB_POOL_OVERFLOW = os.environ.get("LMS_DB_POOL_OVERFLOW", "10")
    DB_POOL_TIMEOUT_SECONDS = os.environ.get("LMS_DB_POOL_TIMEOUT_SECONDS", "30")
    CONTENT_DIR = os.environ.get("LMS_CONTENT_DIR", str(BASE_DIR / "content"))

    # Socket.IO: threading for the development server and tests, gevent under gunicorn.
    SOCKETIO_ASYNC_MODE = os.environ.get("LMS_SOCKETIO_ASYNC_MODE", "threading")
    SOCKETIO_MESSAGE_QUEUE = os.environ.get("LMS_SOCKETIO_MESSAGE_QUEUE") or None
    # How many server processes the installation runs (deploy/): more than one needs Redis and
    # PostgreSQL, which lms.settings checks at start.
    PROCESSES = os.environ.get("LMS_PROCESSES", "1")
    # Redis publish/subscribe channels ignore the database number in the URL: two installations
    # (staging and production, or two test runs) sharing one Redis need different channels.
    # None: derived from the database (lms.message_queue_channel), so two installations sharing one
    # Redis server never hear each other's rooms unless they share a database too.
    SOCKETIO_CHANNEL = os.environ.get("LMS_SOCKETIO_CHANNEL") or None
    # Same origin only unless a list of origins is given (comma-separated).
    SOCKETIO_CORS_ALLOWED_ORIGINS = [
        o.strip() for o in os.environ.get("LMS_CORS_ALLOWED_ORIGINS", "").split(",") if o.strip()
    ]

    # Engine.IO refuses (and closes the connection on) any HTTP body or WebSocket message larger
    # than this; room events are at most a few kilobytes, so a megabyte (the default) is never needed.
    SOCKETIO_MAX_MESSAGE_BYTES = int(os.environ.get("LMS_SOCKETIO_MAX_MESSAGE_BYTES", "100000"))
    # How often the room page says it is still there; a connection silent for three of these has
    # its attendance stretch ended at its last heartbeat (a crashed server never reports it gone).
    LIVE_HEARTBEAT_SECONDS = int(os.environ.get("LMS_LIVE_HEARTBEAT_SECONDS", "30"))
    # Arrivals and departures are gathered per room and broadcast as one `presence` event at most
    # this often (a class arriving together is then a few broadcasts, not one per arrival).
    LIVE_PRESENCE_BATCH_SECONDS = float(os.environ.get("LMS_LIVE_PRESENCE_BATCH_SECONDS", "0.5"))

    # Rate limits are kept in memory for one process; use Redis when there are several.
    RATELIMIT_STORAGE_URI = os.environ.get("LMS_RATELIMIT_STORAGE_URL", "memory://")
    # Put before every limit's key in that storage (the sign-in limits and the live room's post
    # limits alike), so deployments sharing one Redis keep their counts apart.
    RATELIMIT_KEY_PREFIX = os.environ.get("LMS_RATELIMIT_KEY_PREFIX", "")
    RATELIMIT_ENABLED = True
    # When the storage (Redis) cannot be reached, limits are kept in this process's memory until it
    # answers again, and the failure is logged: a sign-in never fails because Redis is down.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    # Only wrong passwords count; a successful sign-in never does. Per account and address: one
    # person guessing; per account: guessing from many addresses; per address: a ceiling high enough
    # for an office of 200 behind one address signing in within minutes, typing mistakes included.
    LOGIN_LIMIT_PER_ACCOUNT_ADDRESS = os.environ.get("LMS_LOGIN_LIMIT_PER_ACCOUNT_ADDRESS", "10 per 15 minutes")
    LOGIN_LIMIT_PER_ACCOUNT = os.environ.get("LMS_LOGIN_LIMIT_PER_ACCOUNT", "30 per 15 minutes; 100 per day")
    LOGIN_LIMIT_PER_ADDRESS = os.environ.get("LMS_LOGIN_LIMIT_PER_ADDRESS", "1000 per 10 minutes")
    # Check-in codes typed by one learner (not one address: a classroom shares its Wi-Fi).
    CHECKIN_LIMIT_PER_LEARNER = os.environ.get("LMS_CHECKIN_LIMIT_PER_LEARNER", "10 per minute")

    # Request bodies: 1 MB at most (Werkzeug answers 413 before reading a larger declared body);
    # CSV uploads (people import, class enrolment) get UPLOAD_MAX_CONTENT_LENGTH, the sign-in form
    # LOGIN_MAX_CONTENT_LENGTH, so its username cannot carry megabytes to be echoed back.
    MAX_CONTENT_LENGTH = 1024 * 1024
    UPLOAD_MAX_CONTENT_LENGTH = 3 * 1024 * 1024
    LOGIN_MAX_CONTENT_LENGTH = 8 * 1024

    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
    LANGUAGES = ("vi", "en")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = env_bool("LMS_SECURE_COOKIES", False)
    # Flask-Login's own remember cookie (a signed user id, valid for a year whatever happens to the
    # account) is never set, and one a browser still holds is never read under this name.
    REMEMBER_COOKIE_NAME = "flask_login_remember_unused"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # The app's remember-me cookie: a rotating selector:validator token that lasts 30 days from the
    # sign-in (lms/auth/sessions.py, docs/security.md).
    LMS_REMEMBER_COOKIE_NAME = "lms_remember"
    # A sign-in's "last seen" is written at most this often, so most pages write nothing.
    LOGIN_SESSION_TOUCH_SECONDS = int(os.environ.get("LMS_LOGIN_SESSION_TOUCH_SECONDS", "300"))
    WTF_CSRF_TIME_LIMIT = 8 * 3600  # a long module read must not expire the "done" form

    # Behind a reverse proxy, trust this many X-Forwarded-* hops (0: no proxy). Without it every
    # request seems to come from the proxy, and all users share one per-address limit.
    PROXY_HOPS = int(os.environ.get("LMS_PROXY_HOPS", "0"))
    # Time credited for one module page heartbeat at most: a tab left open is not study time.
    MODULE_TIME_CAP_SECONDS = 90

    # Logs: `json` (one object per line, for a log collector) or `text` (a line a person reads),
    # at this level and above. Production writes JSON. See docs/observability.md.
    LOG_FORMAT = os.environ.get("LMS_LOG_FORMAT", "text")
    LOG_LEVEL = os.environ.get("LMS_LOG_LEVEL", "INFO")
    # /metrics answers requests that come straight to the process from these addresses or networks
    # (comma-separated; empty: none), or that carry `Authorization: Bearer <LMS_METRICS_TOKEN>`;
    # everyone else gets 404.
    METRICS_ALLOW = os.environ.get("LMS_METRICS_ALLOW", "127.0.0.0/8, ::1")
    METRICS_TOKEN = os.environ.get("LMS_METRICS_TOKEN", "")
    # /readyz gives the database and Redis this long to answer (seconds; PostgreSQL's connect
    # timeout counts whole seconds, at least 2).
    READY_TIMEOUT_SECONDS = float(os.environ.get("LMS_READY_TIMEOUT_SECONDS", "2"))

    # Certificates: who issues them (printed on the PDF, named in the Open Badges issuer profile),
    # the serial's prefix, and the public address written into QR codes and badge ids (empty: the
    # address the request came in on).
    CERTIFICATE_ISSUER = os.environ.get("LMS_CERTIFICATE_ISSUER", "Sở Nội vụ Thành phố Hồ Chí Minh")
    CERTIFICATE_ISSUER_EMAIL = os.environ.get("LMS_CERTIFICATE_ISSUER_EMAIL", "daotao@example.org")
    CERTIFICATE_ISSUER_URL = os.environ.get("LMS_CERTIFICATE_ISSUER_URL", "")
    CERTIFICATE_SERIAL_PREFIX = os.environ.get("LMS_CERTIFICATE_SERIAL_PREFIX", "CCHC")
    PUBLIC_BASE_URL = os.environ.get("LMS_PUBLIC_BASE_URL", "").rstrip("/")
    # The domain after "@" in calendar event UIDs (empty: the public base URL's host). It must never
    # change once calendars have subscribed, or every event is seen as new. See lms/live/calendar.py.
    CALENDAR_UID_DOMAIN = os.environ.get("LMS_CALENDAR_UID_DOMAIN", "")
    # Looking up verification codes: only misses count, so guessing is slow and real checks are not.
    VERIFY_RATE_LIMIT = os.environ.get("LMS_VERIFY_RATE_LIMIT", "20 per minute; 200 per day")


class DevelopmentConfig(Config):
    """Local development: SQLite in the instance folder, a generated secret key."""

    NAME = "development"
    DEBUG = False  # the Werkzeug debugger stays off unless FLASK_DEBUG=1 is set


class TestingConfig(Config):
    """pytest: the database comes from the test fixtures, no message queue."""

    NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-secret-key-not-for-production"  # noqa: S105 - tests only
    SQLALCHEMY_DATABASE_URI = os.environ.get("LMS_TEST_DATABASE_URL", "sqlite://")
    SOCKETIO_ASYNC_MODE = "threading"
    SOCKETIO_MESSAGE_QUEUE = None
    RATELIMIT_STORAGE_URI = "memory://"
    SERVER_NAME = None
    LIVE_PRESENCE_BATCH_SECONDS = 0.05  # tests that count batches set a longer window themselves
    # The access matrix asserts that no GET writes; a test of "last seen" sets it to 0.
    LOGIN_SESSION_TOUCH_SECONDS = 24 * 3600
    # Quiet unless something is wrong; tests that read access lines or events capture INFO.
    LOG_LEVEL = "WARNING"


class ProductionConfig(Config):
    """Production: a real secret key and database are required; gevent under gunicorn."""

    NAME = "production"
    SOCKETIO_ASYNC_MODE = os.environ.get("LMS_SOCKETIO_ASYNC_MODE", "gevent")
    SESSION_COOKIE_SECURE = env_bool("LMS_SECURE_COOKIES", True)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    LOG_FORMAT = os.environ.get("LMS_LOG_FORMAT", "json")


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
