"""The learning platform's application factory."""

from __future__ import annotations

import importlib
import secrets
from pathlib import Path

from flask import Flask, current_app, has_request_context, render_template, request, session
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_limiter import RateLimitExceeded
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import make_url
from werkzeug.middleware.proxy_fix import ProxyFix

from config import CONFIGS
from lms.extensions import babel, csrf, db, limiter, login_manager, migrate, socketio
from lms.i18n import install_template_translations
from lms.live import transport
from lms.observability import init_observability, observe_requests, security_event
from lms.observability.failures import DATABASE_OUTAGES, UNAVAILABLE, database_unavailable, standalone_error_page
from lms.refusals import Refused
from lms.settings import config_name_problem, pool_options, settings_message, settings_problems
from lms.static_assets import register_static_fingerprints
from lms.web import SignedCookieSessions, socketio_middleware_for_its_path_only

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

SECURITY_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
)


def create_app(
    config_name: str = "development", overrides: dict | None = None, instance_path: str | None = None
) -> Flask:
    """Build the app for a configuration: development, testing or production."""
    app = Flask(__name__, instance_relative_config=True, instance_path=instance_path)
    app.session_interface = SignedCookieSessions()
    if problem := config_name_problem(config_name, CONFIGS):
        raise RuntimeError(settings_message([problem]))
    app.config.from_object(CONFIGS[config_name])
    app.config.update(overrides or {})
    _configure_instance(app)
    if problems := settings_problems(app.config):
        raise RuntimeError(settings_message(problems))
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # A new dict: the configuration class's own is shared by every app of the process.
        options = app.config["SQLALCHEMY_ENGINE_OPTIONS"]
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options | pool_options(app.config)
    register_extensions(app)
    init_observability(app)
    register_blueprints(app)
    register_cli(app)
    register_hooks(app)
    register_static_fingerprints(app)
    register_error_pages(app)
    if app.config["PROXY_HOPS"]:
        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    observe_requests(app)
    return app


def message_queue_channel(database_url: str | None) -> str:
    """The Socket.IO channel of an installation that names none: one per database (host, port and
    name, never the password), since the processes of one installation share their database."""
    url = make_url(database_url or "sqlite://")
    return f"lms:{url.get_backend_name()}:{url.host or ''}:{url.port or ''}:{url.database or ''}"


