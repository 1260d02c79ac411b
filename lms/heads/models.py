"""Nominations: a unit head puts a member of their staff forward for a class."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.auth.models import User
from lms.courses.models import CourseClass
from lms.database import UTCDateTime, utcnow
from lms.extensions import db


class NominationState(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class Nomination(db.Model):
    """A head's proposal that one person join one class; its instructors or an admin decide."""

    __tablename__ = "nominations"
    __table_args__ = (
        # One open proposal per person and class, however many heads or tabs nominate at once.
        Index(
            "uq_nominations_pending",
            "class_id",
            "user_id",
            unique=True,
            sqlite_where=text("state = 'pending'"),
            postgresql_where=text("state = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    nominated_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    nominated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    state: Mapped[str] = mapped_column(String(16), default=NominationState.PENDING.value)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(String(500), default="")  # why it was declined

    course_class: Mapped[CourseClass] = relationship()
    person: Mapped[User] = relationship(foreign_keys=[user_id])
    nominated_by: Mapped[User] = relationship(foreign_keys=[nominated_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
