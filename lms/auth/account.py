"""The signed-in account, as plain values read once per request.

Flask-Login's `current_user` is an `Account`, not a mapped `User`: every logged-in request loads
it, and a mapped `User` (with its unit, through the ORM session) cost several times more than one
Core statement read as columns. The same statement joins the browser's sign-in (`LoginSession`,
by the hash of the key in its cookie): a logout, "sign out everywhere", a password change or a
disabled account ends it, and the next request finds no account. Views that change the account
itself load the `User` record with `signed_in_user_record()`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from flask import session
from flask_login import current_user
from sqlalchemy import bindparam, select

from lms.auth.models import LoginSession, SignedInFlags, User
from lms.auth.sessions import SESSION_KEY, secret_hash, touch_due, touch_session
from lms.database import utcnow
from lms.extensions import db
from lms.org.models import Unit
from lms.text import whole_number


@dataclass(frozen=True, eq=False)
class Account(SignedInFlags):
    """Who is asking: what the request needs to know about the signed-in user."""

    id: int
    full_name: str
    role: str
    locale: str | None
    active: bool
    unit_name: str | None
    logged_out_at: datetime | None
    calendar_token: str | None
    login_session_id: int


# Who is asking, as the rules take it: the signed-in `Account` (Flask-Login's current_user) or a
# loaded `User` record. Both have id, full_name, role and the role flags.
Actor = Account | User


@cache
def _account_statement():
    """Built once: it runs on every logged-in request."""
    return (
        select(
            User.id,
            User.full_name,
            User.role,
            User.locale,
            User.active,
            Unit.name,
            User.logged_out_at,
            User.calendar_token,
            LoginSession.id.label("login_session_id"),
            LoginSession.last_seen_at,
        )
        .join(LoginSession, LoginSession.user_id == User.id)
        .outerjoin(Unit, Unit.id == User.unit_id)
        .where(
            User.id == bindparam("user_id"),
            LoginSession.key_hash == bindparam("key_hash"),
            LoginSession.ended_at.is_(None),
        )
    )


def load_account(user_id: str, session_key: str | None = None) -> Account | None:
    """The account behind a browser's sign-in, or None when it is unknown, disabled or ended.

    `session_key` is the raw key of the sign-in, by default the one in the request's session.
    """
    key = session.get(SESSION_KEY) if session_key is None else session_key
    number = whole_number(user_id, minimum=1) if isinstance(user_id, str) else None
    if number is None or not isinstance(key, str) or not key:
        return None
    # The session's own connection: the request's later reads and writes share its transaction.
    row = (
        db.session.connection()
        .execute(_account_statement(), {"user_id": number, "key_hash": secret_hash(key)})
        .one_or_none()
    )
    if row is None or not row.active:
        return None
    *fields, last_seen_at = row
    now = utcnow()
    if touch_due(last_seen_at, now):  # every few minutes at most: most requests write nothing
        touch_session(row.login_session_id, now)
    return Account(*fields)


def signed_in_user_record() -> User:
    """The signed-in user's mapped record, for the views that change it."""
    return db.session.get(User, current_user.id)
