"""Certificates issued for completed enrolments."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.auth.models import User
from lms.courses.models import Enrolment
from lms.database import UTCDateTime, utcnow
from lms.extensions import db


class Certificate(db.Model):
    """A certificate of completion for one enrolment.

    The printed facts (name, unit, course, class, dates, hours) are copied in when it is issued:
    a certificate states what was true that day, and renaming a unit or a course later must not
    change a document that was already handed out. An enrolment has at most one certificate that
    is not revoked; a revoked one stays, so its verification page keeps saying "revoked".
    """

    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id"), index=True)
    serial: Mapped[str] = mapped_column(String(32), unique=True)
    verification_code: Mapped[str] = mapped_column(String(64), unique=True)
    recipient_salt: Mapped[str] = mapped_column(String(64))
    recipient_name: Mapped[str] = mapped_column(String(200))
    unit_name: Mapped[str] = mapped_column(String(200), default="")
    course_title: Mapped[str] = mapped_column(String(300))
    class_name: Mapped[str] = mapped_column(String(300))
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]
    completed_on: Mapped[date]
    minutes: Mapped[int] = mapped_column(default=0)
    override_reason: Mapped[str | None] = mapped_column(String(1000))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revocation_reason: Mapped[str | None] = mapped_column(String(1000))

    enrolment: Mapped[Enrolment] = relationship()
    issued_by: Mapped[User | None] = relationship(foreign_keys=[issued_by_id])
    revoked_by: Mapped[User | None] = relationship(foreign_keys=[revoked_by_id])

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    def __repr__(self) -> str:
        return f"<Certificate {self.serial}>"
