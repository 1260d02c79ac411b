"""Sign-ins kept on the server: login sessions, remember-me tokens, and ending them (the caller commits).

A browser's cookie carries a random session key; only its SHA-256 is stored, in `LoginSession`.
Remember-me is a selector:validator token (`RememberToken`, the validator hashed), rotated on every
use. `end_every_session()` is the one way an account's access ends everywhere: pages, remember-me
logins and, once the transaction commits, live-room sockets (docs/security.md). Other domains end
narrower access (a learner withdrawn from a class, removed from a live session) through the same
announcement, `access_ended()`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from flask import current_app
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from lms.auth.models import LoginSession, RememberToken, User
from lms.extensions import db

# The browser session's entry holding the raw session key (Flask-Login keeps `_user_id` beside it).
SESSION_KEY = "_login_key"
# Remember-me lasts 30 days from the sign-in that asked for it, rotations included.
REMEMBER_LIFETIME = timedelta(days=30)


class Scope(StrEnum):
    """How much of someone's access ended."""

    ACCOUNT = "account"  # every sign-in of the account
    LOGIN = "login"  # one sign-in; `key` is its key hash
    CLASS = "class"  # a learner's place in a class; `key` is the class id
    SESSION = "session"  # a learner's place in one live session; `key` is the session id


@dataclass(frozen=True)
class AccessEnded:
    """Access that ended in a transaction: told to the listeners once the transaction commits."""

    user_id: int
    scope: Scope
    key: int | str | None = None


# Called after a commit that ended someone's access, once per `AccessEnded`, in the order they were
# announced. The live room subscribes (lms.live.events) to cut the sockets that access opened.
ACCESS_ENDED_LISTENERS: list[Callable[[AccessEnded], None]] = []
_PENDING = "access_ended"


def access_ended(ended: AccessEnded) -> None:
    """Have the listeners told of `ended` once the current transaction commits (never if it rolls back)."""
    db.session.info.setdefault(_PENDING, {})[ended] = None  # a dict: ordered, each told once


def secret_hash(value: str) -> str:
    """SHA-256 of a high-entropy secret (a session key, a validator): fast, and enough for 256 random bits."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def user_agent_summary(user_agent: str) -> str:
    """What the account page shows of a browser: its user-agent string, bounded."""
    return " ".join(user_agent.split())[:200]


def start_session(user_id: int, now: datetime, user_agent: str = "", remember_family: str | None = None) -> str:
    """Record a new sign-in and return its key for the browser's cookie (stored only as a hash)."""
    key = secrets.token_urlsafe(32)
    db.session.add(
        LoginSession(
            user_id=user_id,
            key_hash=secret_hash(key),
            created_at=now,
            last_seen_at=now,
            user_agent=user_agent_summary(user_agent),
            remember_family=remember_family,
        )
    )
    db.session.flush()
    return key


def end_session(key: str | None, now: datetime) -> None:
    """End one browser's sign-in (a logout); an unknown or ended key changes nothing."""
    if not key:
        return
    row = db.session.scalar(
        select(LoginSession).where(LoginSession.key_hash == secret_hash(key), LoginSession.ended_at.is_(None))
    )
    if row is not None:
        row.ended_at = now
        db.session.flush()
        access_ended(AccessEnded(row.user_id, Scope.LOGIN, row.key_hash))


