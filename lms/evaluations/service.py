"""Evaluations against the database: a learner's window and answer, class settings, results by group.

The answer is written in one transaction: the submission row (its primary key refuses a second
answer, even from two tabs at once) and the class's aggregated results, rewritten whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from lms.audit.models import record_audit
from lms.auth.models import User
from lms.courses.models import Course, CourseClass, Enrolment, EnrolmentStatus, class_instructors
from lms.evaluations.models import ClassEvaluation, EvaluationForm, EvaluationResults, EvaluationSubmission
from lms.evaluations.rules import (
    AskedQuestion,
    Tallies,
    WindowState,
    add_answers,
    asked_questions,
    evaluation_window,
    read_answers,
)
from lms.extensions import db
from lms.live.models import LiveSession, SessionState
from lms.localtime import VIETNAM
from lms.progress.service import completion_for, refresh_completion
from lms.refusals import N_, Problem, Refused

ANSWERED_ALREADY = N_("You have already answered this evaluation. Each learner answers once.")
NOT_OPEN = {
    WindowState.NOT_YET: N_(
        "The evaluation opens when the class's last session is over or when you complete the course."
    ),
    WindowState.CLOSED: N_("The evaluation closed on %(day)s. Answers are no longer accepted."),
}


def form_of(course_id: int) -> dict | None:
    """The course's evaluation form, or None when its content has none."""
    row = db.session.get(EvaluationForm, course_id)
    return row.form if row is not None else None


def settings_of(class_id: int) -> ClassEvaluation:
    """The class's evaluation settings (defaults when never set: not required, no closing day)."""
    return db.session.get(ClassEvaluation, class_id) or ClassEvaluation(class_id=class_id, required=False)


def instructors_of(course_class: CourseClass) -> list[tuple[int, str]]:
    """The class's instructors as (id, name), in name order: the instructors' section asks about each."""
    return sorted(((u.id, u.full_name) for u in course_class.instructors), key=lambda pair: (pair[1], pair[0]))


def class_questions(course_class: CourseClass, form: dict) -> list[AskedQuestion]:
    """The questions this class asks."""
    return asked_questions(form, instructors_of(course_class))


def last_session_over(course_class: CourseClass, now: datetime) -> bool:
    """Whether the class's last live session has ended (with none, whether its last day has passed)."""
    sessions = db.session.scalars(
        select(LiveSession).where(LiveSession.class_id == course_class.id, LiveSession.state != SessionState.CANCELLED)
    ).all()
    if sessions:
        return max(s.ends_at for s in sessions) <= now
    return course_class.ends_on is not None and local_day(now) > course_class.ends_on


def local_day(now: datetime) -> date:
    return now.astimezone(VIETNAM).date()


def has_answered(class_id: int, user_id: int) -> bool:
    return db.session.get(EvaluationSubmission, (class_id, user_id)) is not None


def _ready(enrolment: Enrolment) -> bool:
    """Done with the course: completed or certified, or nothing but the evaluation left to do."""
    if enrolment.completed_at is not None or enrolment.certified_at is not None:
        return True
    return all(r.key == "evaluation" for r in completion_for(enrolment).unmet)


@dataclass(frozen=True)
class LearnerEvaluation:
    """What a learner sees of a class's evaluation."""

    form: dict
    state: WindowState
    answered: bool
    settings: ClassEvaluation


def learner_evaluation(enrolment: Enrolment, now: datetime) -> LearnerEvaluation | None:
    """The learner's evaluation of their class, or None when the course has no form."""
    course_class = enrolment.course_class
    form = form_of(course_class.course_id)
    if form is None:
        return None
    settings = settings_of(course_class.id)
    answered = has_answered(course_class.id, enrolment.user_id)
    over = last_session_over(course_class, now)
    # The completion check costs a few queries: only when the last session does not open the form.
    ready = not over and not answered and _ready(enrolment)
    state = evaluation_window(local_day(now), settings.closes_on, over, ready)
    return LearnerEvaluation(form, state, answered, settings)


def evaluations_to_answer(enrolments: list[Enrolment], now: datetime) -> set[int]:
    """The classes (ids) among these enrolments whose evaluation is open and not yet answered."""
    waiting = set()
    for enrolment in enrolments:
        view = learner_evaluation(enrolment, now)
        if view is not None and not view.answered and view.state == WindowState.OPEN:
            waiting.add(enrolment.class_id)
    return waiting


