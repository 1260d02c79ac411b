"""The live room in real browsers: an instructor on a desktop and a learner on a 360 px phone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from lms.content.render import LinkTargets, render_module
from lms.extensions import db
from lms.live.models import AttendanceInterval, ChatMessage, LiveSession, PollVote, PresenceSource, SessionState
from tests.browser.helpers import fresh_session, login

SLIDES = """Buổi học về cải cách thủ tục hành chính.

## Mục tiêu

Hiểu quy trình một cửa.

## Hồ sơ

Thành phần hồ sơ và cách kiểm tra.

## Một cửa

Tiếp nhận và trả kết quả.
"""
PHONE = {"width": 360, "height": 740}


@pytest.fixture
def live_session(world):
    """A session starting in five minutes, whose slides are an opening and three sections."""
    slides = world.modules[1]
    rendered = render_module(SLIDES, LinkTargets(world.course.slug, frozenset(), frozenset()))
    slides.html, slides.toc = rendered.html, rendered.toc
    session = LiveSession(
        class_id=world.course_class.id,
        title="Buổi 1: Một cửa",
        duration_minutes=60,
        starts_at=datetime.now(UTC) + timedelta(minutes=5),
        slides_module_id=slides.id,
    )
    db.session.add(session)
    db.session.commit()
    return session


def heading(page: Page, name: str):
    return page.get_by_test_id("slide-body").get_by_role("heading", name=name)


def expect_slide(page: Page, name: str, position: str) -> None:
    """Exactly this slide is shown: its heading visible, the others' hidden."""
    for other in ("Mục tiêu", "Hồ sơ", "Một cửa"):
        if other == name:
            expect(heading(page, other)).to_be_visible()
        else:
            expect(heading(page, other)).to_be_hidden()
    expect(page.get_by_test_id("slide-position")).to_have_text(position)


