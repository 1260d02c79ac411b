"""A session's life: editing, rescheduling (iCalendar SEQUENCE), cancelling, opening one now, and
the room read-only after the end or a cancellation.

Each refusal is read as the person reads it (the page's message in Vietnamese, the room's
acknowledgement and `room_error`), and each leaves the database exactly as it was.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from lms.audit.models import AuditEvent
from lms.auth.models import User
from lms.database import utcnow
from lms.extensions import db
from lms.live.events import EVENT_HANDLERS
from lms.live.models import ChatMessage, LiveSession, Poll, RoomQuestion, SessionState
from lms.live.schedule import check_cancel, check_edit, read_session_form, utc_to_local_input
from lms.live.service import cancelled_notices
from lms.localtime import VIETNAM
from lms.progress.service import completion_for
from lms.refusals import Refused
from tests import snapshots
from tests.live.conftest import NS, call, received
from tests.refusals import field_error, flashed_errors, nothing_written, parse, speak_english

NOW = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
ENDED = "buổi học đã kết thúc; phòng học chỉ còn để xem, không thể thay đổi"
CANCELLED = "buổi học đã bị hủy; phòng học chỉ còn để xem, không thể thay đổi"


def form_of(session: LiveSession, **changes) -> dict:
    """The edit form as its page shows it for the session, with some fields changed."""
    values = {
        "title": session.title,
        "starts_at": utc_to_local_input(session.starts_at),
        "duration_minutes": str(session.duration_minutes),
        "video_url": session.video_url,
        "attendance_required": "1" if session.attendance_required else "0",
        "attendance_threshold": str(round(session.attendance_threshold * 100)),
        "slides_module_id": str(session.slides_module_id or ""),
    }
    return values | changes


def new_session(world, *, start: datetime | None = None, state: str = SessionState.SCHEDULED, **kwargs) -> LiveSession:
    session = LiveSession(
        class_id=world.course_class.id,
        title="Buổi 2: Một cửa liên thông",
        starts_at=start or utcnow().replace(second=0, microsecond=0) + timedelta(days=2),
        duration_minutes=90,
        video_url="https://meet.example.gov.vn/cchc",
        state=state,
        **kwargs,
    )
    db.session.add(session)
    db.session.commit()
    return session


def reread(session: LiveSession) -> LiveSession:
    db.session.commit()  # what the requests committed
    return db.session.get(LiveSession, session.id)


def audit_rows() -> list[tuple]:
    db.session.commit()
    return [
        (r.actor_id, r.action, r.target, r.details)
        for r in db.session.scalars(
            select(AuditEvent).where(AuditEvent.action.like("session.%")).order_by(AuditEvent.id)
        )
    ]


def one_event(body: bytes):
    assert b"\r\n" in body
    (event,) = Calendar.from_ical(body).walk("VEVENT")
    return event


# --- pure rules ---------------------------------------------------------------------------------


BASE_FORM = {
    "title": "Buổi 1",
    "starts_at": "2026-12-01T08:00",
    "duration_minutes": "90",
    "video_url": "",
    "attendance_required": "1",
    "attendance_threshold": "80",
    "slides_module_id": "",
}


@pytest.mark.parametrize("choice", [None, "", "yes", "2"])
def test_whether_attendance_counts_must_be_chosen(choice):
    values = {k: v for k, v in BASE_FORM.items() if k != "attendance_required"}
    if choice is not None:
        values["attendance_required"] = choice
    with pytest.raises(Refused) as refused:
        read_session_form(values, set(), NOW)
    assert [(p.field, str(p)) for p in refused.value.problems] == [
        ("attendance_required", "Choose whether attending this session counts toward completion.")
    ]


@pytest.mark.parametrize(("choice", "counts"), [("1", True), ("0", False)])
def test_either_choice_is_taken(choice, counts):
    assert read_session_form({**BASE_FORM, "attendance_required": choice}, set(), NOW).attendance_required is counts


def test_open_now_starts_this_minute_whatever_start_was_typed():
    now = NOW + timedelta(seconds=42)
    for typed in ("", "2020-01-01T08:00", "ngày mai"):
        assert read_session_form({**BASE_FORM, "starts_at": typed}, set(), now, start_now=True).starts_at == NOW


def test_a_kept_start_may_be_past_but_a_new_one_may_not():
    kept = NOW - timedelta(minutes=30)
    shown = utc_to_local_input(kept)
    assert read_session_form({**BASE_FORM, "starts_at": shown}, set(), NOW, kept_start=kept).starts_at == kept
    earlier = utc_to_local_input(kept - timedelta(minutes=1))
    with pytest.raises(Refused) as refused:
        read_session_form({**BASE_FORM, "starts_at": earlier}, set(), NOW, kept_start=kept)
    assert [(p.field, str(p)) for p in refused.value.problems] == [("starts_at", "The start is in the past.")]


@pytest.mark.parametrize(
    ("state", "changed", "code", "message"),
    [
        ("cancelled", ("title",), "session_cancelled", "This session is cancelled; it can no longer be changed."),
        ("ended", ("title",), "session_ended", "This session has ended; it can no longer be changed."),
        ("live", ("starts_at",), "session_live", "This session is under way; its start can no longer be moved."),
    ],
)
def test_edits_a_state_no_longer_allows(state, changed, code, message):
    with pytest.raises(Refused) as refused:
        check_edit(state, changed)
    assert (refused.value.code, refused.value.status, str(refused.value.problem)) == (code, 409, message)


@pytest.mark.parametrize(
    ("state", "changed"),
    [("scheduled", ("starts_at", "title")), ("live", ("duration_minutes", "title")), ("live", ())],
)
def test_edits_a_state_allows(state, changed):
    check_edit(state, changed)


@pytest.mark.parametrize(
    ("state", "code", "message"),
    [
        ("cancelled", "already_cancelled", "This session is already cancelled."),
        ("ended", "session_ended", "This session has ended; it can no longer be cancelled."),
    ],
)
def test_cancelling_twice_or_after_the_end_is_refused(state, code, message):
    with pytest.raises(Refused) as refused:
        check_cancel(state)
    assert (refused.value.code, str(refused.value.problem)) == (code, message)


@pytest.mark.parametrize("state", ["scheduled", "live"])
def test_a_scheduled_or_live_session_can_be_cancelled(state):
    check_cancel(state)


# --- editing and rescheduling -----------------------------------------------------------------


def test_the_edit_page_shows_the_sessions_values(world, auth, client):
    session = new_session(world, attendance_required=False)
    auth.login("gv.an")
    page = parse(client.get(f"/sessions/{session.id}/edit"))
    assert page.one("input", id="title").attrs["value"] == "Buổi 2: Một cửa liên thông"
    assert page.one("input", id="starts_at").attrs["value"] == utc_to_local_input(session.starts_at)
    assert "checked" in page.one("input", data_test="attendance-optional").attrs
    assert "checked" not in page.one("input", data_test="attendance-counts").attrs


def test_a_new_title_is_an_edit_not_a_reschedule(world, auth, client):
    session = new_session(world)
    auth.login("gv.an")
    response = auth.post(f"/sessions/{session.id}/edit", form_of(session, title="Buổi 2: Liên thông (đổi tên)"))
    assert response.status_code == 303
    assert flash_texts(client, session) == ["Đã lưu thay đổi của buổi học."]
    changed = reread(session)
    assert (changed.title, changed.sequence) == ("Buổi 2: Liên thông (đổi tên)", 0)
    assert audit_rows() == [(world.teacher.id, "session.edit", f"session:{session.id}", {"fields": ["title"]})]
    assert str(one_event(client.get(f"/sessions/{session.id}.ics").data)["SEQUENCE"]) == "0"


def flash_texts(client, session) -> list[str]:
    """The success or information messages on the session page the edit redirected to."""
    page = parse(client.get(f"/sessions/{session.id}"))
    return [e.text for e in page.find_all("p", role="status") if "flash" in e.attrs.get("class", "")]


def test_a_reschedule_raises_the_calendar_sequence(world, auth, client):
    session = new_session(world)
    old_start = session.starts_at
    new_start = old_start + timedelta(days=1, hours=2)
    auth.login("hv.mai")
    assert auth.post("/calendar", {"action": "new"}).status_code == 303
    token = db.session.scalar(select(User.calendar_token).where(User.username == "hv.mai"))
    auth.logout()
    auth.login("gv.an")
    response = auth.post(
        f"/sessions/{session.id}/edit",
        form_of(session, starts_at=utc_to_local_input(new_start), duration_minutes="120"),
    )
    assert response.status_code == 303
    assert flash_texts(client, session) == ["Đã dời lịch buổi học; các lịch đã đăng ký sẽ hiển thị thời gian mới."]
    changed = reread(session)
    assert (changed.starts_at, changed.duration_minutes, changed.sequence) == (new_start, 120, 1)
    assert audit_rows() == [
        (
            world.teacher.id,
            "session.reschedule",
            f"session:{session.id}",
            {
                "fields": ["starts_at", "duration_minutes"],
                "starts_at": [old_start.isoformat(), new_start.isoformat()],
                "duration_minutes": [90, 120],
                "sequence": 1,
            },
        )
    ]
    event = one_event(client.get(f"/sessions/{session.id}.ics").data)
    assert (str(event["SEQUENCE"]), event.decoded("DTSTART"), str(event["STATUS"])) == ("1", new_start, "CONFIRMED")
    feed = one_event(client.get(f"/calendar/{token}.ics").data)
    assert (str(feed["SEQUENCE"]), feed.decoded("DTEND")) == ("1", new_start + timedelta(minutes=120))


def test_rescheduling_into_the_past_is_refused_next_to_the_start(world, auth):
    session = new_session(world)
    auth.login("gv.an")
    past = utc_to_local_input(utcnow() - timedelta(hours=1))
    with nothing_written():
        response = auth.post(f"/sessions/{session.id}/edit", form_of(session, starts_at=past))
    assert response.status_code == 400
    assert field_error(parse(response), "starts_at").text == "Thời gian bắt đầu đã qua."


def test_a_start_shown_back_unchanged_stays_once_past(world, auth):
    start = utcnow().replace(second=0, microsecond=0) - timedelta(minutes=10)
    session = new_session(world, start=start)
    auth.login("gv.an")
    response = auth.post(f"/sessions/{session.id}/edit", form_of(session, title="Buổi 2 (sửa tên)"))
    assert response.status_code == 303
    changed = reread(session)
    assert (changed.title, changed.starts_at, changed.sequence) == ("Buổi 2 (sửa tên)", start, 0)


def test_saving_the_same_values_writes_nothing(world, auth, client):
    session = new_session(world)
    auth.login("gv.an")
    with nothing_written():
        response = auth.post(f"/sessions/{session.id}/edit", form_of(session))
    assert response.status_code == 303
    assert flash_texts(client, session) == ["Không có gì thay đổi."]


def test_a_session_under_way_keeps_its_start_but_may_run_over(world, auth):
    start = utcnow().replace(second=0, microsecond=0) - timedelta(minutes=20)
    session = new_session(world, start=start, state=SessionState.LIVE, started_at=start)
    auth.login("gv.an")
    later = utc_to_local_input(start + timedelta(hours=1))
    with nothing_written():
        response = auth.post(f"/sessions/{session.id}/edit", form_of(session, starts_at=later))
    assert response.status_code == 409
    assert field_error(parse(response), "starts_at").text == (
        "Buổi học đang diễn ra; không thể dời thời gian bắt đầu nữa."
    )
    assert auth.post(f"/sessions/{session.id}/edit", form_of(session, duration_minutes="120")).status_code == 303
    assert (reread(session).duration_minutes, reread(session).sequence) == (120, 1)


@pytest.mark.parametrize(
    ("state", "message"),
    [
        (SessionState.ENDED, "Buổi học này đã kết thúc; không thể thay đổi nữa."),
        (SessionState.CANCELLED, "Buổi học này đã bị hủy; không thể thay đổi nữa."),
    ],
)
def test_an_ended_or_cancelled_session_cannot_be_edited(world, auth, client, state, message):
    session = new_session(world, state=state)
    auth.login("gv.an")
    assert parse(client.get(f"/sessions/{session.id}/edit")).one(data_test="not-changeable").text == message
    with nothing_written():
        response = auth.post(f"/sessions/{session.id}/edit", form_of(session, title="Đổi tên"))
    assert response.status_code == 409
    assert parse(response).one(data_test="form-error").text == message


@pytest.mark.parametrize(("username", "status"), [("gv.binh", 403), ("hv.mai", 403), ("admin", 303)])
def test_only_the_class_staff_edit_or_cancel(world, auth, client, username, status):
    session = new_session(world)
    auth.login(username)
    if status == 403:
        assert client.get(f"/sessions/{session.id}/edit").status_code == 403
        with nothing_written():
            assert auth.post(f"/sessions/{session.id}/edit", form_of(session, title="Của lớp khác")).status_code == 403
            assert auth.post(f"/sessions/{session.id}/cancel", {"reason": "Không phải lớp mình"}).status_code == 403
    else:
        assert auth.post(f"/sessions/{session.id}/edit", form_of(session, title="Quản trị đổi")).status_code == 303
        assert auth.post(f"/sessions/{session.id}/cancel", {"reason": ""}).status_code == 303
        assert [row[:2] for row in audit_rows()] == [
            (world.admin.id, "session.edit"),
            (world.admin.id, "session.cancel"),
        ]


def test_a_session_that_does_not_exist_is_404(world, auth):
    auth.login("admin")
    with nothing_written():
        assert auth.post("/sessions/999999/edit", BASE_FORM).status_code == 404
        assert auth.post("/sessions/999999/cancel", {}).status_code == 404


# --- opening now ----------------------------------------------------------------------------------


def test_open_now_starts_a_live_session_and_goes_to_its_room(world, auth):
    auth.login("gv.an")
    before = utcnow()
    response = auth.post(
        f"/classes/{world.course_class.id}/sessions/new",
        {**BASE_FORM, "starts_at": "", "attendance_required": "0", "when": "now"},
    )
    assert response.status_code == 303
    session = db.session.scalar(select(LiveSession))
    assert response.headers["Location"] == f"/sessions/{session.id}/room"
    assert session.state == SessionState.LIVE and session.started_at is not None
    assert before.replace(second=0, microsecond=0) <= session.starts_at <= utcnow()
    assert audit_rows() == [
        (
            world.teacher.id,
            "session.schedule",
            f"session:{session.id}",
            {"class_id": world.course_class.id, "opened_now": True},
        )
    ]


def test_schedule_without_choosing_whether_attendance_counts_is_refused(world, auth, client):
    auth.login("gv.an")
    page = parse(client.get(f"/classes/{world.course_class.id}/sessions/new"))
    assert [("checked" in r.attrs) for r in page.find_all("input", type="radio")] == [False, False]
    future = utc_to_local_input(utcnow() + timedelta(days=1))
    values = {k: v for k, v in BASE_FORM.items() if k != "attendance_required"} | {"starts_at": future}
    with nothing_written():
        response = auth.post(f"/classes/{world.course_class.id}/sessions/new", values)
    assert response.status_code == 400
    assert field_error(parse(response), "attendance_required").text == (
        "Hãy chọn việc tham dự buổi học này có được tính để hoàn thành khóa học hay không."
    )


# --- cancelling ---------------------------------------------------------------------------------


def notices(client) -> list[str]:
    return [e.text for e in parse(client.get("/")).find_all(data_test="cancelled-notice")]


def test_a_cancellation_reaches_calendars_completion_and_the_learners_dashboard(world, auth, client):
    session = new_session(world)
    mai = world.course_class.enrolments[0]
    assert "attendance" in {r.key for r in completion_for(mai).requirements}
    auth.login("gv.an")
    response = auth.post(f"/sessions/{session.id}/cancel", {"reason": "Giảng viên đi công tác đột xuất"})
    assert response.status_code == 303
    assert flash_texts(client, session) == [
        "Đã hủy buổi học. Học viên của lớp sẽ thấy thông báo trên trang chủ của mình."
    ]
    cancelled = reread(session)
    assert (cancelled.state, cancelled.sequence, cancelled.cancel_reason) == (
        "cancelled",
        1,
        "Giảng viên đi công tác đột xuất",
    )
    assert cancelled.cancelled_at is not None
    assert audit_rows() == [
        (
            world.teacher.id,
            "session.cancel",
            f"session:{session.id}",
            {"reason": "Giảng viên đi công tác đột xuất", "sequence": 1},
        )
    ]
    event = one_event(client.get(f"/sessions/{session.id}.ics").data)
    assert (str(event["STATUS"]), str(event["SEQUENCE"])) == ("CANCELLED", "1")
    assert notices(client) == []  # the instructor is not a learner of the class
    db.session.expire_all()
    assert "attendance" not in {r.key for r in completion_for(mai).requirements}

    auth.logout()
    auth.login("hv.mai")
    (notice,) = notices(client)
    assert notice.startswith("Đã hủy: Buổi 2: Một cửa liên thông Lớp LOP-1 · dự kiến vào ")
    assert cancelled.starts_at.astimezone(VIETNAM).strftime("%d/%m/%Y %H:%M") in notice
    assert notice.endswith("Lý do: Giảng viên đi công tác đột xuất")
    assert 'data-test="upcoming-session"' not in client.get("/").get_data(as_text=True)


def test_cancelling_twice_says_already_cancelled_and_adds_nothing(world, auth, client):
    session = new_session(world)
    auth.login("gv.an")
    assert auth.post(f"/sessions/{session.id}/cancel", {"reason": "Trùng lịch họp"}).status_code == 303
    rows = audit_rows()
    with nothing_written():
        response = auth.post(f"/sessions/{session.id}/cancel", {"reason": "Bấm lần nữa"})
    assert response.status_code == 303
    assert flashed_errors(parse(client.get(f"/sessions/{session.id}"))) == ["Buổi học này đã bị hủy trước đó rồi."]
    assert audit_rows() == rows and len(rows) == 1
    auth.logout()
    auth.login("hv.mai")
    assert len(notices(client)) == 1


def test_an_ended_session_cannot_be_cancelled(world, auth, client):
    session = new_session(world, state=SessionState.ENDED)
    auth.login("gv.an")
    with nothing_written():
        assert auth.post(f"/sessions/{session.id}/cancel", {}).status_code == 303
    assert flashed_errors(parse(client.get(f"/sessions/{session.id}"))) == [
        "Buổi học này đã kết thúc; không thể hủy nữa."
    ]


def test_a_cancellation_reason_is_one_line(world, auth, client):
    session = new_session(world)
    auth.login("gv.an")
    with nothing_written():
        auth.post(f"/sessions/{session.id}/cancel", {"reason": "Dòng một\u202edòng hai"})
    assert flashed_errors(parse(client.get(f"/sessions/{session.id}"))) == [
        "Văn bản chứa ký tự điều khiển hoặc ký tự đổi hướng văn bản (U+202E); hãy xóa ký tự này."
    ]


def test_the_notice_lasts_while_the_session_is_to_come_or_for_a_week(world):
    now = utcnow()
    soon = new_session(world, state=SessionState.CANCELLED, cancelled_at=now - timedelta(days=30))
    past = new_session(world, start=now - timedelta(days=3), state=SessionState.CANCELLED, cancelled_at=now)
    new_session(
        world, start=now - timedelta(days=20), state=SessionState.CANCELLED, cancelled_at=now - timedelta(days=8)
    )
    new_session(world)  # not cancelled
    enrolments = world.course_class.enrolments
    assert [s.id for s in cancelled_notices(enrolments, now)] == [past.id, soon.id]
    assert [s.id for s in cancelled_notices(enrolments, now + timedelta(days=6))] == [past.id]
    assert cancelled_notices(enrolments, now + timedelta(days=8)) == []


def test_a_cancelled_session_takes_no_attendance(world, auth):
    session = new_session(world, start=utcnow() - timedelta(minutes=30), state=SessionState.CANCELLED)
    auth.login("gv.an")
    form = {"user_id": str(world.learner.id), "present": "1", "reason": "Có mặt"}
    with nothing_written():
        response = auth.post(f"/sessions/{session.id}/attendance", form)
    assert response.status_code == 400
    assert "Buổi học này đã bị hủy; không có điểm danh để ghi nhận." in response.get_data(as_text=True)


# --- the room after the end ---------------------------------------------------------------------


@pytest.fixture
def room(world, live):
    """The `live` session with a chat line, a question, an open poll and a raised hand."""
    line = ChatMessage(session_id=live.id, user_id=world.learner.id, client_id="c-1", body="Chào cả lớp")
    question = RoomQuestion(session_id=live.id, user_id=world.other_learner.id, client_id="q-1", body="Hỏi ạ?")
    poll = Poll(session_id=live.id, client_id="p-1", question="Rõ chưa?", options=["Rõ", "Chưa"], opened_at=utcnow())
    db.session.add_all([line, question, poll])
    db.session.commit()
    live.line, live.question, live.poll = line, question, poll
    return live


# Every write event, who sends it, and a payload it would be accepted with in a live room.
WRITE_EVENTS = {
    "chat": ("hv.mai", lambda r: {"client_id": "c-new", "body": "Còn ai không?"}),
    "ask": ("hv.mai", lambda r: {"client_id": "q-new", "body": "Em hỏi thêm ạ?"}),
    "upvote": ("hv.mai", lambda r: {"question_id": r.question.id}),
    "hand": ("hv.mai", lambda r: {"raised": True}),
    "poll_vote": ("hv.mai", lambda r: {"poll_id": r.poll.id, "option": 1}),
    "delete_message": ("gv.an", lambda r: {"message_id": r.line.id}),
    "mute_chat": ("gv.an", lambda r: {"muted": True}),
    "answered": ("gv.an", lambda r: {"question_id": r.question.id}),
    "clear_hands": ("gv.an", lambda r: {}),
    "lower_hand": ("gv.an", lambda r: {"user_id": r.line.user_id}),
    "mute_person": ("gv.an", lambda r: {"user_id": r.line.user_id, "muted": True}),
    "poll_open": ("gv.an", lambda r: {"client_id": "p-new", "question": "Thêm?", "options": ["Có", "Không"]}),
    "poll_close": ("gv.an", lambda r: {"poll_id": r.poll.id}),
    "slide": ("gv.an", lambda r: {"section": "mot-cua"}),
    "session_state": ("gv.an", lambda r: {"state": "live"}),
    "remove": ("gv.an", lambda r: {"user_id": r.question.user_id}),  # the learner who asked
    "readmit": ("gv.an", lambda r: {"user_id": r.question.user_id}),
}
READ_EVENTS = {"join", "leave", "chat_history", "heartbeat"}


def test_every_room_event_is_a_read_or_a_write_here():
    assert set(WRITE_EVENTS) | READ_EVENTS == {name for name, _ in EVENT_HANDLERS}


def set_state(session: LiveSession, state: str) -> None:
    db.session.get(LiveSession, session.id).state = state
    db.session.commit()


@pytest.mark.parametrize(
    ("state", "code", "message"),
    [(SessionState.ENDED, "session_ended", ENDED), (SessionState.CANCELLED, "session_cancelled", CANCELLED)],
    ids=["ended", "cancelled"],
)
@pytest.mark.parametrize("event", list(WRITE_EVENTS))
def test_every_write_event_is_refused_once_the_session_is_over(room, connect, event, state, code, message):
    set_state(room, state)
    sender, payload = WRITE_EVENTS[event]
    socket = connect(sender)
    assert call(socket, "join", session_id=room.id)["snapshot"]["session"]["state"] == state
    socket.get_received(NS)
    before = snapshots.take()
    ack = socket.emit(event, {"session_id": room.id, **payload(room)})
    assert ack == {"ok": False, "error": code, "message": message}
    assert received(socket, "room_error") == [{"code": code, "message": message}]
    assert snapshots.changes(before, snapshots.take()) == {}


def test_the_refusal_is_in_the_learners_language(world, room, connect):
    speak_english(world.learner)
    set_state(room, SessionState.ENDED)
    socket = connect("hv.mai")
    ack = call(socket, "chat", session_id=room.id, client_id="c-en", body="Hello?")
    assert ack == {
        "ok": False,
        "error": "session_ended",
        "message": "the session has ended; the room can be read but not changed",
    }


def test_an_ended_rooms_history_stays_readable(world, room, connect):
    db.session.add_all(
        ChatMessage(session_id=room.id, user_id=world.teacher.id, client_id=f"h-{i}", body=f"Dòng {i}")
        for i in range(120)
    )
    db.session.commit()
    set_state(room, SessionState.ENDED)
    socket = connect("hv.nam")
    snapshot = call(socket, "join", session_id=room.id)["snapshot"]
    assert snapshot["session"]["state"] == "ended"
    assert len(snapshot["chat"]) == 100 and snapshot["chat_more"] is True
    assert [q["body"] for q in snapshot["questions"]] == ["Hỏi ạ?"]
    assert [p["question"] for p in snapshot["polls"]] == ["Rõ chưa?"]
    page = call(socket, "chat_history", session_id=room.id, before_id=snapshot["chat"][0]["id"])
    assert page["ok"] is True and page["more"] is False
    assert [m["body"] for m in page["chat"]] == ["Chào cả lớp"] + [f"Dòng {i}" for i in range(20)]
    assert call(socket, "leave", session_id=room.id) == {"ok": True}


def test_ending_the_session_closes_the_room_to_writes(room, connect):
    teacher, learner = connect("gv.an"), connect("hv.mai")
    for socket in (teacher, learner):
        call(socket, "join", session_id=room.id)
    assert call(teacher, "session_state", session_id=room.id, state="live")["ok"]
    assert call(learner, "chat", session_id=room.id, client_id="c-a", body="Trước khi kết thúc")["ok"]
    assert call(teacher, "session_state", session_id=room.id, state="ended")["ok"]
    ack = call(learner, "chat", session_id=room.id, client_id="c-b", body="Sau khi kết thúc")
    assert ack["error"] == "session_ended"
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(ChatMessage).where(ChatMessage.client_id == "c-b")) == 0


def test_a_cancellation_tells_the_room_and_closes_it(room, connect, auth):
    learner = connect("hv.mai")
    call(learner, "join", session_id=room.id)
    learner.get_received(NS)
    auth.login("gv.an")
    assert auth.post(f"/sessions/{room.id}/cancel", {"reason": "Mất điện toàn khu"}).status_code == 303
    assert received(learner, "session_cancelled") == [
        {"session_id": room.id, "state": "cancelled", "reason": "Mất điện toàn khu"}
    ]
    ack = call(learner, "hand", session_id=room.id, raised=True)
    assert ack == {"ok": False, "error": "session_cancelled", "message": CANCELLED}


@pytest.mark.parametrize(
    ("state", "note"),
    [
        (SessionState.ENDED, "Buổi học đã kết thúc: phòng học chỉ còn để xem, không thể gửi thêm nội dung."),
        (SessionState.CANCELLED, "Buổi học đã bị hủy: phòng học chỉ còn để xem, không thể gửi thêm nội dung."),
    ],
)
def test_the_room_page_of_a_session_over_has_no_composer(world, auth, client, state, note):
    session = new_session(world, state=state)
    auth.login("hv.mai")
    page = parse(client.get(f"/sessions/{session.id}/room"))
    assert page.one(id="room-closed").text == note and "hidden" not in page.one(id="room-closed").attrs
    assert "hidden" in page.one("form", id="chat-form").attrs and "hidden" in page.one("form", id="ask-form").attrs
    live = parse(client.get(f"/sessions/{new_session(world).id}/room"))
    assert "hidden" in live.one(id="room-closed").attrs and "hidden" not in live.one("form", id="chat-form").attrs
