"""Login, logout, the account page (own password, sign out everywhere) and the language switch."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.exceptions import HTTPException

from lms.auth.account import load_account, signed_in_user_record
from lms.auth.policy import (
    MAX_PASSWORD_LENGTH,
    MAX_USERNAME_LENGTH,
    MIN_PASSWORD_LENGTH,
    is_safe_next,
    normalise_username,
)
from lms.auth.service import change_own_password, check_login, find_user, record_login
from lms.auth.sessions import (
    SESSION_KEY,
    end_every_session,
    end_session,
    forget_remember_token,
    issue_remember_token,
    open_sessions,
    start_session,
    use_remember_token,
)
from lms.database import utcnow, write_transaction
from lms.extensions import limiter
from lms.observability import security_event
from lms.refusals import Refused

bp = Blueprint("auth", __name__, template_folder="templates")


# Sign-in limits count wrong passwords only (the view answers 401); a successful sign-in never
# counts, so an office of 200 behind one address signs in freely. See docs/security.md.


def _wrong_password(response) -> bool:
    return response.status_code == 401


def _login_username() -> str:
    """The account a sign-in names, as limits key it ("-" when there is none or the body is too big)."""
    if (request.content_length or 0) > current_app.config["LOGIN_MAX_CONTENT_LENGTH"]:
        return "-"  # never read a body the form would refuse (413)
    try:
        username = normalise_username(request.form.get("username", ""))
    except HTTPException:
        return "-"
    return username[:MAX_USERNAME_LENGTH] or "-"


def _per_account() -> str:
    return f"account:{_login_username()}"


def _per_account_and_address() -> str:
    return f"account:{_login_username()}@{get_remote_address()}"


def _limit_setting(name: str):
    return lambda: current_app.config[name]


TOO_MANY_FOR_ACCOUNT = _l(
    "Too many wrong passwords for this account. Please try again later, or ask an administrator to reset the password."
)
TOO_MANY_FROM_ADDRESS = _l("Too many failed sign-ins from your network. Please wait a few minutes and try again.")


def _next_url(default_endpoint: str = "dashboard.home") -> str:
    target = request.values.get("next")
    return target if is_safe_next(target) else url_for(default_endpoint)


def _begin_browser_session(user, key: str, now: datetime, *, fresh: bool = True) -> None:
    """Give this browser a new session for a sign-in: nothing of the old one but its language.

    Dropping the rest rotates Flask-WTF's CSRF secret (kept in the session) at every sign-in.
    """
    locale = session.get("locale")
    session.clear()
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)  # Flask-WTF's copy for this request
    if locale is not None:
        session["locale"] = locale
    login_user(user, fresh=fresh)
    session[SESSION_KEY] = key
    session["login_at"] = now.timestamp()


def _set_remember_cookie(value: str | None, expires_at: datetime | None = None) -> None:
    """Have the response set (or, with None, delete) the remember-me cookie."""
    g.remember_cookie = (value, expires_at)


def _user_agent() -> str:
    return request.headers.get("User-Agent", "")[:400]


@bp.before_app_request
def _restore_remembered_login_first():
    """With a remember-me cookie, load the user before the view: the restore writes, and must not
    happen first inside a view's own write transaction."""
    if current_app.config["LMS_REMEMBER_COOKIE_NAME"] in request.cookies:
        current_user._get_current_object()


@bp.after_app_request
def _write_remember_cookie(response):
    if "remember_cookie" not in g:
        return response
    value, expires_at = g.pop("remember_cookie")
    config = current_app.config
    name = config["LMS_REMEMBER_COOKIE_NAME"]
    if value is None:
        response.delete_cookie(name, path="/", secure=config["SESSION_COOKIE_SECURE"], httponly=True, samesite="Lax")
    else:
        response.set_cookie(
            name,
            value,
            expires=expires_at,
            path="/",
            secure=config["SESSION_COOKIE_SECURE"],
            httponly=True,
            samesite="Lax",
        )
    return response


