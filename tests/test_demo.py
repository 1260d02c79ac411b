"""`flask demo seed`: something on every screen a newcomer opens, all of it made through the rules."""

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lms.auth.models import User
from lms.courses.models import CourseClass, Enrolment
from lms.demo import DEMO_PASSWORD
from lms.extensions import db
from lms.live.models import LiveSession, SessionState
from lms.progress.models import ModuleProgress
from lms.progress.service import completion_for
from lms.quizzes.models import AttemptState, QuizAttempt
from tests.factories import sync_dir

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def demo(runner):
    sync_dir(REPO / "content")
    result = runner.invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    course_class = db.session.scalar(select(CourseClass))
    return {"output": result.output, "class": course_class}


def enrolment_of(username: str) -> Enrolment:
    return db.session.scalar(select(Enrolment).join(User).where(User.username == username))


def test_a_rerun_says_it_seeded_nothing_and_prints_no_logins(demo, runner):
    assert "Demo data created." in demo["output"] and DEMO_PASSWORD in demo["output"]
    again = runner.invoke(args=["demo", "seed"])
    assert again.exit_code == 0
    assert "Nothing seeded: the database already has users" in again.output
    assert DEMO_PASSWORD not in again.output and "Demo data created" not in again.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 23
    assert db.session.scalar(select(func.count()).select_from(LiveSession)) == 2


def test_the_seed_obeys_the_rules_it_would_be_held_to(demo):
    # Every module marked done was read for at least its minimum, as credited by pings.
    done = db.session.scalars(select(ModuleProgress).where(ModuleProgress.completed_at.is_not(None))).all()
    assert done and all(row.seconds_spent >= (row.module.min_minutes or 0) * 60 for row in done)
    hv01 = enrolment_of("hv01")
    assert completion_for(hv01).complete and hv01.completed_at is not None and hv01.certified_at is not None
    assert not completion_for(enrolment_of("hv02")).complete
    waiting = db.session.scalar(select(QuizAttempt).where(QuizAttempt.enrolment_id == enrolment_of("hv02").id))
    # Every question of every type answered right; only the essay (1 point) waits for its mark.
    assert waiting.state == AttemptState.PENDING and waiting.points == waiting.max_points - 1


def test_the_report_shows_a_completion_and_learners_part_way(demo, auth, client):
    auth.login("admin", DEMO_PASSWORD)
    page = client.get("/reports/classes").get_data(as_text=True)
    row = page.split('data-test="report-row"', 1)[1].split("</tr>", 1)[0]
    cells = dict(re.findall(r'data-test="([a-z-]+)">([^<]*)<', row))
    assert (cells["places"], cells["completed"], cells["certified"]) == ("20", "1", "1")
    assert int(cells["in-progress"]) == 8 and cells["rate"] == "5\u00a0%"  # Vietnamese: a no-break space before %


def test_the_marking_queue_lists_the_unmarked_essay(demo, auth, client):
    auth.login("gv.lan", DEMO_PASSWORD)
    queue = client.get("/marking").get_data(as_text=True)
    assert queue.count('data-test="marking-item"') == 1
    assert "Võ Thị Hồng Nhung" in queue  # hv02
    dashboard = client.get("/").get_data(as_text=True)
    assert dashboard.split('data-test="to-mark">')[1].strip().startswith("1 ")


def test_the_certificate_verifies(demo, client):
    code = re.search(r"/verify/([A-Za-z0-9_-]+)", demo["output"]).group(1)
    page = client.get(f"/verify/{code}").get_data(as_text=True)
    assert 'data-status="valid"' in page and "Phạm Văn Đức" in page


def test_a_live_session_starts_soon_and_its_room_is_open_for_the_instructors(demo, auth, client):
    upcoming = db.session.scalar(select(LiveSession).where(LiveSession.state == SessionState.SCHEDULED))
    assert "starts at" in demo["output"]
    for instructor in ("gv.lan", "gv.minh"):
        auth.logout()
        auth.login(instructor, DEMO_PASSWORD)
        dashboard = client.get("/").get_data(as_text=True)
        assert 'data-test="upcoming-session"' in dashboard and upcoming.title in dashboard
        room = client.get(f"/sessions/{upcoming.id}/room")
        assert room.status_code == 200 and upcoming.title in room.get_data(as_text=True)


def test_the_past_session_has_its_attendance(demo, auth, client):
    past = db.session.scalar(select(LiveSession).where(LiveSession.state == SessionState.ENDED))
    auth.login("gv.lan", DEMO_PASSWORD)
    page = client.get(f"/sessions/{past.id}/attendance").get_data(as_text=True)
    cards = {  # each learner's card: name -> (minutes, share, the facts line)
        card.split("<strong>")[1].split("</strong>")[0]: (
            card.split('data-test="minutes">')[1].split("</span>")[0],
            card.split('data-test="share">')[1].split("</span>")[0],
            card.split('class="attendance-facts">')[1].split("</p>")[0],
        )
        for card in page.split('data-test="attendance-row"')[1:]
    }
    assert cards["Phạm Văn Đức"][:2] == ("86", "96\u00a0%")  # hv01, online for 86 of 90 minutes
    assert "Dự tại hội trường, giảng viên điểm danh" in cards["Bùi Thanh Tùng"][2]  # hv05, marked present
    assert cards["Dương Minh Khoa"][:2] == ("0", "0\u00a0%")  # hv07 missed it


def test_learners_see_their_progress_attempts_and_next_step(demo, auth, client):
    quiz_title = "Kiểm tra cuối khóa"
    auth.login("hv01", DEMO_PASSWORD)
    page = client.get("/").get_data(as_text=True)
    assert 'data-test="complete"' in page and "/certificates/" in page
    auth.logout()
    auth.login("hv02", DEMO_PASSWORD)
    assert f"Đang chờ giảng viên chấm: {quiz_title}" in client.get("/").get_data(as_text=True)
    auth.logout()
    auth.login("hv03", DEMO_PASSWORD)
    assert f"Làm bài kiểm tra: {quiz_title}" in client.get("/").get_data(as_text=True)
    failed = db.session.scalar(select(QuizAttempt).where(QuizAttempt.enrolment_id == enrolment_of("hv03").id))
    assert failed.state == AttemptState.GRADED and failed.passed is False and 0 < failed.percent < 70
    auth.logout()
    auth.login("hv04", DEMO_PASSWORD)
    page = client.get("/").get_data(as_text=True)
    assert "Học tiếp: Xử lý tình huống trong thực thi công vụ" in page  # hv04 read five modules, then stopped
    assert "Đã học xong 5/7 bài học bắt buộc; còn 2 bài." in page


def test_the_class_progress_shows_credited_time(demo, auth, client):
    auth.login("gv.lan", DEMO_PASSWORD)
    page = client.get(f"/classes/{demo['class'].id}/progress").get_data(as_text=True)
    row = next(r for r in page.split('data-test="learner-row"')[1:] if "(hv01)" in r)
    assert "89 phút" in row  # 6 modules read 12 minutes, the case study 17
    auth.logout()
    auth.login("hv01", DEMO_PASSWORD)
    transcript = client.get("/reports/transcript").get_data(as_text=True)
    assert "thời gian học: 89 phút" in transcript  # the credited time, not the course's 6 hours
