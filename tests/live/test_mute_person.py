"""An instructor mutes one learner in a session (chat and questions), and unmutes them; only the
staff in the room and that learner hear of it, and only when something changed."""

import pytest
from sqlalchemy import select

from lms.extensions import db
from lms.live.models import ChatMessage, RoomQuestion, SessionMute
from tests.live.conftest import NS, call, received

MUTED = "giảng viên đã tắt quyền gửi tin nhắn của bạn trong buổi học này"


def joined(live, connect, *usernames):
    sockets = [connect(u) for u in usernames]
    for socket in sockets:
        assert call(socket, "join", session_id=live.id)["ok"] is True
        socket.get_received(NS)
    return sockets


def test_a_muted_learner_can_neither_chat_nor_ask_until_unmuted(world, live, connect):
    teacher, mai, nam = joined(live, connect, "gv.an", "hv.mai", "hv.nam")
    ack = call(teacher, "mute_person", session_id=live.id, user_id=world.learner.id, muted=True)
    assert ack == {
        "ok": True,
        "session_id": live.id,
        "user": {"id": world.learner.id, "name": "Nguyễn Thị Mai"},
        "muted": True,
        "changed": True,
    }
    told = {"session_id": live.id, "user": {"id": world.learner.id, "name": "Nguyễn Thị Mai"}, "muted": True}
    assert received(mai, "person_muted") == [told]
    assert received(nam, "person_muted") == []  # the others are not told who was muted

    for event, body in (("chat", "Em nói tiếp ạ"), ("ask", "Em hỏi ạ?")):
        refused = call(mai, event, session_id=live.id, client_id=f"{event}-1", body=body)
        assert refused == {"ok": False, "error": "muted", "message": MUTED}
    assert call(nam, "chat", session_id=live.id, client_id="n-1", body="Em vẫn nói được")["ok"] is True
    assert db.session.scalars(select(ChatMessage.body)).all() == ["Em vẫn nói được"]
    assert db.session.scalars(select(RoomQuestion.body)).all() == []

    assert call(teacher, "mute_person", session_id=live.id, user_id=world.learner.id, muted=False)["changed"] is True
    assert received(mai, "person_muted")[-1]["muted"] is False
    assert call(mai, "chat", session_id=live.id, client_id="chat-2", body="Cảm ơn thầy")["ok"] is True
    assert db.session.scalar(select(SessionMute)) is None


def test_muting_twice_changes_nothing_and_tells_no_one(world, live, connect):
    teacher, admin, mai = joined(live, connect, "gv.an", "admin", "hv.mai")
    assert call(teacher, "mute_person", session_id=live.id, user_id=world.learner.id, muted=True)["changed"] is True
    assert [m["muted"] for m in received(admin, "person_muted")] == [True]  # an admin in the room is staff too
    for socket in (teacher, mai):
        socket.get_received(NS)
    again = call(admin, "mute_person", session_id=live.id, user_id=world.learner.id, muted=True)
    assert again["ok"] is True and again["changed"] is False
    assert received(mai, "person_muted") == [] and received(teacher, "person_muted") == []
    assert len(db.session.scalars(select(SessionMute)).all()) == 1
    unmuted = call(teacher, "mute_person", session_id=live.id, user_id=world.other_learner.id, muted=False)
    assert unmuted["ok"] is True and unmuted["changed"] is False


def test_the_snapshot_tells_the_learner_and_lists_the_muted_for_the_staff(world, live, connect):
    (teacher,) = joined(live, connect, "gv.an")
    call(teacher, "mute_person", session_id=live.id, user_id=world.learner.id, muted=True)
    mai, staff = connect("hv.mai"), connect("gv.an")
    learner_view = call(mai, "join", session_id=live.id)["snapshot"]
    assert learner_view["you"]["muted"] is True and learner_view["muted"] == []
    staff_view = call(staff, "join", session_id=live.id)["snapshot"]
    assert staff_view["you"]["muted"] is False and staff_view["muted"] == [world.learner.id]


@pytest.mark.parametrize(
    ("who", "target", "error"),
    [
        ("hv.nam", "learner", "instructor_only"),  # a learner mutes nobody
        ("gv.an", "teacher", "not_found"),  # an instructor is not a learner of the class
        ("gv.an", "outsider", "not_found"),  # nor is someone outside the class
        ("gv.an", 0, "bad_request"),
        ("gv.an", True, "bad_request"),
    ],
)
def test_who_may_mute_and_whom(world, live, connect, who, target, error):
    outsider = world.admin if target == "outsider" else None
    user_id = {"learner": world.learner.id, "teacher": world.teacher.id, "outsider": getattr(outsider, "id", 0)}.get(
        target, target
    )
    (socket,) = joined(live, connect, who)
    ack = call(socket, "mute_person", session_id=live.id, user_id=user_id, muted=True)
    assert ack["ok"] is False and ack["error"] == error
    assert db.session.scalar(select(SessionMute)) is None
