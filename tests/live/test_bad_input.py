"""Hostile or broken input to the live room: every case is refused, and the room does not notice.

Each refusal must come back both as the acknowledgement `{"ok": false, "error": CODE, ...}` and
as one `room_error` event to the sender; the other people in the room receive nothing, and the
room's snapshot (rebuilt from the database) is exactly what it was.
"""

import os
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from lms.auth.models import User
from lms.extensions import db
from lms.live import payloads, room, throttle, transport
from lms.live.events import MAX_PAYLOAD_CHARS
from lms.live.models import AttendanceInterval, ChatMessage, LiveSession, RoomQuestion
from lms.live.throttle import EVENT_BURST, INSTRUCTOR_BURST
from tests.live.conftest import NS, call, received, wait_presence

HUGE = 10**30


@pytest.fixture
def ready(live, connect):
    """An instructor and a learner in the room, with a chat line, a question, an open and a closed poll."""
    teacher, learner = connect("gv.an"), connect("hv.mai")
    for socket in (teacher, learner):
        assert call(socket, "join", session_id=live.id)["ok"]
    wait_presence(teacher, settle=0.1)  # the arrivals' batch, flushed a moment later
    call(learner, "chat", session_id=live.id, client_id="c1", body="Chào thầy")
    question = call(learner, "ask", session_id=live.id, client_id="q1", body="Hỏi?")["question"]
    open_poll = call(teacher, "poll_open", session_id=live.id, client_id="p1", question="Mở?", options=["Có", "Không"])[
        "poll"
    ]
    closed_poll = call(teacher, "poll_open", session_id=live.id, client_id="p2", question="Đóng?", options=["A", "B"])[
        "poll"
    ]
    assert call(teacher, "poll_close", session_id=live.id, poll_id=closed_poll["id"])["ok"]
    for socket in (teacher, learner):
        socket.get_received(NS)
    return {
        "teacher": teacher,
        "learner": learner,
        "session": live.id,
        "question": question["id"],
        "open_poll": open_poll["id"],
        "closed_poll": closed_poll["id"],
    }


def snapshot(session_id: int, username: str) -> dict:
    """The room as this user would be shown it on joining, read straight from the database."""
    db.session.commit()
    db.session.expire_all()
    user = db.session.scalar(select(User).where(User.username == username))
    return payloads.snapshot(room.member(user, session_id))


def assert_refused(ready, sender: str, code: str, event: str, *args) -> dict:
    """Send the raw event; check the refusal, the sender's room_error, silence for the other, no change."""
    other = "learner" if sender == "teacher" else "teacher"
    before = {name: snapshot(ready["session"], user) for name, user in (("t", "gv.an"), ("l", "hv.mai"))}
    ack = ready[sender].emit_args(event, *args)
    assert ack["ok"] is False and ack["error"] == code, ack
    assert isinstance(ack["message"], str) and ack["message"]
    assert [e["code"] for e in received(ready[sender], "room_error")] == [code]
    assert ready[other].get_received(NS) == []
    assert {name: snapshot(ready["session"], user) for name, user in (("t", "gv.an"), ("l", "hv.mai"))} == before
    return ack


def with_session(ready, **fields) -> dict:
    return {"session_id": ready["session"], **fields}


@pytest.mark.parametrize("event", ["no_such_event", "message", "json", "snapshot", "x" * 200])
def test_unknown_events_are_refused_by_name(ready, event):
    ack = assert_refused(ready, "learner", "unknown_event", event, with_session(ready, body="x"))
    assert len(ack["message"]) < 100  # a long event name is not echoed back


@pytest.mark.parametrize(
    "args",
    [("chao",), ([1, 2],), (42,), (None,), (), ({"session_id": 1}, {"x": 1})],
    ids=["text", "list", "number", "null", "no-payload", "two-payloads"],
)
def test_a_payload_that_is_not_one_object_is_refused(ready, args):
    assert_refused(ready, "learner", "bad_request", "chat", *args)


