"""The transcript's quiz and live-session lines, from records made directly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from lms.courses.service import active_enrolment
from lms.extensions import db
from lms.live.models import AttendanceInterval, AttendanceOverride, LiveSession, PresenceSource, SessionState
from lms.quizzes.models import AttemptState, Quiz, QuizAttempt
from lms.reports import queries


def _quiz(world) -> Quiz:
    quiz = Quiz(
        course_id=world.course.id,
        slug="kiem-tra",
        title="Kiểm tra cuối khóa",
        position=1,
        settings={"pass_mark": 70},
        questions=[],
        required=True,
        source_path="quizzes/kiem-tra.yml",
        source_hash="x",
    )
    db.session.add(quiz)
    db.session.flush()
    return quiz


def _attempt(enrolment, quiz, number, percent, passed, state=AttemptState.GRADED):
    db.session.add(
        QuizAttempt(
            enrolment_id=enrolment.id,
            quiz_id=quiz.id,
            number=number,
            drawn=[],
            answers={},
            state=state,
            percent=percent,
            passed=passed,
            submitted_at=datetime.now(UTC),
        )
    )


def test_quiz_lines_show_attempts_best_score_and_pass(world):
    quiz = _quiz(world)
    enrolment = active_enrolment(world.learner, world.course_class)
    _attempt(enrolment, quiz, 1, 40.0, False)
    _attempt(enrolment, quiz, 2, 85.0, True)
    _attempt(enrolment, quiz, 3, None, None, state=AttemptState.OPEN)
    db.session.commit()
    (entry,) = queries.transcript(world.learner, None)
    (line,) = entry.quizzes
    assert (line.title, line.attempts, line.best_percent, line.passed, line.pending) == (
        "Kiểm tra cuối khóa",
        3,
        85.0,
        True,
        False,
    )
    assert not entry.status.complete  # modules are still to do


def test_session_lines_show_share_sources_and_rulings(world):
    start = datetime(2025, 3, 3, 1, 0, tzinfo=UTC)
    first = LiveSession(
        class_id=world.course_class.id, title="Buổi 1", starts_at=start, duration_minutes=60, state=SessionState.ENDED
    )
    second = LiveSession(
        class_id=world.course_class.id,
        title="Buổi 2",
        starts_at=start + timedelta(days=7),
        duration_minutes=60,
        state=SessionState.ENDED,
    )
    cancelled = LiveSession(
        class_id=world.course_class.id,
        title="Buổi hủy",
        starts_at=start + timedelta(days=1),
        duration_minutes=60,
        state=SessionState.CANCELLED,
    )
    db.session.add_all([first, second, cancelled])
    db.session.flush()
    db.session.add(
        AttendanceInterval(
            session_id=first.id,
            user_id=world.learner.id,
            source=PresenceSource.ONLINE,
            joined_at=start,
            left_at=start + timedelta(minutes=30),
        )
    )
    db.session.add(
        AttendanceInterval(
            session_id=first.id,
            user_id=world.learner.id,
            source=PresenceSource.IN_PERSON,
            joined_at=start + timedelta(minutes=30),
            left_at=start + timedelta(minutes=45),
        )
    )
    db.session.add(
        AttendanceOverride(
            session_id=second.id,
            user_id=world.learner.id,
            present=True,
            reason="Có mặt, mất mạng",
            marked_by_id=world.teacher.id,
        )
    )
    db.session.commit()
    (entry,) = queries.transcript(world.learner, None)
    lines = {line.title: line for line in entry.sessions}
    assert set(lines) == {"Buổi 1", "Buổi 2"}
    assert lines["Buổi 1"].share == 0.75 and lines["Buổi 1"].sources == ("online", "in_person")
    assert not lines["Buổi 1"].attended  # below the 80 % threshold
    assert lines["Buổi 2"].share == 1.0 and lines["Buổi 2"].sources == ("marked",) and lines["Buổi 2"].attended


def test_transcript_page_shows_quizzes_and_sessions(world, client, auth):
    quiz = _quiz(world)
    enrolment = active_enrolment(world.learner, world.course_class)
    _attempt(enrolment, quiz, 1, 72.4, True)
    db.session.add(
        LiveSession(
            class_id=world.course_class.id,
            title="Buổi <b>1</b>",
            starts_at=datetime(2025, 3, 3, 1, 0, tzinfo=UTC),
            duration_minutes=60,
        )
    )
    db.session.commit()
    auth.login("hv.mai")
    page = client.get("/reports/transcript").get_data(as_text=True)
    assert 'data-test="transcript-quiz"' in page and "72\u00a0%" in page
    assert 'data-test="transcript-session"' in page and "Buổi &lt;b&gt;1&lt;/b&gt;" in page