def load_remembered_login(req):
    """Flask-Login's request loader: sign a browser in again from its remember-me cookie, rotating it.

    Not on Socket.IO's requests: their answer cannot carry the rotated cookie, and the room page
    that opens a socket has already restored the sign-in.
    """
    cookie = req.cookies.get(current_app.config["LMS_REMEMBER_COOKIE_NAME"])
    if not cookie or req.path.startswith("/socket.io"):
        return None
    now = utcnow()
    with write_transaction():
        restored = use_remember_token(cookie, now)
        if restored is not None:
            user_id, new_cookie, family, expires_at = restored
            key = start_session(user_id, now, _user_agent(), remember_family=family)
    if restored is None:
        _set_remember_cookie(None)
        return None
    account = load_account(str(user_id), key)
    if account is None:
        return None
    _begin_browser_session(account, key, now, fresh=False)
    _set_remember_cookie(new_cookie, expires_at)
    return account


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    _limit_setting("LOGIN_LIMIT_PER_ACCOUNT_ADDRESS"),
    key_func=_per_account_and_address,
    methods=["POST"],
    deduct_when=_wrong_password,
    error_message=TOO_MANY_FOR_ACCOUNT,
)
@limiter.limit(
    _limit_setting("LOGIN_LIMIT_PER_ACCOUNT"),
    key_func=_per_account,
    methods=["POST"],
    deduct_when=_wrong_password,
    error_message=TOO_MANY_FOR_ACCOUNT,
)
@limiter.limit(
    _limit_setting("LOGIN_LIMIT_PER_ADDRESS"),
    methods=["POST"],
    deduct_when=_wrong_password,
    error_message=TOO_MANY_FROM_ADDRESS,
)
def login():
    """Show the login form; check the credentials it posts."""
    if current_user.is_authenticated:
        return redirect(_next_url())
    next_target = request.values.get("next", "")
    if request.method == "GET":
        return render_template("auth/login.html", next=next_target if is_safe_next(next_target) else "")
    username = request.form.get("username", "")
    password = request.form.get("password", "")
    if check_login(username, password) is None:
        security_event("login_failed", username=_login_username())
        flash(_("Wrong username or password."), "error")
        return render_template(
            "auth/login.html", next=next_target if is_safe_next(next_target) else "", username=username
        ), 401
    now = utcnow()
    with write_transaction():
        user = find_user(username)
        sign_in(user, now)
        if request.form.get("remember"):
            _set_remember_cookie(*issue_remember_token(user.id, now))
    return redirect(_next_url())


def sign_in(user, now: datetime) -> None:
    """Sign this browser in as `user` (inside the caller's write transaction): a new server-side
    sign-in, a fresh browser session, and the sign-in noted on the account."""
    key = start_session(user.id, now, _user_agent())
    _begin_browser_session(user, key, now)
    chosen = session.get("locale")
    record_login(user, now, chosen if chosen in current_app.config["LANGUAGES"] else None)


def _sign_out_browser() -> None:
    """Forget the sign-in in this browser: the session's keys and the remember-me cookie."""
    logout_user()
    session.pop(SESSION_KEY, None)
    session.pop("login_at", None)
    _set_remember_cookie(None)


@bp.post("/logout")
def logout():
    """End this browser's sign-in on the server (its cookie no longer opens anything), and its remember-me."""
    if current_user.is_authenticated:
        now = utcnow()
        with write_transaction():
            end_session(session.get(SESSION_KEY), now)
            forget_remember_token(request.cookies.get(current_app.config["LMS_REMEMBER_COOKIE_NAME"]), now)
    _sign_out_browser()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


def _account_page(errors: dict | None = None, status: int = 200):
    return render_template(
        "auth/account.html",
        user=signed_in_user_record(),
        sessions=open_sessions(current_user.id),
        current_session_id=current_user.login_session_id,
        errors=errors or {},
        min_length=MIN_PASSWORD_LENGTH,
        max_length=MAX_PASSWORD_LENGTH,
    ), status


@bp.get("/account")
@login_required
def account():
    """The signed-in person's account: change the password, see and end the sign-ins."""
    return _account_page()


@bp.post("/account/password")
@login_required
def change_password():
    """Change one's own password (the current one required); every other sign-in ends."""
    form = request.form
    now = utcnow()
    try:
        with write_transaction():
            user = signed_in_user_record()
            change_own_password(
                user,
                form.get("current_password", ""),
                form.get("new_password", ""),
                form.get("new_password_again", ""),
                now,
            )
            key = start_session(user.id, now, _user_agent())
    except Refused as refusal:
        return _account_page(refusal.by_field(), 400)
    _set_remember_cookie(None)
    _begin_browser_session(user, key, now)
    flash(_("Your password has been changed. Every other device has been signed out."), "info")
    return redirect(url_for("auth.account"), 303)


@bp.post("/account/sign-out-everywhere")
@login_required
def sign_out_everywhere():
    """End every sign-in of the account, this one included, and its live-room sockets."""
    with write_transaction():
        end_every_session(current_user.id, utcnow())
    _sign_out_browser()
    flash(_("You have been signed out on every device."), "info")
    return redirect(url_for("auth.login"))


@bp.post("/language")
def set_language():
    """Switch the interface language; remembered on the account when logged in."""
    locale = request.form.get("locale", "")
    if locale not in current_app.config["LANGUAGES"]:
        flash(_("Unknown language."), "error")
        return redirect(_next_url("auth.login")), 303
    session["locale"] = locale
    if current_user.is_authenticated:
        with write_transaction():
            signed_in_user_record().locale = locale
    return redirect(_next_url("dashboard.home" if current_user.is_authenticated else "auth.login"), 303)
