"""Evaluation forms (synced from content/), per-class settings, and the anonymous record of answers.

Who answered and what was answered live in two tables that share nothing but the class:

- `evaluation_submissions` (class, user): the fact that a person answered. No time, no answers.
- `evaluation_results` (class): one row per class holding the running tallies of every rating and
  choice and the comments kept in sorted order. A submission rewrites the whole row, so the row
  carries no per-answer id, time, or insertion order (neither SQLite's rowid nor PostgreSQL's
  ctid can tell which answer came from which submission). See docs/administration.md.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from lms.extensions import db


class EvaluationForm(db.Model):
    """A course's evaluation form as read from `content/<course>/evaluation.yml`."""

    __tablename__ = "evaluation_forms"

    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), primary_key=True)
    form: Mapped[dict] = mapped_column(JSON, default=dict)
    source_hash: Mapped[str] = mapped_column(String(64), default="")


class ClassEvaluation(db.Model):
    """A class's evaluation settings: whether answering is a completion requirement, and the last day."""

    __tablename__ = "class_evaluations"

    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id"), primary_key=True)
    required: Mapped[bool] = mapped_column(default=False)
    closes_on: Mapped[date | None]


class EvaluationSubmission(db.Model):
    """That a learner answered a class's evaluation: the primary key refuses a second answer."""

    __tablename__ = "evaluation_submissions"

    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)


class EvaluationResults(db.Model):
    """A class's answers, aggregated: respondents, tallies per question and option, sorted comments."""

    __tablename__ = "evaluation_results"

    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id"), primary_key=True)
    respondents: Mapped[int] = mapped_column(default=0)
    # answer key ("question" or "question@instructor id") -> count per option (ratings 1..5 in order)
    tallies: Mapped[dict] = mapped_column(JSON, default=dict)
    # answer key -> the comments, sorted (the order says nothing about who wrote them)
    comments: Mapped[dict] = mapped_column(JSON, default=dict)