def end_every_session(user_id: int, now: datetime) -> None:
    """End every sign-in and remember-me login of an account, and cut its live-room sockets once committed."""
    db.session.execute(
        update(LoginSession)
        .where(LoginSession.user_id == user_id, LoginSession.ended_at.is_(None))
        .values(ended_at=now)
    )
    db.session.execute(
        update(RememberToken)
        .where(RememberToken.user_id == user_id, RememberToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    access_ended(AccessEnded(user_id, Scope.ACCOUNT))


def open_sessions(user_id: int) -> list[LoginSession]:
    """The account's sign-ins that have not ended, most recently seen first."""
    return list(
        db.session.scalars(
            select(LoginSession)
            .where(LoginSession.user_id == user_id, LoginSession.ended_at.is_(None))
            .order_by(LoginSession.last_seen_at.desc(), LoginSession.id.desc())
        )
    )


def issue_remember_token(
    user_id: int, now: datetime, *, family: str | None = None, expires_at: datetime | None = None
) -> tuple[str, datetime]:
    """Store a new remember-me token; return the cookie value (selector:validator) and its end."""
    selector, validator = secrets.token_urlsafe(12), secrets.token_urlsafe(32)
    expires_at = expires_at or now + REMEMBER_LIFETIME
    db.session.add(
        RememberToken(
            user_id=user_id,
            family=family or secrets.token_hex(16),
            selector=selector,
            validator_hash=secret_hash(validator),
            created_at=now,
            expires_at=expires_at,
        )
    )
    db.session.flush()
    return f"{selector}:{validator}", expires_at


def _token_of(cookie: str | None) -> tuple[RememberToken, str] | None:
    """The stored token a cookie names, with the validator it presents, or None."""
    selector, _, validator = (cookie or "").partition(":")
    if not selector or not validator or len(selector) > 32 or len(validator) > 64:
        return None
    token = db.session.scalar(select(RememberToken).where(RememberToken.selector == selector).with_for_update())
    return (token, validator) if token is not None else None


def _end_family(family: str, now: datetime) -> None:
    """Revoke a remember-me family and end the sign-ins restored from it (and their sockets)."""
    db.session.execute(
        update(RememberToken)
        .where(RememberToken.family == family, RememberToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    ended = db.session.execute(
        update(LoginSession)
        .where(LoginSession.remember_family == family, LoginSession.ended_at.is_(None))
        .values(ended_at=now)
        .returning(LoginSession.user_id, LoginSession.key_hash)
    ).all()
    for user_id, key_hash in ended:
        access_ended(AccessEnded(user_id, Scope.LOGIN, key_hash))


def use_remember_token(cookie: str | None, now: datetime) -> tuple[int, str, str, datetime] | None:
    """Sign in again from a remember-me cookie: return (user id, new cookie, family, its end), or None.

    The token is replaced by a new one of the same family (same end). A token already replaced
    shown again means two browsers hold the cookie: the family is revoked and its sign-ins end.
    """
    found = _token_of(cookie)
    if found is None:
        return None
    token, validator = found
    if not hmac.compare_digest(token.validator_hash, secret_hash(validator)):
        return None
    if token.revoked_at is not None or token.expires_at <= now:
        return None
    if token.used_at is not None:
        _end_family(token.family, now)
        current_app.logger.warning("replayed remember-me token of user %s: family revoked", token.user_id)
        return None
    if not db.session.scalar(select(User.active).where(User.id == token.user_id)):
        return None
    token.used_at = now
    new_cookie, expires_at = issue_remember_token(token.user_id, now, family=token.family, expires_at=token.expires_at)
    return token.user_id, new_cookie, token.family, expires_at


def forget_remember_token(cookie: str | None, now: datetime) -> None:
    """Revoke the family of the remember-me cookie a browser signs out with (when it is valid)."""
    found = _token_of(cookie)
    if found is not None and hmac.compare_digest(found[0].validator_hash, secret_hash(found[1])):
        _end_family(found[0].family, now)


def touch_due(last_seen_at: datetime, now: datetime) -> bool:
    """Whether a sign-in's "last seen" is old enough to be written again (every few minutes at most)."""
    return now - last_seen_at >= timedelta(seconds=current_app.config["LOGIN_SESSION_TOUCH_SECONDS"])


def touch_session(session_id: int, now: datetime) -> None:
    """Write a sign-in's "last seen" on a connection of its own, so the page's transaction stays read-only."""
    try:
        with db.engine.begin() as connection:
            connection.execute(update(LoginSession).where(LoginSession.id == session_id).values(last_seen_at=now))
    except Exception:  # a busy database: a missed "last seen" costs nothing
        current_app.logger.warning("could not record last seen of login session %s", session_id, exc_info=True)


@event.listens_for(Session, "after_commit")
def _announce_ended_access(session: Session) -> None:
    """Once the ends are committed (a reconnect then finds them), tell the listeners."""
    ended = list(session.info.pop(_PENDING, {}))
    for what in ended:
        for listener in ACCESS_ENDED_LISTENERS:
            try:
                # A context of its own: cutting a socket runs the room's disconnect handler, which
                # writes with its own database session, not this one, whose commit is ending.
                with current_app.app_context():
                    listener(what)
            except Exception:  # the access did end; a socket left open is refused at its next event
                current_app.logger.exception("could not cut the live-room sockets of %s", what)


@event.listens_for(Session, "after_rollback")
def _forget_ended_access(session: Session) -> None:
    session.info.pop(_PENDING, None)