def test_an_instructor_and_a_learner_run_a_session_together(browser, live_server, live_session, world):
    """Start, chat, a poll from opening to results, slides followed and looked back on, check-in."""
    teacher_context = browser.new_context(base_url=live_server)
    learner_context = browser.new_context(base_url=live_server, viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        teacher, learner = teacher_context.new_page(), learner_context.new_page()
        login(teacher, "gv.an")
        login(learner, "hv.mai")
        room = f"/sessions/{live_session.id}/room"

        # The instructor opens the room and starts the session.
        teacher.goto(room)
        expect(teacher.get_by_test_id("room-status")).to_contain_text("chưa bắt đầu")
        teacher.get_by_test_id("start-session").click()
        expect(teacher.get_by_test_id("room-status")).to_contain_text("đang diễn ra")

        # The learner joins: sees the session live, and the instructor sees them arrive.
        learner.goto(room)
        expect(learner.get_by_test_id("room-status")).to_contain_text("đang diễn ra")
        expect(teacher.get_by_test_id("participants")).to_contain_text("Nguyễn Thị Mai")
        expect(teacher.get_by_test_id("participant-count")).to_contain_text("2 người")
        # The learner sees the instructor present and the count, not the other learners' names.
        expect(learner.get_by_test_id("participants")).to_have_text("Giảng Viên An")
        expect(learner.get_by_test_id("participants").get_by_role("img", name="Giảng viên")).to_have_count(1)
        expect(learner.get_by_test_id("participant-count")).to_contain_text("2 người")

        # Hands and the chat pause are drawn from the events themselves, on both sides.
        learner.get_by_test_id("raise-hand").click()
        expect(teacher.get_by_test_id("hands")).to_contain_text("Nguyễn Thị Mai")
        expect(learner.get_by_test_id("hands")).to_contain_text("Nguyễn Thị Mai")
        expect(learner.get_by_test_id("lower-hand")).to_have_count(0)  # learners lower only their own
        teacher.get_by_role("button", name="Hạ tay của Nguyễn Thị Mai").click()  # this one hand
        expect(learner.get_by_test_id("hands")).to_be_empty()
        expect(teacher.get_by_test_id("hands")).to_be_empty()
        learner.get_by_test_id("raise-hand").click()
        expect(teacher.get_by_test_id("hands")).to_contain_text("Nguyễn Thị Mai")
        teacher.locator("[data-action=clear-hands]").click()
        expect(learner.get_by_test_id("hands")).to_be_empty()
        teacher.get_by_test_id("mute-chat").click()
        expect(learner.get_by_test_id("room-status")).to_contain_text("tạm dừng")
        teacher.get_by_test_id("mute-chat").click()
        expect(learner.get_by_test_id("room-status")).not_to_contain_text("tạm dừng")

        learner.get_by_test_id("chat-input").fill("<b>Xin chào</b> thầy")
        learner.get_by_test_id("chat-send").click()
        expect(teacher.get_by_test_id("chat")).to_contain_text("<b>Xin chào</b> thầy")  # as text, not markup

        # A poll: opened, voted on (the instructor sees the count live), closed, results to all.
        teacher.locator("#poll-question").fill("Hồ sơ thiếu thì làm gì?")
        teacher.locator("#poll-options").fill("Hướng dẫn một lần\nTrả hồ sơ")
        teacher.get_by_test_id("open-poll").click()
        learner_poll = learner.get_by_test_id("poll")
        expect(learner_poll).to_contain_text("Hồ sơ thiếu thì làm gì?")
        expect(learner_poll).not_to_contain_text("—")  # no counts while it is open
        learner_poll.get_by_role("button", name="Hướng dẫn một lần").click()
        expect(teacher.get_by_test_id("poll")).to_contain_text("Hướng dẫn một lần — 1")
        expect(teacher.get_by_test_id("poll")).to_contain_text("Trả hồ sơ — 0")
        teacher.get_by_test_id("close-poll").click()
        expect(learner_poll).to_contain_text("Hướng dẫn một lần — 1")
        expect(learner_poll).to_contain_text("Trả hồ sơ — 0")
        expect(learner_poll.get_by_role("button", name="Hướng dẫn một lần — 1")).to_be_disabled()

        # Slides: both start on the opening; the learner's view follows the instructor's moves.
        expect(learner.get_by_test_id("slide-body")).to_contain_text("Buổi học về cải cách")
        expect(learner.get_by_test_id("slide-position")).to_have_text("Trang 1 / 4")
        teacher.get_by_test_id("slide-next").click()
        expect_slide(learner, "Mục tiêu", "Trang 2 / 4")
        teacher.get_by_test_id("slide-next").click()
        expect_slide(teacher, "Hồ sơ", "Trang 3 / 4")
        expect_slide(learner, "Hồ sơ", "Trang 3 / 4")
        expect(learner.get_by_test_id("follow-live")).to_be_hidden()

        # The learner looks back; the instructor moves on; the learner stays where they were.
        learner.get_by_test_id("slide-prev").click()
        expect_slide(learner, "Mục tiêu", "Trang 2 / 4")
        jump = learner.get_by_test_id("follow-live")
        expect(jump).to_be_visible()
        expect(jump).to_have_text("Về trang trực tiếp")
        teacher.get_by_test_id("slide-next").click()
        expect_slide(teacher, "Một cửa", "Trang 4 / 4")
        expect(learner.get_by_test_id("off-live")).to_contain_text("Giảng viên đang ở trang 4.")
        expect_slide(learner, "Mục tiêu", "Trang 2 / 4")
        # On the phone the button fits the screen and nothing scrolls sideways.
        box = jump.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        assert learner.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        jump.click()
        expect_slide(learner, "Một cửa", "Trang 4 / 4")
        expect(jump).to_be_hidden()
        # Following again: the next move of the instructor carries the learner along.
        teacher.get_by_test_id("slide-prev").click()
        expect_slide(learner, "Hồ sơ", "Trang 3 / 4")

        # In-person check-in: the code on the instructor's screen, typed in on the learner's phone.
        code_page = teacher_context.new_page()
        code_page.goto(f"/sessions/{live_session.id}")
        code_page.get_by_test_id("checkin-code-link").click()
        code = code_page.get_by_test_id("checkin-code").inner_text().strip()
        assert code.isdigit() and len(code) == 6
        learner.goto(f"/sessions/{live_session.id}")
        learner.get_by_test_id("checkin-input").fill(code)
        learner.get_by_test_id("checkin").click()
        expect(learner.locator(".flash-success")).to_be_visible()

        fresh_session()
        assert [m.body for m in db.session.scalars(select(ChatMessage))] == ["<b>Xin chào</b> thầy"]
        assert db.session.scalar(select(PollVote)).option == 0
        session = db.session.get(LiveSession, live_session.id)
        assert session.state == SessionState.LIVE and session.current_slide == "ho-so"
        sources = {
            i.source
            for i in db.session.scalars(
                select(AttendanceInterval).where(AttendanceInterval.user_id == world.learner.id)
            )
        }
        assert PresenceSource.IN_PERSON in sources and PresenceSource.ONLINE in sources
    finally:
        teacher_context.close()
        learner_context.close()


def test_a_learner_arriving_late_reads_back_through_the_chat(browser, live_server, live_session, world):
    """The room opens on the chat's last page; "Earlier messages" adds the pages before it, on a phone."""
    from lms.database import utcnow
    from lms.live.payloads import CHAT_PAGE

    db.session.add_all(
        ChatMessage(
            session_id=live_session.id,
            user_id=world.teacher.id,
            client_id=f"c{i}",
            body=f"Dòng số {i}",
            created_at=utcnow(),
        )
        for i in range(CHAT_PAGE + 5)
    )
    db.session.commit()
    context = browser.new_context(base_url=live_server, viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        login(page, "hv.mai")
        page.goto(f"/sessions/{live_session.id}/room")
        chat = page.get_by_test_id("chat").locator("li")
        expect(chat).to_have_count(CHAT_PAGE)
        expect(chat.first).to_contain_text("Dòng số 5")
        page.get_by_test_id("chat-earlier").click()
        expect(chat).to_have_count(CHAT_PAGE + 5)
        expect(chat.first).to_contain_text("Dòng số 0")
        expect(chat.last).to_contain_text(f"Dòng số {CHAT_PAGE + 4}")
        expect(page.get_by_test_id("chat-earlier")).to_be_hidden()
    finally:
        context.close()
