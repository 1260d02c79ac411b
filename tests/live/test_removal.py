"""Removing a learner from one live session, and letting them back in.

An instructor of the class (or an admin) removes a learner: the learner's sockets in that session
get a last `removed` event and are cut, their hand is lowered, the removal is audited, and until
they are readmitted every event they send for that session is refused with the code `removed`, in
their language. Their other sessions and their place in the class are untouched. (A silent
client's cut on a real server, on one process and across two: tests/live/test_access_ends.py.)
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from lms.audit.models import AuditEvent
from lms.courses.models import Enrolment
from lms.extensions import db
from lms.live.models import AttendanceInterval, LiveSession, SessionRemoval
from tests.live.conftest import NS, call, received

REMOVED_VI = "Giảng viên đã mời bạn ra khỏi buổi học này."
REFUSED_VI = "giảng viên đã mời bạn ra khỏi buổi học này"


def heard(socket) -> list[dict]:
    """What the socket received since last asked (connected or not)."""
    queue = [m for m in socket.client.queue if m["namespace"] == NS]
    socket.client.queue.clear()
    return queue


@pytest.fixture
def room(live, connect):
    """The class's instructor and a learner (hand raised) in the session's room."""
    teacher, learner = connect("gv.an"), connect("hv.mai")
    for socket in (teacher, learner):
        assert call(socket, "join", session_id=live.id)["ok"]
    assert call(learner, "hand", session_id=live.id, raised=True)["ok"]
    for socket in (teacher, learner):
        heard(socket)
    return teacher, learner


def audit(action: str) -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_a_removed_learner_is_cut_and_cannot_come_back(world, live, room, connect):
    teacher, learner = room
    ack = call(teacher, "remove", session_id=live.id, user_id=world.learner.id)
    assert ack == {"ok": True, "user": {"id": world.learner.id, "name": "Nguyễn Thị Mai"}}
    last = heard(learner)[-1]
    assert last["name"] == "removed"
    assert last["args"] == [{"code": "removed", "message": REMOVED_VI, "session_id": live.id}]
    assert not learner.is_connected()
    assert received(teacher, "removal") == [
        {"user": {"id": world.learner.id, "name": "Nguyễn Thị Mai"}, "removed": True}
    ]
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(SessionRemoval)) == 1
    (event,) = audit("live.remove")
    assert (event.actor_id, event.target, event.details) == (
        world.teacher.id,
        f"user:{world.learner.id}",
        {"session_id": live.id, "username": "hv.mai"},
    )
    (stretch,) = db.session.scalars(select(AttendanceInterval).where(AttendanceInterval.user_id == world.learner.id))
    assert stretch.left_at is not None
    # A reload: the page connects, but the session refuses the learner, every event of it.
    again = connect("hv.mai")
    assert again.is_connected()
    for event, fields in (("join", {}), ("chat", {"client_id": "c9", "body": "Cho em vào lại"}), ("heartbeat", {})):
        answer = call(again, event, session_id=live.id, **fields)
        if event == "heartbeat":  # not about any one session
            assert answer["ok"]
            continue
        assert answer == {"ok": False, "error": "removed", "message": REFUSED_VI}
    # The instructor's room lists the learner among the removed, to let them back in from.
    snapshot = call(teacher, "join", session_id=live.id)["snapshot"]
    assert snapshot["removed"] == [{"id": world.learner.id, "name": "Nguyễn Thị Mai"}]
    assert snapshot["hands"] == []  # the removed learner's hand was lowered


def test_the_others_see_the_removed_learners_hand_go_down(world, live, room, connect):
    teacher, learner = room
    other = connect("hv.nam")
    assert call(other, "join", session_id=live.id)["ok"]
    heard(other)
    call(teacher, "remove", session_id=live.id, user_id=world.learner.id)
    person = {"id": world.learner.id, "name": "Nguyễn Thị Mai"}
    assert received(other, "hand") == [{"user": person, "raised": False}]
    assert received(other, "removal") == []  # the staff's list only
    assert "removed" not in call(other, "join", session_id=live.id)["snapshot"]


def test_readmitting_lets_the_learner_back_in(world, live, room, connect):
    teacher, _ = room
    call(teacher, "remove", session_id=live.id, user_id=world.learner.id)
    heard(teacher)
    ack = call(teacher, "readmit", session_id=live.id, user_id=world.learner.id)
    assert ack == {"ok": True, "user": {"id": world.learner.id, "name": "Nguyễn Thị Mai"}}
    assert received(teacher, "removal") == [
        {"user": {"id": world.learner.id, "name": "Nguyễn Thị Mai"}, "removed": False}
    ]
    assert call(teacher, "readmit", session_id=live.id, user_id=world.learner.id)["ok"]  # again: nothing changes
    assert received(teacher, "removal") == []
    (event,) = audit("live.readmit")
    assert (event.actor_id, event.target, event.details) == (
        world.teacher.id,
        f"user:{world.learner.id}",
        {"session_id": live.id, "username": "hv.mai"},
    )
    assert db.session.scalar(select(func.count()).select_from(SessionRemoval)) == 0
    back = connect("hv.mai")
    assert call(back, "join", session_id=live.id)["ok"]
    assert call(back, "chat", session_id=live.id, client_id="c2", body="Em xin lỗi ạ")["ok"]


def test_removing_twice_changes_nothing_more(world, live, room):
    teacher, _ = room
    call(teacher, "remove", session_id=live.id, user_id=world.learner.id)
    heard(teacher)
    assert call(teacher, "remove", session_id=live.id, user_id=world.learner.id)["ok"]
    assert received(teacher, "removal") == [] and len(audit("live.remove")) == 1


def test_the_refusal_and_the_last_event_speak_the_learners_language(world, live, connect):
    world.learner.locale = "en"
    db.session.commit()
    teacher, learner = connect("gv.an"), connect("hv.mai")
    for socket in (teacher, learner):
        call(socket, "join", session_id=live.id)
    call(teacher, "remove", session_id=live.id, user_id=world.learner.id)
    assert heard(learner)[-1]["args"][0]["message"] == "An instructor has removed you from this session."
    refused = call(connect("hv.mai"), "join", session_id=live.id)
    assert refused["message"] == "an instructor has removed you from this session"


def test_a_removal_is_from_one_session_only(world, live, connect):
    other_session = LiveSession(
        class_id=world.course_class.id,
        title="Buổi 2",
        duration_minutes=60,
        starts_at=datetime.now(UTC) + timedelta(days=7),
    )
    db.session.add(other_session)
    db.session.commit()
    teacher, in_this, in_other = connect("gv.an"), connect("hv.mai"), connect("hv.mai")
    call(teacher, "join", session_id=live.id)
    call(in_this, "join", session_id=live.id)
    call(in_other, "join", session_id=other_session.id)
    call(teacher, "remove", session_id=live.id, user_id=world.learner.id)
    assert not in_this.is_connected()
    assert in_other.is_connected() and received(in_other, "removed") == []
    assert call(in_other, "chat", session_id=other_session.id, client_id="c1", body="Vẫn ở đây")["ok"]


def test_an_admin_removes_too(world, live, room, connect):
    _, learner = room
    admin = connect("admin")
    assert call(admin, "remove", session_id=live.id, user_id=world.learner.id)["ok"]
    assert not learner.is_connected()
    assert audit("live.remove")[0].actor_id == world.admin.id


@pytest.mark.parametrize(
    ("who", "target", "code", "message"),
    [
        ("hv.nam", "learner", "instructor_only", "chỉ giảng viên của lớp mới được thực hiện thao tác này"),
        ("gv.binh", "learner", "forbidden", "bạn không thuộc lớp học này"),
        ("gv.an", "teacher", "not_found", "không có học viên này trong lớp"),
        ("gv.an", "other_teacher", "not_found", "không có học viên này trong lớp"),
        ("gv.an", "enrolled_admin", "bad_request", "chỉ có thể mời học viên ra khỏi buổi học"),
        ("gv.an", "a string", "bad_request", "'user_id' phải là số nguyên dương"),
    ],
)
def test_who_may_remove_whom(world, live, connect, who, target, code, message):
    db.session.add(Enrolment(user_id=world.admin.id, class_id=world.course_class.id))
    db.session.commit()
    socket = connect(who)
    user_id = str(world.learner.id) if target == "a string" else getattr(world, target, world.admin).id
    answer = call(socket, "remove", session_id=live.id, user_id=user_id)
    assert answer == {"ok": False, "error": code, "message": message}
    if code in ("instructor_only", "forbidden") or target == "a string":  # readmitting is refused alike
        assert call(socket, "readmit", session_id=live.id, user_id=user_id) == answer
    assert db.session.scalar(select(func.count()).select_from(SessionRemoval)) == 0
    assert audit("live.remove") == []
