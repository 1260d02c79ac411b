"""The calendar page in a real browser: the address is made, shown in full, and copied with one click."""

from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from lms.auth.models import User
from lms.extensions import db
from tests.browser.helpers import fresh_session, login, wait_for


def test_i_make_my_calendar_address_and_copy_it(page, context, world, live_server):
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    login(page, "hv.mai")
    page.goto(f"{live_server}/calendar")
    page.get_by_test_id("new-feed").click()
    expect(page.locator(".flash-success")).to_have_text(
        "Địa chỉ lịch của bạn đã sẵn sàng: hãy sao chép vào ứng dụng lịch."
    )
    fresh_session()
    token = db.session.scalar(select(User.calendar_token).where(User.username == "hv.mai"))
    field = page.get_by_test_id("feed-url")
    expect(field).to_have_value(f"{live_server}/calendar/{token}.ics")
    assert field.bounding_box()["width"] >= 300  # the whole address is readable, not a tiny box

    button = page.get_by_test_id("copy-feed")
    expect(button).to_have_text("Sao chép địa chỉ")
    button.click()
    expect(button).to_have_text("Đã sao chép")
    wait_for(lambda: page.evaluate("navigator.clipboard.readText()") == f"{live_server}/calendar/{token}.ics")
    expect(button).to_have_text("Sao chép địa chỉ", timeout=5000)  # the label comes back
