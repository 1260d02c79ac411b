"""A session's life in real browsers: rescheduled, then cancelled; and the room once it is over.

The instructor moves a session and then cancels it from its pages; the learner, who has the room
open, sees it close, and finds the cancellation on their home page; the calendar file carries the
raised SEQUENCE and STATUS:CANCELLED. A learner who opens the room of an ended session reads its
history without a box to write in, and is told why.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from icalendar import Calendar
from playwright.sync_api import expect

from lms.database import utcnow
from lms.extensions import db
from lms.live.models import ChatMessage, LiveSession, SessionState
from lms.localtime import VIETNAM
from tests.browser.helpers import fresh_session, login, wait_for

CLOSED_ENDED = "Buổi học đã kết thúc: phòng học chỉ còn để xem, không thể gửi thêm nội dung."
CLOSED_CANCELLED = "Buổi học đã bị hủy: phòng học chỉ còn để xem, không thể gửi thêm nội dung."


def make_session(world, **kwargs) -> LiveSession:
    values = {
        "class_id": world.course_class.id,
        "title": "Buổi 2: Một cửa liên thông",
        "duration_minutes": 90,
        "starts_at": utcnow().replace(second=0, microsecond=0) + timedelta(days=2),
    }
    session = LiveSession(**(values | kwargs))
    db.session.add(session)
    db.session.commit()
    return session


def calendar_event(page, session_id: int):
    """The session's .ics as the signed-in browser downloads it."""
    response = page.request.get(f"/sessions/{session_id}.ics")
    assert response.ok and response.headers["content-type"].startswith("text/calendar")
    (event,) = Calendar.from_ical(response.body()).walk("VEVENT")
    return event


@pytest.fixture
def two_people(browser, live_server):
    contexts = [browser.new_context(base_url=live_server) for _ in range(2)]
    try:
        yield [context.new_page() for context in contexts]
    finally:
        for context in contexts:
            context.close()


def test_an_instructor_reschedules_then_cancels_and_the_learner_is_told(world, two_people):
    session = make_session(world)
    teacher, learner = two_people
    login(teacher, "gv.an")
    login(learner, "hv.mai")
    learner.goto(f"/sessions/{session.id}/room")
    expect(learner.get_by_test_id("room-status")).to_contain_text("chưa bắt đầu")
    expect(learner.get_by_test_id("chat-input")).to_be_visible()
    assert str(calendar_event(teacher, session.id)["SEQUENCE"]) == "0"

    # Reschedule: a day later, at 14:00 Vietnam time.
    new_start = (session.starts_at + timedelta(days=1)).astimezone(VIETNAM).replace(hour=14, minute=0)
    teacher.goto(f"/sessions/{session.id}")
    teacher.get_by_test_id("edit-session").click()
    teacher.locator("#starts_at").fill(new_start.strftime("%Y-%m-%dT%H:%M"))
    teacher.get_by_test_id("save-session").click()
    expect(teacher.locator(".flash-success")).to_have_text(
        "Đã dời lịch buổi học; các lịch đã đăng ký sẽ hiển thị thời gian mới."
    )
    expect(teacher.get_by_test_id("session-when")).to_contain_text(new_start.strftime("%d/%m/%Y 14:00"))
    event = calendar_event(teacher, session.id)
    assert (str(event["SEQUENCE"]), event.decoded("DTSTART"), str(event["STATUS"])) == (
        "1",
        new_start,
        "CONFIRMED",
    )

    # Cancel, with a reason: the learner's open room closes at once.
    teacher.get_by_test_id("edit-session").click()
    teacher.get_by_test_id("cancel-reason").fill("Giảng viên đi công tác đột xuất")
    teacher.get_by_test_id("cancel-session").click()
    expect(teacher.locator(".flash-success")).to_have_text(
        "Đã hủy buổi học. Học viên của lớp sẽ thấy thông báo trên trang chủ của mình."
    )
    expect(teacher.get_by_test_id("session-cancelled")).to_have_text(
        "Buổi học này đã bị hủy. Lý do: Giảng viên đi công tác đột xuất"
    )
    expect(teacher.get_by_test_id("edit-session")).to_have_count(0)
    event = calendar_event(teacher, session.id)
    assert (str(event["SEQUENCE"]), str(event["STATUS"])) == ("2", "CANCELLED")

    expect(learner.get_by_test_id("room-closed")).to_have_text(
        f"{CLOSED_CANCELLED} Lý do: Giảng viên đi công tác đột xuất"
    )
    expect(learner.get_by_test_id("chat-input")).to_be_hidden()
    expect(learner.get_by_test_id("raise-hand")).to_be_hidden()
    expect(learner.get_by_test_id("room-status")).to_contain_text("đã hủy")

    learner.goto("/")
    notice = learner.get_by_test_id("cancelled-notice")
    expect(notice).to_have_count(1)
    expect(notice).to_contain_text("Đã hủy: Buổi 2: Một cửa liên thông")
    expect(notice).to_contain_text(new_start.strftime("%d/%m/%Y 14:00"))
    expect(notice).to_contain_text("Lý do: Giảng viên đi công tác đột xuất")
    expect(learner.get_by_test_id("upcoming-session")).to_have_count(0)
    assert str(calendar_event(learner, session.id)["STATUS"]) == "CANCELLED"

    fresh_session()
    stored = db.session.get(LiveSession, session.id)
    assert (stored.state, stored.sequence) == (SessionState.CANCELLED, 2)


