"""The course's quiz rule (docs/content-format.md): "required", "all" or "none".

With one required quiz passed and one optional quiz never passed: "required" is met (the optional
quiz does not block), "all" is not (the optional quiz is named as missing), "none" adds no quiz
rule at all. Checked on `completion_status` and on the learner's class page, whose requirement
lines, completion badge and recorded completion must agree.
"""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest

from lms.auth.models import Role
from lms.courses.models import Enrolment
from lms.extensions import db
from lms.progress.completion import EnrolmentFacts, ModuleFact, QuizFact, completion_status
from tests import factories


def facts(*quizzes: tuple[str, bool, bool]) -> EnrolmentFacts:
    """One done required module and quizzes given as (title, required, passed)."""
    return EnrolmentFacts(
        modules=(ModuleFact(1, "Bài 1", True, True),),
        quizzes=tuple(QuizFact(i, title, required, passed) for i, (title, required, passed) in enumerate(quizzes, 1)),
    )


REQUIRED_PASSED_OPTIONAL_NOT = facts(("Bắt buộc", True, True), ("Tự chọn", False, False))


def quiz_rule(mode: str, facts: EnrolmentFacts):
    status = completion_status({"quizzes": mode}, facts)
    rules = [r for r in status.requirements if r.key == "quizzes"]
    assert len(rules) <= 1
    rule = rules[0] if rules else None
    return status.complete, None if rule is None else (rule.met, rule.done, rule.total, rule.missing)


def test_required_ignores_an_optional_quiz_not_passed():
    assert quiz_rule("required", REQUIRED_PASSED_OPTIONAL_NOT) == (True, (True, 1, 1, ()))


def test_default_rule_is_required():
    status = completion_status({}, REQUIRED_PASSED_OPTIONAL_NOT)
    assert status.complete and [r.key for r in status.requirements] == ["modules", "quizzes"]


def test_all_counts_an_optional_quiz_not_passed():
    assert quiz_rule("all", REQUIRED_PASSED_OPTIONAL_NOT) == (False, (False, 1, 2, ("Tự chọn",)))


def test_all_is_met_once_the_optional_quiz_is_passed_too():
    both = facts(("Bắt buộc", True, True), ("Tự chọn", False, True))
    assert quiz_rule("all", both) == (True, (True, 2, 2, ()))


def test_none_ignores_every_quiz():
    nothing_passed = facts(("Bắt buộc", True, False), ("Tự chọn", False, False))
    assert quiz_rule("none", nothing_passed) == (True, None)


def test_required_still_blocks_on_a_required_quiz():
    optional_only = facts(("Bắt buộc", True, False), ("Tự chọn", False, True))
    assert quiz_rule("required", optional_only) == (False, (False, 0, 1, ("Bắt buộc",)))


def test_with_only_optional_quizzes_required_has_no_quiz_rule_but_all_has():
    optional = facts(("Tự chọn", False, False))
    assert quiz_rule("required", optional) == (True, None)
    assert quiz_rule("all", optional) == (False, (False, 0, 1, ("Tự chọn",)))


# -- through the learner's class page ----------------------------------------------------------

QUIZ = """title: "{title}"
pass_mark: 50
required: {required}
shuffle: false
questions:
  - type: single
    text: "Câu hỏi"
    choices:
      - {{text: "Đúng", correct: true}}
      - {{text: "Sai"}}
"""


@pytest.fixture
def make_class(app, tmp_path, auth):
    """A course with one module and two quizzes (required, optional) under a quiz rule; the learner
    has done the module and passed the required quiz only, through the real forms (English pages)."""

    def make(mode: str) -> SimpleNamespace:
        ward = factories.make_unit("phuong-1")
        learner = factories.make_user("hv.mai", Role.LEARNER, ward, "Nguyễn Thị Mai")
        course = factories.make_course(
            tmp_path,
            course_yml=f'title: "Khóa học"\nrequirements:\n  quizzes: {mode}\n  attendance: none\n',
            modules={"01-a.md": factories.module_file("Bài A", "Nội dung")},
            quizzes={
                "bat-buoc.yml": QUIZ.format(title="Kiểm tra bắt buộc", required="true"),
                "tu-chon.yml": QUIZ.format(title="Kiểm tra tự chọn", required="false"),
            },
        )
        course_class = factories.make_class(course, "LOP-1", learners=[learner])
        auth.login("hv.mai")
        auth.post("/language", {"locale": "en"})
        assert auth.post(f"/classes/{course_class.id}/modules/a/done").status_code == 303
        started = auth.post(f"/classes/{course_class.id}/quizzes/bat-buoc/start")
        attempt_id = int(started.headers["Location"].rsplit("/", 1)[1])
        assert auth.post(f"/attempts/{attempt_id}/submit", {"q0": "0", "seq": "1"}).status_code == 303
        return SimpleNamespace(course_class=course_class, learner=learner)

    return make


def requirement_lines(html: str) -> list[str]:
    items = re.findall(r'<li class="(?:ok|todo)" data-test="requirement">(.*?)</li>', html, re.DOTALL)
    return [" ".join(re.sub(r"<[^>]+>", " ", item).split()) for item in items]


def completed_at(world):
    db.session.expire_all()
    return db.session.scalar(db.select(Enrolment.completed_at).where(Enrolment.user_id == world.learner.id))


@pytest.mark.parametrize(
    ("mode", "lines", "complete"),
    [
        (
            "required",
            ["Modules — met: All 1 required modules done.", "Quizzes — met: All 1 required quizzes passed."],
            True,
        ),
        (
            "all",
            ["Modules — met: All 1 required modules done.", "Quizzes — not yet met: 1 of 2 required quizzes passed."],
            False,
        ),
        ("none", ["Modules — met: All 1 required modules done."], True),
    ],
)
def test_class_page_applies_the_quiz_rule(make_class, client, mode, lines, complete):
    world = make_class(mode)
    page = client.get(f"/classes/{world.course_class.id}").get_data(as_text=True)
    assert requirement_lines(page) == lines
    assert ("You have completed this course." in page) is complete
    assert (completed_at(world) is not None) is complete
