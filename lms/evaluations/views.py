"""Evaluation pages: a learner answers their class's form; staff read results by class, instructor
and course (with the comparison of delivery modes), as charts, tables and CSV/XLSX files."""

from __future__ import annotations

import random
from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from lms.auth.decorators import roles_required
from lms.auth.models import Role, User
from lms.courses.access import load_class_for_staff, may_manage_class
from lms.courses.models import ClassMode, Course, CourseClass
from lms.courses.service import active_enrolment
from lms.database import utcnow, write_transaction
from lms.evaluations import service
from lms.evaluations.figures import (
    ModeLine,
    RateLine,
    distribution_chart,
    mean_text,
    means_chart,
    modes_chart,
    rate_text,
    response_chart,
    results_table,
)
from lms.evaluations.rules import (
    MIN_GROUP,
    AskedQuestion,
    QuestionResult,
    Tallies,
    WindowState,
    about_instructor,
    combine,
    overall_mean,
    question_id,
    question_results,
)
from lms.extensions import db
from lms.refusals import Refused
from lms.reports.export import csv_bytes, xlsx_bytes
from lms.responses import download

bp = Blueprint("evaluations", __name__, url_prefix="/evaluations", template_folder="templates")

MODES = {
    ClassMode.ONLINE.value: _l("Online"),
    ClassMode.HYBRID.value: _l("Hybrid"),
    ClassMode.IN_PERSON.value: _l("In person"),
}
STAFF = (Role.ADMIN, Role.INSTRUCTOR)
SHUFFLE = random.SystemRandom()


def _shuffled(results: list[QuestionResult]) -> dict[str, list[str]]:
    """Each question's comments in a fresh random order: the page shows no order to read anything into."""
    shown = {}
    for r in results:
        comments = list(r.comments)
        SHUFFLE.shuffle(comments)
        shown[r.key] = comments
    return shown


