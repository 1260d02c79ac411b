"""The live room over Socket.IO (test client): access, state that survives, and refusals."""

import time

import pytest
from sqlalchemy import func, select

from lms.extensions import db
from lms.live.models import AttendanceInterval, ChatMessage, LiveSession, PollVote
from tests.live.conftest import NS, Socket, call, received, wait_presence


def test_a_socket_needs_a_login(app, live):
    anonymous = Socket(app)
    assert not anonymous.is_connected()


def test_join_gives_a_snapshot_and_others_see_presence(live, connect):
    teacher, learner = connect("gv.an"), connect("hv.mai")
    assert call(teacher, "join", session_id=live.id)["ok"]
    ack = call(learner, "join", session_id=live.id)
    snapshot = ack["snapshot"]
    assert snapshot["session"]["title"] == "Buổi 1" and snapshot["you"]["instructor"] is False
    # A learner sees the staff present and how many are connected; the instructor sees everyone.
    assert [p["name"] for p in snapshot["participants"]] == ["Giảng Viên An"]
    assert snapshot["participant_count"] == 2
    staff_view = call(teacher, "join", session_id=live.id)["snapshot"]
    assert {p["name"] for p in staff_view["participants"]} == {"Giảng Viên An", "Nguyễn Thị Mai"}
    assert staff_view["participant_count"] == 2
    updates = wait_presence(teacher)
    assert "Nguyễn Thị Mai" in [p["name"] for update in updates for p in update["joined"]]
    assert updates[-1]["count"] == 2
    learner.disconnect()
    assert wait_presence(teacher) == [{"joined": [], "left": [snapshot["you"]["id"]], "count": 1}]


def test_learners_get_the_staff_arrivals_and_the_count_not_each_other(live, connect):
    first, second = connect("hv.mai"), connect("hv.nam")
    call(first, "join", session_id=live.id)
    wait_presence(first)  # their own arrival: no one listed, one connected
    second_id = call(second, "join", session_id=live.id)["snapshot"]["you"]["id"]
    teacher = connect("gv.an")
    teacher_id = call(teacher, "join", session_id=live.id)["snapshot"]["you"]["id"]
    updates = wait_presence(first)
    assert [p["id"] for update in updates for p in update["joined"]] == [teacher_id]
    assert second_id not in {p["id"] for update in updates for p in update["joined"]}
    assert updates[-1]["count"] == 3
    call(second, "leave", session_id=live.id)
    assert wait_presence(first) == [{"joined": [], "left": [second_id], "count": 2}]


def test_joins_within_the_window_make_one_presence_broadcast(app, world, live, connect):
    from lms.courses.service import enrol_users
    from tests.factories import make_user

    users = [make_user(f"hv.lo{i}", unit=world.ward) for i in range(4)]
    enrol_users(world.course_class, users, source="admin")
    db.session.commit()
    teacher = connect("gv.an")
    call(teacher, "join", session_id=live.id)
    wait_presence(teacher)  # the instructor's own arrival
    app.config["LIVE_PRESENCE_BATCH_SECONDS"] = 2.0
    for user in users:
        assert call(connect(user.username), "join", session_id=live.id)["ok"]
    updates = wait_presence(teacher, timeout=10)
    assert updates == [
        {"joined": [{"id": u.id, "name": u.full_name, "instructor": False} for u in users], "left": [], "count": 5}
    ]


def test_one_tab_leaving_keeps_the_person_present_and_a_quick_visit_is_only_a_leave(app, live, connect):
    teacher, tab1, tab2 = connect("gv.an"), connect("hv.mai"), connect("hv.mai")
    call(teacher, "join", session_id=live.id)
    me = call(tab1, "join", session_id=live.id)["snapshot"]["you"]
    call(tab2, "join", session_id=live.id)
    wait_presence(teacher)
    tab1.disconnect()  # still here in the other tab
    assert wait_presence(teacher, timeout=1) == []
    app.config["LIVE_PRESENCE_BATCH_SECONDS"] = 2.0
    visitor = connect("hv.nam")
    visitor_id = call(visitor, "join", session_id=live.id)["snapshot"]["you"]["id"]
    call(visitor, "leave", session_id=live.id)
    tab2.disconnect()
    assert wait_presence(teacher, timeout=10) == [{"joined": [], "left": [visitor_id, me["id"]], "count": 1}]


