"""Layouts measured in a real browser: the long staff screens on a 360 px phone, and the live room
on a phone and on 1024–1280 px screens, with its icons and its scrolling boxes.

Bounding boxes are CSS pixels of the viewport: an action "in sight" lies wholly inside it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from lms.content.render import LinkTargets, render_module
from lms.extensions import db
from lms.live.models import ChatMessage, HandRaise, LiveSession
from tests import factories
from tests.browser.helpers import login
from tests.browser.test_accessibility import violations

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
TABLET_WIDE = {"width": 1024, "height": 768}


def in_sight(page: Page, locator) -> bool:
    """The element lies wholly inside the viewport."""
    box = locator.bounding_box()
    view = page.viewport_size
    return (
        box is not None
        and box["x"] >= 0
        and box["y"] >= 0
        and box["x"] + box["width"] <= view["width"]
        and box["y"] + box["height"] <= view["height"]
    )


def no_sideways_scroll(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


@pytest.fixture
def crowded(world):
    """LOP-1 with 30 learners and a session that began ten minutes ago."""
    factories.enrol_many(world.course_class, world.ward, 28)
    session = LiveSession(
        class_id=world.course_class.id,
        title="Buổi đông",
        starts_at=datetime.now(UTC) - timedelta(minutes=10),
        duration_minutes=60,
    )
    db.session.add(session)
    db.session.commit()
    return session


def test_the_completion_review_on_a_phone_keeps_its_actions_in_sight(page: Page, world, crowded):
    page.set_viewport_size(PHONE)
    login(page, "admin")
    page.goto(f"/certificates/classes/{world.course_class.id}")
    rows = page.get_by_test_id("review-row")
    expect(rows).to_have_count(25)
    assert no_sideways_scroll(page)
    # Each learner's "Cấp chứng chỉ" is inside the screen's width once scrolled to (it was cut off).
    for index in (0, 12, 24):
        button = rows.nth(index).get_by_role("button", name="Cấp chứng chỉ", exact=True)
        button.scroll_into_view_if_needed()
        assert in_sight(page, button), (index, button.bounding_box())
        # ... and the bulk action stays at the bottom of the screen wherever the list is scrolled.
        bulk = page.get_by_role("button", name="Cấp chứng chỉ cho các học viên đã đánh dấu")
        assert in_sight(page, bulk), (index, bulk.bounding_box())
    # 25 cards, not 60,000 px: a card is a few lines.
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 25 * 450, height
    # The pager sits in the action bar; page 2 holds the last five learners.
    expect(page.get_by_test_id("page-position")).to_have_text("Trang 1 / 2")
    page.get_by_test_id("action-bar").get_by_role("link", name="Trang sau").click()
    expect(rows).to_have_count(5)
    expect(page.get_by_test_id("page-position")).to_have_text("Trang 2 / 2")


def test_the_completion_review_on_a_wide_screen_keeps_the_bulk_action_in_sight(page: Page, world, crowded):
    page.set_viewport_size(DESKTOP)
    login(page, "admin")
    page.goto(f"/certificates/classes/{world.course_class.id}")
    expect(page.get_by_test_id("review-row")).to_have_count(25)
    assert in_sight(page, page.get_by_role("button", name="Cấp chứng chỉ cho các học viên đã đánh dấu"))
    page.get_by_test_id("review-row").nth(20).scroll_into_view_if_needed()
    assert in_sight(page, page.get_by_role("button", name="Cấp chứng chỉ cho các học viên đã đánh dấu"))


def test_attendance_on_a_phone_is_cards_with_their_buttons_in_sight(page: Page, world, crowded):
    page.set_viewport_size(PHONE)
    login(page, "gv.an")
    page.goto(f"/sessions/{crowded.id}/attendance")
    rows = page.get_by_test_id("attendance-row")
    expect(rows).to_have_count(25)
    assert no_sideways_scroll(page)
    for index in (0, 24):
        card = rows.nth(index)
        for name in ("Có mặt", "Vắng mặt"):
            button = card.get_by_role("button", name=name)
            button.scroll_into_view_if_needed()
            assert in_sight(page, button), (index, name, button.bounding_box())
        assert in_sight(page, page.get_by_test_id("action-bar"))
    page.get_by_test_id("action-bar").get_by_role("link", name="Trang sau").click()
    expect(rows).to_have_count(5)


PARAGRAPH = "Thủ tục hành chính được tiếp nhận tại bộ phận một cửa. " * 8
SLIDES = "\n\n".join([PARAGRAPH] * 6) + "\n\n" + "\n\n".join(f"## Phần {n}\n\n{PARAGRAPH}" for n in range(1, 4))


@pytest.fixture
def busy_room(world):
    """A session under way with long slides, 40 chat lines (both boxes scroll) and a raised hand."""
    slides = world.modules[1]
    rendered = render_module(SLIDES, LinkTargets(world.course.slug, frozenset(), frozenset()))
    slides.html, slides.toc = rendered.html, rendered.toc
    session = LiveSession(
        class_id=world.course_class.id,
        title="Buổi 1",
        duration_minutes=60,
        starts_at=datetime.now(UTC) - timedelta(minutes=5),
        slides_module_id=slides.id,
    )
    db.session.add(session)
    db.session.flush()
    db.session.add_all(
        ChatMessage(session_id=session.id, user_id=world.learner.id, client_id=f"c{n}", body=f"Dòng trao đổi số {n}")
        for n in range(40)
    )
    db.session.add(HandRaise(session_id=session.id, user_id=world.other_learner.id, raised_at=datetime.now(UTC)))
    db.session.commit()
    return session


def open_room(page: Page, session) -> None:
    page.goto(f"/sessions/{session.id}/room")
    expect(page.get_by_test_id("chat").locator("li")).to_have_count(40)
    expect(page.get_by_test_id("slide-position")).not_to_have_text("")


def beside(left, right) -> bool:
    """`left` ends before `right` begins, and they share some height."""
    a, b = left.bounding_box(), right.bounding_box()
    return a["x"] + a["width"] <= b["x"] and a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"]


def below(top, bottom) -> bool:
    a, b = top.bounding_box(), bottom.bounding_box()
    return b["y"] >= a["y"] + a["height"]


@pytest.mark.parametrize("viewport", [DESKTOP, TABLET_WIDE], ids=["1280", "1024"])
def test_the_live_room_puts_slides_and_chat_side_by_side_on_a_wide_screen(page: Page, world, busy_room, viewport):
    page.set_viewport_size(viewport)
    login(page, "gv.an")
    open_room(page, busy_room)
    slides, chat = page.get_by_test_id("slides"), page.locator(".room-chat")
    assert beside(slides, chat), (slides.bounding_box(), chat.bounding_box())
    assert no_sideways_scroll(page)
    # A banner (here the one saying live updates are interrupted, shown by hand) spans both columns.
    page.get_by_test_id("room-link").evaluate("e => { e.textContent = 'Mất liên kết'; e.hidden = false; }")
    banner, left, right = (x.bounding_box() for x in (page.get_by_test_id("room-link"), slides, chat))
    assert banner["x"] <= left["x"] + 1 and banner["x"] + banner["width"] >= right["x"] + right["width"] - 1
    assert banner["y"] + banner["height"] <= left["y"]
    page.get_by_test_id("room-link").evaluate("e => { e.hidden = true; }")
    # The slides' text and the chat are both on the first screen, which new lines do not scroll:
    # the chat box follows them itself.
    assert page.get_by_test_id("slide-body").bounding_box()["y"] < viewport["height"]
    assert chat.bounding_box()["y"] < viewport["height"]
    assert page.evaluate("window.scrollY") == 0
    at_end = "e => e.scrollTop + e.clientHeight >= e.scrollHeight - 2"
    assert page.get_by_test_id("chat").evaluate(at_end)
    page.get_by_test_id("chat-input").fill("Một dòng mới")
    page.get_by_test_id("chat-send").scroll_into_view_if_needed()
    scrolled = page.evaluate("window.scrollY")  # where typing put the page
    page.get_by_test_id("chat-send").click()
    expect(page.get_by_test_id("chat").locator("li").last).to_contain_text("Một dòng mới")
    assert page.evaluate("window.scrollY") == scrolled and page.get_by_test_id("chat").evaluate(at_end)


def test_the_live_room_stacks_slides_and_chat_on_a_phone(page: Page, world, busy_room):
    page.set_viewport_size(PHONE)
    login(page, "hv.mai")
    open_room(page, busy_room)
    assert below(page.get_by_test_id("slides"), page.locator(".room-chat"))
    assert no_sideways_scroll(page)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["360", "1280"])
def test_the_live_room_passes_axe_with_its_boxes_scrolling(browser, live_server, world, busy_room, viewport):
    """The slides and the chat overflow here (axe only judges a box that really scrolls)."""
    context = browser.new_context(base_url=live_server, bypass_csp=True, viewport=viewport)  # axe's script
    try:
        room = context.new_page()
        login(room, "gv.an")
        open_room(room, busy_room)
        for box in ("slide-body", "chat"):
            assert room.get_by_test_id(box).evaluate("e => e.scrollHeight > e.clientHeight"), box
            expect(room.get_by_test_id(box)).to_have_attribute("tabindex", "0")
        assert violations(room) == []
    finally:
        context.close()


def test_room_icons_are_svg_with_text_alternatives(page: Page, world, busy_room):
    page.set_viewport_size(DESKTOP)
    login(page, "gv.an")
    open_room(page, busy_room)
    hand = page.get_by_test_id("hands").locator("li").first
    expect(hand).to_contain_text("Trần Văn Nam")
    expect(hand.get_by_role("img", name="Đang giơ tay")).to_have_count(1)
    expect(hand.get_by_role("img", name="Đang giơ tay").locator("svg")).to_have_count(1)
    assert hand.evaluate("li => getComputedStyle(li, '::before').content") in ("none", "normal")
    expect(hand.get_by_role("button", name="Hạ tay của Trần Văn Nam").locator("svg")).to_have_count(1)
    # An instructor is marked by a star that reads as "Giảng viên".
    expect(page.get_by_test_id("participants").get_by_role("img", name="Giảng viên")).to_have_count(1)
    # Closing a poll is a named button with an icon, not a bare "■".
    page.locator("#poll-question").fill("Rõ chưa?")
    page.locator("#poll-options").fill("Rõ\nChưa")
    page.get_by_test_id("open-poll").click()
    close = page.get_by_test_id("close-poll")
    expect(close).to_have_accessible_name("Đóng biểu quyết và công bố kết quả")
    expect(close.locator("svg")).to_have_count(1)
    assert "■" not in page.get_by_test_id("polls").inner_text()
    # Chat lines: the instructor's delete button is an icon named "Xóa tin nhắn".
    delete = page.get_by_test_id("chat").locator("li").first.get_by_role("button", name="Xóa tin nhắn")
    expect(delete.locator("svg")).to_have_count(1)
    assert delete.inner_text().strip() == ""


# Course text wraps anywhere, so only a table of many columns is wider than a phone: a month's figures.
WIDE_TABLE = (
    "| Đơn vị | " + " | ".join(f"Ngày {n}" for n in range(1, 25)) + " |\n" + "|---" * 25 + "|\n"
    "| Phường 1 | " + " | ".join(str(n * 3) for n in range(1, 25)) + " |\n"
)


def test_a_wide_table_in_a_module_scrolls_from_the_keyboard_on_a_phone(browser, live_server, world):
    module = world.modules[0]
    module.html = render_module(
        f"Bảng tiêu chí.\n\n{WIDE_TABLE}", LinkTargets(world.course.slug, frozenset(), frozenset())
    ).html
    db.session.commit()
    context = browser.new_context(base_url=live_server, bypass_csp=True, viewport=PHONE)  # axe's script
    try:
        page = context.new_page()
        login(page, "hv.mai")
        page.goto(f"/classes/{world.course_class.id}/modules/{module.slug}")
        box = page.locator(".module-body .table-scroll")
        assert box.evaluate("e => e.scrollWidth > e.clientWidth")  # it does scroll sideways
        assert no_sideways_scroll(page)  # the page itself does not
        box.focus()
        page.keyboard.press("ArrowRight")
        expect(box).to_be_focused()
        page.wait_for_function("e => e.scrollLeft > 0", arg=box.element_handle())  # the arrow scrolled it
        assert violations(page) == []
    finally:
        context.close()
