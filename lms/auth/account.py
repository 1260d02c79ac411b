"""The signed-in account, as plain values read once per request.

Flask-Login's `current_user` is an `Account`, not a mapped `User`: every logged-in request loads
it, and a mapped `User` (with its unit, through the ORM session) cost several times more than one
Core statement read as columns. Views that change the account itself load the `User` record with
`signed_in_user_record()`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from flask_login import current_user
from sqlalchemy import bindparam, select

from lms.auth.models import SignedInFlags, User
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
        )
        .outerjoin(Unit, Unit.id == User.unit_id)
        .where(User.id == bindparam("user_id"))
    )


def load_account(user_id: str) -> Account | None:
    """The account behind a session's user id, or None when it is unknown or disabled."""
    number = whole_number(user_id, minimum=1)
    if number is None:
        return None
    # The session's own connection: the request's later reads and writes share its transaction.
    row = db.session.connection().execute(_account_statement(), {"user_id": number}).one_or_none()
    if row is None or not row.active:
        return None
    return Account(*row)


def signed_in_user_record() -> User:
    """The signed-in user's mapped record, for the views that change it."""
    return db.session.get(User, current_user.id)
