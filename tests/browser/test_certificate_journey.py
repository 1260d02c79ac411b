"""Certificate journey in a real browser: class → enrolment → completion → certificate → QR → revocation.

The admin creates the class and enrols a unit through the admin screens, certifies the learner on
the completion review, the learner downloads the PDF, the QR code read from the PDF opens the
public verification page ("valid"), the admin revokes, and the same page says "revoked".
Assertions use data-test attributes and the learner's data, not the catalogue's words.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from lms.courses.models import CourseClass, Enrolment
from lms.database import utcnow
from lms.extensions import db
from lms.progress.service import mark_done
from tests.browser.helpers import fresh_session, login, logout
from tests.certificates.test_pdf import read_pdf

pytestmark = pytest.mark.browser

NAME = "Nguyễn Thị Hồng Ánh"
PHONE = {"width": 360, "height": 740}


def complete_in_class(world, class_id: int) -> None:
    """The learner reads every required module (as the module page records it)."""
    fresh_session()
    enrolment = db.session.scalar(
        select(Enrolment).where(Enrolment.class_id == class_id, Enrolment.user_id == world.learner.id)
    )
    for module in enrolment.course_class.course.active_modules:
        if module.required:
            mark_done(enrolment, module, utcnow())
    db.session.commit()


def test_admin_certifies_learner_downloads_qr_verifies_admin_revokes(page: Page, world, live_server, tmp_path):
    screenshots = tmp_path
    world.learner.full_name = NAME
    world.learner.email = "hong.anh@example.org"
    db.session.commit()

    # The admin creates a class and enrols a whole unit (the learner's ward).
    login(page, "admin")
    page.goto("/admin/classes/new")
    page.get_by_test_id("class-course").select_option(str(world.course.id))
    page.get_by_test_id("class-code").fill("CCHC-CC-01")
    page.get_by_test_id("class-name").fill("Lớp cấp chứng chỉ")
    page.get_by_test_id("class-save").click()
    expect(page).to_have_url(re.compile(r"/admin/classes/\d+$"))
    class_id = int(page.url.rsplit("/", 1)[1])
    page.get_by_test_id("enrol-unit").select_option(str(world.ward.id))
    page.get_by_test_id("enrol-unit-submit").click()
    expect(page.get_by_test_id("roster-row").filter(has_text=NAME)).to_have_count(1)

    # Before completing, the review shows the learner as not complete; then they complete.
    page.goto(f"/certificates/classes/{class_id}")
    row = page.get_by_test_id("review-row")
    expect(row).to_have_count(1)
    expect(row).to_have_attribute("data-complete", "no")
    complete_in_class(world, class_id)
    page.set_viewport_size(PHONE)  # the review table scrolls inside its box; the page does not
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(screenshots / "review-phone.png"), full_page=True)
    expect(row).to_have_attribute("data-complete", "yes")
    row.get_by_test_id("certify-one").click()
    expect(row.get_by_test_id("certificate-link")).to_have_text(re.compile(r"^CCHC-\d{4}-\d{6}$"))
    serial = row.get_by_test_id("certificate-link").inner_text()
    logout(page)

    # The learner downloads the PDF from the class page; the name and the QR code read back.
    login(page, "hv.mai")
    page.goto(f"/classes/{class_id}")
    with page.expect_download() as download:
        page.get_by_test_id("certificate-pdf").click()
    assert download.value.suggested_filename == f"{serial}.pdf"
    with open(download.value.path(), "rb") as pdf:
        _size, text, codes = read_pdf(pdf.read())
    assert NAME in text.splitlines() and serial in text
    (verify_url,) = codes
    assert verify_url.startswith(f"{live_server}/verify/")
    logout(page)

    # Anyone (here: logged out, on a phone) opens the QR code's URL: valid.
    page.set_viewport_size(PHONE)
    page.goto(verify_url)
    expect(page.get_by_test_id("verdict")).to_have_attribute("data-status", "valid")
    expect(page.get_by_test_id("recipient")).to_have_text(NAME)
    expect(page.get_by_test_id("serial")).to_have_text(serial)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # The admin revokes it with a reason; the same URL says revoked, with the reason.
    login(page, "admin")
    page.goto(f"/certificates/classes/{class_id}")
    page.get_by_test_id("certificate-link").click()
    page.get_by_test_id("revoke-reason").fill("Cấp nhầm lớp")
    page.get_by_test_id("revoke").click()
    expect(page.get_by_test_id("status")).to_have_attribute("data-status", "revoked")
    logout(page)
    page.goto(verify_url)
    expect(page.get_by_test_id("verdict")).to_have_attribute("data-status", "revoked")
    expect(page.get_by_test_id("revocation-reason")).to_have_text("Cấp nhầm lớp")

    fresh_session()
    course_class = db.session.scalar(select(CourseClass).where(CourseClass.code == "CCHC-CC-01"))
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.class_id == course_class.id))
    assert enrolment.certified_at is None
