"""Numbers in the attempt forms are read one way (ASCII digits): '¹', '②', '٣', '-0', '1e9' or a
huge value in `seq` or in a `q…` field name never give 500 and change nothing; a repeated submit
says the attempt was already submitted and shows its result."""

from __future__ import annotations

import pytest

from lms.extensions import db
from lms.quizzes.models import AttemptState, QuizAttempt
from tests.quizzes.conftest import right_answers, start

BAD_NUMBERS = ["¹", "②", "٣", "-0", "1e9", "9" * 30, "9" * 5000]
JSON = {"Accept": "application/json"}


def _attempt(attempt_id: int) -> QuizAttempt:
    db.session.expire_all()
    return db.session.get(QuizAttempt, attempt_id)


@pytest.mark.parametrize("value", BAD_NUMBERS)
def test_bad_numbers_in_an_attempt_form_are_refused_or_defaulted(quiz_world, auth, value):
    auth.login("hv.mai")
    attempt_id = start(auth, quiz_world)
    answers = right_answers(_attempt(attempt_id))
    saved = auth.post(f"/attempts/{attempt_id}/save", {**answers, "seq": value}, headers=JSON)
    assert saved.status_code == 200 and saved.get_json() == {"saved": True, "seq": 0}  # seq defaults to 0
    assert _attempt(attempt_id).answers in ({}, None)
    refused = auth.post(f"/attempts/{attempt_id}/save", {"seq": "5", f"q{value}": "0"}, headers=JSON)
    assert refused.status_code == 400
    assert refused.get_json() == {
        "error": "unknown_question",
        "message": "Biểu mẫu có câu trả lời cho một câu hỏi không thuộc lượt làm bài này.",
    }
    matching = auth.post(f"/attempts/{attempt_id}/save", {"seq": "6", f"q0-{value}": "0"}, headers=JSON)
    assert matching.status_code == 400 and matching.get_json()["error"] == "unknown_question"
    assert _attempt(attempt_id).last_seq == 0


def test_a_repeated_submit_says_it_was_already_submitted_and_shows_the_result(quiz_world, auth, client):
    auth.login("hv.mai")
    attempt_id = start(auth, quiz_world)
    answers = right_answers(_attempt(attempt_id))
    first = auth.post(f"/attempts/{attempt_id}/submit", {**answers, "seq": "1"})
    assert first.status_code == 303
    graded = _attempt(attempt_id)
    submitted_at, marks = graded.submitted_at, graded.marks
    assert graded.state != AttemptState.OPEN
    again = auth.post(f"/attempts/{attempt_id}/submit", {**answers, "seq": "2"}, follow_redirects=True)
    page = again.get_data(as_text=True)
    assert again.status_code == 200
    assert "Lượt làm bài này đã được nộp." in page
    assert 'data-test="result"' in page
    after = _attempt(attempt_id)
    assert (after.submitted_at, after.marks, after.last_seq) == (submitted_at, marks, 1)
