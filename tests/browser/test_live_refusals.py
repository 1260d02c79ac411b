"""A refusal in the live room reaches the learner's page in their language, as the server wrote it.

A Vietnamese learner floods the chat: the lines the room accepts appear, the next one is refused,
and the page shows the exact Vietnamese message, while nothing more is stored. Then the instructor
pauses the chat, and the learner's next line is refused with the Vietnamese message for that.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from lms.extensions import db
from lms.live.models import ChatMessage, LiveSession
from lms.live.post_limits import CHAT_BURST
from tests.browser.helpers import fresh_session, login


@pytest.fixture
def live_session(world):
    session = LiveSession(
        class_id=world.course_class.id,
        title="Buổi 1: Một cửa",
        duration_minutes=60,
        starts_at=datetime.now(UTC) + timedelta(minutes=5),
    )
    db.session.add(session)
    db.session.commit()
    return session


def send_line(page, text: str) -> None:
    page.get_by_test_id("chat-input").fill(text)
    page.get_by_test_id("chat-send").click()


def test_a_vietnamese_learner_reads_the_rooms_refusals_in_vietnamese(browser, live_server, live_session):
    learner_context = browser.new_context(base_url=live_server)
    teacher_context = browser.new_context(base_url=live_server)
    try:
        learner, teacher = learner_context.new_page(), teacher_context.new_page()
        login(learner, "hv.mai")
        login(teacher, "gv.an")
        room = f"/sessions/{live_session.id}/room"
        learner.goto(room)
        teacher.goto(room)
        expect(learner.get_by_test_id("room-status")).to_contain_text("chưa bắt đầu")
        expect(teacher.get_by_test_id("room-status")).to_contain_text("chưa bắt đầu")

        chat = learner.get_by_test_id("chat").locator("li")
        for i in range(CHAT_BURST):
            send_line(learner, f"Dòng {i}")
            expect(chat).to_have_count(i + 1)  # acknowledged before the next one
        error = learner.get_by_test_id("room-error")
        expect(error).to_be_hidden()
        send_line(learner, "Một dòng nữa")
        expect(error).to_be_visible()
        expect(error).to_have_text("bạn gửi quá nhiều tin nhắn; vui lòng chờ vài giây rồi gửi tiếp")
        expect(learner.get_by_test_id("chat-input")).to_have_value("Một dòng nữa")  # kept to send again
        expect(teacher.get_by_test_id("chat").locator("li")).to_have_count(CHAT_BURST)

        teacher.get_by_test_id("mute-chat").click()
        expect(learner.get_by_test_id("room-status")).to_contain_text("tạm dừng")
        send_line(learner, "Xin phép hỏi")
        expect(error).to_have_text("giảng viên đã tạm dừng trò chuyện")

        fresh_session()
        assert db.session.scalar(select(func.count()).select_from(ChatMessage)) == CHAT_BURST
    finally:
        learner_context.close()
        teacher_context.close()