def test_the_room_of_an_ended_session_is_read_only_and_says_why(world, two_people):
    start = utcnow().replace(second=0, microsecond=0) - timedelta(hours=2)
    session = make_session(world, starts_at=start, state=SessionState.ENDED, started_at=start)
    db.session.add(ChatMessage(session_id=session.id, user_id=world.teacher.id, client_id="c-1", body="Cảm ơn cả lớp"))
    db.session.commit()
    learner, _ = two_people
    login(learner, "hv.mai")
    learner.goto(f"/sessions/{session.id}/room")
    expect(learner.get_by_test_id("room-closed")).to_have_text(CLOSED_ENDED)
    expect(learner.get_by_test_id("room-status")).to_contain_text("đã kết thúc")
    expect(learner.get_by_test_id("chat").locator("li")).to_have_text(["Giảng Viên An: Cảm ơn cả lớp"])
    for box in ("chat-input", "chat-send", "ask-send", "raise-hand"):
        expect(learner.get_by_test_id(box)).to_be_hidden()


def test_the_learners_room_turns_read_only_when_the_instructor_ends_it(world, two_people):
    session = make_session(world, starts_at=utcnow() - timedelta(minutes=5))
    teacher, learner = two_people
    login(teacher, "gv.an")
    login(learner, "hv.mai")
    for page in (teacher, learner):
        page.goto(f"/sessions/{session.id}/room")
    teacher.get_by_test_id("start-session").click()
    expect(learner.get_by_test_id("room-status")).to_contain_text("đang diễn ra")
    learner.get_by_test_id("chat-input").fill("Em chào thầy")
    learner.get_by_test_id("chat-send").click()
    expect(teacher.get_by_test_id("chat").locator("li")).to_have_count(1)
    expect(learner.get_by_test_id("room-closed")).to_be_hidden()

    teacher.get_by_test_id("end-session").click()
    expect(learner.get_by_test_id("room-closed")).to_have_text(CLOSED_ENDED)
    expect(learner.get_by_test_id("chat-input")).to_be_hidden()
    expect(learner.get_by_test_id("chat").locator("li")).to_have_count(1)  # the history stays
    expect(teacher.get_by_test_id("end-session")).to_be_hidden()
    wait_for(lambda: db.session.get(LiveSession, session.id).state == SessionState.ENDED)
