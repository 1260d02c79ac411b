"""Honest study time in a real browser: "done" too early is refused with the time left; later it counts.

The minute of reading is not waited for: the test credits it through the database, as the pings
would have. The refusal and the success both go through the page's own button.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from lms.database import begin_write
from lms.extensions import db
from lms.progress.models import ModuleProgress
from tests import factories
from tests.browser.helpers import fresh_session, login, wait_for

pytestmark = pytest.mark.browser


def test_marking_a_module_done_too_early_is_refused_then_accepted_once_the_time_is_credited(
    page: Page, world, live_server, tmp_path
):
    modules = {
        "01-doc-ky.md": factories.module_file("Đọc kỹ", "## Nội dung\n\nĐọc chậm.\n", minutes=5, min_minutes=1),
        "02-tiep-theo.md": factories.module_file("Bài tiếp theo", "Nội dung.\n"),
    }
    course = factories.make_course(tmp_path, slug="doc-ky", modules=modules)
    course_class = factories.make_class(course, "LOP-DOC", learners=[world.learner])
    module_url = f"/classes/{course_class.id}/modules/doc-ky"
    login(page, "hv.mai")

    page.goto(module_url)
    expect(page.get_by_test_id("time-needed")).to_have_text(
        "Bài này yêu cầu học ít nhất 1 phút: còn khoảng 1 phút nữa."
    )
    row = wait_for(lambda: db.session.scalar(select(ModuleProgress)), message="the page's first ping")
    page.get_by_test_id("mark-done").click()
    expect(page).to_have_url(live_server + module_url)  # stays on the module
    expect(page.locator(".flash-error")).to_contain_text(
        "Bài này yêu cầu học ít nhất 1 phút trước khi được đánh dấu hoàn thành: còn khoảng 1 phút nữa."
    )
    fresh_session()
    assert db.session.get(ModuleProgress, row.id).completed_at is None

    # A minute of visible reading, as the pings would have credited it. The page keeps pinging
    # meanwhile, so the write starts as a write (a read snapshot could not be upgraded on SQLite).
    begin_write()
    db.session.get(ModuleProgress, row.id).seconds_spent += 60
    db.session.commit()
    # The page's next ping (sent at once when the page becomes visible again) learns the time is reached.
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    expect(page.get_by_test_id("time-needed")).to_have_text(
        "Bạn đã học đủ thời gian: có thể đánh dấu hoàn thành bài này."
    )
    page.get_by_test_id("mark-done").click()
    expect(page).to_have_url(f"{live_server}/classes/{course_class.id}/modules/tiep-theo")
    expect(page.locator(".flash-success")).to_have_text("Đã học xong “Đọc kỹ”.")
    fresh_session()
    assert db.session.get(ModuleProgress, row.id).completed_at is not None
    page.goto(module_url)
    expect(page.get_by_test_id("module-done")).to_be_visible()
