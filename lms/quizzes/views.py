"""Taking quizzes, reviewing attempts, marking essays and the instructors' quiz results."""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from lms.auth.models import Role
from lms.courses.access import load_class_for_viewer
from lms.courses.logic import classes_taught, may_manage_class
from lms.courses.models import CourseClass, Enrolment
from lms.database import begin_write, utcnow
from lms.extensions import db
from lms.progress.service import refresh_completion
from lms.quizzes import attempts as service
from lms.quizzes.models import AttemptState, Quiz, QuizAttempt
from lms.quizzes.results import quiz_results, results_csv
from lms.quizzes.review import may_review, question_views

bp = Blueprint("quizzes", __name__, template_folder="templates")

ERROR_MESSAGES = {
    "no_attempts_left": lambda: _("You have used all the attempts this quiz allows."),
    "time_up": lambda: _("The time is up. Your attempt was graded on the answers saved before the deadline."),
    "closed": lambda: _("This attempt has already been submitted."),
    "unknown_question": lambda: _("The form contained an answer to a question that is not in this attempt."),
    "bad_answer": lambda: _("One of the answers could not be read. Please check it and try again."),
    "not_markable": lambda: _("There is nothing to mark here."),
    "bad_mark": lambda: _("The mark must be between 0 and the question's points."),
}


def _message(error: service.AttemptError) -> str:
    return ERROR_MESSAGES.get(error.code, lambda: str(error))()


def _load_quiz(course_class: CourseClass, slug: str) -> Quiz:
    quiz = db.session.scalar(
        select(Quiz).where(Quiz.course_id == course_class.course_id, Quiz.slug == slug, Quiz.retired_at.is_(None))
    )
    return quiz or abort(404)


def _own_attempt(attempt_id: int, for_update: bool = False) -> QuizAttempt:
    """The current learner's attempt; someone else's is 404, as if it did not exist."""
    query = (
        select(QuizAttempt).join(Enrolment).where(QuizAttempt.id == attempt_id, Enrolment.user_id == current_user.id)
    )
    if for_update:
        query = query.with_for_update(of=QuizAttempt)
    return db.session.scalar(query) or abort(404)


def _form_seq() -> int:
    value = request.form.get("seq", "0")
    return int(value) if value.isdigit() and len(value) < 12 else 0


@bp.get("/classes/<int:class_id>/quizzes/<slug>")
@login_required
def quiz_page(class_id: int, slug: str):
    """A quiz: its rules, the learner's attempts, and a button to start or resume."""
    course_class, enrolment = load_class_for_viewer(class_id)
    quiz = _load_quiz(course_class, slug)
    attempts = service.attempts_of(enrolment, quiz) if enrolment else []
    now = utcnow()
    if any(a.state == AttemptState.OPEN and a.deadline_at and now >= a.deadline_at for a in attempts):
        begin_write()
        for attempt in service.attempts_of(enrolment, quiz):
            service.close_if_expired(attempt, now)
        refresh_completion(enrolment, now)
        db.session.commit()
        attempts = service.attempts_of(enrolment, quiz)
    return render_template(
        "quizzes/quiz.html",
        course_class=course_class,
        quiz=quiz,
        enrolment=enrolment,
        attempts=attempts,
        left=service.attempts_left(quiz, len(attempts)),
        open_attempt=next((a for a in attempts if a.state == AttemptState.OPEN), None),
        manages=may_manage_class(current_user, course_class),
        graded_count=sum(1 for q in quiz.questions if q["type"] != "description"),
    )


@bp.post("/classes/<int:class_id>/quizzes/<slug>/start")
@login_required
def start(class_id: int, slug: str):
    """Start a new attempt, or go back to the open one."""
    begin_write()
    course_class, enrolment = load_class_for_viewer(class_id)
    quiz = _load_quiz(course_class, slug)
    if enrolment is None:
        abort(403)
    try:
        attempt = service.start_attempt(enrolment, quiz, utcnow())
    except service.AttemptError as exc:
        db.session.rollback()
        flash(_message(exc), "error")
        return redirect(url_for("quizzes.quiz_page", class_id=class_id, slug=slug), 303)
    db.session.commit()
    return redirect(url_for("quizzes.attempt_page", attempt_id=attempt.id), 303)


@bp.get("/attempts/<int:attempt_id>")
@login_required
def attempt_page(attempt_id: int):
    """An open attempt's questions, or a closed attempt's result and review."""
    attempt = _own_attempt(attempt_id)
    if attempt.state == AttemptState.OPEN and service.close_if_expired(attempt, utcnow()):
        begin_write()
        attempt = _own_attempt(attempt_id, for_update=True)
        if service.close_if_expired(attempt, utcnow()):
            refresh_completion(attempt.enrolment, utcnow())
        db.session.commit()
        flash(_message(service.AttemptError("time_up", "")), "info")
    return _render_attempt(attempt)


def _render_attempt(attempt: QuizAttempt, status: int = 200):
    quiz = attempt.quiz
    all_attempts = service.attempts_of(attempt.enrolment, quiz)
    review = may_review(
        quiz.settings.get("review"),
        attempt,
        service.attempts_left(quiz, len(all_attempts)),
        any(a.passed for a in all_attempts),
    )
    marks = service.stored_marks(attempt) if attempt.marks else []
    return render_template(
        "quizzes/attempt.html",
        attempt=attempt,
        quiz=quiz,
        course_class=attempt.enrolment.course_class,
        questions=question_views(service.drawn_questions(attempt), attempt.answers, marks, review),
        review=review,
        essay_marks={m.question_index: m for m in attempt.essay_marks},
        seconds_left=max(0, int((attempt.deadline_at - utcnow()).total_seconds())) if attempt.deadline_at else None,
    ), status


