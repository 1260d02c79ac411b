"""The live room in real browsers: a learner and an instructor side by side."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from lms.extensions import db
from lms.live.models import ChatMessage, LiveSession, PollVote
from tests.browser.helpers import fresh_session, login


@pytest.fixture
def live_session(world):
    session = LiveSession(class_id=world.course_class.id, title="Buổi 1: Một cửa", duration_minutes=60,
                          starts_at=datetime.now(UTC) + timedelta(minutes=5))
    db.session.add(session)
    db.session.commit()
    return session


def test_chat_and_a_poll_cross_between_learner_and_instructor(browser, live_server, live_session):
    """Live room journey: both join, the learner's chat reaches the instructor, a poll goes round."""
    teacher = browser.new_context(base_url=live_server).new_page()
    learner = browser.new_context(base_url=live_server).new_page()
    try:
        login(teacher, "gv.an")
        login(learner, "hv.mai")
        for page in (teacher, learner):
            page.goto(f"/sessions/{live_session.id}/room")
        expect(teacher.get_by_test_id("participants")).to_contain_text("Nguyễn Thị Mai")

        learner.get_by_test_id("chat-input").fill("<b>Xin chào</b> thầy")
        learner.get_by_test_id("chat-send").click()
        expect(teacher.get_by_test_id("chat")).to_contain_text("<b>Xin chào</b> thầy")  # as text, not markup

        teacher.locator("#poll-question").fill("Hồ sơ thiếu thì làm gì?")
        teacher.locator("#poll-options").fill("Hướng dẫn một lần\nTrả hồ sơ")
        teacher.get_by_test_id("open-poll").click()
        learner.get_by_test_id("poll").get_by_role("button", name="Hướng dẫn một lần").click()
        expect(teacher.get_by_test_id("poll")).to_contain_text("Hướng dẫn một lần — 1")

        fresh_session()
        assert [m.body for m in db.session.scalars(select(ChatMessage))] == ["<b>Xin chào</b> thầy"]
        assert db.session.scalar(select(PollVote)).option == 0
    finally:
        teacher.context.close()
        learner.context.close()