def test_a_crashed_connections_stretch_is_closed_by_a_join_at_most_once_a_heartbeat_period(app, world, live, connect):
    from datetime import timedelta

    from lms.database import utcnow

    def silent_stretch() -> AttendanceInterval:  # as a crashed server leaves it: open, long unheard of
        heard = utcnow() - timedelta(hours=1)
        stretch = AttendanceInterval(
            session_id=live.id,
            user_id=world.other_learner.id,
            sid="gone",
            source="online",
            joined_at=heard,
            last_heartbeat_at=heard,
        )
        db.session.add(stretch)
        db.session.commit()
        return stretch

    first = silent_stretch()
    learner = connect("hv.mai")
    assert call(learner, "join", session_id=live.id)["snapshot"]["participant_count"] == 1
    db.session.refresh(first)
    assert first.left_at == first.last_heartbeat_at  # ended where it was last heard of
    second = silent_stretch()
    call(learner, "join", session_id=live.id)  # within the period: no second sweep of the room
    db.session.refresh(second)
    assert second.left_at is None
    app.config["LIVE_HEARTBEAT_SECONDS"] = 0.05
    time.sleep(0.1)
    call(learner, "join", session_id=live.id)
    db.session.refresh(second)
    assert second.left_at == second.last_heartbeat_at


@pytest.mark.parametrize("username", ["gv.binh", "hv.ngoai"])
def test_outsiders_cannot_join(world, live, connect, username):
    if username == "hv.ngoai":
        from tests.factories import make_user

        make_user("hv.ngoai", unit=world.ward)
        db.session.commit()
    socket = connect(username)
    ack = call(socket, "join", session_id=live.id)
    assert ack == {"ok": False, "error": "forbidden", "message": "bạn không thuộc lớp học này"}
    assert received(socket, "room_error")[0]["code"] == "forbidden"
    assert call(socket, "chat", session_id=live.id, client_id="a1", body="xin chào")["error"] == "forbidden"
    assert db.session.scalar(select(func.count()).select_from(ChatMessage)) == 0


def test_chat_is_written_then_broadcast_and_a_resend_is_not_doubled(live, connect):
    teacher, learner = connect("gv.an"), connect("hv.mai")
    for socket in (teacher, learner):
        call(socket, "join", session_id=live.id)
    teacher.get_received(NS)
    first = call(learner, "chat", session_id=live.id, client_id="m-1", body="<b>Xin chào</b>")
    again = call(learner, "chat", session_id=live.id, client_id="m-1", body="<b>Xin chào</b>")
    assert first["ok"] and again["message"]["id"] == first["message"]["id"]
    assert [m["body"] for m in received(teacher, "chat")] == ["<b>Xin chào</b>"]  # text; the page escapes it
    assert db.session.scalar(select(func.count()).select_from(ChatMessage)) == 1
    late = connect("hv.nam")
    assert [m["body"] for m in call(late, "join", session_id=live.id)["snapshot"]["chat"]] == ["<b>Xin chào</b>"]


def test_a_join_brings_the_last_page_of_chat_and_earlier_pages_on_request(world, live, connect):
    from lms.database import utcnow
    from lms.live.payloads import CHAT_PAGE

    db.session.add_all(
        ChatMessage(
            session_id=live.id, user_id=world.teacher.id, client_id=f"c{i}", body=f"dòng {i}", created_at=utcnow()
        )
        for i in range(CHAT_PAGE + 12)
    )
    db.session.commit()
    hidden = db.session.scalar(select(ChatMessage).where(ChatMessage.client_id == "c3"))
    hidden.deleted_at = utcnow()  # a deleted line is in no page
    db.session.commit()
    learner = connect("hv.mai")
    snapshot = call(learner, "join", session_id=live.id)["snapshot"]
    assert [m["body"] for m in snapshot["chat"]] == [f"dòng {i}" for i in range(12, CHAT_PAGE + 12)]
    assert snapshot["chat_more"] is True
    page = call(learner, "chat_history", session_id=live.id, before_id=snapshot["chat"][0]["id"])
    assert page["ok"] and page["more"] is False
    assert [m["body"] for m in page["chat"]] == [f"dòng {i}" for i in range(12) if i != 3]
    assert page["chat"][0]["user"] == {"id": world.teacher.id, "name": world.teacher.full_name}
    outsider = connect("gv.binh")
    assert call(outsider, "chat_history", session_id=live.id, before_id=10**6)["error"] == "forbidden"


