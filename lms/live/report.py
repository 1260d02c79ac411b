"""Per-session attendance: minutes and share per learner, by source, with instructors' rulings."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from lms.courses.models import Enrolment, EnrolmentStatus
from lms.extensions import db
from lms.live.attendance import Presence, Stretch, attendance_share, attended_seconds
from lms.live.models import AttendanceInterval, AttendanceOverride, LiveSession


@dataclass
class AttendanceRow:
    """One learner's attendance of one session."""

    enrolment: Enrolment
    seconds: int = 0
    share: float = 0.0
    sources: list[str] = field(default_factory=list)
    stretches: list[Stretch] = field(default_factory=list)  # each join and leave, as recorded
    override: AttendanceOverride | None = None

    @property
    def counted_share(self) -> float:
        """The share that counts: the instructor's ruling when there is one."""
        if self.override is not None:
            return 1.0 if self.override.present else 0.0
        return self.share


def overrides_for(session_ids: list[int], user_ids: set[int]) -> dict[tuple[int, int], AttendanceOverride]:
    """Instructors' rulings by (session id, user id)."""
    if not session_ids:
        return {}
    rows = db.session.scalars(
        select(AttendanceOverride).where(
            AttendanceOverride.session_id.in_(session_ids), AttendanceOverride.user_id.in_(user_ids)
        )
    )
    return {(r.session_id, r.user_id): r for r in rows}


def attendance_rows(session: LiveSession) -> list[AttendanceRow]:
    """Every active learner of the session's class, least present first."""
    enrolments = db.session.scalars(
        select(Enrolment).where(Enrolment.class_id == session.class_id, Enrolment.status == EnrolmentStatus.ACTIVE)
    ).all()
    rows = {e.user_id: AttendanceRow(e) for e in enrolments}
    stretches: dict[int, list[Presence]] = {}
    in_join_order = (
        select(AttendanceInterval)
        .where(AttendanceInterval.session_id == session.id)
        .order_by(AttendanceInterval.joined_at, AttendanceInterval.id)
    )
    for interval in db.session.scalars(in_join_order):  # sources listed as first used
        if interval.user_id in rows:
            stretches.setdefault(interval.user_id, []).append(
                Presence(interval.joined_at, interval.left_at, interval.last_heartbeat_at)
            )
            rows[interval.user_id].stretches.append(Stretch(interval.joined_at, interval.left_at, interval.source))
            if interval.source not in rows[interval.user_id].sources:
                rows[interval.user_id].sources.append(interval.source)
    for user_id, row in rows.items():
        row.seconds = attended_seconds(stretches.get(user_id, []), session.starts_at, session.ends_at)
        row.share = attendance_share(stretches.get(user_id, []), session.starts_at, session.ends_at)
    for (_session_id, user_id), override in overrides_for([session.id], set(rows)).items():
        rows[user_id].override = override
    return sorted(rows.values(), key=lambda r: (r.counted_share, r.enrolment.user.full_name))
