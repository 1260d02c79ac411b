"""A learner's room on a server that loses Redis: a banner says live updates are interrupted, a line
sent meanwhile is refused with the reason and kept in the box, and when Redis is back the banner
goes and the same line goes through.

The server is a real gunicorn process whose Redis message queue passes through a gate the test
cuts and opens (tests/observability/gate.py). Needs LMS_TEST_REDIS_URL (CI sets it).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import make_url, select

from lms.extensions import db
from lms.live.models import ChatMessage, LiveSession
from tests.browser.helpers import fresh_session, login
from tests.observability.gate import Gate
from tests.observability.server import Server

REDIS = os.environ.get("LMS_TEST_REDIS_URL")
pytestmark = pytest.mark.skipif(not REDIS, reason="set LMS_TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/15) to run")

BANNER_VI = (
    "Cập nhật trực tiếp đang bị gián đoạn: những gì bạn gửi tạm thời chưa đến được người khác. "
    "Phòng sẽ tự cập nhật khi kết nối trở lại."
)
REFUSED_VI = (
    "cập nhật trực tiếp đang bị gián đoạn nên nội dung này chưa được gửi; vui lòng chờ kết nối trở lại rồi gửi lại"
)


def test_the_room_shows_when_live_updates_are_interrupted(browser, world, database_url, tmp_path):
    session = LiveSession(
        class_id=world.course_class.id,
        title="Buổi 1: Một cửa",
        duration_minutes=60,
        starts_at=datetime.now(UTC) + timedelta(minutes=5),
    )
    db.session.add(session)
    db.session.commit()
    redis_url = make_url(REDIS)
    gate = Gate(redis_url.host or "127.0.0.1", redis_url.port or 6379)
    gate.open()
    queue = f"redis://127.0.0.1:{gate.port}/{redis_url.database or 0}"
    try:
        with Server(tmp_path, LMS_DATABASE_URL=database_url, LMS_SOCKETIO_MESSAGE_QUEUE=queue) as server:
            context = browser.new_context(base_url=server.base)
            try:
                page = context.new_page()
                login(page, "hv.mai")
                page.goto(f"/sessions/{session.id}/room")
                expect(page.get_by_test_id("room-status")).to_contain_text("chưa bắt đầu")
                banner = page.get_by_test_id("room-link")
                expect(banner).to_be_hidden()

                gate.cut()
                expect(banner).to_be_visible(timeout=10_000)
                expect(banner).to_have_text(BANNER_VI)
                page.get_by_test_id("chat-input").fill("Xin chào cả lớp")
                page.get_by_test_id("chat-send").click()
                expect(page.get_by_test_id("room-error")).to_have_text(REFUSED_VI)
                expect(page.get_by_test_id("chat-input")).to_have_value("Xin chào cả lớp")  # kept to send again

                gate.open()
                expect(banner).to_be_hidden(timeout=15_000)
                page.get_by_test_id("chat-send").click()
                expect(page.get_by_test_id("chat").locator("li")).to_have_text(["Nguyễn Thị Mai: Xin chào cả lớp"])
                expect(page.get_by_test_id("chat-input")).to_have_value("")
            finally:
                context.close()
        fresh_session()
        assert list(db.session.scalars(select(ChatMessage.body))) == ["Xin chào cả lớp"]
    finally:
        gate.cut()
