"""The instructors' view of a quiz in one class: who tried, best scores, question difficulty."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms.courses.models import CourseClass, Enrolment, EnrolmentStatus
from lms.csvfiles import csv_for_excel
from lms.extensions import db
from lms.quizzes.grading import MarkState, marked_state
from lms.quizzes.models import AttemptState, Quiz, QuizAttempt
from lms.quizzes.questions import Question


@dataclass
class LearnerResult:
    """One learner's standing on the quiz."""

    enrolment: Enrolment
    attempts: int = 0
    best_percent: float | None = None
    passed: bool = False
    pending: bool = False


@dataclass
class QuestionStat:
    """How many learners got a question right, of those who were given it."""

    key: str
    title: str
    seen: int = 0
    right: int = 0
    idnumber: str = ""  # the bank's id (GIFT `[id:...]`), so a question can be found in its source
    tags: list[str] = field(default_factory=list)

    @property
    def share_right(self) -> float | None:
        return self.right / self.seen if self.seen else None


@dataclass
class QuizReport:
    """The whole view, in display order."""

    quiz: Quiz
    learners: list[LearnerResult] = field(default_factory=list)
    questions: list[QuestionStat] = field(default_factory=list)


def quiz_results(course_class: CourseClass, quiz: Quiz) -> QuizReport:
    """Compute the results of every active learner of the class on the quiz."""
    enrolments = db.session.scalars(
        select(Enrolment).where(Enrolment.class_id == course_class.id, Enrolment.status == EnrolmentStatus.ACTIVE)
    ).all()
    by_enrolment = {e.id: LearnerResult(e) for e in enrolments}
    attempts = db.session.scalars(
        select(QuizAttempt)
        .options(selectinload(QuizAttempt.essay_marks))
        .where(QuizAttempt.quiz_id == quiz.id, QuizAttempt.enrolment_id.in_(list(by_enrolment)))
    ).all()
    bank = {q.get("key"): Question.from_data(q) for q in quiz.questions}
    # Difficulty: per learner, a question counts as right if any closed attempt got it right.
    seen: dict[str, set[int]] = defaultdict(set)
    right: dict[str, set[int]] = defaultdict(set)
    for attempt in attempts:
        result = by_enrolment[attempt.enrolment_id]
        result.attempts += 1
        if attempt.state == AttemptState.OPEN:
            continue
        if attempt.state == AttemptState.PENDING:
            result.pending = True
        if attempt.percent is not None and (result.best_percent is None or attempt.percent > result.best_percent):
            result.best_percent = attempt.percent
        result.passed = result.passed or bool(attempt.passed)
        essay_fractions = {m.question_index: m.fraction for m in attempt.essay_marks}
        for index, (entry, mark) in enumerate(zip(attempt.drawn, attempt.marks, strict=False)):
            state = marked_state(mark["state"], essay_fractions.get(index))
            if state == MarkState.PENDING:
                continue  # an essay still waiting for its mark is neither right nor wrong yet
            seen[entry["key"]].add(attempt.enrolment_id)
            if state == MarkState.RIGHT:
                right[entry["key"]].add(attempt.enrolment_id)
            bank.setdefault(entry["key"], Question.from_data(entry["question"]))
    report = QuizReport(quiz=quiz)
    report.learners = sorted(by_enrolment.values(), key=lambda r: r.enrolment.user.full_name)
    report.questions = sorted(
        (_question_stat(key, bank.get(key), len(seen[key]), len(right[key])) for key in seen),
        key=lambda s: (s.share_right if s.share_right is not None else 1, s.title),
    )
    return report


def _question_stat(key: str, question: Question | None, seen: int, right: int) -> QuestionStat:
    if question is None:
        return QuestionStat(key, key, seen, right)
    return QuestionStat(key, question.title, seen, right, question.idnumber, list(question.tags))


def results_csv(report: QuizReport, delimiter: str = ",") -> bytes:
    """The learners' results as CSV for Excel, formula cells escaped."""
    return csv_for_excel(
        ["username", "full_name", "unit", "attempts", "best_percent", "passed", "waiting_for_marking"],
        (
            [
                r.enrolment.user.username,
                r.enrolment.user.full_name,
                r.enrolment.user.unit.name if r.enrolment.user.unit else "",
                r.attempts,
                "" if r.best_percent is None else f"{r.best_percent:g}",
                "yes" if r.passed else "no",
                "yes" if r.pending else "no",
            ]
            for r in report.learners
        ),
        delimiter,
    )
