"""Every refusal of taking a quiz and marking an essay, read as the learner or instructor reads it.

Starting past the allowed attempts, saving or submitting answers that are not the attempt's, saving
a submitted or timed-out attempt, and an essay mark out of range each give their exact Vietnamese
message (English for an account that chose it) where the person sees it (the flash above the
attempt, the JSON the page's script shows, the marking form's error), with the exact status code,
and leave the attempt's answers and marks as they were.
"""

from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.database import utcnow
from lms.extensions import db
from lms.quizzes.models import QuizAttempt
from tests.quizzes.conftest import right_answers, shown_questions, start
from tests.refusals import flashed_errors, nothing_written, only_error, parse, speak_english

JSON = {"Accept": "application/json"}
UNKNOWN_QUESTION = "Biểu mẫu có câu trả lời cho một câu hỏi không thuộc lượt làm bài này."
BAD_ANSWER = "Không đọc được một trong các câu trả lời. Vui lòng kiểm tra rồi thử lại."
CLOSED = "Lượt làm bài này đã được nộp."
TIME_UP = "Đã hết thời gian làm bài. Lượt làm bài của bạn được chấm theo các câu trả lời đã lưu trước khi hết giờ."


def attempt(attempt_id: int) -> QuizAttempt:
    db.session.commit()
    return db.session.scalar(select(QuizAttempt).where(QuizAttempt.id == attempt_id))


def submitted(auth, quiz_world) -> int:
    attempt_id = start(auth, quiz_world)
    response = auth.post(f"/attempts/{attempt_id}/submit", {**right_answers(attempt(attempt_id)), "seq": "1"})
    assert response.status_code == 303
    return attempt_id


def bad_forms(row: QuizAttempt) -> list[tuple[dict, str, str]]:
    """Forms the attempt refuses: (form, error code for the page's script, message)."""
    n = shown_questions(row)
    return [
        ({"q99": "1"}, "unknown_question", UNKNOWN_QUESTION),
        ({"qx": "1"}, "unknown_question", UNKNOWN_QUESTION),
        ({f"q{n['Đúng sai']}": "có lẽ"}, "bad_answer", BAD_ANSWER),
        ({f"q{n['Chọn một']}": "7"}, "bad_answer", BAD_ANSWER),
        ({f"q{n['Tình huống']}": "chữ" * 7000}, "bad_answer", BAD_ANSWER),
    ]


def test_saving_answers_that_are_not_the_attempts_is_refused(quiz_world, auth, client):
    auth.login("hv.mai")
    attempt_id = start(auth, quiz_world)
    for form, code, message in bad_forms(attempt(attempt_id)):
        with nothing_written():
            as_json = auth.post(f"/attempts/{attempt_id}/save", {**form, "seq": "1"}, headers=JSON)
            as_form = auth.post(f"/attempts/{attempt_id}/save", {**form, "seq": "1"})
            page = parse(client.get(as_form.headers["Location"]))
        assert (as_json.status_code, as_json.get_json()) == (400, {"error": code, "message": message})
        assert as_form.status_code == 303
        assert flashed_errors(page) == [message]
        assert page.find_all("form", id="attempt-form"), "the attempt stays open to be corrected"


def test_submitting_answers_that_are_not_the_attempts_is_refused(quiz_world, auth):
    auth.login("hv.mai")
    attempt_id = start(auth, quiz_world)
    for form, _code, message in bad_forms(attempt(attempt_id)):
        with nothing_written():
            response = auth.post(f"/attempts/{attempt_id}/submit", {**form, "seq": "1"})
        assert response.status_code == 400
        page = parse(response)
        assert flashed_errors(page) == [message]
        assert only_error(page).text == message
        assert page.find_all("form", id="attempt-form"), "the attempt stays open to be corrected"


