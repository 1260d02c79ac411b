"""A class an instructor runs on the spot: they open a room "now", mute one learner, remove
another, and end the session; the learner who stayed finds the room read-only.

Three browsers: the instructor's, Mai's (muted: her status says so and her message is refused with
the reason) and Nam's (removed: the room closes for him). After the end Mai reads the history
without a box to write in.
"""

from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from lms.extensions import db
from lms.live.models import LiveSession, SessionMute, SessionState
from tests.browser.helpers import fresh_session, login, wait_for

MUTED_YOU = "Giảng viên đã tắt tiếng bạn: bạn không thể gửi tin nhắn hay câu hỏi."
MUTED_REFUSAL = "giảng viên đã tắt quyền gửi tin nhắn của bạn trong buổi học này"
REMOVED = "Giảng viên đã mời bạn ra khỏi buổi học này."
CLOSED_ENDED = "Buổi học đã kết thúc: phòng học chỉ còn để xem, không thể gửi thêm nội dung."


def test_an_instructor_opens_a_room_now_mutes_removes_and_ends_it(browser, live_server, world):
    contexts = [browser.new_context(base_url=live_server) for _ in range(3)]
    try:
        teacher, mai, nam = (context.new_page() for context in contexts)
        for page, username in ((teacher, "gv.an"), (mai, "hv.mai"), (nam, "hv.nam")):
            login(page, username)

        # Open now: the form's start is ignored, the session is live at once and the room opens.
        teacher.goto(f"/classes/{world.course_class.id}/sessions/new")
        teacher.locator("#title").fill("Giải đáp nhanh: Một cửa")
        teacher.get_by_test_id("attendance-optional").check()
        teacher.get_by_test_id("open-now").click()
        expect(teacher).to_have_url(f"{live_server}/sessions/{_only_session_id()}/room")
        room = f"/sessions/{_only_session_id()}/room"
        expect(teacher.get_by_test_id("room-status")).to_contain_text("đang diễn ra")
        for page in (mai, nam):
            page.goto(room)
            expect(page.get_by_test_id("room-status")).to_contain_text("đang diễn ra")

        participants = teacher.get_by_test_id("participants")
        expect(participants).to_contain_text("Nguyễn Thị Mai")
        expect(participants).to_contain_text("Trần Văn Nam")

        # Mute Mai: her page says so, and a message she sends anyway is refused with the reason.
        participants.locator("li", has_text="Nguyễn Thị Mai").get_by_test_id("mute-person").click()
        expect(mai.get_by_test_id("room-status")).to_contain_text(MUTED_YOU)
        expect(participants.locator("li", has_text="Nguyễn Thị Mai").get_by_test_id("unmute-person")).to_be_visible()
        mai.get_by_test_id("chat-input").fill("Em vẫn muốn hỏi")
        mai.get_by_test_id("chat-send").click()
        expect(mai.get_by_test_id("room-error")).to_have_text(MUTED_REFUSAL)
        nam.get_by_test_id("chat-input").fill("Em chào thầy")
        nam.get_by_test_id("chat-send").click()
        expect(teacher.get_by_test_id("chat").locator("li")).to_have_count(1)
        expect(teacher.get_by_test_id("chat")).to_contain_text("Em chào thầy")
        expect(nam.get_by_test_id("room-status")).not_to_contain_text(MUTED_YOU)  # only Mai was told

        # Remove Nam: his room closes and says why.
        teacher.on("dialog", lambda dialog: dialog.accept())
        participants.locator("li", has_text="Trần Văn Nam").get_by_test_id("remove").click()
        expect(nam.get_by_test_id("room-status")).to_have_text(REMOVED)
        expect(participants).not_to_contain_text("Trần Văn Nam")

        # End the session: Mai's page turns read-only and keeps the history.
        teacher.get_by_test_id("end-session").click()
        expect(mai.get_by_test_id("room-closed")).to_have_text(CLOSED_ENDED)
        expect(mai.get_by_test_id("chat-input")).to_be_hidden()
        expect(mai.get_by_test_id("chat")).to_contain_text("Em chào thầy")
        expect(participants.get_by_test_id("unmute-person")).to_be_hidden()  # no controls once it is over

        wait_for(lambda: db.session.get(LiveSession, _only_session_id()).state == SessionState.ENDED)
        fresh_session()
        assert db.session.scalars(select(SessionMute.user_id)).all() == [world.learner.id]
    finally:
        for context in contexts:
            context.close()


def _only_session_id() -> int:
    fresh_session()
    return db.session.scalars(select(LiveSession.id)).one()
