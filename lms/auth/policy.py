"""Pure rules about users: safe redirects, usernames, passwords."""

from __future__ import annotations

import itertools
import re
import secrets
import unicodedata
from urllib.parse import urlsplit

from zxcvbn import zxcvbn

from lms.refusals import N_, Problem
from lms.text import forbidden_character

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD_LENGTH = 8
MAX_USERNAME_LENGTH = 64
# Long enough for any passphrase a person types; bounded so judging and hashing a password stay cheap
# (the strength estimate grows faster than the length). docs/security.md.
MAX_PASSWORD_LENGTH = 128
# zxcvbn's score 3: an estimated 10^8 guesses or more, beyond what a throttled online attack tries.
MIN_PASSWORD_SCORE = 3


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


def fold(text: str) -> str:
    """Lower-case ASCII letters and digits of a text: Vietnamese without diacritics ("Nguyễn Đức" -> "nguyenduc")."""
    text = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in text.lower() if ch.isascii() and ch.isalnum())


def personal_words(username: str, full_name: str) -> list[str]:
    """What a password must not be built from: the username, the name, its words in any order, folded."""
    words = [w for w in (fold(part) for part in re.split(r"[\s._-]+", f"{username} {full_name}")) if w]
    name_words = [fold(part) for part in full_name.split() if fold(part)][:4]
    joined = {"".join(p) for n in range(2, len(name_words) + 1) for p in itertools.permutations(name_words, n)}
    return sorted({fold(username), *words, *joined} - {""})


def _matched(result: dict, dictionary: str) -> bool:
    """Whether zxcvbn's cheapest reading of the password uses a word of this dictionary."""
    return any(match.get("dictionary_name") == dictionary for match in result["sequence"])


def password_problem(password: str, *, username: str = "", full_name: str = "") -> str | None:
    """Return why a password is not acceptable, or None (NIST SP 800-63B: length, and not guessable).

    The strength is zxcvbn's estimate, with the person's username and name (and the name without
    diacritics) as words an attacker would try first. The folded password (no accents, capitals or
    separators) is judged too, for a name only: "Mai.Nguyễn-87" is "mainguyen87".
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        return Problem(N_("password must have at least %(n)d characters"), n=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        return Problem(N_("password must have at most %(n)d characters"), n=MAX_PASSWORD_LENGTH)
    inputs = personal_words(username, full_name)
    typed = zxcvbn(password, user_inputs=inputs, max_length=MAX_PASSWORD_LENGTH)
    folded = fold(password)
    if folded and folded != password:  # a name behind accents, capitals or separators
        unfolded = zxcvbn(folded, user_inputs=inputs, max_length=MAX_PASSWORD_LENGTH)
        if unfolded["score"] < MIN_PASSWORD_SCORE and _matched(unfolded, "user_inputs"):
            return Problem(N_("this password is built from your name or username"))
    if typed["score"] >= MIN_PASSWORD_SCORE:
        return None
    if _matched(typed, "user_inputs"):
        return Problem(N_("this password is built from your name or username"))
    if _matched(typed, "passwords"):
        return Problem(N_("this password is among the most common ones"))
    return Problem(N_("this password is too easy to guess"))


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
