"""Which sessions a user sees."""

from __future__ import annotations

from sqlalchemy import select

from lms.auth.account import Actor
from lms.auth.models import Role
from lms.courses.models import CourseClass, Enrolment
from lms.courses.service import classes_taught, my_enrolments
from lms.database import utcnow
from lms.extensions import db
from lms.live.models import LiveSession, SessionState


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
