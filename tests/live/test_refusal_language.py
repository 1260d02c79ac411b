"""Live-room refusals reach each person in their own language, with the same stable code.

The acknowledgement `{"ok": false, "error": CODE, "message": TEXT}` and the `room_error` event
carry the message translated into the acting user's language: the account's, else the one their
browser session chose, else Vietnamese. A language chosen while connected counts from the next
event, for refusals made before any database work too. Every refusal code the room can send is
documented in docs/live-protocol.md.
"""

import re
from pathlib import Path

import pytest
from sqlalchemy import update

from lms.auth.models import User
from lms.extensions import db
from lms.live import post_limits, room
from tests.live.conftest import NS, call, received

ROOT = Path(__file__).resolve().parents[2]

# (event, payload fields, code, Vietnamese, English) for a learner who joined the room.
REFUSALS = [
    ("join", {"session_id": 2**31 - 1}, "not_found", "không có buổi học này", "no such session"),
    (
        "chat",
        {"client_id": "long", "body": "a" * 1001},
        "too_long",
        "'body' dài quá 1000 ký tự",
        "'body' is longer than 1000 characters",
    ),
    (
        "chat",
        {"client_id": "bad id!", "body": "chào"},
        "bad_request",
        "client_id phải gồm 1-64 chữ cái, chữ số, '-' hoặc '_'",
        "client_id must be 1-64 letters, digits, '-' or '_'",
    ),
    (
        "hand",
        {"raised": "yes"},
        "bad_request",
        "'raised' phải là true hoặc false",
        "'raised' must be true or false",
    ),
    (
        "mute_chat",
        {"muted": True},
        "instructor_only",
        "chỉ giảng viên của lớp mới được thực hiện thao tác này",
        "only the class's instructors may do this",
    ),
    (
        "upvote",
        {"question_id": 2**31 - 1},
        "not_found",
        "không có câu hỏi này trong buổi học",
        "no such question in this session",
    ),
    (
        "no_such_event",
        {},
        "unknown_event",
        "phòng học không có thao tác 'no_such_event'",
        "the room has no event 'no_such_event'",
    ),
]


def joined(connect, live, username):
    socket = connect(username)
    assert call(socket, "join", session_id=live.id)["ok"]
    socket.get_received(NS)
    return socket


def set_locale(username: str, locale: str | None) -> None:
    db.session.execute(update(User).where(User.username == username).values(locale=locale))
    db.session.commit()


def assert_refusal(socket, event, fields, code, message, session_id):
    payload = {"session_id": session_id, **fields} if "session_id" not in fields else fields
    ack = socket.emit(event, payload)
    assert ack == {"ok": False, "error": code, "message": message}
    assert received(socket, "room_error") == [{"code": code, "message": message}]


@pytest.mark.parametrize(("event", "fields", "code", "vietnamese", "english"), REFUSALS, ids=lambda v: str(v)[:20])
def test_a_refusal_is_in_the_accounts_language(live, connect, world, event, fields, code, vietnamese, english):
    set_locale("hv.nam", "en")
    mai, nam = joined(connect, live, "hv.mai"), joined(connect, live, "hv.nam")  # Mai never chose: Vietnamese
    assert_refusal(mai, event, fields, code, vietnamese, live.id)
    assert_refusal(nam, event, fields, code, english, live.id)


def test_chat_flood_muted_chat_and_closed_poll_in_both_languages(live, connect, world):
    set_locale("hv.nam", "en")
    teacher = joined(connect, live, "gv.an")
    mai, nam = joined(connect, live, "hv.mai"), joined(connect, live, "hv.nam")
    for socket, prefix in ((mai, "m"), (nam, "n")):
        for i in range(post_limits.CHAT_BURST):
            assert call(socket, "chat", session_id=live.id, client_id=f"{prefix}{i}", body=f"dòng {i}")["ok"]
        socket.get_received(NS)
    flood = {"client_id": "one-more", "body": "nữa"}
    assert_refusal(
        mai, "chat", flood, "rate_limited", "bạn gửi quá nhiều tin nhắn; vui lòng chờ vài giây rồi gửi tiếp", live.id
    )
    assert_refusal(nam, "chat", flood, "rate_limited", "too many messages; wait a few seconds", live.id)

    assert call(teacher, "mute_chat", session_id=live.id, muted=True)["ok"]
    poll = call(teacher, "poll_open", session_id=live.id, client_id="p", question="Đóng?", options=["Có", "Không"])
    assert call(teacher, "poll_close", session_id=live.id, poll_id=poll["poll"]["id"])["ok"]
    for socket in (mai, nam):
        socket.get_received(NS)
    muted = {"client_id": "muted", "body": "xin phép"}
    assert_refusal(mai, "chat", muted, "chat_muted", "giảng viên đã tạm dừng trò chuyện", live.id)
    assert_refusal(nam, "chat", muted, "chat_muted", "the instructor has paused the chat", live.id)
    vote = {"poll_id": poll["poll"]["id"], "option": 0}
    assert_refusal(mai, "poll_vote", vote, "poll_closed", "cuộc thăm dò ý kiến đã đóng", live.id)
    assert_refusal(nam, "poll_vote", vote, "poll_closed", "the poll is closed", live.id)


