"""The dashboard points a learner whose modules are done at the quiz left (essays: mark awaited)."""

from tests.progress.test_next_step import next_step_link
from tests.quizzes.conftest import right_answers, start
from tests.quizzes.test_essay_outcomes import attempt


def test_the_dashboard_links_to_the_quiz_left_once_the_modules_are_done(quiz_world, auth, client):
    auth.login("hv.mai")
    auth.post(f"/classes/{quiz_world.course_class.id}/modules/a/done")
    link = next_step_link(client)
    assert f'href="/classes/{quiz_world.course_class.id}/quizzes/kiem-tra"' in link
    assert "Làm bài kiểm tra: Kiểm tra" in link

    attempt_id = start(auth, quiz_world)
    auth.post(f"/attempts/{attempt_id}/submit", {**right_answers(attempt(attempt_id)), "seq": "1"})
    assert "Đang chờ giảng viên chấm: Kiểm tra" in next_step_link(client)
