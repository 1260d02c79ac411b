"""Taking quizzes, reviewing attempts, marking essays and the instructors' quiz results."""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from lms.auth.models import Role
from lms.courses.access import load_class_for_staff, load_class_for_viewer, may_manage_class
from lms.courses.models import CourseClass, Enrolment
from lms.courses.service import classes_taught
from lms.csvfiles import CSV_FORMATS
from lms.database import utcnow, write_transaction
from lms.extensions import db
from lms.progress.service import refresh_completion
from lms.quizzes import attempts as service
from lms.quizzes.models import AttemptState, Quiz, QuizAttempt
from lms.quizzes.results import quiz_results, results_csv
from lms.quizzes.review import may_review, question_views
from lms.refusals import Refused, flash_refusal, translate_problem
from lms.responses import download
from lms.text import decimal_number, whole_number

bp = Blueprint("quizzes", __name__, template_folder="templates")


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
    """The autosave's sequence number; 0 (older than any save) when missing or not a whole number."""
    return whole_number(request.form.get("seq", "0")) or 0


@bp.get("/classes/<int:class_id>/quizzes/<slug>")
@login_required
def quiz_page(class_id: int, slug: str):
    """A quiz: its rules, the learner's attempts, and a button to start or resume."""
    course_class, enrolment = load_class_for_viewer(class_id)
    quiz = _load_quiz(course_class, slug)
    attempts = service.attempts_of(enrolment, quiz) if enrolment else []
    now = utcnow()
    if any(a.state == AttemptState.OPEN and a.deadline_at and now >= a.deadline_at for a in attempts):
        with write_transaction():
            for attempt in service.attempts_of(enrolment, quiz):
                service.close_if_expired(attempt, now)
            refresh_completion(enrolment, now)
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
    try:
        with write_transaction():
            course_class, enrolment = load_class_for_viewer(class_id)
            quiz = _load_quiz(course_class, slug)
            if enrolment is None:
                abort(403)
            attempt = service.start_attempt(enrolment, quiz, utcnow())
    except Refused as refusal:
        flash_refusal(refusal)
        return redirect(url_for("quizzes.quiz_page", class_id=class_id, slug=slug), 303)
    return redirect(url_for("quizzes.attempt_page", attempt_id=attempt.id), 303)


@bp.get("/attempts/<int:attempt_id>")
@login_required
def attempt_page(attempt_id: int):
    """An open attempt's questions, or a closed attempt's result and review."""
    attempt = _own_attempt(attempt_id)
    if attempt.state == AttemptState.OPEN:
        service.ensure_answerable(attempt)  # a withdrawn learner's open attempt is no longer theirs to see
    if attempt.state == AttemptState.OPEN and service.close_if_expired(attempt, utcnow()):
        _close_expired(attempt_id)
        flash(translate_problem(service.TIME_UP), "info")
    return _render_attempt(attempt)


def _close_expired(attempt_id: int) -> bool:
    """Grade the learner's attempt if its time ran out (a transaction of its own); tell whether it did."""
    with write_transaction():
        attempt = _own_attempt(attempt_id, for_update=True)
        closed = service.close_if_expired(attempt, utcnow())
        if closed:
            refresh_completion(attempt.enrolment, utcnow())
    return closed


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
    wants_json = request.accept_mimetypes.best == "application/json"
    try:
        # One transaction, one lock: autosaves are most of an exam's requests.
        with write_transaction():
            attempt = _own_attempt(attempt_id, for_update=True)
            now = utcnow()
            expired = service.close_if_expired(attempt, now)
            if expired:  # graded as of the deadline; these late answers are not taken
                refresh_completion(attempt.enrolment, now)
            else:
                service.save_answers(attempt, _form_answers(), _form_seq(), now)
                seq = attempt.last_seq
        if expired:
            raise Refused(service.TIME_UP, code="time_up", status=409)
    except Refused as refusal:
        if wants_json:
            return jsonify(error=refusal.code, message=refusal.messages()[0]), refusal.status
        if refusal.status == 403:  # access is gone: the page says so (the attempt page would too)
            raise
        flash_refusal(refusal)
        return redirect(url_for("quizzes.attempt_page", attempt_id=attempt_id), 303)
    if wants_json:
        return jsonify(saved=True, seq=seq)
    flash(_("Your answers are saved."), "success")
    return redirect(url_for("quizzes.attempt_page", attempt_id=attempt_id), 303)


