"""Live poll counts go to the staff in that session's room: the class's instructors and admins,
and not to their sockets in another session's room (nor to learners)."""

from datetime import UTC, datetime, timedelta

from lms.extensions import db
from lms.live.models import LiveSession
from tests.live.conftest import call, received


def test_admins_and_instructors_in_the_room_get_live_counts_and_no_one_else(world, live, connect):
    other = LiveSession(
        class_id=world.course_class.id,
        title="Buổi 2",
        duration_minutes=60,
        starts_at=datetime.now(UTC) + timedelta(days=1),
    )
    db.session.add(other)
    db.session.commit()
    teacher, admin, learner, other_learner = (connect(u) for u in ("gv.an", "admin", "hv.mai", "hv.nam"))
    teacher_elsewhere = connect("gv.an")
    for socket in (teacher, admin, learner, other_learner):
        assert call(socket, "join", session_id=live.id)["ok"] is True
    assert call(teacher_elsewhere, "join", session_id=other.id)["ok"] is True
    poll = call(teacher, "poll_open", session_id=live.id, client_id="p1", question="Rõ chưa?", options=["Rõ", "Chưa"])
    for socket in (teacher, admin, learner, other_learner, teacher_elsewhere):
        socket.get_received("/live")

    assert call(learner, "poll_vote", session_id=live.id, poll_id=poll["poll"]["id"], option=1)["changed"] is True

    for staff in (teacher, admin):
        assert [c["counts"] for c in received(staff, "poll_counts")] == [[0, 1]]
    for outsider in (learner, other_learner, teacher_elsewhere):
        assert received(outsider, "poll_counts") == []
