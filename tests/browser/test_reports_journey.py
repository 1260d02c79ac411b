"""Reporting journeys in a real browser: the admin's reports and downloads, an instructor's, a learner's transcript.

Two classes of one course: LOP-1 (hybrid, March 2026, taught by gv.an) with one learner certified,
one completed, one in progress and one not started; LOP-2 (online, January 2025, taught by
gv.binh) with one learner completed. Every figure checked below is counted by hand from that.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect
from sqlalchemy import select

from lms.auth.models import Role
from lms.courses.models import Enrolment
from lms.courses.service import enrol_users
from lms.extensions import db
from tests import factories
from tests.browser.helpers import login
from tests.reports.conftest import set_state

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}

# learner -> (class, state); hv.mai and hv.nam are the world's learners of LOP-1.
STORY = {
    "hv.mai": ("LOP-1", "certified"),
    "hv.nam": ("LOP-1", "in_progress"),
    "hv.lan": ("LOP-1", "completed"),
    "hv.hung": ("LOP-1", "not_started"),
    "hv.khoa": ("LOP-2", "completed"),
}


@pytest.fixture
def story(world):
    """The world's classes get modes and dates; three more learners; each enrolment its state."""
    one, two = world.course_class, world.other_class
    one.mode, one.starts_on, one.ends_on = "hybrid", date(2026, 3, 2), date(2026, 3, 31)
    two.mode, two.starts_on, two.ends_on = "online", date(2025, 1, 6), date(2025, 1, 31)
    extra = {
        "hv.lan": factories.make_user("hv.lan", Role.LEARNER, world.ward, "Phạm Thị Lan"),
        "hv.hung": factories.make_user("hv.hung", Role.LEARNER, world.other_ward, "Đỗ Văn Hùng"),
        "hv.khoa": factories.make_user("hv.khoa", Role.LEARNER, world.ward, "Lê Minh Khoa"),
    }
    enrol_users(one, [extra["hv.lan"], extra["hv.hung"]], source="admin")
    enrol_users(two, [extra["hv.khoa"]], source="admin")
    classes = {"LOP-1": one, "LOP-2": two}
    for username, (code, state) in STORY.items():
        enrolment = db.session.scalar(
            select(Enrolment)
            .join(Enrolment.user)
            .where(Enrolment.class_id == classes[code].id, Enrolment.user.has(username=username))
        )
        set_state(enrolment, world.modules, state, world.admin)
    db.session.commit()
    return world


def figures(row) -> dict[str, str]:
    """A report row's counts as shown on the page."""
    names = ("learners", "places", "not-started", "in-progress", "completed", "certified", "rate")
    return {name: row.get_by_test_id(name).inner_text() for name in names}


def unit_row(page: Page, unit) -> object:
    return page.locator(f'[data-test="report-row"][data-key="{unit.id}"]')


