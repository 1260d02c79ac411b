"""Admin journey in a real browser: a unit, people imported by CSV, a class, the unit enrolled, the roster."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from lms.auth.models import User
from lms.courses.models import CourseClass, Enrolment
from lms.extensions import db
from tests.browser.helpers import fresh_session, login

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}

CSV = ("username,full_name,email,role,unit\nhv.lan,Phạm Thị Lan,,,phuong-7\nhv.hung,Đỗ Văn Hùng,,,phuong-7\n").encode(
    "utf-8-sig"
)


def test_admin_sets_up_a_unit_people_and_a_class(page: Page, world, live_server):
    page.set_viewport_size(PHONE)
    login(page, "admin")
    page.get_by_test_id("nav-units").click()

    form = page.get_by_test_id("unit-form")
    form.get_by_test_id("unit-name").fill("Phường 7")
    form.get_by_test_id("unit-code").fill("phuong-7")
    form.get_by_test_id("unit-level").fill("Phường/xã")
    form.get_by_test_id("unit-parent").select_option(str(world.city.id))
    form.get_by_test_id("unit-create").click()
    expect(page.locator('[data-test="unit-row"][data-code="phuong-7"]')).to_be_visible()

    page.get_by_test_id("nav-users").click()
    page.get_by_test_id("import-users").click()
    page.get_by_test_id("import-file").set_input_files({"name": "users.csv", "mimeType": "text/csv", "buffer": CSV})
    page.get_by_test_id("import-preview-button").click()
    expect(page.get_by_test_id("import-row")).to_have_count(2)
    fresh_session()
    assert db.session.scalar(select(User).where(User.username == "hv.lan")) is None  # a preview writes nothing
    page.get_by_test_id("import-confirm").click()
    expect(page.get_by_test_id("import-result")).to_have_attribute("data-created", "2")
    expect(page.get_by_test_id("open-slips")).to_be_visible()

    page.get_by_test_id("nav-classes").click()
    page.get_by_test_id("new-class").click()
    form = page.get_by_test_id("class-form")
    form.get_by_test_id("class-course").select_option(str(world.course.id))
    form.get_by_test_id("class-code").fill("CCHC-P7")
    form.get_by_test_id("class-name").fill("Bồi dưỡng CCHC Phường 7")
    form.get_by_test_id("class-mode").select_option("in_person")
    form.get_by_test_id("class-starts").fill("2026-03-02")
    form.get_by_test_id("class-ends").fill("2026-03-31")
    form.locator('[data-test="class-instructor"][data-username="gv.an"]').check()
    form.get_by_test_id("class-save").click()
    expect(page.get_by_test_id("roster-count")).to_have_attribute("data-active", "0")

    enrol = page.get_by_test_id("enrol-unit-form")
    unit_id = enrol.get_by_test_id("enrol-unit").locator("option", has_text="phuong-7").get_attribute("value")
    enrol.get_by_test_id("enrol-unit").select_option(unit_id)
    enrol.get_by_test_id("enrol-unit-submit").click()
    expect(page.get_by_test_id("roster-row")).to_have_count(2)
    expect(page.get_by_test_id("roster-count")).to_have_attribute("data-active", "2")
    expect(page.locator('[data-test="roster-row"][data-username="hv.lan"]')).to_be_visible()
    # Nothing is wider than a phone's screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    fresh_session()
    course_class = db.session.scalar(select(CourseClass).where(CourseClass.code == "CCHC-P7"))
    assert course_class.mode == "in_person" and [u.username for u in course_class.instructors] == ["gv.an"]
    enrolled = db.session.scalars(select(Enrolment).where(Enrolment.class_id == course_class.id)).all()
    assert sorted(e.user.username for e in enrolled) == ["hv.hung", "hv.lan"]
