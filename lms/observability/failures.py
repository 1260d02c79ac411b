"""Error pages that render without the database, and one log line when the database is away.

With the database down, the usual error page fails too: its header reads the signed-in user,
and the language comes from the account. These pages read neither: the language is the one the
user was already loaded with, else the browser session's, else the default.
"""

from __future__ import annotations

import logging
import traceback
from pathlib import Path

from flask import current_app, g, session
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import exc as sa_exc

from lms.observability.requestid import current_request_id

log = logging.getLogger("lms.errors")

# What the database's absence looks like: a refused or dropped connection, a statement cut short,
# a pool with no connection to give within its timeout.
DATABASE_OUTAGES = (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError)
UNAVAILABLE = _l("The service is temporarily unavailable. Please try again in a few minutes.")
RETRY_AFTER_SECONDS = "30"
PACKAGE = Path(__file__).resolve().parents[1]


def locale_without_database() -> str:
    """The reader's language, found without a query."""
    languages = current_app.config["LANGUAGES"]
    account = g.get("_login_user")  # Flask-Login's user, when it was loaded before the failure
    chosen = getattr(account, "locale", None)
    if chosen in languages:
        return chosen
    chosen = session.get("locale")
    return chosen if chosen in languages else languages[0]


def standalone_error_page(code: int, message) -> tuple[str, int, dict]:
    """The error page of `code` in the reader's language, rendered without the database."""
    locale = locale_without_database()
    g.pop("_template_translations", None)  # the catalogue found for the request's language
    # Straight from the template, without the app's context processors: Flask-Login's loads the
    # signed-in user (a query) for every template rendered through Flask.
    template = current_app.jinja_env.get_template("error_standalone.html")
    with force_locale(locale):
        page = template.render(code=code, message=message, lang=locale, request_id=current_request_id.get())
    g.pop("_template_translations", None)
    headers = {"Cache-Control": "no-store"}
    if code == 503:
        headers["Retry-After"] = RETRY_AFTER_SECONDS
    return page, code, headers


def where(error: BaseException) -> str:
    """The innermost frame of the application's own code the error went through (file:line function)."""
    frames = [frame for frame in traceback.extract_tb(error.__traceback__) if frame.filename.startswith(str(PACKAGE))]
    if not frames:
        return ""
    frame = frames[-1]
    return f"{Path(frame.filename).relative_to(PACKAGE.parent)}:{frame.lineno} {frame.name}"


def database_unavailable(error: BaseException):
    """A request met the database's absence: one log line (no traceback) and the 503 page."""
    cause = getattr(error, "orig", None) or error
    detail = str(cause).strip().splitlines()[0][:300] if str(cause).strip() else ""
    log.error(
        "database unavailable",
        extra={"fields": {"error": type(cause).__name__, "detail": detail, "where": where(error)}},
    )
    return standalone_error_page(503, UNAVAILABLE)