def test_a_joins_chat_page_follows_every_line_written_or_deleted(live, connect):
    """The page is built once per chat version: a line written or deleted shows at the next join."""
    teacher, learner = connect("gv.an"), connect("hv.mai")
    assert call(learner, "join", session_id=live.id)["snapshot"]["chat"] == []
    line = call(learner, "chat", session_id=live.id, client_id="a", body="một")["message"]
    call(learner, "chat", session_id=live.id, client_id="b", body="hai")
    assert [m["body"] for m in call(teacher, "join", session_id=live.id)["snapshot"]["chat"]] == ["một", "hai"]
    call(teacher, "delete_message", session_id=live.id, message_id=line["id"])
    assert [m["body"] for m in call(learner, "join", session_id=live.id)["snapshot"]["chat"]] == ["hai"]


def test_chat_limits_length_rate_and_mute(live, connect):
    teacher, learner = connect("gv.an"), connect("hv.mai")
    call(learner, "join", session_id=live.id)
    assert call(learner, "chat", session_id=live.id, client_id="x", body="a" * 1001)["error"] == "too_long"
    assert call(learner, "chat", session_id=live.id, client_id="bad id!", body="a")["error"] == "bad_request"
    results = [call(learner, "chat", session_id=live.id, client_id=f"r{i}", body="spam")["ok"] for i in range(6)]
    assert results == [True] * 5 + [False]
    assert call(learner, "mute_chat", session_id=live.id, muted=True)["error"] == "instructor_only"
    assert call(teacher, "mute_chat", session_id=live.id, muted=True)["ok"]
    db.session.expire_all()
    assert db.session.get(LiveSession, live.id).chat_muted


def test_instructor_events_are_refused_for_learners(live, connect):
    learner = connect("hv.mai")
    call(learner, "join", session_id=live.id)
    for event, data in [
        ("slide", {"section": "mot-cua"}),
        ("poll_open", {"client_id": "p", "question": "Q?", "options": ["a", "b"]}),
        ("clear_hands", {}),
        ("session_state", {"state": "live"}),
        ("delete_message", {"message_id": 1}),
        ("answered", {"question_id": 1}),
    ]:
        ack = call(learner, event, session_id=live.id, **data)
        assert ack["ok"] is False and ack["error"] in ("instructor_only", "not_found"), (event, ack)
    assert {e["code"] for e in received(learner, "room_error")} <= {"instructor_only", "not_found"}


def test_polls_votes_change_while_open_and_results_go_to_all_when_closed(live, connect):
    teacher, learner = connect("gv.an"), connect("hv.mai")
    for socket in (teacher, learner):
        call(socket, "join", session_id=live.id)
    poll = call(
        teacher, "poll_open", session_id=live.id, client_id="p1", question="Chọn?", options=["Một cửa", "Liên thông"]
    )["poll"]
    assert "counts" not in received(learner, "poll")[0]  # learners see no live counts
    call(learner, "poll_vote", session_id=live.id, poll_id=poll["id"], option=0)
    call(learner, "poll_vote", session_id=live.id, poll_id=poll["id"], option=1)
    assert received(teacher, "poll_counts")[-1]["counts"] == [0, 1]
    assert db.session.scalar(select(func.count()).select_from(PollVote)) == 1
    assert call(learner, "poll_vote", session_id=live.id, poll_id=poll["id"], option=5)["error"] == "bad_request"
    call(teacher, "poll_close", session_id=live.id, poll_id=poll["id"])
    results = {
        "id": poll["id"],
        "question": "Chọn?",
        "options": ["Một cửa", "Liên thông"],
        "open": False,
        "counts": [0, 1],
    }
    assert received(learner, "poll")[-1] == results
    assert call(learner, "poll_vote", session_id=live.id, poll_id=poll["id"], option=0)["error"] == "poll_closed"


