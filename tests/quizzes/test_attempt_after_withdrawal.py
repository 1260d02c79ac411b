"""An open attempt stops when its learner leaves the class or its quiz is retired, on every path."""

from __future__ import annotations

from sqlalchemy import select

from lms.courses.models import Enrolment
from lms.courses.service import withdraw
from lms.database import utcnow
from lms.extensions import db
from lms.quizzes.models import AttemptState, QuizAttempt
from tests.quizzes.conftest import right_answers, start
from tests.refusals import flashed_errors, nothing_written, parse

WITHDRAWN = "Bạn không còn ghi danh trong lớp này nên không thể thay đổi lượt làm bài này nữa."
RETIRED = "Bài kiểm tra này không còn thuộc khóa học nên không thể thay đổi lượt làm bài này nữa."
JSON = {"Accept": "application/json"}


def _attempt(attempt_id: int) -> QuizAttempt:
    db.session.expire_all()
    return db.session.get(QuizAttempt, attempt_id)


def test_a_withdrawn_learner_can_no_longer_see_save_or_submit_the_open_attempt(quiz_world, auth, client):
    auth.login("hv.mai")
    attempt_id = start(auth, quiz_world)
    answers = right_answers(_attempt(attempt_id))
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == quiz_world.learner.id))
    withdraw(enrolment, actor_id=None)
    db.session.commit()
    with nothing_written():
        page = client.get(f"/attempts/{attempt_id}")
        saved = auth.post(f"/attempts/{attempt_id}/save", {**answers, "seq": "1"}, headers=JSON)
        submitted = auth.post(f"/attempts/{attempt_id}/submit", {**answers, "seq": "2"})
    assert page.status_code == 403
    assert parse(page).one("ul", data_test="refusal").text == WITHDRAWN
    assert (saved.status_code, saved.get_json()) == (403, {"error": "withdrawn", "message": WITHDRAWN})
    assert submitted.status_code == 403
    assert parse(submitted).one("ul", data_test="refusal").text == WITHDRAWN
    row = _attempt(attempt_id)
    assert (row.state, row.answers, row.points) == (AttemptState.OPEN, {}, None)


def test_a_retired_quiz_takes_no_more_answers_and_is_not_passed(quiz_world, auth, client):
    auth.login("hv.mai")
    attempt_id = start(auth, quiz_world)
    answers = right_answers(_attempt(attempt_id))
    quiz_world.quiz.retired_at = utcnow()
    db.session.commit()
    with nothing_written():
        saved = auth.post(f"/attempts/{attempt_id}/save", {**answers, "seq": "1"}, headers=JSON)
        submitted = auth.post(f"/attempts/{attempt_id}/submit", {**answers, "seq": "2"})
    assert (saved.status_code, saved.get_json()) == (409, {"error": "retired", "message": RETIRED})
    assert submitted.status_code == 400
    assert flashed_errors(parse(submitted)) == [RETIRED]
    row = _attempt(attempt_id)
    assert (row.state, row.passed) == (AttemptState.OPEN, None)
