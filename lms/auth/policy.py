"""Pure rules about users: safe redirects, usernames, passwords."""

from __future__ import annotations

import re
import secrets
from urllib.parse import urlsplit

from lms.refusals import N_, Problem
from lms.text import forbidden_character

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD_LENGTH = 8
MAX_USERNAME_LENGTH = 64


def is_safe_next(target: str | None) -> bool:
    """Tell whether a `next=` target stays on this site (a path, never another host)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return False
    if any(ord(ch) < 32 for ch in target) or "\\" in target:
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def normalise_username(value: str) -> str:
    """Usernames are case-insensitive: keep them lower-case and trimmed."""
    return value.strip().lower()


def username_problem(username: str) -> str | None:
    """Return why a username is not acceptable, or None."""
    if not USERNAME_RE.match(username):
        return Problem(
            N_("username must be 3-64 characters: a-z, 0-9, '.', '_' or '-', starting with a letter or digit")
        )
    return None


def password_problem(password: str) -> str | None:
    """Return why a password is not acceptable, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return Problem(N_("password must have at least %(n)d characters"), n=MIN_PASSWORD_LENGTH)
    return None


def email_problem(email: str) -> str | None:
    """Return why an e-mail address is not acceptable, or None (empty is allowed)."""
    if email and (not EMAIL_RE.match(email) or forbidden_character(email)):
        return Problem(N_("'%(email)s' is not an e-mail address"), email=email)
    return None


def self_change_problem(
    actor_id: int | None, target_id: int, *, role: str | None = None, active: bool | None = None
) -> str | None:
    """Return why an admin may not make this change to their own account (no self lock-out), or None."""
    if actor_id != target_id:
        return None
    if active is False:
        return Problem(N_("you cannot disable your own account"))
    if role is not None and role != "admin":
        return Problem(N_("you cannot take away your own admin role"))
    return None


def admin_change_problem(
    actor_id: int | None,
    target_id: int,
    *,
    active_admin_now: bool,
    other_active_admins: int,
    role: str | None = None,
    active: bool | None = None,
) -> str | None:
    """Return why this change to an account may not be made, or None: the one rule of every path.

    Nobody takes away their own admin role or disables themselves (`actor_id`: who asks, None for a
    command run on the server), and the last active admin keeps both: without one, nobody could
    manage accounts from the web any more.
    """
    if problem := self_change_problem(actor_id, target_id, role=role, active=active):
        return problem
    loses_admin = (role is not None and role != "admin") or active is False
    if active_admin_now and loses_admin and other_active_admins == 0:
        if active is False:
            return Problem(N_("the last active admin cannot be disabled"))
        return Problem(N_("the last active admin cannot lose the admin role"))
    return None


def generate_password() -> str:
    """Return a new random password that is easy to read out (no look-alike characters)."""
    alphabet = "abcdefghijkmnpqrstuvwxyz23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(3))
