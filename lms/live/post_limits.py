"""How many chat lines and questions a learner may post: CHAT_BURST of each per CHAT_WINDOW.

The limit is per person and session, whatever tabs, devices or server processes the posts come
from, so it is counted where they all meet, atomically. A post is counted once it is written in
the event's transaction and known to be new (a resend of a stored post, even one racing its
original from another tab, is never counted); one over the limit is refused, and the refusal
rolls the post back with the rest of the event.

- **In the database** (the default). The learner's enrolment row is locked (`FOR NO KEY UPDATE`
  on PostgreSQL) and then their posts in the window are counted, their own new one included, so
  the posts of one person are counted one after another even when twelve tabs on two processes
  send at the same instant. On SQLite the write transaction (`BEGIN IMMEDIATE`) already lets one
  writer in at a time, and the lock is not rendered. Other learners, and instructors (who have
  no limit), never wait for this lock.
- **In Redis** when the rate-limit storage is Redis (`LMS_RATELIMIT_STORAGE_URL=redis://...`) and
  the database is not SQLite: a moving window kept by the `limits` library (Flask-Limiter's own),
  checked and counted in one Lua script; the database then takes no lock. A post whose
  transaction fails after it was counted still counts there. When Redis cannot be reached the
  database counts instead, for FALLBACK_SECONDS before Redis is tried again: a lost Redis costs
  no post. SQLite always counts in the database: its write transaction already holds the only
  write lock, so the count is exact and takes no lock of its own, and a call to Redis while
  holding that lock would make every other writer wait for the network (under gevent, the whole
  process: SQLite's busy wait does not yield).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from flask import current_app
from limits import RateLimitItemPerSecond
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from redis.exceptions import RedisError
from sqlalchemy import bindparam, func, select

from lms.courses.models import Enrolment
from lms.extensions import db
from lms.live.models import ChatMessage, RoomQuestion
from lms.refusals import N_, refuse

if TYPE_CHECKING:
    from lms.live.room import Member

log = logging.getLogger(__name__)

CHAT_BURST = 5  # chat lines, and separately questions, per CHAT_WINDOW per learner
CHAT_WINDOW = timedelta(seconds=10)
FALLBACK_SECONDS = 10.0  # after a Redis failure, the database counts this long before Redis is tried again
REDIS_TIMEOUT_SECONDS = 0.5  # a post never waits longer than this for an unreachable Redis


class PostKind(StrEnum):
    """What a learner posts; each kind has its own allowance."""

    CHAT = "chat"
    QUESTION = "question"


MODELS = {PostKind.CHAT: ChatMessage, PostKind.QUESTION: RoomQuestion}

# The learner's enrolment in the session's class, locked until the event's transaction ends.
_LOCK_LEARNER = (
    select(Enrolment.id)
    .where(Enrolment.class_id == bindparam("class_id"), Enrolment.user_id == bindparam("user_id"))
    .with_for_update(key_share=True)
)
_RECENT_POSTS = {
    kind: select(func.count())
    .select_from(model)
    .where(
        model.session_id == bindparam("session_id"),
        model.user_id == bindparam("user_id"),
        model.created_at > bindparam("since"),
    )
    for kind, model in MODELS.items()
}


def over_limit(posts_in_window: int) -> bool:
    """Whether a learner with this many posts in the window, the new one included, posted too many."""
    return posts_in_window > CHAT_BURST


@dataclass
class RedisWindow:
    """The Redis moving window of one app, and until when Redis is left alone after a failure."""

    limiter: MovingWindowRateLimiter
    item: RateLimitItemPerSecond
    resting_until: float = field(default=0.0)


def _redis_window() -> RedisWindow | None:
    """The app's Redis window when its rate-limit storage is Redis, else None (made once per app)."""
    extensions = current_app.extensions
    if "live_post_limits" not in extensions:
        uri = current_app.config.get("RATELIMIT_STORAGE_URI") or ""
        window = None
        if uri.startswith(("redis://", "rediss://", "redis+")):
            storage = storage_from_string(
                uri,
                key_prefix=(current_app.config.get("RATELIMIT_KEY_PREFIX") or "") + "LIMITS",
                socket_timeout=REDIS_TIMEOUT_SECONDS,
                socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
            )
            item = RateLimitItemPerSecond(CHAT_BURST, int(CHAT_WINDOW.total_seconds()), namespace="live-posts")
            window = RedisWindow(MovingWindowRateLimiter(storage), item)
        extensions["live_post_limits"] = window
    return extensions["live_post_limits"]


def _allowed_by_redis(window: RedisWindow, who: Member, kind: PostKind) -> bool | None:
    """Count the post in Redis: whether it is allowed, or None when Redis cannot answer."""
    if time.monotonic() < window.resting_until:
        return None
    try:
        return window.limiter.hit(window.item, kind.value, str(who.session.id), str(who.user.id))
    except (RedisError, OSError):
        window.resting_until = time.monotonic() + FALLBACK_SECONDS
        log.warning("Redis unreachable for the live room's post limits; counting in the database", exc_info=True)
        return None


def _allowed_by_database(who: Member, kind: PostKind, now: datetime) -> bool:
    """Lock the learner's posting, then count their posts of this kind in the window (the new one too)."""
    connection = db.session.connection()
    connection.execute(_LOCK_LEARNER, {"class_id": who.session.class_id, "user_id": who.user.id})
    posts = connection.execute(
        _RECENT_POSTS[kind], {"session_id": who.session.id, "user_id": who.user.id, "since": now - CHAT_WINDOW}
    ).scalar_one()
    return not over_limit(posts)


def count_post(who: Member, kind: PostKind, now: datetime) -> None:
    """Count a learner's new post against their allowance, or refuse it (`rate_limited`).

    Call it in the event's transaction right after the post was written (stamped `now`) and found
    new: the refusal rolls it back. Instructors and admins have no limit.
    """
    if who.instructor:
        return
    window = _redis_window() if db.session.connection().dialect.name != "sqlite" else None
    allowed = _allowed_by_redis(window, who, kind) if window is not None else None
    if allowed is None:
        allowed = _allowed_by_database(who, kind, now)
    if not allowed:
        refuse(N_("too many messages; wait a few seconds"), code="rate_limited")
