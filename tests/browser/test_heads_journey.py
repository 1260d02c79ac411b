"""A unit head follows a member of staff and nominates another; the class's instructor accepts; the
nominee finds the outcome on their dashboard, and is in the class. On a 360 px phone for the head.

The world's Phường 1 has hv.mai (in LOP-1, which ends in five days, nothing done yet) and a new
learner hv.moi in no class; hv.nam of Phường 2 has done LOP-1's modules. ld.p1 heads Phường 1.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from lms.auth.models import Role
from lms.courses.models import Enrolment
from lms.database import utcnow
from lms.extensions import db
from lms.localtime import VIETNAM
from lms.org.heads import set_head
from lms.progress.service import mark_done
from tests.browser.helpers import fresh_session, login, logout
from tests.factories import enrolment_of, make_user

pytestmark = pytest.mark.browser
PHONE = {"width": 360, "height": 740}


@pytest.fixture
def unit_staff(world):
    today = utcnow().astimezone(VIETNAM).date()
    world.course_class.starts_on, world.course_class.ends_on = today - timedelta(days=20), today + timedelta(days=5)
    for module in world.modules:
        if module.required:
            mark_done(enrolment_of(world.other_learner, world.course_class), module, datetime.now(UTC))
    set_head(world.ward, make_user("ld.p1", Role.LEARNER, world.city, "Lãnh Đạo Phường Một"))
    make_user("hv.moi", Role.LEARNER, world.ward, "Đỗ Văn Mới")
    db.session.commit()


def test_a_head_follows_one_and_nominates_another_and_the_instructor_accepts(browser, live_server, world, unit_staff):
    head_context = browser.new_context(base_url=live_server, viewport=PHONE)
    try:
        head = head_context.new_page()
        login(head, "ld.p1")
        head.get_by_test_id("heads-link").click()
        behind = head.get_by_test_id("behind-row")
        expect(behind).to_have_count(1)
        expect(behind).to_contain_text("Nguyễn Thị Mai")
        head.get_by_role("link", name="Nguyễn Thị Mai").click()  # her transcript
        expect(head.locator("h1")).to_have_text("Bảng điểm")
        expect(head.locator("main")).to_contain_text("Nguyễn Thị Mai")
        expect(head.locator("main")).to_contain_text(world.course_class.name)
        assert head.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

        head.goto("/heads/")
        head.get_by_test_id("heads-nominate").click()
        head.get_by_test_id("nominee").select_option(label="Đỗ Văn Mới (hv.moi) · Phường 1")
        head.get_by_test_id("nominee-class").select_option(value=str(world.course_class.id))
        head.get_by_test_id("nominate-submit").click()
        expect(head.locator(".flash")).to_contain_text(f"Đã đề cử Đỗ Văn Mới tham gia {world.course_class.name}.")
        expect(head.get_by_test_id("my-nomination")).to_contain_text("đang chờ giảng viên của lớp")
    finally:
        head_context.close()

    teacher_context = browser.new_context(base_url=live_server)
    try:
        teacher = teacher_context.new_page()
        login(teacher, "gv.an")
        teacher.get_by_test_id("class-nominations").click()
        nomination = teacher.get_by_test_id("nomination")
        expect(nomination).to_contain_text("Đỗ Văn Mới")
        expect(nomination).to_contain_text("Do Lãnh Đạo Phường Một đề cử")
        nomination.get_by_test_id("accept").click()
        expect(teacher.locator(".flash")).to_contain_text("Đã ghi danh Đỗ Văn Mới.")
        expect(teacher.get_by_test_id("no-nominations")).to_be_visible()
        logout(teacher)

        login(teacher, "hv.moi")
        notice = teacher.get_by_test_id("nomination-notice")
        expect(notice).to_contain_text(f"Lãnh Đạo Phường Một đã đề cử bạn tham gia {world.course_class.name}")
        expect(notice).to_contain_text("đã chấp nhận: đã ghi danh")
    finally:
        teacher_context.close()
    fresh_session()
    newcomer = db.session.scalar(
        select(Enrolment).where(Enrolment.class_id == world.course_class.id, Enrolment.user.has(username="hv.moi"))
    )
    assert (newcomer.status, newcomer.source) == ("active", "nomination")