def submit_answers(enrolment: Enrolment, submitted: dict[str, str], now: datetime) -> None:
    """Record one learner's answers: the fact that they answered apart from the answers themselves.

    Refused (nothing written) when the form is not open, the learner answered already, or an
    answer is out of range, unknown or too long.
    """
    course_class = enrolment.course_class
    view = learner_evaluation(enrolment, now)
    if view is None:
        raise Refused(Problem(N_("This course has no evaluation.")), status=404)
    if view.answered:
        raise Refused(Problem(ANSWERED_ALREADY), code="answered", status=409)
    if view.state != WindowState.OPEN:
        day = view.settings.closes_on.strftime("%d/%m/%Y") if view.settings.closes_on else ""
        raise Refused(Problem(NOT_OPEN[view.state], day=day), code=view.state.value, status=409)
    asked = class_questions(course_class, view.form)
    answers = read_answers(asked, submitted)
    try:
        with db.session.begin_nested():
            db.session.add(EvaluationSubmission(class_id=course_class.id, user_id=enrolment.user_id))
    except IntegrityError:  # the same learner's other tab got there first
        raise Refused(Problem(ANSWERED_ALREADY), code="answered", status=409) from None
    results = _locked_results(course_class.id)
    results.tallies, results.comments = add_answers(results.tallies or {}, results.comments or {}, asked, answers)
    results.respondents += 1
    db.session.flush()
    refresh_completion(enrolment, now)


def _locked_results(class_id: int) -> EvaluationResults:
    """The class's results row, locked for this transaction (created on the first answer)."""
    query = select(EvaluationResults).where(EvaluationResults.class_id == class_id).with_for_update()
    row = db.session.scalar(query)
    if row is not None:
        return row
    try:
        with db.session.begin_nested():
            row = EvaluationResults(class_id=class_id, respondents=0, tallies={}, comments={})
            db.session.add(row)
        return row
    except IntegrityError:  # another learner's first answer created it meanwhile
        return db.session.scalar(query)


def save_settings(
    course_class: CourseClass, required: bool, closes_on: date | None, actor_id: int, now: datetime
) -> bool:
    """Set whether the evaluation is required and its closing day; audited. Return False if unchanged."""
    row = db.session.get(ClassEvaluation, course_class.id)
    if row is None:
        row = ClassEvaluation(class_id=course_class.id, required=False, closes_on=None)
        db.session.add(row)
    if row.required == required and row.closes_on == closes_on:
        return False
    row.required, row.closes_on = required, closes_on
    record_audit(
        actor_id,
        "evaluation.settings",
        f"class:{course_class.id}",
        required=required,
        closes_on=closes_on.isoformat() if closes_on else None,
    )
    db.session.flush()
    if required:
        return True
    for enrolment in course_class.enrolments:  # no longer required: someone may be complete now
        if enrolment.status == EnrolmentStatus.ACTIVE:
            refresh_completion(enrolment, now)
    return True


def tallies_of(classes: list[CourseClass]) -> dict[int, Tallies]:
    """Each class's answers and how many learners could answer (its active enrolments)."""
    ids = [c.id for c in classes]
    if not ids:
        return {}
    invited = dict(
        db.session.execute(
            select(Enrolment.class_id, func.count())
            .where(Enrolment.class_id.in_(ids), Enrolment.status == EnrolmentStatus.ACTIVE)
            .group_by(Enrolment.class_id)
        ).all()
    )
    rows = {
        r.class_id: r for r in db.session.scalars(select(EvaluationResults).where(EvaluationResults.class_id.in_(ids)))
    }
    return {
        class_id: Tallies(
            rows[class_id].respondents if class_id in rows else 0,
            invited.get(class_id, 0),
            dict(rows[class_id].tallies or {}) if class_id in rows else {},
            dict(rows[class_id].comments or {}) if class_id in rows else {},
        )
        for class_id in ids
    }


def classes_of_course(course: Course) -> list[CourseClass]:
    return list(
        db.session.scalars(select(CourseClass).where(CourseClass.course_id == course.id).order_by(CourseClass.code))
    )


def classes_taught_by(instructor: User) -> list[CourseClass]:
    """The classes an instructor is listed for, whatever their course."""
    return list(
        db.session.scalars(
            select(CourseClass)
            .join(class_instructors, class_instructors.c.class_id == CourseClass.id)
            .where(class_instructors.c.user_id == instructor.id)
            .order_by(CourseClass.code)
        )
    )


def evaluated_courses() -> list[Course]:
    """Courses with an evaluation form, by title."""
    return list(
        db.session.scalars(
            select(Course).join(EvaluationForm, EvaluationForm.course_id == Course.id).order_by(Course.title)
        )
    )