@bp.post("/attempts/<int:attempt_id>/submit")
@login_required
def submit(attempt_id: int):
    """Submit and grade; a second submit of the same attempt changes nothing and says so."""
    try:
        with write_transaction():
            attempt = _own_attempt(attempt_id, for_update=True)
            graded = service.submit_attempt(attempt, _form_answers(), _form_seq(), utcnow())
            if graded:
                refresh_completion(attempt.enrolment, utcnow())
            timed_out = graded and attempt.timed_out
    except Refused as refusal:
        if refusal.status == 403:
            raise
        flash_refusal(refusal)
        return _render_attempt(_own_attempt(attempt_id), 400)
    if timed_out:
        flash(translate_problem(service.TIME_UP), "info")
    elif not graded:  # a repeated submit (a double click, a resent form): the result page shows it
        flash(_("This attempt has already been submitted."), "info")
    return redirect(url_for("quizzes.attempt_page", attempt_id=attempt_id), 303)


@bp.get("/marking")
@login_required
def marking_queue():
    """Essay answers waiting for a mark in the classes the instructor teaches."""
    if current_user.role not in (Role.INSTRUCTOR, Role.ADMIN):
        abort(403)
    items = service.essays_to_mark([c.id for c in classes_taught(current_user)])
    return render_template("quizzes/marking_queue.html", items=items)


def _markable_essay(attempt_id: int, index: int, for_update: bool = False) -> QuizAttempt:
    """An attempt of a class the user manages whose question `index` is an essay to mark; else 403/404."""
    query = select(QuizAttempt).where(QuizAttempt.id == attempt_id)
    if for_update:
        query = query.with_for_update()
    attempt = db.session.scalar(query) or abort(404)
    if not may_manage_class(current_user, attempt.enrolment.course_class):
        abort(403)
    drawn = service.drawn_questions(attempt)
    if not 0 <= index < len(drawn) or drawn[index].question.type != "essay" or attempt.state == AttemptState.OPEN:
        abort(404)
    return attempt


@bp.route("/marking/<int:attempt_id>/<int:index>", methods=["GET", "POST"])
@login_required
def mark(attempt_id: int, index: int):
    """Mark one essay answer against its rubric, with a comment the learner will see."""
    error = None
    if request.method == "POST":
        points = decimal_number(request.form.get("points", "").strip())
        if points is None:
            points = -1.0  # refused by the rule below, with its message
        try:
            with write_transaction():
                attempt = _markable_essay(attempt_id, index, for_update=True)
                service.mark_essay(attempt, index, points, request.form.get("comment", ""), current_user.id, utcnow())
                refresh_completion(attempt.enrolment, utcnow())
        except Refused as refusal:
            error = refusal.messages()[0]
        else:
            flash(_("The mark is saved."), "success")
            return redirect(url_for("quizzes.marking_queue"), 303)
    attempt = _markable_essay(attempt_id, index)
    drawn = service.drawn_questions(attempt)
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
    course_class = load_class_for_staff(class_id)
    quiz = _load_quiz(course_class, slug)
    report = quiz_results(course_class, quiz)
    delimiter = CSV_FORMATS.get(request.args.get("format", ""))
    if delimiter:
        body = results_csv(report, delimiter)
        return download(body, f"{course_class.code}-{quiz.slug}.csv", "text/csv; charset=utf-8")
    return render_template("quizzes/results.html", course_class=course_class, quiz=quiz, report=report)
