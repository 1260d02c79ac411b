"""Scheduled live sessions."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

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
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    course_class: Mapped[CourseClass] = relationship()
    slides_module: Mapped[Module | None] = relationship()
    created_by: Mapped[User | None] = relationship()

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_minutes)
