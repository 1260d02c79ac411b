"""Scheduled live sessions."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import JSON, BigInteger, Float, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from lms.auth.models import User
from lms.courses.models import CourseClass, Module
from lms.database import UTCDateTime, utcnow
from lms.extensions import db


class SessionState(StrEnum):
    """Where a live session stands."""

    SCHEDULED = "scheduled"
    LIVE = "live"
    ENDED = "ended"
    CANCELLED = "cancelled"


class LiveSession(db.Model):
    """One scheduled session of a class, online or in the room; times are stored in UTC."""

    __tablename__ = "live_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    duration_minutes: Mapped[int]
    video_url: Mapped[str] = mapped_column(String(500), default="")
    attendance_required: Mapped[bool] = mapped_column(default=True)
    attendance_threshold: Mapped[float] = mapped_column(Float, default=0.8)
    slides_module_id: Mapped[int | None] = mapped_column(ForeignKey("modules.id"))
    state: Mapped[str] = mapped_column(String(16), default=SessionState.SCHEDULED.value)
    current_slide: Mapped[str] = mapped_column(String(100), default="")
    chat_muted: Mapped[bool] = mapped_column(default=False)
    # Bumped by every chat line written or deleted: a join's chat page is built once per version.
    chat_version: Mapped[int] = mapped_column(default=0, server_default="0")
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # iCalendar's SEQUENCE: raised by every reschedule and by the cancellation, so a calendar that
    # imported an earlier copy of the event takes the newer one instead of keeping both.
    sequence: Mapped[int] = mapped_column(default=0, server_default="0")
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str] = mapped_column(String(500), default="", server_default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    course_class: Mapped[CourseClass] = relationship()
    slides_module: Mapped[Module | None] = relationship()
    created_by: Mapped[User | None] = relationship()

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_minutes)


class PresenceSource(StrEnum):
    """How a learner's presence was recorded."""

    ONLINE = "online"
    IN_PERSON = "in_person"
    MARKED = "marked"  # by the instructor, with a reason


class AttendanceInterval(db.Model):
    """A stretch of presence in a session: a socket's join to its leave, or an in-person check-in."""

    __tablename__ = "attendance_intervals"
    # Joins, leaves and heartbeats look up a connection's or a person's *open* stretches in rooms
    # of hundreds: partial indexes on the open ones keep each lookup from scanning the room.
    __table_args__ = (
        Index(
            "ix_attendance_open_by_sid",
            "sid",
            "session_id",
            sqlite_where=text("left_at IS NULL"),
            postgresql_where=text("left_at IS NULL"),
        ),
        Index(
            "ix_attendance_open_by_session_user",
            "session_id",
            "source",
            "user_id",
            sqlite_where=text("left_at IS NULL"),
            postgresql_where=text("left_at IS NULL"),
        ),
        # The sweep for stretches whose server process is gone reads the open ones by owner.
        Index(
            "ix_attendance_open_by_owner",
            "owner_id",
            sqlite_where=text("left_at IS NULL"),
            postgresql_where=text("left_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("live_sessions.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    source: Mapped[str] = mapped_column(String(16), default=PresenceSource.ONLINE.value)
    sid: Mapped[str | None] = mapped_column(String(64), index=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The server process (a `RoomProcess` id) holding the connection of an online stretch: when
    # that process is gone, nobody will ever see the connection close, so its stretches are closed
    # for it. None for in-person and marked stretches, and for those opened before owners existed.
    owner_id: Mapped[str | None] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(500), default="")
    marked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class RoomProcess(db.Model):
    """A server process serving the live room since it started, with its own heartbeat.

    The id is new at every start, so a restarted process is never taken for the one before it.
    `pid_scope` (the kernel's boot and the pid namespace, see `lms.live.liveness`) says where
    `pid` means something: another process there can check at once whether this one still runs;
    anywhere else only the heartbeat (`seen_at`) tells.
    """

    __tablename__ = "room_processes"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    pid_scope: Mapped[str] = mapped_column(String(200))
    pid: Mapped[int]
    # The process's start time as the kernel counts it: a pid reused by another program differs.
    pid_started: Mapped[int | None] = mapped_column(BigInteger)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class _RoomPost:
    """What chat lines and questions share: who wrote what, in which session, under which client id.

    `client_id` is chosen by the sending browser, so a resend after a reconnect is recognised.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("live_sessions.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    client_id: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(String(1000))

    @declared_attr
    def user(cls) -> Mapped[User]:
        return relationship()

    @declared_attr.directive
    def __table_args__(cls):  # noqa: N805 - a per-class directive, as SQLAlchemy documents
        return (UniqueConstraint("session_id", "user_id", "client_id"),)


class ChatMessage(_RoomPost, db.Model):
    """A chat line; instructors may hide it."""

    __tablename__ = "chat_messages"

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RoomQuestion(_RoomPost, db.Model):
    """A question to the instructor, with upvotes."""

    __tablename__ = "room_questions"

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    votes: Mapped[list[QuestionVote]] = relationship(cascade="all, delete-orphan")


class QuestionVote(db.Model):
    """One learner's upvote of a question (once each)."""

    __tablename__ = "question_votes"

    question_id: Mapped[int] = mapped_column(ForeignKey("room_questions.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)


class HandRaise(db.Model):
    """A raised hand, until lowered or cleared: at most one raised per person and session."""

    __tablename__ = "hand_raises"
    # One open hand per person, whatever tabs or server processes raise it at the same instant:
    # a raise is an INSERT that does nothing on this index (lms.live.room.raise_hand).
    __table_args__ = (
        Index(
            "uq_hand_raises_open",
            "session_id",
            "user_id",
            unique=True,
            sqlite_where=text("lowered_at IS NULL"),
            postgresql_where=text("lowered_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("live_sessions.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lowered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class Poll(db.Model):
    """A poll the instructor opens; learners vote once and may change their vote while it is open."""

    __tablename__ = "polls"
    __table_args__ = (UniqueConstraint("session_id", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("live_sessions.id"), index=True)
    client_id: Mapped[str] = mapped_column(String(64))
    question: Mapped[str] = mapped_column(String(500))
    options: Mapped[list] = mapped_column(JSON, default=list)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PollVote(db.Model):
    """One learner's current choice in a poll."""

    __tablename__ = "poll_votes"

    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    option: Mapped[int]
    voted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AttendanceOverride(db.Model):
    """An instructor's ruling that a learner was present or absent, with the reason (audited)."""

    __tablename__ = "attendance_overrides"
    __table_args__ = (UniqueConstraint("session_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("live_sessions.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    present: Mapped[bool]
    reason: Mapped[str] = mapped_column(String(500))
    marked_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SessionRemoval(db.Model):
    """A learner an instructor of the class (or an admin) removed from one live session: they may
    not join it or act in it until readmitted, which deletes the row (both are audited)."""

    __tablename__ = "session_removals"
    __table_args__ = (UniqueConstraint("session_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("live_sessions.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    removed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    removed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SessionMute(db.Model):
    """A learner an instructor of the class (or an admin) muted in one live session: their chat
    lines and questions are refused until unmuted, which deletes the row."""

    __tablename__ = "session_mutes"
    __table_args__ = (UniqueConstraint("session_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("live_sessions.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    muted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    muted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
