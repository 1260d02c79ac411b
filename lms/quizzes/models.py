"""Quizzes (synced from content/), attempts and essay marks."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.auth.models import User
from lms.courses.models import Course, Enrolment
from lms.database import UTCDateTime, utcnow
from lms.extensions import db


class Quiz(db.Model):
    """A quiz of a course: its settings and its question bank (question data, answers included)."""

    __tablename__ = "quizzes"
    __table_args__ = (UniqueConstraint("course_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    slug: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(300))
    position: Mapped[int] = mapped_column(default=0)
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    questions: Mapped[list] = mapped_column(JSON, default=list)
    required: Mapped[bool] = mapped_column(default=True)
    source_path: Mapped[str] = mapped_column(String(300))
    source_hash: Mapped[str] = mapped_column(String(64))
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    course: Mapped[Course] = relationship()


class AttemptState(StrEnum):
    """Where an attempt stands."""

    OPEN = "open"  # being answered
    PENDING = "pending"  # submitted, an essay waits for its instructor
    GRADED = "graded"  # final score known


class QuizAttempt(db.Model):
    """One try at a quiz: the questions drawn (a snapshot), answers, timing and result."""

    __tablename__ = "quiz_attempts"
    __table_args__ = (UniqueConstraint("enrolment_id", "quiz_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id"), index=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id"), index=True)
    number: Mapped[int]
    drawn: Mapped[list] = mapped_column(JSON, default=list)
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    last_seq: Mapped[int] = mapped_column(default=0)
    state: Mapped[str] = mapped_column(String(16), default=AttemptState.OPEN.value, index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    timed_out: Mapped[bool] = mapped_column(default=False)
    marks: Mapped[list] = mapped_column(JSON, default=list)
    points: Mapped[float | None] = mapped_column(Float)
    max_points: Mapped[float | None] = mapped_column(Float)
    percent: Mapped[float | None] = mapped_column(Float)
    passed: Mapped[bool | None]

    enrolment: Mapped[Enrolment] = relationship()
    quiz: Mapped[Quiz] = relationship()
    essay_marks: Mapped[list[EssayMark]] = relationship(back_populates="attempt", order_by="EssayMark.question_index")


class EssayMark(db.Model):
    """An instructor's mark and comment on one essay answer of an attempt."""

    __tablename__ = "essay_marks"
    __table_args__ = (UniqueConstraint("attempt_id", "question_index"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("quiz_attempts.id"), index=True)
    question_index: Mapped[int]
    fraction: Mapped[float] = mapped_column(Float)
    comment: Mapped[str] = mapped_column(Text, default="")
    marked_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    attempt: Mapped[QuizAttempt] = relationship(back_populates="essay_marks")
    marked_by: Mapped[User] = relationship()
