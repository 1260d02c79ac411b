"""Login, logout and the language switch."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from lms.auth.account import signed_in_user_record
from lms.auth.policy import is_safe_next
from lms.auth.service import find_user, record_login, record_logout
from lms.database import utcnow, write_transaction
from lms.extensions import limiter, socketio

bp = Blueprint("auth", __name__, template_folder="templates")


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _next_url(default_endpoint: str = "dashboard.home") -> str:
    target = request.values.get("next")
    return target if is_safe_next(target) else url_for(default_endpoint)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
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
