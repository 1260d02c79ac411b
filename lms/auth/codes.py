"""Pure rules for one-time codes: making them, reading them as typed, hashing and judging them.

A code carries 140 random bits (28 characters of Crockford's base32, printed in groups of four),
so a fast keyed hash (HMAC-SHA256) is enough to store it: guessing needs 2^139 tries on average,
however fast each one is. The slow password hash runs once, when the person chooses a password.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime
from enum import StrEnum

from lms.refusals import N_, Problem

# Crockford's base32: no I, L, O or U, so a code read from paper is typed right.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 28  # 28 x 5 = 140 bits
GROUP = 4
_TYPED_ALIKE = str.maketrans({"O": "0", "I": "1", "L": "1"})


class Purpose(StrEnum):
    """What a code lets its holder do: set the first password, or set a new one."""

    ACTIVATE = "activate"
    RESET = "reset"


def new_secret() -> bytes:
    """Return a new 256-bit secret from which the codes of one batch are derived."""
    return secrets.token_bytes(32)


def derive_code(secret: bytes, purpose: str, username: str) -> str:
    """Return the code of one account in a batch: HMAC of the batch secret, as 28 base32 characters."""
    digest = hmac.new(secret, f"{purpose}:{username}".encode(), hashlib.sha256).digest()
    number = int.from_bytes(digest, "big") >> (256 - 5 * CODE_LENGTH)
    chars = []
    for _ in range(CODE_LENGTH):
        number, index = divmod(number, 32)
        chars.append(ALPHABET[index])
    return "".join(reversed(chars))


def new_code() -> str:
    """Return one new random code (28 base32 characters)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def format_code(code: str) -> str:
    """Print a code in groups of four, easy to read out and to type."""
    return "-".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))


def normalise_code(typed: str) -> str:
    """Read a code as typed: case, spaces and dashes do not matter; O, I and L read as 0, 1 and 1."""
    kept = "".join(ch for ch in typed.upper() if not ch.isspace() and ch != "-")
    return kept.translate(_TYPED_ALIKE)


def code_key(secret_key: str | bytes) -> bytes:
    """Derive the key that hashes codes from the application's secret key."""
    raw = secret_key.encode() if isinstance(secret_key, str) else secret_key
    return hmac.new(raw, b"lms.one-time-codes.v1", hashlib.sha256).digest()


def code_hash(key: bytes, code: str) -> str:
    """Return the keyed hash under which a code is stored (hex), for a code as typed or as made."""
    return hmac.new(key, normalise_code(code).encode(), hashlib.sha256).hexdigest()


def code_problem(
    *, expires_at: datetime, used_at: datetime | None, replaced_at: datetime | None, now: datetime
) -> Problem | None:
    """Return why a code that matched is not usable any more, or None."""
    if used_at is not None:
        return Problem(N_("This code has already been used."))
    if replaced_at is not None:
        return Problem(N_("This code was replaced by a newer one. Use the newest code you were given."))
    if expires_at <= now:
        return Problem(N_("This code has expired. Ask your administrator for a new one."))
    return None


WRONG_CODE = N_("The username or the code is wrong.")
