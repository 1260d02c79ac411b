"""Taking a quiz through the real endpoints, and every kind of bad input against them."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms.audit.models import AuditEvent
from lms.courses.models import Enrolment
from lms.database import utcnow
from lms.extensions import db
from lms.quizzes.models import AttemptState, QuizAttempt
from tests.quizzes.conftest import csrf_from, option_position, right_answers, shown_questions, start

SECRETS = [
    "Chính xác, rất tốt",
    "Chưa đúng đâu",
    "một cửa liên thông",
    "Sai rồi, mọi cấp",
    "Đúng vậy, mọi cấp",
    '"weight"',
    "correct",
    "feedback",
]


@pytest.fixture
def learner(quiz_world, auth):
    auth.login("hv.mai")
    return quiz_world


def attempt(attempt_id: int) -> QuizAttempt:
    db.session.expire_all()
    return db.session.get(QuizAttempt, attempt_id)


def test_answer_key_never_reaches_the_browser_before_submission(learner, auth, client):
    responses = [client.get(f"/classes/{learner.course_class.id}/quizzes/kiem-tra")]
    attempt_id = start(auth, learner)
    responses.append(client.get(f"/attempts/{attempt_id}"))
    form = right_answers(attempt(attempt_id))
    responses.append(
        auth.post(f"/attempts/{attempt_id}/save", {**form, "seq": "1"}, headers={"Accept": "application/json"})
    )
    responses.append(client.get(f"/attempts/{attempt_id}"))
    responses.append(client.get(f"/classes/{learner.course_class.id}"))
    for response in responses:
        body = response.get_data(as_text=True)
        assert response.status_code == 200
        for secret in SECRETS:
            assert secret not in body, (secret, response.request.path)
    assert "Thủ tục rườm rà" in responses[1].get_data(as_text=True)  # the options themselves are shown


def test_answers_are_saved_as_the_learner_goes_and_survive_a_reload(learner, auth, client):
    attempt_id = start(auth, learner)
    n = shown_questions(attempt(attempt_id))
    position = option_position(attempt(attempt_id), n["Chọn một"], "rườm rà")
    saved = auth.post(
        f"/attempts/{attempt_id}/save",
        {f"q{n['Chọn một']}": position, "seq": "1"},
        headers={"Accept": "application/json"},
    )
    assert saved.get_json() == {"saved": True, "seq": 1}
    assert start(auth, learner) == attempt_id  # starting again resumes the open attempt
    page = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert f'name="q{n["Chọn một"]}" value="{position}" checked' in page


def test_pass_after_an_essay_is_marked_and_the_course_completes(learner, auth, client):
    attempt_id = start(auth, learner)
    auth.post(f"/classes/{learner.course_class.id}/modules/a/done")
    response = auth.post(f"/attempts/{attempt_id}/submit", {**right_answers(attempt(attempt_id)), "seq": "1"})
    assert response.status_code == 303
    submitted = attempt(attempt_id)
    assert submitted.state == AttemptState.PENDING and submitted.passed is None
    assert (submitted.points, submitted.max_points) == (3.0, 4.0)
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == learner.learner.id))
    assert enrolment.completed_at is None  # the quiz is not passed while the essay waits
    page = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert "Chính xác, rất tốt" in page  # review after the attempt shows the feedback

    auth.logout()
    auth.login("gv.an")
    dashboard = client.get("/").get_data(as_text=True)
    assert dashboard.split('data-test="to-mark">')[1].strip().startswith("1 ")
    queue = client.get("/marking").get_data(as_text=True)
    assert queue.count('data-test="marking-item"') == 1
    index = shown_questions(submitted)["Tình huống"]
    marked = auth.post(f"/marking/{attempt_id}/{index}", {"points": "0,5", "comment": "Cần nêu căn cứ pháp lý."})
    assert marked.status_code == 303
    graded = attempt(attempt_id)
    assert graded.state == AttemptState.GRADED and graded.percent == 87.5 and graded.passed
    assert db.session.get(Enrolment, enrolment.id).completed_at is not None
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.action == "essay.mark")) == "essay.mark"
    assert 'data-test="marking-item"' not in client.get("/marking").get_data(as_text=True)

    auth.logout()
    auth.login("hv.mai")
    page = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert "Cần nêu căn cứ pháp lý." in page


def test_fail_then_retake_then_no_attempts_left(learner, auth, client):
    first = start(auth, learner)
    auth.post(f"/attempts/{first}/submit", {"seq": "1"})
    failed = attempt(first)
    assert failed.state == AttemptState.PENDING or failed.passed is False
    second = start(auth, learner)
    assert second != first and attempt(second).number == 2
    auth.post(f"/attempts/{second}/submit", {"seq": "1"})
    refused = auth.post(f"/classes/{learner.course_class.id}/quizzes/kiem-tra/start")
    assert refused.status_code == 303 and refused.headers["Location"].endswith("/quizzes/kiem-tra")
    assert db.session.scalar(select(func.count()).select_from(QuizAttempt)) == 2
    page = client.get(refused.headers["Location"]).get_data(as_text=True)
    assert "You have used all the attempts" in page or "Bạn đã dùng hết" in page


@pytest.mark.parametrize(
    "form",
    [
        {"q99": "0"},  # a question not in the attempt
        {"qx": "0"},
        {"q1-0": "0"},  # a matching slot on a question that has none
    ],
)
def test_answers_to_questions_outside_the_attempt_are_refused(learner, auth, form):
    attempt_id = start(auth, learner)
    response = auth.post(f"/attempts/{attempt_id}/submit", {**form, "seq": "1"})
    assert response.status_code == 400
    assert attempt(attempt_id).state == AttemptState.OPEN and attempt(attempt_id).answers == {}


def test_option_of_another_question_and_duplicates_are_refused(learner, auth):
    attempt_id = start(auth, learner)
    n = shown_questions(attempt(attempt_id))
    choice = f"q{n['Chọn một']}"
    for bad in ({choice: "7"}, {choice: ["0", "1"]}, {f"q{n['Đúng sai']}": "maybe"}):
        response = auth.post(
            f"/attempts/{attempt_id}/save", {**bad, "seq": "1"}, headers={"Accept": "application/json"}
        )
        assert response.status_code == 400 and response.get_json()["error"] == "bad_answer"
    assert attempt(attempt_id).answers == {}


def test_missing_answers_are_graded_as_unanswered(learner, auth):
    attempt_id = start(auth, learner)
    n = shown_questions(attempt(attempt_id))
    auth.post(f"/attempts/{attempt_id}/submit", {f"q{n['Đúng sai']}": "false", "seq": "1"})
    done = attempt(attempt_id)
    states = {entry["question"]["title"]: mark["state"] for entry, mark in zip(done.drawn, done.marks, strict=True)}
    # An essay left empty has nothing to mark: it scores 0 at once instead of waiting.
    assert states == {
        "Một cửa": "unanswered",
        "Chọn một": "unanswered",
        "Đúng sai": "right",
        "Tình huống": "unanswered",
    }
    assert done.state == AttemptState.GRADED and done.points == 1.0 and done.passed is False


def test_a_score_sent_by_the_client_is_ignored(learner, auth):
    attempt_id = start(auth, learner)
    auth.post(
        f"/attempts/{attempt_id}/submit", {"seq": "1", "score": "100", "passed": "1", "percent": "100", "points": "4"}
    )
    done = attempt(attempt_id)
    assert done.points == 0 and done.passed is not True


def test_late_submission_is_graded_as_of_the_deadline(learner, auth):
    attempt_id = start(auth, learner)
    n = shown_questions(attempt(attempt_id))
    auth.post(f"/attempts/{attempt_id}/save", {f"q{n['Đúng sai']}": "false", "seq": "1"})
    row = attempt(attempt_id)
    row.deadline_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    response = auth.post(f"/attempts/{attempt_id}/submit", {**right_answers(row), "seq": "2"})
    assert response.status_code == 303
    done = attempt(attempt_id)
    assert done.timed_out and done.state != AttemptState.OPEN
    assert done.points == 1.0  # only the answer saved in time counts
    late_save = auth.post(f"/attempts/{attempt_id}/save", {"seq": "3"}, headers={"Accept": "application/json"})
    assert late_save.status_code == 409


def test_expired_attempt_is_closed_when_next_seen(learner, auth, client):
    attempt_id = start(auth, learner)
    row = attempt(attempt_id)
    row.deadline_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    assert client.get(f"/attempts/{attempt_id}").status_code == 200
    assert attempt(attempt_id).timed_out


def test_replayed_requests_change_nothing_twice(learner, auth):
    attempt_id = start(auth, learner)
    n = shown_questions(attempt(attempt_id))
    auth.post(f"/attempts/{attempt_id}/save", {f"q{n['Đúng sai']}": "false", "seq": "5"})
    auth.post(f"/attempts/{attempt_id}/save", {f"q{n['Đúng sai']}": "true", "seq": "4"})  # an old save, late
    assert attempt(attempt_id).answers == {str(n["Đúng sai"]): False}
    auth.post(f"/attempts/{attempt_id}/submit", {f"q{n['Đúng sai']}": "false", "seq": "6"})
    first = attempt(attempt_id)
    submitted_at, points = first.submitted_at, first.points
    again = auth.post(f"/attempts/{attempt_id}/submit", {**right_answers(first), "seq": "7"})
    assert again.status_code == 303
    assert (attempt(attempt_id).submitted_at, attempt(attempt_id).points) == (submitted_at, points)
    assert db.session.scalar(select(func.count()).select_from(QuizAttempt)) == 1


def test_concurrent_submits_grade_once(learner, app, auth, client):
    attempt_id = start(auth, learner)
    other_session = app.test_client()
    other_session.set_cookie("session", client.get_cookie("session").value)
    form = {
        **right_answers(attempt(attempt_id)),
        "seq": "1",
        "csrf_token": csrf_from(client.get(f"/attempts/{attempt_id}").get_data(as_text=True)),
    }
    statuses = []

    def submit(session):
        statuses.append(session.post(f"/attempts/{attempt_id}/submit", data=form).status_code)

    db.session.commit()
    threads = [threading.Thread(target=submit, args=(c,)) for c in (client, other_session)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [303, 303]
    done = attempt(attempt_id)
    assert done.state == AttemptState.PENDING and done.points == 3.0
    assert db.session.scalar(select(func.count()).select_from(QuizAttempt)) == 1


def test_someone_elses_attempt_is_not_found(quiz_world, auth, client):
    auth.login("hv.mai")
    attempt_id = start(auth, quiz_world)
    auth.logout()
    auth.login("hv.nam")
    assert client.get(f"/attempts/{attempt_id}").status_code == 404
    assert auth.post(f"/attempts/{attempt_id}/save", {"seq": "1"}).status_code == 404
    assert auth.post(f"/attempts/{attempt_id}/submit", {"seq": "1"}).status_code == 404
    assert attempt(attempt_id).state == AttemptState.OPEN


def test_only_the_class_instructors_mark(quiz_world, auth, client):
    auth.login("hv.mai")
    attempt_id = start(auth, quiz_world)
    auth.post(f"/attempts/{attempt_id}/submit", {**right_answers(attempt(attempt_id)), "seq": "1"})
    index = shown_questions(attempt(attempt_id))["Tình huống"]
    assert client.get("/marking").status_code == 403
    assert auth.post(f"/marking/{attempt_id}/{index}", {"points": "1"}).status_code == 403
    auth.logout()
    auth.login("gv.binh")  # teaches another class
    assert 'data-test="marking-item"' not in client.get("/marking").get_data(as_text=True)
    assert auth.post(f"/marking/{attempt_id}/{index}", {"points": "1"}).status_code == 403
    auth.logout()
    auth.login("gv.an")
    for bad in ("2", "-1", "abc"):
        response = auth.post(f"/marking/{attempt_id}/{index}", {"points": bad})
        assert response.status_code == 400
    assert client.get(f"/marking/{attempt_id}/0" if index != 0 else f"/marking/{attempt_id}/1").status_code == 404
    assert attempt(attempt_id).state == AttemptState.PENDING


def test_instructor_results_and_csv_escape_formulas(quiz_world, auth, client):
    quiz_world.other.full_name = '=HYPERLINK("http://evil.example","x")'
    db.session.commit()
    auth.login("hv.mai")
    attempt_id = start(auth, quiz_world)
    auth.post(f"/attempts/{attempt_id}/submit", {**right_answers(attempt(attempt_id)), "seq": "1"})
    auth.logout()
    auth.login("gv.an")
    path = f"/classes/{quiz_world.course_class.id}/quizzes/kiem-tra/results"
    page = client.get(path).get_data(as_text=True)
    assert page.count('data-test="result-row"') == 2
    rows = page.split('data-test="question-row"')[1:]
    assert len(rows) == 3 and all("1/1" in r for r in rows)  # the pending essay is not counted yet
    csv = client.get(path + "?format=csv")
    assert csv.mimetype == "text/csv"
    text = csv.data.decode("utf-8-sig")
    assert "'=HYPERLINK(" in text and "\n=HYPERLINK" not in text and ",=HYPERLINK" not in text
    assert "hv.mai,Nguyễn Thị Mai,Phuong-1,1,75,no,yes" in text
    auth.logout()
    auth.login("hv.mai")
    assert client.get(path).status_code == 403
