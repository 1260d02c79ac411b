"""Which sessions a user sees."""

from __future__ import annotations

from sqlalchemy import select

from lms.auth.models import Role, User
from lms.courses.logic import classes_taught, my_enrolments
from lms.database import utcnow
from lms.extensions import db
from lms.live.models import LiveSession, SessionState


def visible_class_ids(user: User) -> list[int]:
    """Classes whose sessions the user sees: enrolled in, teaching, or all for an admin."""
    taught = {c.id for c in classes_taught(user)} if user.role in (Role.INSTRUCTOR, Role.ADMIN) else set()
    return sorted({e.class_id for e in my_enrolments(user)} | taught)


def upcoming_sessions(user: User, limit: int = 5) -> list[LiveSession]:
    """The user's next sessions (not ended or cancelled), soonest first."""
    now = utcnow()
    return list(db.session.scalars(
        select(LiveSession).where(
            LiveSession.class_id.in_(visible_class_ids(user)),
            LiveSession.state.in_([SessionState.SCHEDULED, SessionState.LIVE]),
            LiveSession.starts_at >= now.replace(hour=0, minute=0, second=0, microsecond=0),
        ).order_by(LiveSession.starts_at).limit(limit)
    ))


def class_sessions(class_id: int) -> list[LiveSession]:
    """A class's sessions in time order."""
    return list(db.session.scalars(
        select(LiveSession).where(LiveSession.class_id == class_id).order_by(LiveSession.starts_at)
    ))