def test_admin_reports_filters_downloads_and_transcript(page: Page, story):
    world = story
    login(page, "admin")
    page.get_by_test_id("nav-reports").click()

    # By unit, every class: the city's row rolls up both wards, and equals the total.
    expect(page.locator('[data-test="report-tab"][aria-current="page"]')).to_have_attribute("data-kind", "units")
    expect(page.get_by_test_id("class-count")).to_have_attribute("data-count", "2")
    city = figures(unit_row(page, world.city))
    assert city == {
        "learners": "5",
        "places": "5",
        "not-started": "1",
        "in-progress": "1",
        "completed": "3",
        "certified": "1",
        "rate": "60\u00a0%",
    }
    assert figures(page.get_by_test_id("report-total")) == city
    assert figures(unit_row(page, world.ward))["completed"] == "3"  # hv.mai, hv.lan, hv.khoa
    assert figures(unit_row(page, world.other_ward))["in-progress"] == "1"
    expect(unit_row(page, world.ward)).to_have_attribute("data-depth", "1")

    # The chart is an inline SVG whose description reads the same figures.
    chart = page.get_by_test_id("report-chart").locator("svg[role=img]")
    expect(chart).to_be_visible()
    description = chart.locator("desc").text_content()
    assert world.city.name in description and "3" in description and "60\u00a0%" in description

    # Filter: hybrid classes only (LOP-1): hv.khoa's place in LOP-2 is no longer counted.
    page.get_by_test_id("filter-mode").select_option("hybrid")
    page.get_by_test_id("filter-from").fill("2026-01-01")
    page.get_by_test_id("filter-submit").click()
    expect(page).to_have_url(re.compile(r"/reports/units\?from=2026-01-01&to=&mode=hybrid&course=$"))
    expect(page.get_by_test_id("class-count")).to_have_attribute("data-count", "1")
    assert figures(page.get_by_test_id("report-total")) == {
        "learners": "4",
        "places": "4",
        "not-started": "1",
        "in-progress": "1",
        "completed": "2",
        "certified": "1",
        "rate": "50\u00a0%",
    }
    assert figures(unit_row(page, world.ward))["places"] == "2"

    # The downloads keep the filter: CSV and XLSX carry the same figures.
    with page.expect_download() as download:
        page.get_by_test_id("export-csv").click()
    assert download.value.suggested_filename.endswith(".csv")
    with open(download.value.path(), encoding="utf-8-sig", newline="") as file:
        rows = list(csv.reader(file))
    header, by_name = rows[0], {row[1]: row for row in rows[1:]}
    city_row = dict(zip(header, by_name[world.city.name], strict=True))
    assert city_row["Lượt học viên"] == "4" and city_row["Đã hoàn thành"] == "2"
    assert rows[-1][1] == "Tổng cộng"
    with page.expect_download() as download:
        page.get_by_test_id("export-xlsx").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    with open(download.value.path(), "rb") as file:  # the saved download has no .xlsx suffix
        sheet = load_workbook(io.BytesIO(file.read())).active
    values = list(sheet.iter_rows(values_only=True))
    completed = values[0].index("Đã hoàn thành")
    ward = next(row for row in values if row[1] == world.ward.name)
    assert ward[completed] == 2 and isinstance(ward[completed], int)
    assert values[-1][completed] == 2

    # By class (the filter goes along with the tab), then one class's learners and a transcript.
    page.locator('[data-test="report-tab"][data-kind="classes"]').click()
    expect(page).to_have_url(re.compile(r"/reports/classes\?from=2026-01-01&mode=hybrid$"))
    expect(page.get_by_test_id("report-row")).to_have_count(1)
    page.get_by_test_id("filter-mode").select_option("")
    page.get_by_test_id("filter-from").fill("")
    page.get_by_test_id("filter-submit").click()
    expect(page.get_by_test_id("report-row")).to_have_count(2)
    row = page.locator(f'[data-test="report-row"][data-key="{world.course_class.id}"]')
    assert figures(row) == {
        "learners": "4",
        "places": "4",
        "not-started": "1",
        "in-progress": "1",
        "completed": "2",
        "certified": "1",
        "rate": "50\u00a0%",
    }
    row.get_by_test_id("class-report-link").click()
    expect(page.get_by_test_id("class-name")).to_have_text(world.course_class.name)
    learners = page.get_by_test_id("learner-row")
    expect(learners).to_have_count(4)
    mai = page.locator('[data-test="learner-row"][data-username="hv.mai"]')
    expect(mai).to_have_attribute("data-state", "completed")
    expect(mai).to_have_attribute("data-certified", "yes")
    expect(page.locator('[data-test="learner-row"][data-username="hv.nam"]')).to_have_attribute(
        "data-state", "in_progress"
    )
    expect(page.locator('[data-test="learner-row"][data-username="hv.hung"]')).to_have_attribute(
        "data-state", "not_started"
    )
    mai.get_by_test_id("learner-transcript").click()
    expect(page.get_by_test_id("transcript-learner")).to_contain_text(world.learner.full_name)
    entry = page.get_by_test_id("transcript-entry")
    expect(entry).to_have_count(1)
    expect(entry.get_by_test_id("complete")).to_be_visible()
    expect(entry.get_by_test_id("transcript-certificate")).to_have_count(1)


def test_instructor_sees_only_their_class_on_a_phone(page: Page, story):
    world = story
    page.set_viewport_size(PHONE)
    login(page, "gv.an")
    page.get_by_test_id("nav-reports").click()
    expect(page.get_by_test_id("class-count")).to_have_attribute("data-count", "1")
    assert figures(page.get_by_test_id("report-total"))["places"] == "4"  # LOP-1 only
    expect(page.get_by_test_id("report-chart").locator("svg")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    page.locator('[data-test="report-tab"][data-kind="classes"]').click()
    expect(page.get_by_test_id("report-row")).to_have_count(1)
    expect(page.get_by_test_id("report-row")).to_have_attribute("data-key", str(world.course_class.id))
    expect(page.get_by_test_id("report-table")).not_to_contain_text(world.other_class.name)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.get_by_test_id("class-report-link").click()
    expect(page.get_by_test_id("learner-row")).to_have_count(4)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # Another instructor's class: refused, whether asked for by its report or a learner's transcript.
    response = page.goto(f"/reports/classes/{world.other_class.id}")
    assert response.status == 403
    khoa = db.session.scalar(select(Enrolment).where(Enrolment.class_id == world.other_class.id)).user_id
    assert page.goto(f"/reports/transcript/{khoa}").status == 403


def test_learner_opens_own_transcript_and_no_reports(page: Page, story):
    world = story
    page.set_viewport_size(PHONE)
    login(page, "hv.mai")
    expect(page.get_by_test_id("nav-reports")).to_have_count(0)
    page.get_by_test_id("transcript-link").click()
    expect(page).to_have_url(re.compile(r"/reports/transcript$"))
    expect(page.get_by_test_id("transcript-learner")).to_contain_text(world.learner.full_name)
    entry = page.get_by_test_id("transcript-entry")
    expect(entry).to_have_count(1)
    expect(entry.get_by_test_id("complete")).to_be_visible()
    expect(entry.get_by_test_id("transcript-module")).to_have_count(len(world.modules))
    expect(entry.get_by_test_id("transcript-certificate")).to_have_count(1)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    for path in (
        "/reports/",
        "/reports/units",
        "/reports/classes?format=csv",
        f"/reports/classes/{world.course_class.id}",
        f"/reports/transcript/{world.other_learner.id}",
    ):
        assert page.goto(path).status == 403, path
