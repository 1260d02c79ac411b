"""When someone's access ends, their sockets are cut at once: a last event, then the disconnect.

Disabling the account, a logout, a password change, a role change, a withdrawal from the class and
a removal from the session (tests/live/test_removal.py) each cut the sockets that access opened,
and only those, on every process. A silent client that ignores the last event hears nothing
more, even while the others chat. The first tests use the Socket.IO test client; the real-server
tests speak raw frames, with one process and with two sharing Redis (the cut crosses them).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select, update

from lms.auth.models import User
from lms.courses.models import Enrolment
from lms.extensions import db
from lms.live.models import AttendanceInterval, LiveSession
from tests.conftest import AuthActions, IsolatedClient
from tests.live.conftest import NS, REDIS, Socket, call, received
from tests.live.servers import cookie_header, events

WITHDRAWN_VI = "Bạn đã được rút khỏi lớp học này; phòng học đã đóng."


def signed_in(app, username: str):
    """A browser signed in through the form; each of its requests in a context of its own."""
    app.test_client_class = IsolatedClient
    http = app.test_client()
    assert AuthActions(http).login(username).status_code == 302
    return http


def joined(app, http, session_id: int) -> Socket:
    socket = Socket(app, http)
    assert call(socket, "join", session_id=session_id)["ok"]
    socket.get_received(NS)
    return socket


def heard(socket) -> list[dict]:
    """What the socket received since last asked (connected or not)."""
    queue = [m for m in socket.client.queue if m["namespace"] == NS]
    socket.client.queue.clear()
    return queue


def names(socket) -> list[str]:
    return [m["name"] for m in heard(socket)]


def assert_cut(socket, last_event: str = "logged_out") -> None:
    """The socket got `last_event` as its last event and was disconnected."""
    queue = heard(socket)
    assert queue and queue[-1]["name"] == last_event, queue
    assert not socket.is_connected()


def test_disabling_an_account_cuts_its_sockets_and_they_hear_nothing_more(app, world, live):
    teacher = joined(app, signed_in(app, "gv.an"), live.id)
    in_room = joined(app, signed_in(app, "hv.mai"), live.id)
    lobby = Socket(app, signed_in(app, "hv.mai"))  # connected, never joined: cut all the same
    admin = AuthActions(signed_in(app, "admin"))
    admin.post(f"/admin/users/{world.learner.id}/active", {"active": "0"})
    assert_cut(in_room)
    assert_cut(lobby)
    assert call(teacher, "chat", session_id=live.id, client_id="t1", body="Còn ai không?")["ok"]
    assert heard(in_room) == [] and heard(lobby) == []
    db.session.expire_all()
    (stretch,) = db.session.scalars(select(AttendanceInterval).where(AttendanceInterval.user_id == world.learner.id))
    assert stretch.left_at is not None  # the disconnect ended the learner's presence


def test_a_logout_cuts_only_that_browsers_sockets(app, world, live):
    leaving, staying = signed_in(app, "hv.mai"), signed_in(app, "hv.mai")
    leaving_socket, staying_socket = joined(app, leaving, live.id), joined(app, staying, live.id)
    AuthActions(leaving).logout()
    assert_cut(leaving_socket)
    assert staying_socket.is_connected()
    teacher = joined(app, signed_in(app, "gv.an"), live.id)
    call(teacher, "chat", session_id=live.id, client_id="t1", body="Chào cả lớp")
    assert "chat" in names(staying_socket) and heard(leaving_socket) == []


def test_a_password_change_cuts_every_socket_of_the_account(app, world, live):
    from tests.factories import PASSWORD

    other_device = joined(app, signed_in(app, "hv.mai"), live.id)
    http = signed_in(app, "hv.mai")
    this_device = joined(app, http, live.id)
    new = "một mật khẩu mới dài 2026"
    answer = AuthActions(http).post(
        "/account/password", {"current_password": PASSWORD, "new_password": new, "new_password_again": new}
    )
    assert answer.status_code == 303
    assert_cut(other_device)
    assert_cut(this_device)  # its page reloads with the new sign-in


def test_a_role_change_cuts_the_accounts_sockets(app, world, live):
    socket = joined(app, signed_in(app, "gv.an"), live.id)
    admin = AuthActions(signed_in(app, "admin"))
    form = {"full_name": "Giảng Viên An", "email": "", "role": "learner", "unit_id": str(world.city.id)}
    assert admin.post(f"/admin/users/{world.teacher.id}", form).status_code == 303
    db.session.expire_all()
    assert db.session.get(User, world.teacher.id).role == "learner"
    assert_cut(socket)


def test_a_withdrawal_cuts_only_the_sockets_in_that_classs_sessions(app, world, live):
    other_class_session = LiveSession(
        class_id=world.other_class.id,
        title="Lớp khác",
        duration_minutes=60,
        starts_at=datetime.now(UTC) + timedelta(minutes=5),
    )
    db.session.add(other_class_session)
    db.session.add(Enrolment(user_id=world.learner.id, class_id=world.other_class.id))
    db.session.commit()
    http = signed_in(app, "hv.mai")
    in_class, elsewhere = joined(app, http, live.id), joined(app, http, other_class_session.id)
    lobby = Socket(app, http)
    enrolment = db.session.scalar(
        select(Enrolment).where(Enrolment.user_id == world.learner.id, Enrolment.class_id == world.course_class.id)
    )
    admin = AuthActions(signed_in(app, "admin"))
    path = f"/admin/classes/{world.course_class.id}/enrolments/{enrolment.id}/withdraw"
    assert admin.post(path).status_code == 303
    queue = heard(in_class)
    assert queue[-1] == {
        "name": "removed",
        "args": [{"code": "withdrawn", "message": WITHDRAWN_VI, "session_id": live.id}],
        "namespace": NS,
    }
    assert not in_class.is_connected()
    assert elsewhere.is_connected() and lobby.is_connected()
    assert received(elsewhere, "removed") == [] and received(lobby, "removed") == []
    refused = call(Socket(app, http), "join", session_id=live.id)
    assert refused["error"] == "forbidden" and refused["message"] == "bạn không thuộc lớp học này"


# --- a real server: raw frames, one process or two sharing Redis --------------------------------


def end_by_disabling(scene):
    admin, path = scene.server.browser("admin"), f"/admin/users/{scene.world.learner.id}"
    assert scene.server.post_form(admin, f"{path}/active", {"active": "0"}, page=path).status_code == 303


def end_by_logout(scene):
    assert scene.learner_server.post_form(scene.browser, "/logout", page="/account").status_code == 302


def end_by_withdrawal(scene):
    world = scene.world
    enrolment_id = db.session.scalar(
        select(Enrolment.id).where(Enrolment.user_id == world.learner.id, Enrolment.class_id == world.course_class.id)
    )
    admin = scene.server.browser("admin")
    path = f"/admin/classes/{world.course_class.id}/enrolments/{enrolment_id}/withdraw"
    assert scene.server.post_form(admin, path).status_code == 303


def end_by_removal(scene):
    assert scene.teacher.call("remove", {"session_id": scene.session_id, "user_id": scene.world.learner.id})["ok"]


ENDINGS = {
    "disable": (end_by_disabling, "logged_out"),
    "logout": (end_by_logout, "logged_out"),
    "withdrawal": (end_by_withdrawal, "removed"),
    "removal": (end_by_removal, "removed"),
}


@pytest.mark.parametrize("ending", ENDINGS)
def test_a_silent_socket_hears_nothing_once_its_access_ends(world, live, placement, ending):
    """The learner's client ignores every event and never answers: the server cuts it anyway."""
    learner_server, server = placement
    browser = learner_server.browser("hv.mai")
    learner = learner_server.raw(cookie=cookie_header(browser))
    learner.connect()
    assert learner.call("join", {"session_id": live.id})["ok"]
    teacher = server.raw("gv.an")
    teacher.connect()
    assert teacher.call("join", {"session_id": live.id})["ok"]
    learner.frames_for(1)  # the arrivals' presence batch
    end, last_event = ENDINGS[ending]
    end(SimpleNamespace(world=world, session_id=live.id, learner_server=learner_server, server=server,
                        teacher=teacher, browser=browser))  # fmt: skip
    cut = events(learner.frames_for(2))
    assert [name for name, _ in cut] == [last_event, "DISCONNECT"], cut
    if last_event == "removed":
        assert cut[0][1]["session_id"] == live.id and cut[0][1]["message"]
    assert teacher.call("chat", {"session_id": live.id, "client_id": "t1", "body": "Còn ai nghe không?"})["ok"]
    assert teacher.call("poll_open", {"session_id": live.id, "client_id": "p1", "question": "Rõ chưa?",
                                      "options": ["Rõ", "Chưa"]})["ok"]  # fmt: skip
    assert events(learner.frames_for(2)) == []  # nothing more, though the others carry on
    assert learner.connected  # the Engine.IO connection itself stays until it times out: no namespace, no rooms