def _render_results(template: str, title: str, results: list[QuestionResult], tallies: Tallies, **context):
    """A results page, or its CSV/XLSX file (`format=csv|xlsx`); a group under 5 shows only why."""
    export = request.args.get("format", "")
    if export not in ("", "csv", "xlsx"):
        abort(400)
    if export and tallies.visible:
        table = results_table(results, title)
        name = f"evaluation-{utcnow():%Y%m%d}.{export}"
        if export == "csv":
            return download(csv_bytes(table), name, "text/csv; charset=utf-8")
        return download(
            xlsx_bytes(table, _("Evaluation")),
            name,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    charts = {}
    if tallies.visible:
        charts = {
            r.key: distribution_chart(f"dist-{i}", r) for i, r in enumerate(results) if r.question["type"] != "comment"
        }
    return render_template(
        template,
        title=title,
        results=results if tallies.visible else [],
        tallies=tallies,
        min_group=MIN_GROUP,
        comments=_shuffled(results) if tallies.visible else {},
        means=means_chart("means", _("Mean rating per question"), results) if tallies.visible else "",
        charts=charts,
        overall=mean_text(overall_mean(results)) if tallies.visible else "–",
        rate=rate_text(tallies.response_rate),
        mean_text=mean_text,
        rate_text=rate_text,
        **context,
    ), (409 if export else 200)  # a download asked of a group under 5: the page says why instead


# --- learners -------------------------------------------------------------------------------


@bp.route("/classes/<int:class_id>", methods=["GET", "POST"])
@login_required
def answer(class_id: int):
    """The class's evaluation form for its learners (a read-only preview for its staff)."""
    course_class = db.get_or_404(CourseClass, class_id)
    enrolment = active_enrolment(current_user, course_class)
    staff = may_manage_class(current_user, course_class)
    if enrolment is None and not staff:
        abort(403)
    if enrolment is None:  # staff preview
        if request.method == "POST":
            abort(403)
        form = service.form_of(course_class.course_id) or abort(404)
        return render_template(
            "evaluations/answer.html",
            course_class=course_class,
            form=form,
            asked=_grouped(service.class_questions(course_class, form)),
            view=None,
            preview=True,
            given={},
            errors={},
        )
    now = utcnow()
    errors: dict[str, str] = {}
    messages: list[str] = []
    status = 200
    if request.method == "POST":
        try:
            with write_transaction():
                service.submit_answers(enrolment, request.form.to_dict(), now)
        except Refused as refusal:
            if refusal.status == 404:
                raise
            # Problems about a question go next to it; the others (answered already, closed, an
            # unknown question) at the top.
            errors = {p.field: p.translated() for p in reversed(refusal.problems) if p.field}
            # A closed or not yet open form: the page's banner says so already, with the day.
            window = refusal.code in (WindowState.CLOSED.value, WindowState.NOT_YET.value)
            messages = [] if window else [p.translated() for p in refusal.problems if not p.field]
            status = refusal.status
        else:
            flash(_("Thank you. Your answers were recorded without your name."), "success")
            return redirect(url_for("evaluations.answer", class_id=class_id), 303)
    view = service.learner_evaluation(enrolment, now) or abort(404)
    return render_template(
        "evaluations/answer.html",
        course_class=course_class,
        form=view.form,
        asked=_grouped(service.class_questions(course_class, view.form)),
        view=view,
        preview=False,
        given=request.form if request.method == "POST" else {},
        errors=errors,
        messages=messages,
    ), status


def _grouped(asked: list[AskedQuestion]) -> list[tuple[dict, str, list[AskedQuestion]]]:
    """Questions in the form's order, grouped by section and (in the instructors' section) instructor."""
    groups: list[tuple[dict, str, list[AskedQuestion]]] = []
    for item in asked:
        if not groups or groups[-1][0] is not item.section or groups[-1][1] != item.instructor_name:
            groups.append((item.section, item.instructor_name, []))
        groups[-1][2].append(item)
    return groups


# --- staff ----------------------------------------------------------------------------------


@bp.get("/")
@roles_required(*STAFF)
def index():
    """The classes whose results the user may read, and for admins the courses."""
    if current_user.role == Role.ADMIN:
        classes = list(db.session.scalars(db.select(CourseClass).order_by(CourseClass.code)))
        courses = service.evaluated_courses()
    else:
        classes = service.classes_taught_by(db.session.get(User, current_user.id))
        courses = []
    with_form = {c.id for c in service.evaluated_courses()}
    classes = [c for c in classes if c.course_id in with_form]
    return render_template(
        "evaluations/index.html",
        classes=classes,
        courses=courses,
        tallies=service.tallies_of(classes),
        modes=MODES,
        rate_text=rate_text,
    )


@bp.get("/classes/<int:class_id>/results")
@login_required
def class_results(class_id: int):
    """One class's results, and its evaluation settings (its instructors, admins)."""
    course_class = load_class_for_staff(class_id)
    form = service.form_of(course_class.course_id) or abort(404)
    tallies = service.tallies_of([course_class])[course_class.id]
    results = question_results(service.class_questions(course_class, form), tallies)
    return _render_results(
        "evaluations/results.html",
        course_class.name,
        results,
        tallies,
        course_class=course_class,
        settings=service.settings_of(course_class.id),
        rates=response_chart("rates", _("Response rate"), [RateLine(course_class.name, tallies)]),
        modes=MODES,
        scope="class",
    )


@bp.post("/classes/<int:class_id>/settings")
@login_required
def class_settings(class_id: int):
    """Set whether the evaluation is a completion requirement, and its closing day."""
    course_class = load_class_for_staff(class_id)
    raw_day = request.form.get("closes_on", "").strip()
    try:
        closes_on = date.fromisoformat(raw_day) if raw_day else None
    except ValueError:
        flash(_("Give the closing day as a date (for example 2026-12-31)."), "error")
        return redirect(url_for("evaluations.class_results", class_id=class_id), 303)
    with write_transaction():
        changed = service.save_settings(
            course_class, request.form.get("required") == "1", closes_on, current_user.id, utcnow()
        )
    flash(_("Evaluation settings saved.") if changed else _("Nothing changed."), "success")
    return redirect(url_for("evaluations.class_results", class_id=class_id), 303)


@bp.get("/instructors/<int:user_id>")
@roles_required(*STAFF)
def instructor_results(user_id: int):
    """What learners said about one instructor across their classes (the instructor, admins)."""
    instructor = db.get_or_404(User, user_id)
    if current_user.role != Role.ADMIN and current_user.id != instructor.id:
        abort(403)
    if instructor.role != Role.INSTRUCTOR:
        abort(404)
    classes = [c for c in service.classes_taught_by(instructor) if service.form_of(c.course_id) is not None]
    per_class = service.tallies_of(classes)
    tallies = combine(per_class.values(), about_instructor(instructor.id))
    asked, seen = [], set()
    for course_class in classes:  # each course's instructor questions, once
        for item in service.class_questions(course_class, service.form_of(course_class.course_id)):
            qid = question_id(item.key)
            if item.instructor_id == instructor.id and qid not in seen:
                seen.add(qid)
                asked.append(AskedQuestion(qid, item.question, item.section))
    results = question_results(asked, tallies)
    return _render_results(
        "evaluations/results.html",
        instructor.full_name,
        results,
        tallies,
        rates=response_chart("rates", _("Response rate"), [RateLine(c.name, per_class[c.id]) for c in classes]),
        classes=classes,
        scope="instructor",
    )


@bp.get("/courses/<int:course_id>")
@roles_required(Role.ADMIN)
def course_results(course_id: int):
    """A course's results over all its classes, and its classes compared by delivery mode."""
    course = db.get_or_404(Course, course_id)
    form = service.form_of(course.id) or abort(404)
    classes = service.classes_of_course(course)
    per_class = service.tallies_of(classes)
    # Every question once, the instructors' ones over all instructors together.
    asked = [AskedQuestion(q["id"], q, s) for s in form["sections"] for q in s["questions"]]
    tallies = combine(per_class.values(), question_id)
    lines = []
    for mode, label in MODES.items():
        chosen = [c for c in classes if c.mode == mode]
        mode_tallies = combine([per_class[c.id] for c in chosen], question_id)
        lines.append(ModeLine(mode, str(label), len(chosen), mode_tallies, question_results(asked, mode_tallies)))
    return _render_results(
        "evaluations/results.html",
        course.title,
        question_results(asked, tallies),
        tallies,
        rates=response_chart("rates", _("Response rate"), [RateLine(c.name, per_class[c.id]) for c in classes]),
        classes=classes,
        mode_lines=lines,
        modes_svg=modes_chart("modes", _("Mean rating by delivery mode"), lines),
        scope="course",
    )
