"""Activation journey in a real browser: an admin imports a CSV, opens the printable slips (a new
tab), and a learner types the username and code from the slip, chooses a password and lands on the
dashboard, signed in; the slips cannot be opened a second time."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from lms.auth.models import User
from lms.extensions import db
from tests.browser.helpers import fresh_session, login, logout

pytestmark = pytest.mark.browser

CSV = "username,full_name,unit\nhv.thu,Võ Thị Thu,phuong-1\nhv.son,Đặng Văn Sơn,phuong-2\n".encode("utf-8-sig")
NEW_PASSWORD = "ba-con-meo-tren-mai-nha"


def test_a_learner_activates_an_imported_account_with_the_code_on_the_slip(page: Page, world, live_server):
    login(page, "admin")
    page.goto("/admin/users/import")
    page.get_by_test_id("import-file").set_input_files({"name": "users.csv", "mimeType": "text/csv", "buffer": CSV})
    page.get_by_test_id("import-preview-button").click()
    page.get_by_test_id("import-confirm").click()
    expect(page.get_by_test_id("import-result")).to_have_attribute("data-created", "2")

    with page.context.expect_page() as opened:
        page.get_by_test_id("open-slips").click()
    slips = opened.value
    slips.wait_for_load_state()
    expect(slips.get_by_test_id("slip")).to_have_count(2)
    slip = slips.locator('[data-test="slip"][data-username="hv.thu"]')
    expect(slip.get_by_test_id("slip-name")).to_have_text("Võ Thị Thu")
    code = slip.get_by_test_id("slip-code").inner_text()
    link = slip.get_by_test_id("slip-link").inner_text()
    assert link.endswith("/activate")
    slips.close()

    # The slips are handed out once: the same button now answers that they were taken.
    page.get_by_test_id("open-slips").click()
    fresh_session()
    assert db.session.scalar(select(User).where(User.username == "hv.thu")).password_hash == ""

    page.bring_to_front()
    logout(page)
    page.goto(link)
    page.locator("#username").fill("hv.thu")
    page.locator("#code").fill(code.lower().replace("-", " "))
    page.locator("#password").fill(NEW_PASSWORD)
    page.locator("#confirm").fill(NEW_PASSWORD)
    page.get_by_test_id("activate-submit").click()
    expect(page.get_by_test_id("logout")).to_be_visible()
    assert page.url == f"{live_server}/"  # the dashboard
    expect(page.locator("footer")).to_contain_text("Võ Thị Thu")

    logout(page)
    login(page, "hv.thu", NEW_PASSWORD)
    fresh_session()
    assert db.session.scalar(select(User).where(User.username == "hv.thu")).check_password(NEW_PASSWORD)