def test_a_socket_whose_login_ended_is_answered_before_it_is_cut(world, live, servers):
    """A socket the cut missed (its account disabled behind the app's back here) is refused at its
    next event: the refusal and its acknowledgement arrive, then the disconnect."""
    server = servers.start()
    learner = server.raw("hv.mai")
    learner.connect()
    assert learner.call("join", {"session_id": live.id})["ok"]
    learner_id = world.learner.id
    db.session.commit()  # a read begun before the server's writes could not become a write (SQLite)
    db.session.execute(update(User).where(User.id == learner_id).values(active=False))
    db.session.commit()
    learner.frames_for(1)
    learner.emit("chat", {"session_id": live.id, "client_id": "c1", "body": "Còn đây không?"})
    answer = events(learner.frames_for(2))
    assert [name for name, _ in answer] == ["room_error", "ACK", "DISCONNECT"], answer
    assert answer[1][1] == {"ok": False, "error": "unauthorized", "message": "vui lòng đăng nhập lại"}


def test_a_process_with_no_socket_of_its_own_cuts_the_sockets_on_the_others(world, live, servers):
    """An admin's request may be the first thing a restarted process serves: the cut still reaches
    the learner's socket on the other process."""
    if not REDIS:
        pytest.skip("set LMS_TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/15) to run the cut across processes")
    learner_server = servers.start(queue=REDIS)
    learner = learner_server.raw("hv.mai")
    learner.connect()
    assert learner.call("join", {"session_id": live.id})["ok"]
    learner.frames_for(1)
    admin_server = servers.start(queue=REDIS)  # no socket ever connects to this one
    admin, path = admin_server.browser("admin"), f"/admin/users/{world.learner.id}"
    assert admin_server.post_form(admin, f"{path}/active", {"active": "0"}, page=path).status_code == 303
    assert [name for name, _ in events(learner.frames_for(2))] == ["logged_out", "DISCONNECT"]
    assert "Traceback" not in admin_server.log_text()