@pytest.mark.parametrize("session_id", [None, "1", -1, 0, 1.5, True, 2**31, HUGE, [1], {"id": 1}], ids=repr)
def test_session_id_must_be_a_plausible_id(ready, session_id):
    payload = {"client_id": "z1", "body": "x"}
    if session_id is not None:
        payload["session_id"] = session_id
    assert_refused(ready, "learner", "bad_request", "chat", payload)


def test_a_session_that_does_not_exist_is_not_found(ready):
    assert_refused(ready, "learner", "not_found", "join", {"session_id": 2**31 - 1})


def test_joining_another_classs_session_is_forbidden(ready, world):
    other = LiveSession(
        class_id=world.other_class.id,
        title="Lớp khác",
        duration_minutes=60,
        starts_at=datetime.now(UTC) + timedelta(minutes=5),
    )
    db.session.add(other)
    db.session.commit()
    for event, fields in [("join", {}), ("chat", {"client_id": "o1", "body": "x"}), ("hand", {"raised": True})]:
        assert_refused(ready, "learner", "forbidden", event, {"session_id": other.id, **fields})
    assert (
        db.session.scalar(
            select(func.count()).select_from(AttendanceInterval).where(AttendanceInterval.session_id == other.id)
        )
        == 0
    )


TEXT_CASES = [
    (None, "bad_request"),
    (5, "bad_request"),
    ("", "bad_request"),
    ("   ", "bad_request"),
    (["x"], "bad_request"),
    ({"a": 1}, "bad_request"),
    ("a\x00b", "bad_request"),
    ("a\x1bb", "bad_request"),
    ("a" * 1001, "too_long"),
]
CLIENT_ID_CASES = [None, 5, "", "a" * 65, "bad id", "abc\n", ["a"]]


@pytest.mark.parametrize("event", ["chat", "ask"])
@pytest.mark.parametrize(("body", "code"), TEXT_CASES, ids=repr)
def test_chat_and_question_bodies_are_checked(ready, event, body, code):
    assert_refused(ready, "learner", code, event, with_session(ready, client_id="n1", body=body))


@pytest.mark.parametrize("event", ["chat", "ask"])
@pytest.mark.parametrize("client_id", CLIENT_ID_CASES, ids=repr)
def test_client_ids_are_checked(ready, event, client_id):
    assert_refused(ready, "learner", "bad_request", event, with_session(ready, client_id=client_id, body="ok"))


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"question": None, "options": ["a", "b"]}, "bad_request"),
        ({"question": 5, "options": ["a", "b"]}, "bad_request"),
        ({"question": "q" * 501, "options": ["a", "b"]}, "too_long"),
        ({"question": "Q?", "options": "a,b"}, "bad_request"),
        ({"question": "Q?", "options": ["a"]}, "bad_request"),
        ({"question": "Q?", "options": ["a"] * 11}, "bad_request"),
        ({"question": "Q?", "options": [1, 2]}, "bad_request"),
        ({"question": "Q?", "options": ["a", ""]}, "bad_request"),
        ({"question": "Q?", "options": ["a", "b" * 1001]}, "too_long"),
        ({"question": "Q?", "options": {"0": "a", "1": "b"}}, "bad_request"),
        ({"question": "Q?", "options": ["a", "b"], "client_id": 7}, "bad_request"),
    ],
    ids=repr,
)
def test_poll_fields_are_checked(ready, fields, code):
    assert_refused(ready, "teacher", code, "poll_open", with_session(ready, **{"client_id": "np", **fields}))


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"poll_id": None, "option": 0}, "bad_request"),
        ({"poll_id": "1", "option": 0}, "bad_request"),
        ({"poll_id": True, "option": 0}, "bad_request"),
        ({"poll_id": HUGE, "option": 0}, "bad_request"),
        ({"poll_id": 2**31 - 1, "option": 0}, "not_found"),
        ({"option": "0"}, "bad_request"),
        ({"option": True}, "bad_request"),
        ({"option": 0.0}, "bad_request"),
        ({"option": None}, "bad_request"),
        ({"option": 2}, "bad_request"),
        ({"option": -1}, "bad_request"),
        ({"option": HUGE}, "bad_request"),
    ],
    ids=repr,
)
def test_votes_need_an_existing_poll_and_option(ready, fields, code):
    payload = with_session(ready, **{"poll_id": ready["open_poll"], **fields})
    assert_refused(ready, "learner", code, "poll_vote", payload)


