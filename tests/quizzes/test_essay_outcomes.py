"""What people read about essays once submitted: the item analysis, an empty essay, the queue."""

import pytest
from sqlalchemy import select

from lms.auth.models import Role, User
from lms.extensions import db
from lms.quizzes.models import AttemptState, QuizAttempt
from tests import factories
from tests.quizzes.conftest import right_answers, shown_questions, start

TWO_ESSAYS = """---
title: "Hai tình huống"
pass_mark: 50
---
::Tình huống A:: Xử lý hồ sơ thiếu.{}

::Tình huống B:: Xử lý phản ánh trên mạng xã hội.{}
"""


def attempt(attempt_id: int) -> QuizAttempt:
    db.session.expire_all()
    return db.session.get(QuizAttempt, attempt_id)


def question_rows(client, world) -> dict[str, str]:
    page = client.get(f"/classes/{world.course_class.id}/quizzes/kiem-tra/results").get_data(as_text=True)
    rows = page.split('data-test="question-row"><td>')[1:]
    return {row.split("</td>")[0]: row.split("<td>")[1].split(" ")[0] for row in rows}


def test_a_marked_essay_counts_by_its_mark_in_the_item_analysis(quiz_world, auth, client):
    auth.login("hv.mai")
    mai_attempt = start(auth, quiz_world)
    auth.post(f"/attempts/{mai_attempt}/submit", {**right_answers(attempt(mai_attempt)), "seq": "1"})
    auth.logout()
    auth.login("hv.nam")
    nam_attempt = start(auth, quiz_world)
    auth.post(f"/attempts/{nam_attempt}/submit", {**right_answers(attempt(nam_attempt)), "seq": "1"})
    auth.logout()
    auth.login("gv.an")
    assert "Tình huống" not in question_rows(client, quiz_world)  # both essays wait: not counted yet

    essay = shown_questions(attempt(mai_attempt))["Tình huống"]
    auth.post(f"/marking/{mai_attempt}/{essay}", {"points": "1"})  # full marks
    assert question_rows(client, quiz_world)["Tình huống"] == "1/1"
    essay = shown_questions(attempt(nam_attempt))["Tình huống"]
    auth.post(f"/marking/{nam_attempt}/{essay}", {"points": "0,5"})  # half marks: not right
    assert question_rows(client, quiz_world)["Tình huống"] == "1/2"


def test_an_empty_essay_says_it_scored_zero_not_that_it_waits(quiz_world, auth, client):
    auth.login("hv.mai")
    attempt_id = start(auth, quiz_world)
    form = right_answers(attempt(attempt_id), essay="")
    auth.post(f"/attempts/{attempt_id}/submit", {**form, "seq": "1"})
    assert attempt(attempt_id).state == AttemptState.GRADED
    page = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert "Không trả lời: 0 trên 1 điểm." in page
    assert "Đang chờ giảng viên chấm." not in page


def test_an_empty_essay_beside_a_written_one_never_enters_the_marking_queue(app, auth, client, tmp_path):
    ward = factories.make_unit("phuong-1")
    factories.make_user("gv.an", Role.INSTRUCTOR, ward)
    learner = factories.make_user("hv.mai", Role.LEARNER, ward)
    course = factories.make_course(
        tmp_path, quizzes={"kiem-tra.gift": TWO_ESSAYS}, modules={"01-a.md": factories.module_file("A", "Nội dung")}
    )
    teacher = db.session.scalar(select(User).where(User.username == "gv.an"))
    course_class = factories.make_class(course, "LOP-1", instructors=[teacher], learners=[learner])
    auth.login("hv.mai")
    response = auth.post(f"/classes/{course_class.id}/quizzes/kiem-tra/start")
    attempt_id = int(response.headers["Location"].rsplit("/", 1)[1])
    n = shown_questions(attempt(attempt_id))
    auth.post(f"/attempts/{attempt_id}/submit", {f"q{n['Tình huống A']}": "Hướng dẫn bổ sung một lần.", "seq": "1"})
    assert attempt(attempt_id).state == AttemptState.PENDING
    page = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert page.count("Đang chờ giảng viên chấm.") == 1 and page.count("Không trả lời: 0 trên 1 điểm.") == 1
    auth.logout()
    auth.login("gv.an")
    queue = client.get("/marking").get_data(as_text=True)
    assert queue.count('data-test="marking-item"') == 1
    assert "<p>Tình huống A</p>" in queue and "Tình huống B" not in queue


@pytest.mark.parametrize("character", ["\x00", "\x07", "\u202e"])
def test_a_marking_comment_with_a_control_character_is_refused_on_both_databases(quiz_world, auth, client, character):
    """PostgreSQL cannot store NUL in text (a 500 there, stored on SQLite): both refuse it, and BEL and
    U+202E, with the rule's message, and write no mark."""
    auth.login("hv.mai")
    attempt_id = start(auth, quiz_world)
    auth.post(f"/attempts/{attempt_id}/submit", {**right_answers(attempt(attempt_id)), "seq": "1"})
    auth.logout()
    auth.login("gv.an")
    essay = shown_questions(attempt(attempt_id))["Tình huống"]
    page = auth.post(f"/marking/{attempt_id}/{essay}", {"points": "1", "comment": f"Tốt{character} lắm"})
    assert page.status_code == 400
    assert (
        f"Văn bản chứa ký tự điều khiển hoặc ký tự đổi hướng văn bản (U+{ord(character):04X}); hãy xóa ký tự này."
        in page.get_data(as_text=True)
    )
    assert attempt(attempt_id).essay_marks == []


@pytest.mark.parametrize("points", ["٣", "1e0", "-0", "½"])
def test_a_mark_not_written_in_ascii_digits_is_refused(quiz_world, auth, client, points):
    auth.login("hv.mai")
    attempt_id = start(auth, quiz_world)
    auth.post(f"/attempts/{attempt_id}/submit", {**right_answers(attempt(attempt_id)), "seq": "1"})
    auth.logout()
    auth.login("gv.an")
    essay = shown_questions(attempt(attempt_id))["Tình huống"]
    page = auth.post(f"/marking/{attempt_id}/{essay}", {"points": points, "comment": "Tốt"})
    assert page.status_code == 400
    assert "Điểm chấm phải nằm trong khoảng từ 0 đến số điểm của câu hỏi." in page.get_data(as_text=True)
    assert attempt(attempt_id).essay_marks == []
