"""Live sessions in the database: which sessions a user sees, and the writes of the pages.

Scheduling, editing, rescheduling and cancelling, attendance rulings, in-person check-in and the
calendar address are written here; the rules that decide them are pure (`schedule.py`,
`checkin.py`) and refuse with `Refused`.
These functions add to the caller's transaction and never commit: the views run them inside
`write_transaction()`, so a refusal leaves nothing written.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import or_, select

from lms.audit.models import record_audit
from lms.auth.account import Actor
from lms.auth.models import Role, User
from lms.courses.models import CourseClass, Enrolment, EnrolmentStatus
from lms.courses.service import classes_taught, my_enrolments
from lms.database import utcnow
from lms.extensions import db
from lms.live.checkin import check_checkin
from lms.live.models import AttendanceInterval, AttendanceOverride, LiveSession, PresenceSource, SessionState
from lms.live.schedule import (
    TIME_FIELDS,
    SessionForm,
    changed_fields,
    check_cancel,
    check_edit,
    read_cancel_reason,
    read_session_form,
)
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


def schedule_session(
    course_class: CourseClass, form: dict[str, str], actor_id: int | None, now: datetime, start_now: bool = False
) -> LiveSession:
    """Schedule a session of the class from its form (refused per field), audited.

    With `start_now` the session is opened at once: it starts this minute and is live, so its
    room takes people and counts their attendance from now.
    """
    checked = read_session_form(form, _module_ids(course_class), now, start_now=start_now)
    session = LiveSession(class_id=course_class.id, created_by_id=actor_id, updated_at=now)
    _apply(session, checked)
    if start_now:
        session.state, session.started_at = SessionState.LIVE, now
    db.session.add(session)
    db.session.flush()
    opened = {"opened_now": True} if start_now else {}
    record_audit(actor_id, "session.schedule", f"session:{session.id}", class_id=course_class.id, **opened)
    return session


def session_values(session: LiveSession) -> SessionForm:
    """A session's current values, as its form reads them."""
    return SessionForm(
        title=session.title,
        starts_at=session.starts_at,
        duration_minutes=session.duration_minutes,
        video_url=session.video_url,
        attendance_required=session.attendance_required,
        attendance_threshold=session.attendance_threshold,
        slides_module_id=session.slides_module_id,
    )


def edit_session(session: LiveSession, form: dict[str, str], actor_id: int | None, now: datetime) -> tuple[str, ...]:
    """Change a session from its form; return the fields that changed (none: nothing written).

    A new start or length is a reschedule: the session's iCalendar SEQUENCE goes up, so the
    calendars that hold it replace their copy. Audited as `session.reschedule` (with the old and
    new times) or `session.edit` (with the fields).
    """
    _lock(session)
    check_edit(session.state, ())
    current = session_values(session)
    wanted = read_session_form(form, _module_ids(session.course_class), now, kept_start=session.starts_at)
    changed = changed_fields(current, wanted)
    check_edit(session.state, changed)
    if not changed:
        return changed
    _apply(session, wanted)
    session.updated_at = now
    target = f"session:{session.id}"
    if set(changed) & set(TIME_FIELDS):
        session.sequence += 1
        record_audit(
            actor_id,
            "session.reschedule",
            target,
            fields=list(changed),
            starts_at=[current.starts_at.isoformat(), wanted.starts_at.isoformat()],
            duration_minutes=[current.duration_minutes, wanted.duration_minutes],
            sequence=session.sequence,
        )
    else:
        record_audit(actor_id, "session.edit", target, fields=list(changed))
    return changed


def cancel_session(session: LiveSession, reason: str, actor_id: int | None, now: datetime) -> None:
    """Cancel a session that has not ended: it no longer counts toward completion, calendars show
    it cancelled, its learners are told on their dashboard, and its room takes no more writes
    (the caller tells the sockets in it once this is committed).

    Cancelling twice is refused, so one cancellation is one audit row and one notice.
    """
    _lock(session)
    check_cancel(session.state)
    reason = read_cancel_reason(reason)
    session.state = SessionState.CANCELLED
    session.cancelled_at, session.cancel_reason, session.updated_at = now, reason, now
    session.sequence += 1
    record_audit(actor_id, "session.cancel", f"session:{session.id}", reason=reason, sequence=session.sequence)


def _lock(session: LiveSession) -> None:
    """Lock the session's row and read it again (PostgreSQL; SQLite's write transaction already
    excludes other writers), so two changes at once, a cancellation and an edit say, are made one
    after the other and the second sees the first."""
    db.session.execute(select(LiveSession.id).where(LiveSession.id == session.id).with_for_update())
    db.session.refresh(session)


def _module_ids(course_class: CourseClass) -> set[int]:
    return {m.id for m in course_class.course.active_modules}


def _apply(session: LiveSession, values: SessionForm) -> None:
    session.title, session.starts_at, session.duration_minutes = values.title, values.starts_at, values.duration_minutes
    session.video_url, session.slides_module_id = values.video_url, values.slides_module_id
    session.attendance_required, session.attendance_threshold = values.attendance_required, values.attendance_threshold


# How long a learner's dashboard keeps telling them about a cancellation whose planned time has passed.
CANCELLED_NOTICE_DAYS = 7


def cancelled_notices(enrolments: list[Enrolment], now: datetime, limit: int = 10) -> list[LiveSession]:
    """Cancelled sessions of the learner's classes to tell them about, soonest planned first: those
    still planned to come, and those cancelled in the last week."""
    class_ids = {e.class_id for e in enrolments if e.status == EnrolmentStatus.ACTIVE}
    if not class_ids:
        return []
    return list(
        db.session.scalars(
            select(LiveSession)
            .where(
                LiveSession.class_id.in_(class_ids),
                LiveSession.state == SessionState.CANCELLED,
                or_(
                    LiveSession.starts_at >= now,
                    LiveSession.cancelled_at >= now - timedelta(days=CANCELLED_NOTICE_DAYS),
                ),
            )
            .order_by(LiveSession.starts_at)
            .limit(limit)
        )
    )


def find_session(session_id: int) -> LiveSession:
    """The session with this id; refused when there is none (the command line's lookup)."""
    session = db.session.get(LiveSession, session_id)
    if session is None:
        refuse(N_("There is no session %(id)s."), code="not_found", status=404, id=session_id)
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
    if session.state == SessionState.CANCELLED:
        refuse(N_("This session is cancelled; it has no attendance to mark."), code="session_cancelled")
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
    if session.state == SessionState.CANCELLED:
        refuse(N_("This session is cancelled; there is nothing to check in to."), code="session_cancelled")
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