def normalise_database_url(url: str | None) -> str | None:
    """Use the psycopg 3 driver for plain postgresql:// URLs (SQLAlchemy defaults to psycopg2)."""
    if url and url.startswith(("postgres://", "postgresql://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _configure_instance(app: Flask) -> None:
    """Fill in the secret key and database defaults of development (production must be given both:
    lms.settings says so)."""
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(app.config.get("SQLALCHEMY_DATABASE_URI"))
    if (app.config["SQLALCHEMY_DATABASE_URI"] or "sqlite").startswith("sqlite"):
        # A pre-ping guards against a database server dropping idle connections; a file never does.
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            k: v for k, v in app.config["SQLALCHEMY_ENGINE_OPTIONS"].items() if k != "pool_pre_ping"
        }
    if app.config["NAME"] == "development":
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        if not app.config.get("SECRET_KEY"):
            key_file = Path(app.instance_path) / "secret_key"
            if not key_file.exists():
                key_file.write_text(secrets.token_hex(32))
                key_file.chmod(0o600)
            app.config["SECRET_KEY"] = key_file.read_text().strip()
        if not app.config.get("SQLALCHEMY_DATABASE_URI"):
            app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{Path(app.instance_path) / 'lms.sqlite3'}"


def _select_locale() -> str:
    """The user's saved language, else the session's choice, else Vietnamese."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI and background work: the default language
        return languages[0]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    chosen = session.get("locale")
    return chosen if chosen in languages else languages[0]


# Every domain's models, imported once so the metadata (and migrations) see all tables.
MODEL_MODULES = (
    "lms.org.models",
    "lms.auth.models",
    "lms.courses.models",
    "lms.progress.models",
    "lms.quizzes.models",
    "lms.live.models",
    "lms.audit.models",
    "lms.certificates.models",
    "lms.evaluations.models",
    "lms.heads.models",
)


# Where people upload CSV files: these take bodies up to UPLOAD_MAX_CONTENT_LENGTH.
UPLOAD_ENDPOINTS = ("admin.import_users", "admin.confirm_import", "admin.enrol_csv")


def register_extensions(app: Flask) -> None:
    for module in MODEL_MODULES:
        importlib.import_module(module)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / "migrations"), render_as_batch=True)
    _bound_request_bodies(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=_select_locale)
    install_template_translations(app)
    limiter.init_app(app)
    _limit_decorated_views_only(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    cors = app.config["SOCKETIO_CORS_ALLOWED_ORIGINS"] or None  # None: same origin only
    socketio.init_app(
        app,
        async_mode=app.config["SOCKETIO_ASYNC_MODE"],
        message_queue=app.config["SOCKETIO_MESSAGE_QUEUE"],
        # The rooms, in memory or shared through the message queue, with the cut that ends access
        # on every process (lms/live/transport.py).
        client_manager=transport.room_manager(
            app.config["SOCKETIO_MESSAGE_QUEUE"],
            app.config["SOCKETIO_CHANNEL"] or message_queue_channel(app.config["SQLALCHEMY_DATABASE_URI"]),
        ),
        # The live room's namespace only: python-socketio accepts `/` unless told otherwise.
        namespaces=transport.NAMESPACES,
        cors_allowed_origins=cors,
        max_http_buffer_size=app.config["SOCKETIO_MAX_MESSAGE_BYTES"],
        manage_session=False,
        # One connection's events are handled one after another, in the order sent: two quick
        # slide moves must be stored in the order the instructor made them. Connections still
        # run side by side.
        async_handlers=False,
    )
    transport.install(app, socketio.server)
    socketio_middleware_for_its_path_only(app, transport.polling_screen(socketio.server))

    from lms.auth.account import load_account
    from lms.auth.views import load_remembered_login

    # The session's user id is checked against its server-side sign-in (lms/auth/sessions.py);
    # remember-me is the app's own rotating token, never Flask-Login's cookie (REMEMBER_COOKIE_NAME).
    login_manager.user_loader(load_account)
    login_manager.request_loader(load_remembered_login)
    # So Flask-Login's hook that keeps its own remember cookie up to date has nothing to do; it
    # would read the session of every response, and static files and health checks would then
    # vary on Cookie (uncacheable by a proxy).
    app.after_request_funcs[None].remove(login_manager._update_remember_cookie)


# Blueprints whose limits count only some answers (`deduct_when`: a wrong password, an unknown
# verification code): Flask-Limiter counts those after the response, in its after-request hook.
BLUEPRINTS_COUNTING_ANSWERS = ("auth", "certificates")


def _limit_decorated_views_only(app: Flask) -> None:
    """Drop Flask-Limiter's per-request hooks: this app has no default or application-wide limits.

    Only a few views are limited (the login form, check-in codes, ...) and their decorator checks
    the limit itself when the view runs. The extension's before/after/teardown hooks would
    otherwise resolve limits on every request, static files and health checks included, which
    cost about a sixth of a bare request. The after-request hook, which counts the answers a
    `deduct_when` limit asks for, is kept for the blueprints that have such limits.
    """
    # A new app starts with storage believed to be reachable (the extension object outlives apps).
    limiter._storage_dead = False
    if app.config.get("RATELIMIT_DEFAULT") or app.config.get("RATELIMIT_APPLICATION"):
        return

    def is_limiter_hook(function) -> bool:
        bound_to = getattr(function, "__self__", None)
        partial_of = getattr(function, "args", ())
        return bound_to is limiter or (bool(partial_of) and partial_of[0] is limiter)

    counting = [function for function in app.after_request_funcs.get(None, []) if is_limiter_hook(function)]
    for hooks in (app.before_request_funcs, app.after_request_funcs, app.teardown_request_funcs):
        if None in hooks:
            hooks[None] = [function for function in hooks[None] if not is_limiter_hook(function)]
    for blueprint in BLUEPRINTS_COUNTING_ANSWERS:
        app.after_request_funcs.setdefault(blueprint, []).extend(counting)


def _bound_request_bodies(app: Flask) -> None:
    """Give CSV uploads a larger body limit, and the sign-in form a small one, before anything reads
    the body (the CSRF check does, so this hook must come first)."""
    upload = app.config["UPLOAD_MAX_CONTENT_LENGTH"]
    limits = {endpoint: upload for endpoint in UPLOAD_ENDPOINTS}
    limits["auth.login"] = app.config["LOGIN_MAX_CONTENT_LENGTH"]

    @app.before_request
    def bound_request_body():
        if (limit := limits.get(request.endpoint)) is not None:
            request.max_content_length = limit
            request.max_form_memory_size = limit

    @app.teardown_request
    def close_uploaded_files(_exc):
        # An upload over 500 KB is spooled to a temporary file: close it now, not when collected.
        if request.endpoint in UPLOAD_ENDPOINTS and "files" in request.__dict__:
            for upload in request.files.values():
                upload.close()


def register_blueprints(app: Flask) -> None:
    from lms.admin.views import bp as admin_bp
    from lms.auth.activation_views import bp as activation_bp
    from lms.auth.views import bp as auth_bp
    from lms.certificates.views import bp as certificates_bp
    from lms.courses.views import bp as courses_bp
    from lms.dashboard.views import bp as dashboard_bp
    from lms.evaluations.views import bp as evaluations_bp
    from lms.heads.views import bp as heads_bp
    from lms.live.views import bp as live_bp
    from lms.progress.views import bp as progress_bp
    from lms.quizzes.views import bp as quizzes_bp
    from lms.reports.views import bp as reports_bp

    for blueprint in (
        auth_bp,
        activation_bp,
        dashboard_bp,
        courses_bp,
        progress_bp,
        quizzes_bp,
        live_bp,
        certificates_bp,
        admin_bp,
        reports_bp,
        evaluations_bp,
        heads_bp,
    ):
        app.register_blueprint(blueprint)
    from lms.live.events import register_events

    register_events()

    @app.get("/favicon.ico")
    def favicon():
        return app.send_static_file("favicon.svg")


def register_cli(app: Flask) -> None:
    from lms.auth.cli import users_cli
    from lms.backup.cli import backup_cli
    from lms.content.cli import content_cli
    from lms.courses.cli import classes_cli
    from lms.demo import demo_cli, serve_command
    from lms.live.cli import sessions_cli
    from lms.org.cli import units_cli

    for group in (users_cli, units_cli, content_cli, classes_cli, sessions_cli, demo_cli, backup_cli):
        app.cli.add_command(group)
    app.cli.add_command(serve_command)


def register_hooks(app: Flask) -> None:
    @app.after_request
    def security_headers(response):
        headers = response.headers
        # One pass over the names: looking each header up is a miss, and Werkzeug's misses raise.
        present = {name.lower() for name, _ in headers.items()}
        # A view may set its own, e.g. a stricter CSP for assets.
        headers.extend([(name, value) for name, value in SECURITY_HEADERS if name.lower() not in present])
        if request.is_secure and "strict-transport-security" not in present:
            headers["Strict-Transport-Security"] = "max-age=31536000"
        if "cache-control" not in present and "_user_id" in session:  # a logged-in page
            headers["Cache-Control"] = "private, no-store"
        return response

    @app.context_processor
    def inject_globals():
        return {"languages": app.config["LANGUAGES"], "current_locale": str(get_locale())}


def register_error_pages(app: Flask) -> None:
    messages = {
        400: _l("The request could not be understood."),
        403: _l("You do not have access to this page."),
        404: _l("This page does not exist."),
        405: _l("This action is not allowed here."),
        413: _l("What you sent is too large. Nothing was saved."),
        429: _l("Too many attempts. Please wait a minute and try again."),
        500: _l("Something went wrong on our side. Please try again later."),
    }

    def render_error(code: int, message):
        try:
            return render_template("error.html", code=code, message=message), code
        except DATABASE_OUTAGES as outage:  # the page's header reads the signed-in user
            return database_unavailable(outage)

    for code, message in messages.items():
        if code not in (429, 500):
            app.register_error_handler(code, lambda exc, code=code, message=message: render_error(code, message))

    @app.errorhandler(500)
    def server_error(exc):
        # Flask has logged the error (one record); the page must not fail in turn, so it reads
        # neither the database nor the signed-in user.
        if isinstance(getattr(exc, "original_exception", None), DATABASE_OUTAGES):
            return standalone_error_page(503, UNAVAILABLE)
        return standalone_error_page(500, messages[500])

    @app.errorhandler(429)
    def rate_limited(exc):
        # Flask-Limiter's limits and the views' own (activation codes) alike: one security event.
        if isinstance(exc, RateLimitExceeded):
            security_event("rate_limited", limit=str(exc.limit.limit))
            # A limit with its own message says which (this account, this network); others the general one.
            return render_error(429, exc.description if exc.limit.error_message else messages[429])
        security_event("rate_limited")
        return render_error(429, messages[429])

    @app.errorhandler(Refused)
    def refused(refusal: Refused):
        # A refusal no view turned into a form error: nothing it began may be kept.
        db.session.rollback()
        return render_template("error.html", code=refusal.status, messages=refusal.messages()), refusal.status

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        security_event("csrf_failed", reason=exc.description)
        return render_error(
            400, _l("Your form expired or was sent from elsewhere. Please reload the page and try again.")
        )
