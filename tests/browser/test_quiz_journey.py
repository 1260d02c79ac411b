"""Quiz journeys in a real browser: fail then pass, a timed quiz running out, marking an essay."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from lms.auth.models import Role
from lms.courses.models import Enrolment
from lms.database import begin_write, utcnow
from lms.extensions import db
from lms.quizzes.models import AttemptState, QuizAttempt
from tests import factories
from tests.browser.helpers import fresh_session, login, logout, wait_for

CHECK = """---
title: "Kiểm tra nhanh"
pass_mark: 100
attempts: 3
---
::Đúng sai:: Cải cách hành chính là việc của mọi cấp chính quyền.{T}

::Một cửa:: Nơi tiếp nhận hồ sơ tập trung gọi là gì?{=Bộ phận Một cửa ~Phòng họp ~Nhà văn hóa}
"""

ESSAY = """---
title: "Tình huống"
pass_mark: 50
---
::Xử lý:: Người dân nộp thiếu giấy tờ và phàn nàn. Anh/chị xử lý thế nào?{}
"""


@pytest.fixture
def quiz_class(app, tmp_path):
    ward = factories.make_unit("phuong-1", "Phường 1")
    teacher = factories.make_user("gv.an", Role.INSTRUCTOR, ward, "Giảng Viên An")
    learner = factories.make_user("hv.mai", Role.LEARNER, ward, "Nguyễn Thị Mai")
    course = factories.make_course(
        tmp_path,
        modules={"01-mo-dau.md": factories.module_file("Mở đầu", "## Mục tiêu\n\nNội dung.\n")},
        quizzes={"kiem-tra.gift": CHECK, "tinh-huong.gift": ESSAY},
        course_yml='title: "Khóa có kiểm tra"\nrequirements:\n  quizzes: required\n',
    )
    course_class = factories.make_class(course, "LOP-Q", instructors=[teacher], learners=[learner])
    db.session.commit()
    return course_class


def open_quiz(page: Page, course_class, slug: str) -> None:
    page.goto(f"/classes/{course_class.id}/quizzes/{slug}")
    page.get_by_test_id("start-quiz").click()
    expect(page.get_by_test_id("submit-attempt")).to_be_visible()


def answer(page: Page, truth: str, office: str) -> None:
    page.locator(f'[data-test=question]:has-text("mọi cấp chính quyền") input[value="{truth}"]').check()
    office_question = page.locator('[data-test=question]:has-text("Nơi tiếp nhận")')
    office_question.locator("label.option", has_text=office).locator("input").check()


def progress_percent(page: Page) -> int:
    page.goto("/")
    return int(page.locator("[data-test=enrolment] progress").get_attribute("value"))


def test_learner_fails_retakes_and_passes_and_progress_moves(page: Page, quiz_class):
    """Learner journey: a failed attempt, a retake that passes, and the course progress moving."""
    login(page, "hv.mai")
    page.goto(f"/classes/{quiz_class.id}/modules/mo-dau")
    page.get_by_test_id("mark-done").click()
    before = progress_percent(page)

    open_quiz(page, quiz_class, "kiem-tra")
    answer(page, "false", "Phòng họp")
    page.get_by_test_id("submit-attempt").click()
    expect(page.get_by_test_id("result")).to_have_attribute("data-passed", "no")
    assert progress_percent(page) == before

    open_quiz(page, quiz_class, "kiem-tra")
    answer(page, "true", "Bộ phận Một cửa")
    page.get_by_test_id("submit-attempt").click()
    expect(page.get_by_test_id("result")).to_have_attribute("data-passed", "yes")
    assert progress_percent(page) > before

    page.goto(f"/classes/{quiz_class.id}/quizzes/kiem-tra")
    expect(page.get_by_test_id("attempt")).to_have_count(2)
    fresh_session()
    attempts = db.session.scalars(select(QuizAttempt).order_by(QuizAttempt.number)).all()
    assert [(a.number, a.passed) for a in attempts] == [(1, False), (2, True)]


def test_timed_quiz_submits_itself_when_time_runs_out(page: Page, quiz_class):
    """Learner journey: the timer reaches zero and the page hands the answers in by itself."""
    login(page, "hv.mai")
    open_quiz(page, quiz_class, "kiem-tra")
    begin_write()  # read then write while the page may be saving: a write from the start
    attempt = db.session.scalar(select(QuizAttempt))
    attempt.deadline_at = utcnow() + timedelta(seconds=6)
    db.session.commit()
    page.reload()
    expect(page.get_by_test_id("timer")).to_be_visible()
    answer(page, "true", "Bộ phận Một cửa")
    expect(page.get_by_test_id("result")).to_be_visible(timeout=15_000)  # no click: the timer submitted
    done = wait_for(lambda: db.session.scalar(select(QuizAttempt).where(QuizAttempt.state != AttemptState.OPEN)))
    assert done.submitted_at <= done.deadline_at and done.points == 2.0


def test_instructor_marks_an_essay_and_the_learner_sees_the_comment(page: Page, quiz_class):
    """Instructor journey: a case-study answer goes to the marking queue, is marked, and counts."""
    login(page, "hv.mai")
    open_quiz(page, quiz_class, "tinh-huong")
    page.locator("[data-test=question] textarea").fill("Hướng dẫn bổ sung một lần, xin lỗi người dân.")
    page.get_by_test_id("submit-attempt").click()
    expect(page.get_by_test_id("result")).to_have_attribute("data-state", "pending")
    logout(page)

    login(page, "gv.an")
    page.goto("/marking")
    page.get_by_test_id("marking-item").get_by_role("link").click()
    expect(page.get_by_test_id("essay-answer")).to_contain_text("Hướng dẫn bổ sung một lần")
    page.locator("#points").fill("1")
    page.locator("#comment").fill("Tốt. Cần nêu căn cứ pháp lý.")
    page.get_by_test_id("save-mark").click()
    expect(page.get_by_test_id("marking-item")).to_have_count(0)
    logout(page)

    login(page, "hv.mai")
    page.goto(f"/classes/{quiz_class.id}/quizzes/tinh-huong")
    page.get_by_test_id("attempt").get_by_role("link").click()
    expect(page.get_by_test_id("essay-comment")).to_have_text("Tốt. Cần nêu căn cứ pháp lý.")
    expect(page.get_by_test_id("result")).to_have_attribute("data-passed", "yes")
    fresh_session()
    enrolment = db.session.scalar(select(Enrolment))
    assert db.session.scalar(select(QuizAttempt)).passed and enrolment is not None
