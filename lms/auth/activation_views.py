"""The public page where a person uses a one-time code to set their password, and is signed in."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from limits import parse_many

from lms.auth.activation import use_code
from lms.auth.policy import normalise_username
from lms.auth.views import sign_in
from lms.database import utcnow, write_transaction
from lms.extensions import limiter
from lms.refusals import Refused

bp = Blueprint("activation", __name__, template_folder="templates")

# Wrong codes per username: codes carry 140 bits, so this stops noise, not guessing.
DEFAULT_MISS_LIMIT = "5 per 15 minutes; 20 per day"


def _miss_limits():
    return parse_many(current_app.config.get("ACTIVATION_RATE_LIMIT", DEFAULT_MISS_LIMIT))


def _too_many_misses(username: str) -> bool:
    if not limiter.enabled:
        return False
    return not all(limiter.limiter.test(item, "code-miss", username) for item in _miss_limits())


def _count_miss(username: str) -> None:
    if limiter.enabled:
        for item in _miss_limits():
            limiter.limiter.hit(item, "code-miss", username)


@bp.route("/activate", methods=["GET", "POST"])
def activate():
    """Set a password with the code from a slip (activation) or from an admin (reset); then sign in."""
    if request.method == "GET":
        return render_template("auth/activate.html", username=request.args.get("username", "")[:64], problems=[])
    username = normalise_username(request.form.get("username", ""))[:64]
    if _too_many_misses(username):
        abort(429)
    try:
        with write_transaction():
            user = use_code(
                username=username,
                code=request.form.get("code", "")[:100],
                password=request.form.get("password", ""),
                confirm=request.form.get("confirm", ""),
                now=utcnow(),
            )
            sign_in(user, utcnow())
    except Refused as refusal:
        if refusal.code == "wrong_code" and username:
            _count_miss(username)
        return render_template(
            "auth/activate.html", username=username, problems=refusal.messages(), fields=refusal.by_field()
        ), refusal.status
    flash(_("Your password is set. Welcome!"), "success")
    return redirect(url_for("dashboard.home"), 303)