def test_a_vote_in_a_closed_poll_is_refused(ready):
    assert_refused(
        ready, "learner", "poll_closed", "poll_vote", with_session(ready, poll_id=ready["closed_poll"], option=0)
    )


@pytest.mark.parametrize(
    ("section", "code"),
    [
        (None, "bad_request"),
        (5, "bad_request"),
        (["mot-cua"], "bad_request"),
        ("../etc", "bad_request"),
        ("a" * 101, "bad_request"),
        ("mot-cua\n", "bad_request"),
        ("khong-co", "not_found"),
        ("muc-tieu", "not_found"),
    ],
    ids=repr,
)
def test_slides_outside_the_module_are_refused(ready, section, code):
    """`muc-tieu` is a section of another module of the course: not of these slides."""
    assert_refused(ready, "teacher", code, "slide", with_session(ready, section=section))


@pytest.mark.parametrize(
    ("event", "fields"),
    [
        ("mute_chat", {"muted": "yes"}),
        ("mute_chat", {"muted": 1}),
        ("mute_chat", {}),
        ("session_state", {"state": "paused"}),
        ("session_state", {"state": 5}),
        ("session_state", {}),
        ("session_state", {"state": "live" * 1000}),
        ("delete_message", {"message_id": True}),
        ("delete_message", {"message_id": HUGE}),
        ("answered", {"question_id": "1"}),
        ("answered", {"question_id": -3}),
    ],
    ids=repr,
)
def test_instructor_fields_are_checked(ready, event, fields):
    assert_refused(ready, "teacher", "bad_request", event, with_session(ready, **fields))


@pytest.mark.parametrize(
    ("event", "fields"),
    [
        ("hand", {"raised": "true"}),
        ("hand", {"raised": 1}),
        ("hand", {}),
        ("upvote", {"question_id": None}),
        ("upvote", {"question_id": 1.0}),
        ("upvote", {"question_id": HUGE}),
        ("chat_history", {}),
        ("chat_history", {"before_id": "12"}),
        ("chat_history", {"before_id": 0}),
        ("chat_history", {"before_id": True}),
        ("chat_history", {"before_id": HUGE}),
    ],
    ids=repr,
)
def test_learner_fields_are_checked(ready, event, fields):
    assert_refused(ready, "learner", "bad_request", event, with_session(ready, **fields))


@pytest.mark.parametrize(
    "fields",
    [
        {"client_id": "big", "body": "a" * (MAX_PAYLOAD_CHARS + 1)},
        {"client_id": "big", "body": "ok", "junk": ["x" * 1000] * 20},
    ],
    ids=["long-body", "extra-field"],
)
def test_oversized_payloads_are_refused_before_any_work(ready, fields):
    assert_refused(ready, "learner", "too_large", "chat", with_session(ready, **fields))


