"""When the result page shows right answers and feedback, for each review policy of docs/quiz-format.md.

One single-choice question (right option first, no shuffle), answered right or wrong through the
real forms; the learner reads the attempt page. "Shown" means every review mark is on the page at
once: the right option marked, the chosen option's feedback, Right/Wrong and the general feedback,
with no "not shown" note; "hidden" means none of them is there and the note is.

- after_each_attempt (also the default): shown after every submitted attempt;
- after_passing: hidden until an attempt passes, then shown on every attempt, earlier ones too;
- after_last_attempt: hidden until no attempt is left (or one passed), then shown on all;
  with unlimited attempts, only once passed;
- never: hidden even after passing on the last attempt.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import select

from lms.auth.models import Role
from lms.extensions import db
from lms.quizzes.models import Quiz
from tests import factories

NOT_SHOWN = "The right answers are not shown for this attempt, as the quiz's rules say."
REVIEW_MARKS = (
    '<label class="option right">',
    "FEEDBACK-OPTION",
    "GENERAL-FEEDBACK",
    'data-number="0" data-state="',
)


def quiz_file(review: str | None, attempts: int) -> str:
    header = f'title: "Ôn tập"\npass_mark: 50\nattempts: {attempts}\nshuffle: false\n'
    if review is not None:
        header += f"review: {review}\n"
    return (
        header
        + """questions:
  - type: single
    text: "Bộ phận một cửa tiếp nhận hồ sơ ở đâu?"
    feedback: "GENERAL-FEEDBACK"
    choices:
      - {text: "Tại một đầu mối", correct: true, feedback: "FEEDBACK-OPTION right"}
      - {text: "Tại nhiều nơi", feedback: "FEEDBACK-OPTION wrong"}
"""
    )


@pytest.fixture
def make_quiz(app, tmp_path, auth):
    """Build a course with one quiz of the given policy and log the learner in (English pages)."""

    def make(review: str | None, attempts: int) -> SimpleNamespace:
        ward = factories.make_unit("phuong-1")
        learner = factories.make_user("hv.mai", Role.LEARNER, ward, "Nguyễn Thị Mai")
        course = factories.make_course(
            tmp_path,
            quizzes={"on-tap.yml": quiz_file(review, attempts)},
            modules={"01-a.md": factories.module_file("A", "Nội dung")},
        )
        course_class = factories.make_class(course, "LOP-1", learners=[learner])
        assert db.session.scalar(select(Quiz)).settings["review"] == (review or "after_each_attempt")
        auth.login("hv.mai")
        auth.post("/language", {"locale": "en"})
        return SimpleNamespace(course_class=course_class)

    return make


def take(world, auth, right: bool) -> int:
    """Start an attempt, answer right (option 0) or wrong (option 1), submit; return its id."""
    started = auth.post(f"/classes/{world.course_class.id}/quizzes/on-tap/start")
    assert started.status_code == 303, started.get_data(as_text=True)[:300]
    attempt_id = int(started.headers["Location"].rsplit("/", 1)[1])
    submitted = auth.post(f"/attempts/{attempt_id}/submit", {"q0": "0" if right else "1", "seq": "1"})
    assert submitted.status_code == 303
    return attempt_id


def shown(client, attempt_id: int) -> bool:
    """Whether the attempt page shows the answers; it must show all review marks or none."""
    page = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    marks = {mark: mark in page for mark in REVIEW_MARKS}
    if all(marks.values()) and NOT_SHOWN not in page:
        return True
    assert not any(marks.values()) and NOT_SHOWN in page, marks
    assert '<p class="mark mark-' in page  # the mark line is there, empty
    return False


def test_after_each_attempt_shows_answers_after_a_failed_first_attempt(make_quiz, auth, client):
    world = make_quiz("after_each_attempt", 3)
    first = take(world, auth, right=False)
    assert shown(client, first) is True
    page = client.get(f"/attempts/{first}").get_data(as_text=True)
    assert "FEEDBACK-OPTION wrong" in page and "FEEDBACK-OPTION right" not in page  # the chosen option's only
    assert '<p class="mark mark-wrong">Wrong</p>' in page


def test_default_policy_is_after_each_attempt(make_quiz, auth, client):
    world = make_quiz(None, 3)
    assert shown(client, take(world, auth, right=False)) is True


def test_after_passing_hides_answers_until_an_attempt_passes(make_quiz, auth, client):
    world = make_quiz("after_passing", 3)
    first = take(world, auth, right=False)
    assert shown(client, first) is False
    second = take(world, auth, right=True)
    assert shown(client, second) is True
    assert shown(client, first) is True  # once passed, earlier attempts may be reviewed too


def test_after_passing_stays_hidden_when_every_attempt_failed(make_quiz, auth, client):
    world = make_quiz("after_passing", 2)
    first, second = take(world, auth, right=False), take(world, auth, right=False)
    assert (shown(client, first), shown(client, second)) == (False, False)


def test_after_last_attempt_hides_answers_until_no_attempt_is_left(make_quiz, auth, client):
    world = make_quiz("after_last_attempt", 3)
    first = take(world, auth, right=False)
    assert shown(client, first) is False  # two attempts left
    second = take(world, auth, right=False)
    assert (shown(client, first), shown(client, second)) == (False, False)  # one attempt left
    third = take(world, auth, right=False)
    assert (shown(client, first), shown(client, second), shown(client, third)) == (True, True, True)


def test_after_last_attempt_shows_answers_once_passed_with_attempts_left(make_quiz, auth, client):
    world = make_quiz("after_last_attempt", 3)
    first = take(world, auth, right=True)
    assert shown(client, first) is True


def test_after_last_attempt_with_unlimited_attempts_waits_for_a_pass(make_quiz, auth, client):
    world = make_quiz("after_last_attempt", 0)
    failed = [take(world, auth, right=False) for _ in range(3)]
    assert [shown(client, a) for a in failed] == [False, False, False]
    passed = take(world, auth, right=True)
    assert [shown(client, a) for a in [*failed, passed]] == [True, True, True, True]


def test_never_hides_answers_even_after_passing_on_the_last_attempt(make_quiz, auth, client):
    world = make_quiz("never", 2)
    first, last = take(world, auth, right=False), take(world, auth, right=True)
    assert (shown(client, first), shown(client, last)) == (False, False)
