"""Pure rules about users: safe redirects, usernames, passwords."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD_LENGTH = 8


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
        return "username must be 3-64 characters: a-z, 0-9, '.', '_' or '-', starting with a letter or digit"
    return None


def password_problem(password: str) -> str | None:
    """Return why a password is not acceptable, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"password must have at least {MIN_PASSWORD_LENGTH} characters"
    return None


def email_problem(email: str) -> str | None:
    """Return why an e-mail address is not acceptable, or None (empty is allowed)."""
    if email and not EMAIL_RE.match(email):
        return f"'{email}' is not an e-mail address"
    return None


def clean_name(value: str) -> str:
    """Trim a person's name and normalise it to NFC (decomposed accents draw wrongly)."""
    return " ".join(unicodedata.normalize("NFC", value).split())