def test_binary_in_a_text_field_is_refused_before_it_is_decoded(ready, caplog):
    """No event takes binary data: the packet is refused by the transport (which closes a real
    connection; tests/live/test_transport_hardening.py), never reaching a handler or the room."""
    before = {name: snapshot(ready["session"], user) for name, user in (("t", "gv.an"), ("l", "hv.mai"))}
    refused = sum(transport.refused_packets.values())
    ack = ready["learner"].emit_args("chat", with_session(ready, client_id="b1", body=b"\x00\xff"))
    assert ack is None  # no handler ran, so nothing answers
    # The packet and its attachment: the test client has no connection to close after the first.
    assert sum(transport.refused_packets.values()) == refused + 2
    closed = [r.fields for r in caplog.records if getattr(r, "fields", {}).get("event") == "socket_closed"]
    assert closed[0]["reason"] == "it sent a binary message (no room event takes binary data)"
    assert ready["teacher"].get_received(NS) == []
    assert {name: snapshot(ready["session"], user) for name, user in (("t", "gv.an"), ("l", "hv.mai"))} == before


def test_an_event_named_disconnect_does_not_end_the_connections_attendance(ready):
    """A client may name an event "disconnect"; it must not reach the real disconnect handling."""
    assert_refused(ready, "learner", "unknown_event", "disconnect", with_session(ready))
    assert_refused(ready, "learner", "unknown_event", "connect", with_session(ready))
    assert ready["learner"].is_connected()
    assert call(ready["learner"], "heartbeat", session_id=ready["session"]) == {"ok": True, "open": 1}


def test_a_chat_flood_is_throttled_and_the_others_see_only_what_was_accepted(ready):
    learner, teacher = ready["learner"], ready["teacher"]
    acks = [call(learner, "chat", session_id=ready["session"], client_id=f"f{i}", body=f"spam {i}") for i in range(12)]
    # One line was posted by the fixture a moment ago: four more fit in the window.
    assert [a["ok"] for a in acks] == [True] * 4 + [False] * 8
    assert {a["error"] for a in acks[4:]} == {"rate_limited"}
    assert [m["body"] for m in received(teacher, "chat")] == [f"spam {i}" for i in range(4)]
    assert len(received(learner, "room_error")) == 8
    assert db.session.scalar(select(func.count()).select_from(ChatMessage)) == 5
    # The instructor is not throttled by the learner's flood.
    assert call(teacher, "chat", session_id=ready["session"], client_id="t1", body="Từ từ thôi")["ok"]


def test_a_question_flood_is_throttled_too(ready):
    acks = [
        call(ready["learner"], "ask", session_id=ready["session"], client_id=f"fq{i}", body=f"Hỏi {i}")
        for i in range(8)
    ]
    assert [a.get("error") for a in acks] == [None] * 4 + ["rate_limited"] * 4
    assert db.session.scalar(select(func.count()).select_from(RoomQuestion)) == 5


def test_a_connection_sending_too_many_events_is_throttled_whatever_they_are(ready):
    learner, teacher = ready["learner"], ready["teacher"]
    # The fixture's join, chat and ask count too: fill the rest of the window with heartbeats.
    codes = [call(learner, "heartbeat", session_id=ready["session"]).get("error") for _ in range(EVENT_BURST)]
    assert codes[: EVENT_BURST - 3] == [None] * (EVENT_BURST - 3) and set(codes[EVENT_BURST - 3 :]) == {"rate_limited"}
    before = snapshot(ready["session"], "gv.an")
    for event, fields in [
        ("hand", {"raised": True}),
        ("chat", {"client_id": "late", "body": "x"}),
        ("no_such_event", {}),
    ]:
        assert call(learner, event, session_id=ready["session"], **fields)["error"] == "rate_limited"
    assert teacher.get_received(NS) == []
    assert snapshot(ready["session"], "gv.an") == before
    # The instructor's own connection has its own allowance.
    assert call(teacher, "heartbeat", session_id=ready["session"])["ok"]


