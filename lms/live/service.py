"""Live sessions in the database: which sessions a user sees, and the writes of the pages.

Scheduling, attendance rulings, in-person check-in and the calendar address are written here;
the rules that decide them are pure (`schedule.py`, `checkin.py`) and refuse with `Refused`.
These functions add to the caller's transaction and never commit: the views run them inside
`write_transaction()`, so a refusal leaves nothing written.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import select

from lms.audit.models import record_audit
from lms.auth.account import Actor
from lms.auth.models import Role, User
from lms.courses.models import CourseClass, Enrolment, EnrolmentStatus
from lms.courses.service import classes_taught, my_enrolments
from lms.database import utcnow
from lms.extensions import db
from lms.live.checkin import check_checkin
from lms.live.models import AttendanceInterval, AttendanceOverride, LiveSession, PresenceSource, SessionState
from lms.live.schedule import read_session_form
from lms.refusals import N_, Refused, refuse
from lms.text import single_line_problem


def visible_class_ids(
    user: Actor, enrolments: list[Enrolment] | None = None, taught: list[CourseClass] | None = None
) -> list[int]:
    """Classes whose sessions the user sees: enrolled in, teaching, or all for an admin.

    A caller that already holds the user's enrolments or taught classes passes them in.
    """
    if taught is None:
        taught = classes_taught(user) if user.role in (Role.INSTRUCTOR, Role.ADMIN) else []
    enrolments = my_enrolments(user) if enrolments is None else enrolments
    return sorted({e.class_id for e in enrolments} | {c.id for c in taught})


def upcoming_sessions(
    user: Actor, limit: int = 5, enrolments: list[Enrolment] | None = None, taught: list[CourseClass] | None = None
) -> list[LiveSession]:
    """The user's next sessions (not ended or cancelled), soonest first."""
    now = utcnow()
    return list(
        db.session.scalars(
            select(LiveSession)
            .where(
                LiveSession.class_id.in_(visible_class_ids(user, enrolments, taught)),
                LiveSession.state.in_([SessionState.SCHEDULED, SessionState.LIVE]),
                LiveSession.starts_at >= now.replace(hour=0, minute=0, second=0, microsecond=0),
            )
            .order_by(LiveSession.starts_at)
            .limit(limit)
        )
    )


def class_sessions(class_id: int) -> list[LiveSession]:
    """A class's sessions in time order."""
    return list(
        db.session.scalars(select(LiveSession).where(LiveSession.class_id == class_id).order_by(LiveSession.starts_at))
    )


# --- writes: each runs inside the caller's write_transaction() (the caller commits) -------------


def schedule_session(course_class: CourseClass, form: dict[str, str], actor_id: int, now: datetime) -> LiveSession:
    """Schedule a session of the class from its form (refused per field), audited."""
    checked = read_session_form(form, {m.id for m in course_class.course.active_modules}, now)
    session = LiveSession(
        class_id=course_class.id,
        title=checked.title,
        starts_at=checked.starts_at,
        duration_minutes=checked.duration_minutes,
        video_url=checked.video_url,
        attendance_required=checked.attendance_required,
        attendance_threshold=checked.attendance_threshold,
        slides_module_id=checked.slides_module_id,
        created_by_id=actor_id,
    )
    db.session.add(session)
    db.session.flush()
    record_audit(actor_id, "session.schedule", f"session:{session.id}", class_id=course_class.id)
    return session


def mark_attendance(
    session: LiveSession, learner_id: int, present: bool, reason: str, marker_id: int, now: datetime
) -> AttendanceOverride:
    """Rule a learner of the class present or absent for the session, with a reason; audited.

    The ruling overrides the computed share; a second ruling replaces the first. A session that
    has not started yet cannot be ruled on: nobody can have attended it.
    """
    if problem := single_line_problem(reason, field="reason"):
        raise Refused(problem)
    reason = " ".join(reason.split())[:500]
    enrolled = db.session.scalar(
        select(Enrolment.id).where(
            Enrolment.class_id == session.class_id,
            Enrolment.user_id == learner_id,
            Enrolment.status == EnrolmentStatus.ACTIVE,
        )
    )
    if enrolled is None:
        refuse(N_("Only a learner of this class can be marked present or absent."), code="not_listed", field="user_id")
    if not reason:
        refuse(N_("Give a reason for marking someone present or absent."), field="reason")
    if session.starts_at > now:
        refuse(
            N_("This session has not started yet; attendance can be marked once it has begun."),
            code="not_started",
        )
    ruling = db.session.scalar(
        select(AttendanceOverride).where(
            AttendanceOverride.session_id == session.id, AttendanceOverride.user_id == learner_id
        )
    )
    if ruling is None:
        ruling = AttendanceOverride(session_id=session.id, user_id=learner_id)
        db.session.add(ruling)
    ruling.present, ruling.reason, ruling.marked_by_id, ruling.marked_at = present, reason, marker_id, now
    record_audit(
        marker_id, "attendance.mark", f"session:{session.id}", user_id=learner_id, present=present, reason=reason
    )
    return ruling


def check_in(session: LiveSession, user_id: int, code: str, secret: str, now: datetime) -> None:
    """Count a learner in the room as present from now to the session's end (once), if the code
    is the one shown there now; refused otherwise."""
    check_checkin(secret, session.id, code, session.starts_at, session.ends_at, now)
    already = db.session.scalar(
        select(AttendanceInterval.id).where(
            AttendanceInterval.session_id == session.id,
            AttendanceInterval.user_id == user_id,
            AttendanceInterval.source == PresenceSource.IN_PERSON,
        )
    )
    if already is None:
        db.session.add(
            AttendanceInterval(
                session_id=session.id,
                user_id=user_id,
                source=PresenceSource.IN_PERSON,
                joined_at=max(now, session.starts_at),
                left_at=session.ends_at,
            )
        )


def renew_calendar_token(user_id: int, revoke: bool = False) -> str | None:
    """Give the user a new secret calendar address (or none): the old one stops working."""
    user = db.session.get(User, user_id)
    user.calendar_token = None if revoke else secrets.token_urlsafe(32)
    return user.calendar_token


def calendar_owner(token: str) -> User | None:
    """The active user whose calendar feed this secret opens, or None."""
    if len(token) < 32:
        return None
    user = db.session.scalar(select(User).where(User.calendar_token == token))
    return user if user is not None and user.active else None


def feed_sessions(user: User) -> list[LiveSession]:
    """Every session of the classes the user sees, in time order (their calendar feed)."""
    return list(
        db.session.scalars(
            select(LiveSession).where(LiveSession.class_id.in_(visible_class_ids(user))).order_by(LiveSession.starts_at)
        )
    )
