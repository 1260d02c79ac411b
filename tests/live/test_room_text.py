"""Chat lines, questions and poll texts follow the multi-line text rule, in every language.

A body, poll question or option made only of zero-width characters (U+200B, U+200C, U+200D,
U+2060, U+FEFF) and whitespace is empty; one with a text-direction override or isolate
(U+202A-U+202E, U+2066-U+2069) or a control character other than tab and line breaks is refused.
Each refusal is `bad_request` with its exact message in the acting user's language, sent back as
the acknowledgement and as `room_error`, broadcast to no one, and nothing is written. Tabs, line
breaks and a zero-width joiner inside real text are kept as sent.
"""

import pytest
from sqlalchemy import update

from lms.auth.models import User
from lms.extensions import db
from lms.live.models import ChatMessage, Poll, RoomQuestion
from tests.live.conftest import NS, call, received
from tests.refusals import nothing_written

ZERO_WIDTH_ONLY = ["\u200b", "\u200c\u200d", " \u2060 ", "\ufeff\n\t\u200b"]
DIRECTION_MARKS = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]

EMPTY = {
    "vi": "'{name}' phải là văn bản và không được để trống",
    "en": "'{name}' must be non-empty text",
}
MARK = {
    "vi": "Văn bản chứa ký tự điều khiển hoặc ký tự đổi hướng văn bản ({code}); hãy xóa ký tự này.",
    "en": "The text contains a control character or a text-direction mark ({code}); remove it.",
}


@pytest.fixture
def room(live, connect):
    """Mai (Vietnamese, the default) and the instructor (English) joined; Nam joined to overhear."""
    db.session.execute(update(User).where(User.username == "gv.an").values(locale="en"))
    db.session.commit()
    sockets = {name: connect(name) for name in ("gv.an", "hv.mai", "hv.nam")}
    for socket in sockets.values():
        assert call(socket, "join", session_id=live.id)["ok"]
    for socket in sockets.values():
        socket.get_received(NS)
    return sockets


def refused(room, sender: str, event: str, payload: dict, message: str) -> None:
    """The event is refused as bad_request with this message, to the sender only; nothing is written."""
    with nothing_written():
        ack = room[sender].emit(event, payload)
    assert ack == {"ok": False, "error": "bad_request", "message": message}
    assert received(room[sender], "room_error") == [{"code": "bad_request", "message": message}]
    for name, socket in room.items():
        if name != sender:
            # (the arrivals' presence batch may still come in: it is not about this event)
            assert [m for m in socket.get_received(NS) if m["name"] != "presence"] == []


@pytest.mark.parametrize("event", ["chat", "ask"])
@pytest.mark.parametrize("body", ZERO_WIDTH_ONLY, ids=ascii)
def test_a_body_of_zero_width_characters_is_empty(room, live, event, body):
    payload = {"session_id": live.id, "client_id": "z1", "body": body}
    refused(room, "hv.mai", event, payload, EMPTY["vi"].format(name="body"))


@pytest.mark.parametrize("event", ["chat", "ask"])
@pytest.mark.parametrize("mark", DIRECTION_MARKS, ids=ascii)
def test_a_body_with_a_direction_mark_is_refused(room, live, event, mark):
    payload = {"session_id": live.id, "client_id": "d1", "body": f"Xin chào{mark} thầy"}
    refused(room, "hv.mai", event, payload, MARK["vi"].format(code=f"U+{ord(mark):04X}"))


@pytest.mark.parametrize(("character", "code"), [("\x00", "U+0000"), ("\x1b", "U+001B"), ("\x85", "U+0085")])
def test_a_control_character_is_named_in_the_message(room, live, character, code):
    payload = {"session_id": live.id, "client_id": "c9", "body": f"a{character}b"}
    refused(room, "hv.mai", "chat", payload, MARK["vi"].format(code=code))


@pytest.mark.parametrize(
    ("question", "options", "message"),
    [
        ("\u200b\u200b", ["Có", "Không"], EMPTY["en"].format(name="question")),
        ("Rõ chưa?", ["Có", "\ufeff \u200d"], EMPTY["en"].format(name="option")),
        ("\u202eRõ chưa?", ["Có", "Không"], MARK["en"].format(code="U+202E")),
        ("Rõ chưa?", ["Có", "Không\u2067"], MARK["en"].format(code="U+2067")),
    ],
    ids=["question-zero-width", "option-zero-width", "question-override", "option-isolate"],
)
def test_poll_question_and_options_follow_the_rule_in_english(room, live, question, options, message):
    payload = {"session_id": live.id, "client_id": "p9", "question": question, "options": options}
    refused(room, "gv.an", "poll_open", payload, message)


def test_tabs_line_breaks_and_joiners_in_real_text_are_kept(room, live):
    body = "Câu 1:\n\tMột cửa\r\nCâu 2: 👩\u200d💻"
    assert call(room["hv.mai"], "chat", session_id=live.id, client_id="k1", body=body)["message"]["body"] == body
    assert call(room["hv.mai"], "ask", session_id=live.id, client_id="k2", body=body)["question"]["body"] == body
    poll = call(
        room["gv.an"], "poll_open", session_id=live.id, client_id="k3", question="Rõ\tchưa?", options=["Có", "Chưa"]
    )
    assert poll["ok"] and poll["poll"]["question"] == "Rõ chưa?"  # a poll's texts are one line
    db.session.expire_all()
    assert db.session.query(ChatMessage.body).filter_by(client_id="k1").scalar() == body
    assert db.session.query(RoomQuestion.body).filter_by(client_id="k2").scalar() == body
    assert db.session.query(Poll.options).filter_by(client_id="k3").scalar() == ["Có", "Chưa"]