def test_questions_hands_slides_and_state_survive_a_rejoin(live, connect):
    teacher, learner = connect("gv.an"), connect("hv.mai")
    for socket in (teacher, learner):
        call(socket, "join", session_id=live.id)
    question = call(learner, "ask", session_id=live.id, client_id="q1", body="Hồ sơ thiếu thì sao?")["question"]
    call(learner, "upvote", session_id=live.id, question_id=question["id"])
    call(learner, "upvote", session_id=live.id, question_id=question["id"])  # once only
    call(teacher, "answered", session_id=live.id, question_id=question["id"])
    call(learner, "hand", session_id=live.id, raised=True)
    assert call(teacher, "slide", session_id=live.id, section="mot-cua")["ok"]
    assert call(teacher, "slide", session_id=live.id, section="khong-co")["error"] == "not_found"
    assert call(teacher, "session_state", session_id=live.id, state="live")["ok"]
    assert received(learner, "slide")[-1] == {"section": "mot-cua"}

    learner.disconnect()
    again = connect("hv.mai")
    snapshot = call(again, "join", session_id=live.id)["snapshot"]
    assert snapshot["questions"] == [
        {
            "id": question["id"],
            "user": {"id": question["user"]["id"], "name": "Nguyễn Thị Mai"},
            "body": "Hồ sơ thiếu thì sao?",
            "votes": 1,
            "answered": True,
        }
    ]
    assert [h["name"] for h in snapshot["hands"]] == ["Nguyễn Thị Mai"]
    assert snapshot["session"]["slide"] == "mot-cua" and snapshot["session"]["state"] == "live"


def test_attendance_stretches_follow_the_connection(live, connect):
    learner = connect("hv.mai")
    call(learner, "join", session_id=live.id)
    assert call(learner, "heartbeat", session_id=live.id) == {"ok": True, "open": 1}
    learner.disconnect()
    db.session.expire_all()
    (stretch,) = db.session.scalars(select(AttendanceInterval)).all()
    assert stretch.left_at is not None and stretch.last_heartbeat_at is not None


def test_a_logged_out_or_disabled_users_socket_is_cut_at_its_next_event(world, live, app, connect):
    learner = connect("hv.mai")
    call(learner, "join", session_id=live.id)
    world.learner.active = False
    db.session.commit()
    ack = call(learner, "chat", session_id=live.id, client_id="c", body="còn đây không?")
    assert ack["error"] == "unauthorized" and not learner.is_connected()


def test_logout_cuts_the_sockets_of_that_login(live, app):
    """The logout ends the login on the server: its socket is told, then disconnected at once."""
    from tests.conftest import AuthActions

    http = app.test_client()
    actions = AuthActions(http)
    actions.login("hv.mai")
    socket = Socket(app, http)
    call(socket, "join", session_id=live.id)
    actions.logout()
    assert not socket.is_connected()
    assert [m["args"] for m in socket.client.queue if m["name"] == "logged_out"] == [[{}]]
    db.session.expire_all()
    (stretch,) = db.session.scalars(select(AttendanceInterval)).all()
    assert stretch.left_at is not None  # the disconnect closed its presence stretch
    assert db.session.scalar(select(func.count()).select_from(ChatMessage)) == 0


def test_identity_comes_from_the_login_not_the_payload(live, connect, world):
    learner = connect("hv.mai")
    call(learner, "join", session_id=live.id)
    ack = call(learner, "chat", session_id=live.id, client_id="c", body="x", user_id=world.teacher.id)
    assert ack["message"]["user"]["name"] == "Nguyễn Thị Mai"


def test_a_login_restored_from_the_remember_me_cookie_acts_in_the_room(live, app, world):
    """A page restores the login from the remember-me cookie (rotating it); the room page's socket
    then uses that login. A socket never restores a login itself: its answer cannot carry the
    rotated cookie, so it is refused until a page has been opened."""
    from tests.conftest import IsolatedClient, csrf_token
    from tests.factories import PASSWORD

    app.test_client_class = IsolatedClient  # each request its own context, as on a server
    http = app.test_client()
    http.post(
        "/login",
        data={"username": "hv.mai", "password": PASSWORD, "remember": "y", "csrf_token": csrf_token(http, "/login")},
    )
    first = http.get_cookie("lms_remember").value
    http.delete_cookie("session")
    assert not Socket(app, http).is_connected()
    assert http.get("/").status_code == 200
    assert http.get_cookie("lms_remember").value != first
    socket = Socket(app, http)
    assert call(socket, "join", session_id=live.id)["snapshot"]["you"]["id"] == world.learner.id
    assert call(socket, "chat", session_id=live.id, client_id="r", body="vẫn ở đây")["ok"]
