"""The main journeys in a real browser: learner, instructor and admin, on a phone too.

Assertions use data-test attributes, numbers and URLs, or switch the UI to English first, so
they do not depend on the Vietnamese catalogue.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import select

from lms.auth.models import User
from lms.courses.models import Module
from lms.extensions import db
from lms.progress.models import ModuleProgress
from tests.browser.helpers import choose_language, fresh_session, login, logout, wait_for

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}


def progress_numbers(scope: Locator) -> tuple[int, ...]:
    """(done, total, percent) as shown by the progress bar in `scope`, whatever the language."""
    text = scope.get_by_test_id("progress-text").inner_text()
    return tuple(int(n) for n in re.findall(r"\d+", text))


def progress_rows(world, slug: str) -> list[ModuleProgress]:
    """Every progress row of one module of the world's course, read in a fresh transaction."""
    fresh_session()
    return db.session.scalars(
        select(ModuleProgress).join(Module).where(Module.slug == slug, Module.course_id == world.course.id)
    ).all()


def module_state(page: Page, slug: str) -> Locator:
    """The class page's list item of one module."""
    return page.get_by_test_id("module").filter(has=page.locator(f'a[href$="/modules/{slug}"]'))


def test_learner_reads_a_module_marks_it_done_and_logs_out(page: Page, world, live_server):
    """Learner journey: dashboard → class → module → mark as done → progress moves → log out."""
    class_url = f"/classes/{world.course_class.id}"
    login(page, "hv.mai")
    expect(page).to_have_url(f"{live_server}/")

    card = page.get_by_test_id("enrolment")
    expect(card).to_have_count(1)
    assert progress_numbers(card) == (0, 2, 0)

    card.locator(f'h3 a[href="{class_url}"]').click()
    expect(page).to_have_url(live_server + class_url)
    expect(page.get_by_test_id("module")).to_have_count(3)
    expect(module_state(page, "mo-dau")).to_have_attribute("data-state", "new")

    module_state(page, "mo-dau").get_by_role("link").click()
    expect(page).to_have_url(f"{live_server}{class_url}/modules/mo-dau")
    page.get_by_test_id("mark-done").click()
    expect(page).to_have_url(f"{live_server}{class_url}/modules/thu-tuc")  # "done" moves on to the next module

    page.goto("/")
    assert progress_numbers(page.get_by_test_id("enrolment")) == (1, 2, 50)
    expect(page.get_by_test_id("enrolment").locator("progress")).to_have_attribute("value", "50")

    page.goto(class_url)
    expect(module_state(page, "mo-dau")).to_have_attribute("data-state", "done")
    page.goto(f"{class_url}/modules/mo-dau")
    expect(page.get_by_test_id("module-done")).to_be_visible()
    expect(page.get_by_test_id("mark-done")).to_have_count(0)

    (row,) = progress_rows(world, "mo-dau")
    assert row.completed_at is not None
    assert row.enrolment.user.username == "hv.mai"

    logout(page)
    expect(page).to_have_url(f"{live_server}/login")
    page.goto("/")
    expect(page).to_have_url(re.compile(re.escape(f"{live_server}/login?next=")))
    expect(page.get_by_test_id("logout")).to_have_count(0)


def test_language_choice_is_remembered_for_the_user(page: Page, world):
    """Language journey: choosing English changes the UI and sticks to the account across logins."""
    login(page, "hv.mai")
    expect(page.locator("html")).to_have_attribute("lang", "vi")

    choose_language(page, "en")
    expect(page.get_by_role("heading", name="My classes")).to_be_visible()
    expect(page.locator('form.lang button[value="en"]')).to_have_attribute("aria-current", "true")
    fresh_session()
    assert db.session.scalar(select(User.locale).where(User.username == "hv.mai")) == "en"

    logout(page)
    page.context.clear_cookies()  # a new browser: nothing left in the session
    page.goto("/login")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    login(page, "hv.mai")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("link", name="My learning")).to_be_visible()


@pytest.mark.browser_context_args(viewport=PHONE, is_mobile=True, has_touch=True)
def test_module_page_fits_a_phone(page: Page, world, live_server):
    """Phone journey (360×740): no sideways scrolling, and "mark as done" can be tapped."""
    class_url = f"/classes/{world.course_class.id}"
    login(page, "hv.mai")
    for path in ("/", class_url, f"{class_url}/modules/mo-dau"):
        page.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{path} scrolls sideways: {width} px wide"

    button = page.get_by_test_id("mark-done")
    button.scroll_into_view_if_needed()
    expect(button).to_be_visible()
    expect(button).to_be_in_viewport()
    box = button.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert box["height"] >= 44, "touch target smaller than 44 px"
    button.tap()
    expect(page).to_have_url(f"{live_server}{class_url}/modules/thu-tuc")
    (row,) = progress_rows(world, "mo-dau")
    assert row.completed_at is not None


def test_module_page_has_no_console_errors_and_pings(page: Page, world):
    """Module page journey: no CSP violation or JS error, and module.js's heartbeat records the visit."""
    problems: list[str] = []

    def on_console(msg):
        # Chromium asks for /favicon.ico by itself when a page declares no icon: not a page error.
        if msg.type in ("error", "warning") and not msg.location["url"].endswith("/favicon.ico"):
            problems.append(f"console {msg.type}: {msg.text} ({msg.location['url']})")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e =>"
        " console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));"
    )
    login(page, "hv.mai")
    assert progress_rows(world, "mo-dau") == []

    with page.expect_response(lambda r: r.url.endswith("/modules/mo-dau/ping")) as ping:
        page.goto(f"/classes/{world.course_class.id}/modules/mo-dau")
    # Only the status: Playwright cannot read the body of a `keepalive` fetch (it waits forever).
    assert ping.value.status == 200

    (row,) = wait_for(lambda: progress_rows(world, "mo-dau"), timeout=5, message="no ModuleProgress row after ping")
    assert row.completed_at is None
    page.wait_for_load_state("load")
    assert problems == []


def test_instructor_sees_learners_progress(page: Page, world, live_server):
    """Instructor journey: "Classes I teach" → learners' progress → the learner's row."""
    login(page, "gv.an")
    taught = page.get_by_test_id("taught-class")
    expect(taught).to_have_count(1)  # gv.an teaches LOP-1 only
    expect(taught).to_contain_text(world.course_class.name)

    taught.locator('a[href$="/progress"]').click()
    expect(page).to_have_url(f"{live_server}/classes/{world.course_class.id}/progress")
    rows = page.get_by_test_id("learner-row")
    expect(rows).to_have_count(2)
    mai = rows.filter(has_text="hv.mai")
    expect(mai).to_have_count(1)
    expect(mai).to_contain_text("Nguyễn Thị Mai")
    expect(mai).to_contain_text("0/2")


def test_admin_sees_every_class(page: Page, world, live_server):
    """Admin journey: log in, open the administration page, see the classes."""
    login(page, "admin")
    page.locator('header a[href="/admin/"]').click()
    expect(page).to_have_url(f"{live_server}/admin/")
    rows = page.get_by_test_id("class-row")
    expect(rows).to_have_count(2)
    lop1 = rows.filter(has_text="LOP-1")
    expect(lop1).to_have_count(1)
    expect(lop1.locator("td")).to_have_text([re.compile(world.course_class.name), world.course.title, "2", "0", "0"])
