"""An instructor removes a disruptive learner from a live session, then lets them back in.

The learner's page (a phone) says why the room closed and stays closed, even after a reload; the
instructor's page lists them among the removed, with the button to let them back in.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.extensions import db
from lms.live.models import LiveSession
from tests.browser.helpers import fresh_session, login

PHONE = {"width": 360, "height": 740}


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


def test_an_instructor_removes_a_learner_and_lets_them_back_in(browser, live_server, live_session, world):
    teacher_context = browser.new_context(base_url=live_server)
    learner_context = browser.new_context(base_url=live_server, viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        teacher, learner = teacher_context.new_page(), learner_context.new_page()
        login(teacher, "gv.an")
        login(learner, "hv.mai")
        room = f"/sessions/{live_session.id}/room"
        teacher.goto(room)
        learner.goto(room)
        participants = teacher.get_by_test_id("participants")
        expect(participants).to_contain_text("Nguyễn Thị Mai")
        # Only learners have the button: not the instructor's own line.
        expect(participants.get_by_test_id("remove")).to_have_count(1)

        confirmations = []
        teacher.on("dialog", lambda dialog: (confirmations.append(dialog.message), dialog.accept()))
        participants.locator("li", has_text="Nguyễn Thị Mai").get_by_test_id("remove").click()

        status = learner.get_by_test_id("room-status")
        expect(status).to_have_text("Giảng viên đã mời bạn ra khỏi buổi học này.")
        assert confirmations == ["Mời Nguyễn Thị Mai ra khỏi buổi học này? Bạn có thể cho họ vào lại sau."]
        expect(participants).not_to_contain_text("Nguyễn Thị Mai")
        removed = teacher.get_by_test_id("removed")
        expect(removed).to_contain_text("Nguyễn Thị Mai")

        # A reload does not bring the learner back: the page says why and does not keep trying.
        learner.reload()
        expect(status).to_have_text("giảng viên đã mời bạn ra khỏi buổi học này")
        expect(learner.get_by_test_id("room-error")).to_have_text("giảng viên đã mời bạn ra khỏi buổi học này")

        # The instructor lets the learner back in; their next visit joins the room.
        removed.get_by_test_id("readmit").click()
        expect(removed).to_be_hidden()
        learner.reload()
        expect(status).to_contain_text("chưa bắt đầu")
        expect(participants).to_contain_text("Nguyễn Thị Mai")

        fresh_session()
        actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("live.%"))).all()
        assert actions == ["live.remove", "live.readmit"]
    finally:
        teacher_context.close()
        learner_context.close()