def test_saving_a_submitted_attempt_is_refused(quiz_world, auth, client):
    auth.login("hv.mai")
    attempt_id = submitted(auth, quiz_world)
    with nothing_written():
        as_json = auth.post(f"/attempts/{attempt_id}/save", {"seq": "5"}, headers=JSON)
        as_form = auth.post(f"/attempts/{attempt_id}/save", {"seq": "5"})
        page = parse(client.get(as_form.headers["Location"]))
    assert (as_json.status_code, as_json.get_json()) == (409, {"error": "closed", "message": CLOSED})
    assert flashed_errors(page) == [CLOSED]


def test_saving_after_the_deadline_is_refused_and_the_late_answers_are_not_taken(quiz_world, auth):
    auth.login("hv.mai")
    attempt_id = start(auth, quiz_world)
    row = attempt(attempt_id)
    row.deadline_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    late = auth.post(f"/attempts/{attempt_id}/save", {**right_answers(row), "seq": "1"}, headers=JSON)
    assert (late.status_code, late.get_json()) == (409, {"error": "time_up", "message": TIME_UP})
    closed = attempt(attempt_id)
    assert closed.answers == {} and closed.timed_out and closed.points == 0


def test_starting_past_the_allowed_attempts_is_refused(quiz_world, auth, client):
    auth.login("hv.mai")
    submitted(auth, quiz_world)
    submitted(auth, quiz_world)
    with nothing_written():
        response = auth.post(f"/classes/{quiz_world.course_class.id}/quizzes/kiem-tra/start")
        assert response.status_code == 303
        page = parse(client.get(response.headers["Location"]))
    assert flashed_errors(page) == ["Bạn đã dùng hết số lượt làm bài được phép của bài kiểm tra này."]
    assert len(page.find_all(data_test="start-quiz")) == 0


def test_quiz_refusals_in_english(quiz_world, auth, client):
    speak_english(quiz_world.learner)
    auth.login("hv.mai")
    attempt_id = start(auth, quiz_world)
    with nothing_written():
        saved = auth.post(f"/attempts/{attempt_id}/save", {"q99": "1", "seq": "1"}, headers=JSON)
        sent = auth.post(f"/attempts/{attempt_id}/submit", {"q99": "1", "seq": "1"})
    unknown = "The form contained an answer to a question that is not in this attempt."
    assert (saved.status_code, saved.get_json()["message"]) == (400, unknown)
    assert (sent.status_code, flashed_errors(parse(sent))) == (400, [unknown])
    auth.post(f"/attempts/{attempt_id}/submit", {"seq": "2"})
    submitted(auth, quiz_world)
    with nothing_written():
        response = auth.post(f"/classes/{quiz_world.course_class.id}/quizzes/kiem-tra/start")
        page = parse(client.get(response.headers["Location"]))
    assert flashed_errors(page) == ["You have used all the attempts this quiz allows."]


def mark_error(response) -> str:
    """The marking form's error, which stands right before the form."""
    page = parse(response)
    box = only_error(page)
    assert box.next_element().tag == "form" and box.next_element().find_all(id="points")
    return box.text


@pytest.mark.parametrize("points", ["-1", "1.5", "2", "nhiều", ""])
def test_an_essay_mark_out_of_range_is_refused(quiz_world, auth, client, points):
    auth.login("hv.mai")
    attempt_id = submitted(auth, quiz_world)
    essay = shown_questions(attempt(attempt_id))["Tình huống"]
    auth.logout()
    auth.login("gv.an")
    with nothing_written():
        response = auth.post(f"/marking/{attempt_id}/{essay}", {"points": points, "comment": "Tốt"})
    assert response.status_code == 400
    assert mark_error(response) == "Điểm chấm phải nằm trong khoảng từ 0 đến số điểm của câu hỏi."


def test_essay_mark_refusal_in_english(quiz_world, auth):
    speak_english(quiz_world.teacher)
    auth.login("hv.mai")
    attempt_id = submitted(auth, quiz_world)
    essay = shown_questions(attempt(attempt_id))["Tình huống"]
    auth.logout()
    auth.login("gv.an")
    with nothing_written():
        response = auth.post(f"/marking/{attempt_id}/{essay}", {"points": "3"})
    assert response.status_code == 400
    assert mark_error(response) == "The mark must be between 0 and the question's points."
