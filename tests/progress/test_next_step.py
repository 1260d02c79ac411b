"""The next requirement a learner has to meet, whatever its rule, and the dashboard's link to it."""

from datetime import UTC, datetime, timedelta

from lms.extensions import db
from lms.live.models import LiveSession
from lms.progress.completion import (
    EnrolmentFacts,
    ModuleFact,
    NextStep,
    QuizFact,
    SessionFact,
    completion_status,
    next_step,
)


def step(requirements, facts):
    return next_step(completion_status(requirements, facts), facts)


def test_the_next_step_follows_the_rules_in_order():
    modules = (
        ModuleFact(1, "Bài 1", True, True),
        ModuleFact(2, "Bài 2", True, False),
        ModuleFact(3, "Thêm", False, False),
    )
    quizzes = (QuizFact(7, "Kiểm tra A", True, False, pending=True), QuizFact(8, "Kiểm tra B", True, False))
    sessions = (SessionFact(5, "Buổi 1", 0.2, 0.8),)
    facts = EnrolmentFacts(modules, quizzes, sessions)
    assert step({}, facts) == NextStep("modules", 2, "Bài 2")
    # Modules done: the quiz the learner can take comes before the one waiting for a mark.
    done = (ModuleFact(1, "Bài 1", True, True), ModuleFact(2, "Bài 2", True, True))
    assert step({}, EnrolmentFacts(done, quizzes, sessions)) == NextStep("quizzes", 8, "Kiểm tra B")
    waiting = (QuizFact(7, "Kiểm tra A", True, False, pending=True),)
    assert step({}, EnrolmentFacts(done, waiting, sessions)) == NextStep("quizzes", 7, "Kiểm tra A", waiting=True)
    passed = (QuizFact(7, "Kiểm tra A", True, True),)
    assert step({}, EnrolmentFacts(done, passed, sessions)) == NextStep("attendance", 5, "Buổi 1")
    attended = (SessionFact(5, "Buổi 1", 0.9, 0.8),)
    assert step({}, EnrolmentFacts(done, passed, attended)) is None
    # An optional module counts only when the course requires all of them.
    assert step({"modules": "all"}, EnrolmentFacts(modules[:1] + done[1:] + modules[2:])) == NextStep(
        "modules", 3, "Thêm"
    )


def next_step_link(client) -> str:
    page = client.get("/").get_data(as_text=True)
    link = page.split('data-test="next-step"', 1)[1]
    return link.split("</a>", 1)[0]


def test_the_dashboard_links_to_a_required_live_session_left(world, auth, client):
    session = LiveSession(
        class_id=world.course_class.id,
        title="Buổi trao đổi tình huống",
        starts_at=datetime.now(UTC) + timedelta(days=1),
        duration_minutes=60,
    )
    db.session.add(session)
    db.session.commit()
    auth.login("hv.mai")
    for slug in ("mo-dau", "thu-tuc"):
        auth.post(f"/classes/{world.course_class.id}/modules/{slug}/done")
    link = next_step_link(client)
    assert f'href="/sessions/{session.id}"' in link
    assert "Buổi học trực tuyến bắt buộc: Buổi trao đổi tình huống" in link
