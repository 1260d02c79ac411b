"""Users and their roles."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from lms.database import UTCDateTime, utcnow
from lms.extensions import db
from lms.org.models import Unit


class Role(StrEnum):
    """What a user may do: learners study, instructors teach classes, admins run the platform."""

    LEARNER = "learner"
    INSTRUCTOR = "instructor"
    ADMIN = "admin"


class SignedInFlags(UserMixin):
    """What Flask-Login and the role checks ask of a user, for `User` and `Account` alike.

    Both have `active` and `role`.
    """

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users at login
        return self.active

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_instructor(self) -> bool:
        return self.role == Role.INSTRUCTOR


class User(SignedInFlags, db.Model):
    """A person who logs in: an official, an instructor or an admin."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(256), default="")
    role: Mapped[str] = mapped_column(String(16), default=Role.LEARNER.value)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    locale: Mapped[str | None] = mapped_column(String(8))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Secret in the URL of the user's calendar feed; replacing it revokes the old URL.
    calendar_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Sockets opened by a login before this moment are cut at their next event.
    logged_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    unit: Mapped[Unit | None] = relationship()

    @property
    def unit_name(self) -> str | None:  # as on `Account`, so templates take either
        return self.unit.name if self.unit else None

    def set_password(self, password: str) -> None:
        """Store a salted hash of the password."""
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        """Tell whether the password matches; an account without a password never matches."""
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class LoginSession(db.Model):
    """One sign-in of one browser: the cookie carries a random key, only its SHA-256 is kept.

    The per-request account load joins this row: a missing or ended row signs the browser out,
    whatever its cookie says (docs/security.md).
    """

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Updated at most every few minutes (LOGIN_SESSION_TOUCH_SECONDS), so pages stay read-only.
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    user_agent: Mapped[str] = mapped_column(String(200), default="")
    # The remember-me token family this sign-in was restored from, if any: a replayed token ends both.
    remember_family: Mapped[str | None] = mapped_column(String(32), index=True)


class RememberToken(db.Model):
    """A remember-me token (selector:validator): looked up by its selector, the validator kept hashed.

    Every use replaces it with a new token of the same family; a used token shown again means the
    cookie was copied, and the whole family is revoked.
    """

    __tablename__ = "remember_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    family: Mapped[str] = mapped_column(String(32), index=True)
    selector: Mapped[str] = mapped_column(String(32), unique=True)
    validator_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The family's end: a rotation keeps it, so a stolen or forgotten cookie lasts 30 days at most.
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OneTimeCode(db.Model):
    """A code that lets a person set their password once: to activate an account or after a reset.

    Only a keyed hash of the code is stored (lms.auth.codes.code_hash); the code itself is shown
    once, to the admin who issued it. `handout` names the import whose codes were handed out
    together (see `CodeHandout`).
    """

    __tablename__ = "one_time_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(16))
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A newer code for the same account, or the use of another, ends this one.
    replaced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    handout_id: Mapped[str | None] = mapped_column(ForeignKey("code_handouts.id"), index=True)


class CodeHandout(db.Model):
    """The activation codes of one import, handed out once as CSV and once as printable slips.

    The codes are derived from a secret that only the admin's page holds, never the database.
    """

    __tablename__ = "code_handouts"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    csv_taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    slips_taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
