"""An official owns their password and their sign-ins, in real browsers: they change their own
password on the account page and sign in with the new one; "Sign out everywhere" in one browser
sends a second browser to the login page at its next page, and closes that browser's live room
at once (the room says it was signed out)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from lms.auth.models import LoginSession
from lms.extensions import db
from lms.live.models import LiveSession
from tests.browser.helpers import fresh_session, login, logout

NEW_PASSWORD = "hoc-tap-cchc-2026"


@pytest.fixture
def live_session(world):
    session = LiveSession(
        class_id=world.course_class.id,
        title="Buổi 1",
        duration_minutes=60,
        starts_at=datetime.now(UTC) + timedelta(minutes=5),
    )
    db.session.add(session)
    db.session.commit()
    return session


def test_i_change_my_own_password_and_sign_in_with_it(page, world):
    login(page, "hv.mai")
    page.get_by_test_id("nav-account").click()
    expect(page.get_by_test_id("account-who")).to_contain_text("Nguyễn Thị Mai · hv.mai")

    # A weak one is refused, and the page says why.
    page.locator("#current_password").fill("correct-horse-42")
    page.locator("#new_password").fill("matkhau123")
    page.locator("#new_password_again").fill("matkhau123")
    page.get_by_test_id("change-password").click()
    expect(page.get_by_test_id("error-new_password")).to_have_text(
        "mật khẩu này nằm trong số những mật khẩu phổ biến nhất"
    )

    page.locator("#current_password").fill("correct-horse-42")
    page.locator("#new_password").fill(NEW_PASSWORD)
    page.locator("#new_password_again").fill(NEW_PASSWORD)
    page.get_by_test_id("change-password").click()
    expect(page.locator(".flash")).to_contain_text("Đã đổi mật khẩu. Mọi thiết bị khác đã được đăng xuất.")
    expect(page.get_by_test_id("sign-ins")).to_contain_text("trình duyệt này")  # still signed in here

    logout(page)
    login(page, "hv.mai", NEW_PASSWORD)
    expect(page.get_by_test_id("nav-account")).to_be_visible()


def test_sign_out_everywhere_ends_another_browsers_session_and_live_room(browser, live_server, live_session, world):
    here = browser.new_context(base_url=live_server)
    there = browser.new_context(base_url=live_server)
    try:
        mine, other = here.new_page(), there.new_page()
        login(mine, "hv.mai")
        login(other, "hv.mai")
        other.goto(f"/sessions/{live_session.id}/room")
        expect(other.get_by_test_id("room-status")).to_contain_text("Buổi 1")

        mine.goto("/account")
        expect(mine.get_by_test_id("sign-ins").locator("tbody tr")).to_have_count(2)
        mine.get_by_test_id("sign-out-everywhere").click()
        expect(mine.locator("#username")).to_be_visible()
        expect(mine.locator(".flash")).to_contain_text("Bạn đã được đăng xuất trên mọi thiết bị.")

        # The other browser's open room is told at once, without reloading.
        expect(other.get_by_test_id("room-status")).to_have_text("Bạn đã đăng xuất; phòng học đã đóng.")
        # Its next page is the login page.
        other.goto("/")
        expect(other.locator("#username")).to_be_visible()
        fresh_session()
        assert db.session.scalars(select(LoginSession.ended_at)).all() != []
        assert None not in db.session.scalars(select(LoginSession.ended_at)).all()
    finally:
        here.close()
        there.close()
