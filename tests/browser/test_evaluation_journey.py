"""Evaluation journeys in a real browser: a learner answers on a 360 px phone, in Vietnamese, from
the dashboard; an admin reads the class's results (comments, charts) and the course's comparison of
delivery modes, and downloads the CSV.

LOP-1 (online, ended two days ago, taught by gv.an) has six learners; four answered beforehand, so
the results are hidden until the fifth answer arrives through the browser.
"""

from __future__ import annotations

import csv
import io

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from lms.courses.models import Enrolment
from lms.database import utcnow, write_transaction
from lms.evaluations.models import EvaluationResults
from lms.evaluations.service import submit_answers
from lms.extensions import db
from tests.browser.helpers import login, logout, wait_for
from tests.evaluations.conftest import answers_for, ev  # noqa: F401 - the fixture

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}


def _four_answered(w) -> None:
    for index, learner in enumerate(w.learners[1:5]):
        enrolment = db.session.scalars(select(Enrolment).where(Enrolment.user_id == learner.id)).one()
        with write_transaction():
            submit_answers(enrolment, answers_for(w, phu_hop=str(index + 2), gop_y=f"Góp ý {index + 1}"), utcnow())


def test_a_learner_answers_on_a_phone_and_an_admin_reads_the_results(page: Page, ev):  # noqa: F811
    _four_answered(ev)
    ev.learner.locale = None  # Vietnamese, the default
    db.session.commit()

    page.set_viewport_size(PHONE)
    login(page, ev.learner.username)
    page.get_by_test_id("evaluation-link").click()
    expect(page.get_by_test_id("evaluation-title")).to_have_text("Phiếu khảo sát lớp học")
    expect(page.get_by_test_id("anonymity-note")).to_contain_text("không kèm tên")
    # Send it with one rating missing: the form says which, keeps the answers, saves nothing.
    page.locator('input[name="q:thoi_luong"][value="3"]').check()
    page.locator(f'input[name="q:ro_rang@{ev.teacher.id}"][value="5"]').check()
    page.locator('textarea[name="q:gop_y"]').fill("Nên có thêm buổi thảo luận tình huống.")
    page.get_by_test_id("evaluation-submit").click()
    expect(page.locator('[data-field="q:phu_hop"]')).to_have_text("Vui lòng trả lời câu hỏi này.")
    expect(page.locator('input[name="q:thoi_luong"][value="3"]')).to_be_checked()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.locator('input[name="q:phu_hop"][value="5"]').check()
    page.get_by_test_id("evaluation-submit").click()
    expect(page.get_by_test_id("evaluation-answered")).to_be_visible()
    expect(page.locator(".flash-success").first).to_contain_text("Câu trả lời đã được ghi nhận mà không kèm tên")
    wait_for(lambda: db.session.scalars(select(EvaluationResults)).one().respondents == 5)
    logout(page)

    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, ev.admin.username)
    page.get_by_test_id("nav-evaluations").click()
    page.locator('[data-test="evaluation-class"][data-code="LOP-1"] a').click()
    expect(page.get_by_test_id("respondents")).to_have_text("5 of 6 learners answered (83%).")
    comments = page.get_by_test_id("comment")
    expect(comments).to_have_count(5)
    assert "Nên có thêm buổi thảo luận tình huống." in comments.all_inner_texts()
    content = page.locator('[data-test="question-result"][data-key="phu_hop"]')
    expect(content.get_by_test_id("mean")).to_have_text("Mean: 3.8 / 5 from 5 answers")  # 2+3+4+5+5
    expect(content.locator("svg[role=img]")).to_be_visible()
    page.set_viewport_size(PHONE)  # the results fit a phone too: charts shrink, tables scroll in their box
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.set_viewport_size({"width": 1280, "height": 900})
    with page.expect_download() as download:
        page.get_by_test_id("download-csv").click()
    rows = list(csv.reader(io.StringIO(download.value.path().read_bytes().decode("utf-8-sig"))))
    assert {r[0] for r in rows[1:]} == {"Lớp LOP-1"}
    rating = next(r for r in rows if r[2] == "Nội dung phù hợp với công việc")
    assert rating[4:11] == ["5", "3.8", "1: 0", "2: 1", "3: 1", "4: 1", "5: 2"]

    page.goto("/evaluations/")
    page.get_by_test_id("course-results").click()
    online = page.locator('[data-test="mode-line"][data-mode="online"]')
    expect(online.get_by_test_id("mode-mean")).to_have_text("4.4")  # (19 + 5 × 5) / 10
    expect(page.locator('[data-test="mode-line"][data-mode="in_person"]').get_by_test_id("mode-mean")).to_have_text(
        "not shown (fewer than 5)"
    )