def _form_answers() -> dict[str, list[str]]:
    return {name: request.form.getlist(name) for name in request.form}


@bp.post("/attempts/<int:attempt_id>/save")
@login_required
def save(attempt_id: int):
    """Save the answers on the page as the learner goes (JavaScript) or with the Save button."""
    begin_write()
    attempt = _own_attempt(attempt_id, for_update=True)
    wants_json = request.accept_mimetypes.best == "application/json"
    try:
        service.save_answers(attempt, _form_answers(), _form_seq(), utcnow())
    except service.AttemptError as exc:
        if exc.code == "time_up":
            refresh_completion(attempt.enrolment, utcnow())
            db.session.commit()
        else:
            db.session.rollback()
        if wants_json:
            return jsonify(error=exc.code, message=_message(exc)), 409 if exc.code in ("time_up", "closed") else 400
        flash(_message(exc), "error")
        return redirect(url_for("quizzes.attempt_page", attempt_id=attempt_id), 303)
    db.session.commit()
    if wants_json:
        return jsonify(saved=True, seq=attempt.last_seq)
    flash(_("Your answers are saved."), "success")
    return redirect(url_for("quizzes.attempt_page", attempt_id=attempt_id), 303)


@bp.post("/attempts/<int:attempt_id>/submit")
@login_required
def submit(attempt_id: int):
    """Submit and grade; a second submit of the same attempt changes nothing."""
    begin_write()
    attempt = _own_attempt(attempt_id, for_update=True)
    try:
        graded = service.submit_attempt(attempt, _form_answers(), _form_seq(), utcnow())
    except service.AttemptError as exc:
        db.session.rollback()
        flash(_message(exc), "error")
        return _render_attempt(_own_attempt(attempt_id), 400)
    if graded:
        refresh_completion(attempt.enrolment, utcnow())
        if attempt.timed_out:
            flash(_message(service.AttemptError("time_up", "")), "info")
    db.session.commit()
    return redirect(url_for("quizzes.attempt_page", attempt_id=attempt_id), 303)


@bp.get("/marking")
@login_required
def marking_queue():
    """Essay answers waiting for a mark in the classes the instructor teaches."""
    if current_user.role not in (Role.INSTRUCTOR, Role.ADMIN):
        abort(403)
    items = service.essays_to_mark([c.id for c in classes_taught(current_user)])
    return render_template("quizzes/marking_queue.html", items=items)


def _markable_attempt(attempt_id: int, for_update: bool = False) -> QuizAttempt:
    query = select(QuizAttempt).where(QuizAttempt.id == attempt_id)
    if for_update:
        query = query.with_for_update()
    attempt = db.session.scalar(query) or abort(404)
    if not may_manage_class(current_user, attempt.enrolment.course_class):
        abort(403)
    return attempt


@bp.route("/marking/<int:attempt_id>/<int:index>", methods=["GET", "POST"])
@login_required
def mark(attempt_id: int, index: int):
    """Mark one essay answer against its rubric, with a comment the learner will see."""
    if request.method == "POST":
        begin_write()
    attempt = _markable_attempt(attempt_id, for_update=request.method == "POST")
    drawn = service.drawn_questions(attempt)
    if not 0 <= index < len(drawn) or drawn[index].question.type != "essay" or attempt.state == AttemptState.OPEN:
        abort(404)
    error = None
    if request.method == "POST":
        try:
            points = float(request.form.get("points", "").replace(",", "."))
        except ValueError:
            points = -1.0
        try:
            service.mark_essay(attempt, index, points, request.form.get("comment", ""), current_user.id, utcnow())
        except service.AttemptError as exc:
            db.session.rollback()
            error = _message(exc)
        else:
            refresh_completion(attempt.enrolment, utcnow())
            db.session.commit()
            flash(_("The mark is saved."), "success")
            return redirect(url_for("quizzes.marking_queue"), 303)
    existing = next((m for m in attempt.essay_marks if m.question_index == index), None)
    return render_template(
        "quizzes/mark.html",
        attempt=attempt,
        index=index,
        question=drawn[index].question,
        answer=attempt.answers.get(str(index), ""),
        existing=existing,
        error=error,
    ), 400 if error else 200


@bp.get("/classes/<int:class_id>/quizzes/<slug>/results")
@login_required
def results(class_id: int, slug: str):
    """Who attempted, best scores, pass/fail and per-question difficulty; CSV with ?format=csv."""
    course_class, _enrolment = load_class_for_viewer(class_id)
    if not may_manage_class(current_user, course_class):
        abort(403)
    quiz = _load_quiz(course_class, slug)
    report = quiz_results(course_class, quiz)
    if request.args.get("format") == "csv":
        filename = f"{course_class.code}-{quiz.slug}.csv"
        return (
            results_csv(report),
            200,
            {
                "Content-Type": "text/csv; charset=utf-8",
                "Content-Disposition": f'attachment; filename="{filename}"',
            },
        )
    return render_template("quizzes/results.html", course_class=course_class, quiz=quiz, report=report)
