"""Login, logout and the language switch."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user, logout_user
from werkzeug.exceptions import HTTPException

from lms.auth.account import signed_in_user_record
from lms.auth.policy import MAX_USERNAME_LENGTH, is_safe_next, normalise_username
from lms.auth.service import find_user, record_login, record_logout
from lms.database import utcnow, write_transaction
from lms.extensions import limiter, socketio

bp = Blueprint("auth", __name__, template_folder="templates")


# Sign-in limits count wrong passwords only (the view answers 401); a successful sign-in never
# counts, so an office of 200 behind one address signs in freely. See docs/security-limits.md.


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
    user = find_user(username) if username else None
    if user is None or not user.active or not user.check_password(password):
        flash(_("Wrong username or password."), "error")
        return render_template(
            "auth/login.html", next=next_target if is_safe_next(next_target) else "", username=username
        ), 401
    with write_transaction():
        user = find_user(username)
        login_user(user, remember=bool(request.form.get("remember")))
        chosen = session.get("locale")
        record_login(user, utcnow(), chosen if chosen in current_app.config["LANGUAGES"] else None)
        session["login_at"] = user.last_login_at.timestamp()
    return redirect(_next_url())


@bp.post("/logout")
def logout():
    """End the session, and the live-room sockets it opened."""
    if current_user.is_authenticated:
        user_id = current_user.id
        with write_transaction():
            record_logout(signed_in_user_record(), utcnow())
        socketio.emit("logged_out", {}, to=f"user:{user_id}", namespace="/live")
    logout_user()
    flash(_("You have logged out."), "info")
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
