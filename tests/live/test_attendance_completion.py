"""Required live sessions join the completion rules through the recorded presence."""

from datetime import UTC, datetime, timedelta

from lms.extensions import db
from lms.live.models import AttendanceInterval, LiveSession
from lms.progress.service import completion_for


def test_attendance_counts_toward_completion(world):
    start = datetime.now(UTC) - timedelta(hours=3)
    session = LiveSession(
        class_id=world.course_class.id, title="Buổi 1", starts_at=start, duration_minutes=60, attendance_threshold=0.8
    )
    db.session.add(session)
    db.session.flush()
    mai, nam = world.course_class.enrolments
    # Mai: 50 of 60 minutes with a one-minute reconnect; Nam: 30 minutes.
    db.session.add_all(
        [
            AttendanceInterval(
                session_id=session.id, user_id=mai.user_id, joined_at=start, left_at=start + timedelta(minutes=20)
            ),
            AttendanceInterval(
                session_id=session.id,
                user_id=mai.user_id,
                joined_at=start + timedelta(minutes=21),
                left_at=None,
                last_heartbeat_at=start + timedelta(minutes=50),
            ),
            AttendanceInterval(
                session_id=session.id, user_id=nam.user_id, joined_at=start, left_at=start + timedelta(minutes=30)
            ),
        ]
    )
    db.session.commit()
    by_key = {e.user.username: {r.key: r for r in completion_for(e).requirements} for e in (mai, nam)}
    assert by_key["hv.mai"]["attendance"].met and by_key["hv.mai"]["attendance"].done == 1
    assert not by_key["hv.nam"]["attendance"].met and by_key["hv.nam"]["attendance"].missing == ("Buổi 1",)
    session.attendance_required = False
    db.session.commit()
    assert "attendance" not in {r.key for r in completion_for(nam).requirements}
