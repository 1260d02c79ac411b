"""Per-module progress of one enrolment."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.courses.models import Enrolment, Module
from lms.database import UTCDateTime, utcnow
from lms.extensions import db


class ModuleProgress(db.Model):
    """What one enrolment did with one module: opened, time spent, where it stopped, done."""

    __tablename__ = "module_progress"
    __table_args__ = (UniqueConstraint("enrolment_id", "module_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id"), index=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"), index=True)
    first_opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    seconds_spent: Mapped[int] = mapped_column(default=0)
    last_position: Mapped[str] = mapped_column(String(100), default="")

    enrolment: Mapped[Enrolment] = relationship()
    module: Mapped[Module] = relationship()
