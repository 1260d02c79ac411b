"""A class whose course has a quiz, and helpers to answer it through the real forms."""

import re
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from lms.auth.models import Role
from lms.extensions import db
from lms.quizzes.models import Quiz, QuizAttempt
from tests import factories

QUIZ = """---
title: "Kiểm tra"
pass_mark: 60
attempts: 2
review: after_each_attempt
---
::Một cửa:: Cơ chế tiếp nhận hồ sơ tại một đầu mối gọi là gì?{=một cửa =%50%một cửa liên thông}

::Chọn một:: Thủ tục nào cần đơn giản hóa?{=Thủ tục rườm rà#Chính xác, rất tốt ~Thủ tục đã gọn#Chưa đúng đâu}

::Đúng sai:: Cải cách hành chính chỉ là việc của cấp tỉnh.{F#Sai rồi, mọi cấp đều làm#Đúng vậy, mọi cấp đều làm}

::Tình huống:: Hãy xử lý tình huống người dân nộp thiếu hồ sơ.{}
"""


@pytest.fixture
def quiz_world(app, tmp_path):
    ward = factories.make_unit("phuong-1")
    teacher = factories.make_user("gv.an", Role.INSTRUCTOR, ward)
    other_teacher = factories.make_user("gv.binh", Role.INSTRUCTOR, ward)
    learner = factories.make_user("hv.mai", Role.LEARNER, ward, "Nguyễn Thị Mai")
    other = factories.make_user("hv.nam", Role.LEARNER, ward, "Trần Văn Nam")
    course = factories.make_course(
        tmp_path, quizzes={"kiem-tra.gift": QUIZ}, modules={"01-a.md": factories.module_file("A", "Nội dung")}
    )
    course_class = factories.make_class(course, "LOP-1", instructors=[teacher], learners=[learner, other])
    factories.make_class(course, "LOP-2", instructors=[other_teacher])
    quiz = db.session.scalar(select(Quiz))
    return SimpleNamespace(course_class=course_class, quiz=quiz, learner=learner, other=other, teacher=teacher)


def start(auth, world) -> int:
    """Start (or resume) an attempt; return its id."""
    response = auth.post(f"/classes/{world.course_class.id}/quizzes/kiem-tra/start")
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    return int(response.headers["Location"].rsplit("/", 1)[1])


def shown_questions(attempt: QuizAttempt) -> dict[str, int]:
    """Map each drawn question's title to its number on the page."""
    return {entry["question"]["title"]: index for index, entry in enumerate(attempt.drawn)}


def option_position(attempt: QuizAttempt, number: int, text: str) -> str:
    """The form value of the option whose text contains `text`."""
    entry = attempt.drawn[number]
    for position, original in enumerate(entry["order"]):
        if text in entry["question"]["choices"][original]["text"]:
            return str(position)
    raise AssertionError(f"no option {text!r}")


def right_answers(attempt: QuizAttempt, essay: str = "Tiếp nhận, hướng dẫn bổ sung một lần.") -> dict:
    """A form that answers every question right (the essay with some text)."""
    n = shown_questions(attempt)
    return {
        f"q{n['Một cửa']}": "Một Cửa",
        f"q{n['Chọn một']}": option_position(attempt, n["Chọn một"], "rườm rà"),
        f"q{n['Đúng sai']}": "false",
        f"q{n['Tình huống']}": essay,
    }


def csrf_from(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
