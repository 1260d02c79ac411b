"""The completion rules' view of the evaluation: required by the class, answered or not (never how)."""

from __future__ import annotations

from sqlalchemy import select, tuple_

from lms.courses.models import Enrolment
from lms.evaluations.models import ClassEvaluation, EvaluationForm, EvaluationSubmission
from lms.extensions import db
from lms.progress.completion import EvaluationFact


def evaluation_facts(enrolments: list[Enrolment]) -> dict[int, EvaluationFact]:
    """Each enrolment's evaluation fact, for the classes that require their evaluation (others: absent)."""
    class_ids = {e.class_id for e in enrolments}
    if not class_ids:
        return {}
    required = set(
        db.session.scalars(
            select(ClassEvaluation.class_id).where(
                ClassEvaluation.class_id.in_(class_ids), ClassEvaluation.required.is_(True)
            )
        )
    )
    chosen = [e for e in enrolments if e.class_id in required]
    if not chosen:
        return {}
    with_form = set(db.session.scalars(select(EvaluationForm.course_id)))
    answered = {
        tuple(row)
        for row in db.session.execute(
            select(EvaluationSubmission.class_id, EvaluationSubmission.user_id).where(
                tuple_(EvaluationSubmission.class_id, EvaluationSubmission.user_id).in_(
                    [(e.class_id, e.user_id) for e in chosen]
                )
            )
        )
    }
    return {
        e.id: EvaluationFact(e.class_id, e.course_class.course.title, True, (e.class_id, e.user_id) in answered)
        for e in chosen
        if e.course_class.course_id in with_form  # a course with no form asks nothing
    }
