"""The pass mark is a floor: a score exactly at it passes, one point below fails.

Checked where the points are added up (`lms.quizzes.grading.total_score`), where an attempt is
graded (`lms.quizzes.attempts.submit_attempt`), and on the result page the learner reads, with
an explicit pass mark and with the default of 70.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from lms.auth.models import Role
from lms.extensions import db
from lms.quizzes import attempts as service
from lms.quizzes.grading import MarkState, QuestionMark, total_score
from lms.quizzes.models import AttemptState, Quiz, QuizAttempt
from lms.quizzes.questions import Question
from tests import factories

NOW = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)


def quiz_yaml(pass_mark: int | None) -> str:
    """Three questions worth 59, 1 and 40 points (100 in all), in file order."""
    header = 'title: "Ngưỡng đạt"\nattempts: 0\nshuffle: false\n'
    if pass_mark is not None:
        header += f"pass_mark: {pass_mark}\n"
    questions = "".join(
        f"""  - type: single
    title: "C{n}"
    text: "Câu {n}"
    points: {points}
    choices:
      - {{text: "Đúng {n}", correct: true}}
      - {{text: "Sai {n}"}}
"""
        for n, points in ((1, 59), (2, 1), (3, 40))
    )
    return header + "questions:\n" + questions


@pytest.fixture
def quiz_world(app, tmp_path):
    ward = factories.make_unit("phuong-1")
    learner = factories.make_user("hv.mai", Role.LEARNER, ward, "Nguyễn Thị Mai")
    course = factories.make_course(
        tmp_path,
        quizzes={"san.yml": quiz_yaml(60), "mac-dinh.yml": quiz_yaml(None)},
        modules={"01-a.md": factories.module_file("A", "Nội dung")},
    )
    course_class = factories.make_class(course, "LOP-1", learners=[learner])
    quizzes = {q.slug: q for q in db.session.scalars(select(Quiz))}
    return SimpleNamespace(course_class=course_class, quizzes=quizzes, learner=learner)


def questions() -> list[Question]:
    return [
        Question.from_data({"type": "single", "text": t, "points": p, "choices": [{"text": "a", "weight": 1.0}]})
        for t, p in (("Câu 1", 59), ("Câu 2", 1), ("Câu 3", 40))
    ]


RIGHT = QuestionMark(1.0, MarkState.RIGHT)
WRONG = QuestionMark(0.0, MarkState.WRONG)


@pytest.mark.parametrize(
    ("marks", "points", "percent"),
    [
        ((RIGHT, RIGHT, WRONG), 60.0, 60.0),
        ((RIGHT, WRONG, WRONG), 59.0, 59.0),
        ((RIGHT, WRONG, RIGHT), 99.0, 99.0),
        ((RIGHT, RIGHT, RIGHT), 100.0, 100.0),
    ],
)
def test_total_score_gives_the_exact_percent(marks, points, percent):
    score = total_score(questions(), list(marks), {})
    assert (score.points, score.max_points, score.percent, score.pending) == (points, 100, percent, False)


def answer(attempt: QuizAttempt, right: set[int]) -> dict[str, list[str]]:
    """A form answering questions 1..3: right ones pick "Đúng" (position 0), the others "Sai"."""
    return {f"q{i}": ["0" if i + 1 in right else "1"] for i in range(len(attempt.drawn))}


@pytest.mark.parametrize(
    ("slug", "right", "percent", "passed"),
    [
        ("san", {1, 2}, 60.0, True),  # exactly the pass mark of 60
        ("san", {1}, 59.0, False),  # one point below
        ("mac-dinh", {1, 2}, 60.0, False),  # default pass mark is 70
        ("mac-dinh", {1, 2, 3}, 100.0, True),
    ],
)
def test_grading_an_attempt_compares_with_the_pass_mark_inclusively(quiz_world, slug, right, percent, passed):
    enrolment = quiz_world.course_class.enrolments[0]
    attempt = service.start_attempt(enrolment, quiz_world.quizzes[slug], NOW)
    assert service.submit_attempt(attempt, answer(attempt, right), 1, NOW)
    assert (attempt.state, attempt.percent, attempt.passed) == (AttemptState.GRADED, percent, passed)


def test_default_pass_mark_of_seventy_is_inclusive_too(app, tmp_path):
    """70 of 100 points with no pass mark in the file passes; 69 does not."""
    ward = factories.make_unit("phuong-1")
    learner = factories.make_user("hv.mai", Role.LEARNER, ward)
    quiz = quiz_yaml(None).replace("points: 59", "points: 69").replace("points: 40", "points: 30")
    course = factories.make_course(tmp_path, quizzes={"bay-muoi.yml": quiz})
    course_class = factories.make_class(course, "LOP-1", learners=[learner])
    enrolment = course_class.enrolments[0]
    quiz_row = db.session.scalar(select(Quiz))
    first = service.start_attempt(enrolment, quiz_row, NOW)
    service.submit_attempt(first, answer(first, {1, 2}), 1, NOW)
    second = service.start_attempt(enrolment, quiz_row, NOW)
    service.submit_attempt(second, answer(second, {1}), 1, NOW)
    assert (first.percent, first.passed) == (70.0, True)
    assert (second.percent, second.passed) == (69.0, False)


def result_text(html: str) -> str:
    section = re.search(r'<section class="card result".*?</section>', html, re.DOTALL).group(0)
    return " ".join(re.sub(r"<[^>]+>", " ", section).split())


@pytest.mark.parametrize(
    ("right", "expected"),
    [
        ({1, 2}, "Score: 60 of 100 points (60%) 60% · Passed"),
        ({1}, "Score: 59 of 100 points (59%) 59% · Not passed"),
    ],
)
def test_result_page_says_passed_at_the_pass_mark(quiz_world, auth, client, right, expected):
    auth.login("hv.mai")
    auth.post("/language", {"locale": "en"})
    started = auth.post(f"/classes/{quiz_world.course_class.id}/quizzes/san/start")
    attempt_id = int(started.headers["Location"].rsplit("/", 1)[1])
    attempt = db.session.get(QuizAttempt, attempt_id)
    form = {name: value[0] for name, value in answer(attempt, right).items()}
    assert auth.post(f"/attempts/{attempt_id}/submit", {**form, "seq": "1"}).status_code == 303
    assert result_text(client.get(f"/attempts/{attempt_id}").get_data(as_text=True)) == expected


def test_result_page_in_vietnamese(quiz_world, auth, client):
    auth.login("hv.mai")
    started = auth.post(f"/classes/{quiz_world.course_class.id}/quizzes/san/start")
    attempt_id = int(started.headers["Location"].rsplit("/", 1)[1])
    attempt = db.session.get(QuizAttempt, attempt_id)
    form = {name: value[0] for name, value in answer(attempt, {1, 2}).items()}
    auth.post(f"/attempts/{attempt_id}/submit", {**form, "seq": "1"})
    text = result_text(client.get(f"/attempts/{attempt_id}").get_data(as_text=True))
    # Vietnamese percentages: "60 %", the sign after a no-break space (split() reads it as a space).
    assert text == "Kết quả: 60/100 điểm (60 %) 60 % · Đạt", text
