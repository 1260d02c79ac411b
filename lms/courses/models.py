"""Courses and modules (synced from content/), classes and enrolments."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, ForeignKey, LargeBinary, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.auth.models import User
from lms.database import UTCDateTime, utcnow
from lms.extensions import db


class Course(db.Model):
    """A course as synced from `content/<slug>/`; `requirements` holds its completion rules."""

    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="")
    estimated_hours: Mapped[float | None]
    requirements: Mapped[dict] = mapped_column(JSON, default=dict)
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    modules: Mapped[list[Module]] = relationship(
        back_populates="course", order_by="Module.position", cascade="all, delete-orphan"
    )

    @property
    def active_modules(self) -> list[Module]:
        """Modules still in the source, in reading order."""
        return [m for m in self.modules if m.retired_at is None]


class Module(db.Model):
    """One Markdown module, rendered and sanitized at sync time."""

    __tablename__ = "modules"
    __table_args__ = (UniqueConstraint("course_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    slug: Mapped[str] = mapped_column(String(100))
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="")
    # Lists of modules (menus, progress) never need the body: load it only when it is read.
    html: Mapped[str] = mapped_column(Text, deferred=True)
    toc: Mapped[list] = mapped_column(JSON, default=list, deferred=True)
    source_path: Mapped[str] = mapped_column(String(300))
    source_hash: Mapped[str] = mapped_column(String(64))
    estimated_minutes: Mapped[int | None]
    # Reading time the server must have credited before "done" is accepted (None: no minimum).
    min_minutes: Mapped[int | None]
    required: Mapped[bool] = mapped_column(default=True)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    course: Mapped[Course] = relationship(back_populates="modules")


class CourseAsset(db.Model):
    """A file from `content/<slug>/assets/`, kept in the database so every host can serve it."""

    __tablename__ = "course_assets"
    __table_args__ = (UniqueConstraint("course_id", "path"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    path: Mapped[str] = mapped_column(String(300))
    media_type: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)


class ClassMode(StrEnum):
    """How a class is delivered."""

    ONLINE = "online"
    HYBRID = "hybrid"
    IN_PERSON = "in_person"


class EnrolmentStatus(StrEnum):
    """Whether a learner is still in a class."""

    ACTIVE = "active"
    WITHDRAWN = "withdrawn"


class_instructors = Table(
    "class_instructors",
    db.metadata,
    Column("class_id", ForeignKey("classes.id"), primary_key=True),
    Column("user_id", ForeignKey("users.id"), primary_key=True),
)


class CourseClass(db.Model):
    """One offering of a course (a "lớp"): its dates, mode, level and instructors."""

    __tablename__ = "classes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    level: Mapped[str] = mapped_column(String(100), default="")
    mode: Mapped[str] = mapped_column(String(16), default=ClassMode.ONLINE.value)
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]
    self_enrol: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    course: Mapped[Course] = relationship()
    instructors: Mapped[list[User]] = relationship(secondary=class_instructors)
    enrolments: Mapped[list[Enrolment]] = relationship(back_populates="course_class")


class Enrolment(db.Model):
    """A learner's place in a class."""

    __tablename__ = "enrolments"
    __table_args__ = (UniqueConstraint("class_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=EnrolmentStatus.ACTIVE.value)
    source: Mapped[str] = mapped_column(String(16), default="admin")
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    certified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    course_class: Mapped[CourseClass] = relationship(back_populates="enrolments")
    user: Mapped[User] = relationship()