def test_refusals_before_any_database_work_are_translated_too(live, connect):
    set_locale("hv.nam", "en")
    mai, nam = joined(connect, live, "hv.mai"), joined(connect, live, "hv.nam")
    for socket, message in (
        (mai, "dữ liệu gửi lên phải là một đối tượng JSON"),
        (nam, "the payload must be one JSON object"),
    ):
        assert socket.emit_args("chat", "chào") == {"ok": False, "error": "bad_request", "message": message}
    big = {"session_id": live.id, "client_id": "big", "body": "a" * 16_001}
    for socket, message in (
        (mai, "dữ liệu gửi lên dài quá 16000 ký tự"),
        (nam, "the payload is larger than 16000 characters"),
    ):
        assert socket.emit("chat", big) == {"ok": False, "error": "too_large", "message": message}


def test_a_language_chosen_while_connected_counts_from_the_next_event(live, connect):
    mai = joined(connect, live, "hv.mai")
    assert call(mai, "no_such_event", session_id=live.id)["message"] == "phòng học không có thao tác 'no_such_event'"
    set_locale("hv.mai", "en")
    # A room event reads the account again: its refusal, and the ones before any database work after it.
    assert call(mai, "hand", session_id=live.id, raised=1)["message"] == "'raised' must be true or false"
    assert call(mai, "no_such_event", session_id=live.id)["message"] == "the room has no event 'no_such_event'"


def test_without_an_account_language_the_sessions_choice_counts(app, live):
    from tests.conftest import AuthActions
    from tests.live.conftest import Socket

    http = app.test_client()
    actions = AuthActions(http)
    actions.login("hv.mai")
    actions.post("/language", {"locale": "en"})
    set_locale("hv.mai", None)  # the session's choice remains
    socket = Socket(app, http)
    try:
        ack = call(socket, "hand", session_id=live.id, raised="no")
        assert ack == {"ok": False, "error": "bad_request", "message": "'raised' must be true or false"}
    finally:
        socket.disconnect()


def test_a_login_that_ended_is_told_in_its_language_and_cut(live, connect, world):
    set_locale("hv.nam", "en")
    mai, nam = joined(connect, live, "hv.mai"), joined(connect, live, "hv.nam")
    world.learner.active = world.other_learner.active = False
    db.session.commit()
    for socket, message in ((mai, "vui lòng đăng nhập lại"), (nam, "please log in again")):
        ack = call(socket, "chat", session_id=live.id, client_id="c", body="còn đây không?")
        assert ack == {"ok": False, "error": "unauthorized", "message": message}
        assert not socket.is_connected()


def test_an_unexpected_failure_is_answered_in_the_users_language(live, connect, monkeypatch, caplog):
    mai = joined(connect, live, "hv.mai")

    def broken(*args):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(room, "raise_hand", broken)
    ack = call(mai, "hand", session_id=live.id, raised=True)
    assert ack == {"ok": False, "error": "server_error", "message": "máy chủ không xử lý được thao tác này"}
    assert "disk on fire" in caplog.text


def test_every_refusal_code_is_documented():
    """The codes raised in lms/live (`code="…"`) and the protocol document's table agree."""
    sources = [ROOT / "lms/live" / name for name in ("room.py", "events.py")]
    raised = {code for path in sources for code in re.findall(r'code="([a-z_]+)"', path.read_text())}
    document = (ROOT / "docs/live-protocol.md").read_text()
    table = document[document.index("| code | when | message |") :].split("\n\n")[0]
    documented = set(re.findall(r"^\| `([a-z_]+)` \|", table, re.M))
    assert raised == documented