def test_an_instructor_connection_has_a_larger_allowance_but_still_a_limit(live, connect, monkeypatch):
    # An instructor lecturing in the chat at 20 lines a second from one tab fits in the window.
    assert INSTRUCTOR_BURST >= 20 * throttle.EVENT_WINDOW_SECONDS + EVENT_BURST
    monkeypatch.setattr(throttle, "INSTRUCTOR_BURST", EVENT_BURST + 30)  # the same rule, fewer events to send
    teacher, learner = connect("gv.an"), connect("hv.mai")
    for socket in (teacher, learner):
        assert call(socket, "join", session_id=live.id)["ok"]
    acks = [
        call(teacher, "chat", session_id=live.id, client_id=f"t{i}", body=f"Dòng {i}") for i in range(EVENT_BURST + 30)
    ]
    # The join counted: all but the last line fit, and the limit holds after them.
    assert [a.get("error") for a in acks] == [None] * (EVENT_BURST + 29) + ["rate_limited"]
    assert db.session.scalar(select(func.count()).select_from(ChatMessage)) == EVENT_BURST + 29
    # A learner's connection keeps the learner's allowance.
    codes = [call(learner, "heartbeat", session_id=live.id).get("error") for _ in range(EVENT_BURST)]
    assert codes == [None] * (EVENT_BURST - 1) + ["rate_limited"]


def test_a_message_over_the_servers_limit_drops_only_that_connection(world, database_url):
    """Engine.IO's size limit, which the test client skips: a real gevent server, a real client.

    The largest real event (a full poll in Vietnamese) passes; a message over the limit never
    reaches the room: the server closes that connection, which reconnects and rejoins by itself,
    while the other member's connection is untouched and receives nothing.
    """
    from tests.live.test_origin import free_port
    from tests.live.test_restart import RoomClient, Server
    from tests.live.test_scale_out import login_cookie

    session = LiveSession(
        class_id=world.course_class.id,
        title="Buổi 1",
        duration_minutes=60,
        starts_at=datetime.now(UTC) + timedelta(minutes=5),
    )
    db.session.add(session)
    db.session.commit()
    env = {
        **os.environ,
        "LMS_CONFIG": "production",
        "LMS_SECRET_KEY": "s" * 40,
        "LMS_DATABASE_URL": database_url,
        "LMS_SECURE_COOKIES": "0",
    }
    env.pop("LMS_SOCKETIO_MESSAGE_QUEUE", None)
    server = Server(env, free_port())
    clients = []
    try:
        server.start()
        teacher = RoomClient(server.base, login_cookie(server.base, "gv.an"), session.id)
        clients.append(teacher)
        teacher.next_join(10)
        heard = []
        teacher.sio.on("chat", heard.append, namespace=NS)
        learner = RoomClient(server.base, login_cookie(server.base, "hv.mai"), session.id)
        clients.append(learner)
        learner.next_join(10)
        options = [f"Phương án {i}: " + "ữ" * 980 for i in range(10)]  # about 30 kB of UTF-8
        poll = teacher.call("poll_open", client_id="big", question="Chọn phương án nào?", options=options)["poll"]
        assert poll["options"] == options

        teacher_sid, learner_sid = teacher.sid, learner.sid
        learner.sio.emit("chat", {"session_id": session.id, "client_id": "huge", "body": "a" * 200_000}, namespace=NS)
        deadline = time.monotonic() + 10
        while learner.sio.connected and learner.sid == learner_sid and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not learner.sio.connected or learner.sid != learner_sid, "the server kept the connection"
        assert teacher.sio.connected and teacher.sid == teacher_sid
        # python-socketio does not reconnect after a disconnect by the server; the page's client
        # would. Either way the learner comes back on a new connection.
        learner.sio.disconnect()
        learner = RoomClient(server.base, login_cookie(server.base, "hv.mai"), session.id)
        clients.append(learner)
        learner.next_join(10)
        learner.call("chat", client_id="after", body="Vẫn ở đây")
        deadline = time.monotonic() + 10
        while not heard and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [m["body"] for m in heard] == ["Vẫn ở đây"]
        db.session.commit()
        assert [m.client_id for m in db.session.scalars(select(ChatMessage))] == ["after"]
    finally:
        for client in clients:
            client.sio.disconnect()
        server.stop()
