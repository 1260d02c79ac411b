"""Admin screens for classes: list, create, edit, roster, enrol (by unit, CSV or one person), withdraw."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from lms.admin.blueprint import bp, listed_problems, paginate
from lms.auth.decorators import roles_required
from lms.auth.models import Role, User
from lms.auth.service import UserFilter, find_users
from lms.courses.models import ClassMode, Course, CourseClass, Enrolment, EnrolmentStatus
from lms.courses.service import (
    enrol_users,
    learners_from_rows,
    learners_of_unit,
    read_class_form,
    roster,
    save_class,
    withdraw,
)
from lms.csvfiles import read_csv_rows
from lms.database import write_transaction
from lms.extensions import db
from lms.org.models import Unit
from lms.org.service import unit_tree
from lms.refusals import N_, Refused
from lms.requestdata import optional_int

MAX_ENROL_CSV_BYTES = 512 * 1024


@bp.get("/classes")
@roles_required(Role.ADMIN)
def classes():
    """Every class, newest first."""
    query = select(CourseClass).order_by(CourseClass.starts_on.desc(), CourseClass.code)
    return render_template("admin/classes.html", page=paginate(query))


def _form_choices():
    courses = list(db.session.scalars(select(Course).order_by(Course.title)))
    instructors = list(
        db.session.scalars(
            select(User).where(User.role == Role.INSTRUCTOR, User.active.is_(True)).order_by(User.full_name)
        )
    )
    return courses, instructors


def _class_form(course_class: CourseClass | None):
    """Show and handle the create or edit form of a class."""
    courses, instructors = _form_choices()
    allowed = {u.id for u in instructors}
    if course_class is not None:  # an instructor disabled since stays allowed on their class
        allowed |= {u.id for u in course_class.instructors}
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            with write_transaction():
                form = read_class_form(
                    request.form.to_dict(), request.form.getlist("instructors"), {c.id for c in courses}, allowed
                )
                course_class = save_class(course_class, form, current_user.id)
        except Refused as refusal:
            errors = refusal.by_field()
            if course_class is not None:
                course_class = db.session.get(CourseClass, course_class.id)
        else:
            flash(_("Class saved."), "success")
            return redirect(url_for("admin.class_page", class_id=course_class.id), 303)
    chosen = (
        request.form.getlist("instructors")
        if request.method == "POST"
        else [str(u.id) for u in course_class.instructors]
        if course_class
        else []
    )
    if course_class is not None:
        instructors += [u for u in course_class.instructors if u not in instructors]
    return render_template(
        "admin/class_form.html",
        course_class=course_class,
        courses=courses,
        instructors=instructors,
        chosen=chosen,
        modes=[m.value for m in ClassMode],
        values=request.form,
        errors=errors,
    ), 400 if errors else 200


@bp.route("/classes/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_class():
    """Create a class of a course."""
    return _class_form(None)


@bp.route("/classes/<int:class_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_class(class_id: int):
    """Change a class's code, name, dates, mode, self-enrolment or instructors."""
    return _class_form(db.get_or_404(CourseClass, class_id))


def _render_class(course_class: CourseClass, errors: list[tuple[int, str]] | None = None, status: int = 200):
    query = request.args.get("q", "").strip()[:200]
    candidates = []
    if query:
        enrolled = {e.user_id for e in course_class.enrolments if e.status == EnrolmentStatus.ACTIVE}
        found = db.session.scalars(find_users(UserFilter(text=query, role=Role.LEARNER, active=True)).limit(20))
        candidates = [u for u in found if u.id not in enrolled]
    return render_template(
        "admin/class.html",
        course_class=course_class,
        roster=roster(course_class),
        errors=errors or [],
        units=unit_tree(include_retired=False),
        query=query,
        candidates=candidates,
    ), status


@bp.get("/classes/<int:class_id>")
@roles_required(Role.ADMIN)
def class_page(class_id: int):
    """A class: its facts, its roster and the ways to enrol learners."""
    return _render_class(db.get_or_404(CourseClass, class_id))


def _enrol(class_id: int, find_learners):
    """Enrol the learners `find_learners` returns, all or nothing; show problems on the class page."""
    try:
        with write_transaction():
            course_class = db.get_or_404(CourseClass, class_id)
            result = enrol_users(course_class, find_learners(), source="admin", actor_id=current_user.id)
    except Refused as refusal:
        return _render_class(db.get_or_404(CourseClass, class_id), listed_problems(refusal), 400)
    flash(
        _(
            "%(added)d enrolled, %(back)d re-enrolled, %(already)d already enrolled.",
            added=result.added,
            back=result.reactivated,
            already=result.already,
        ),
        "success",
    )
    return redirect(url_for("admin.class_page", class_id=class_id), 303)


@bp.post("/classes/<int:class_id>/enrol/unit")
@roles_required(Role.ADMIN)
def enrol_unit(class_id: int):
    """Enrol every active learner of a unit, optionally with its sub-units."""

    def find():
        unit_id = optional_int(request.form.get("unit_id"))
        unit = db.session.get(Unit, unit_id) if unit_id is not None else None
        if unit is None:
            raise Refused(N_("Choose a unit from the list."))
        return learners_of_unit(unit, request.form.get("subunits") == "1")

    return _enrol(class_id, find)


@bp.post("/classes/<int:class_id>/enrol/csv")
@roles_required(Role.ADMIN)
def enrol_csv(class_id: int):
    """Enrol the learners listed in a CSV with a `username` column; any bad line stops everything."""

    def find():
        upload = request.files.get("file")
        data = upload.read(MAX_ENROL_CSV_BYTES + 1) if upload else b""
        if not data:
            raise Refused(N_("Choose a CSV file to upload."))
        if len(data) > MAX_ENROL_CSV_BYTES:
            raise Refused(N_("The file is larger than 512 KB; split it into smaller files."))
        return learners_from_rows(read_csv_rows(data, {"username"}, {"full_name", "unit", "email"}))

    return _enrol(class_id, find)


@bp.post("/classes/<int:class_id>/enrol/user")
@roles_required(Role.ADMIN)
def enrol_user(class_id: int):
    """Enrol one learner found by a search."""

    def find():
        user_id = optional_int(request.form.get("user_id"))
        user = db.session.get(User, user_id) if user_id is not None else None
        if user is None:
            raise Refused(N_("Choose a learner from the search results."))
        return [user]

    return _enrol(class_id, find)


def _enrolment_of(class_id: int, enrolment_id: int) -> Enrolment:
    enrolment = db.get_or_404(Enrolment, enrolment_id)
    if enrolment.class_id != class_id:
        abort(404)  # an enrolment of another class is "not found" here
    return enrolment


@bp.route("/classes/<int:class_id>/enrolments/<int:enrolment_id>/withdraw", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def withdraw_enrolment(class_id: int, enrolment_id: int):
    """Ask to confirm, then withdraw a learner from the class (their records stay)."""
    if request.method == "GET":
        return render_template("admin/withdraw.html", enrolment=_enrolment_of(class_id, enrolment_id))
    with write_transaction():
        enrolment = _enrolment_of(class_id, enrolment_id)
        changed = withdraw(enrolment, current_user.id)
    if changed:
        flash(_("%(name)s was withdrawn from the class.", name=enrolment.user.full_name), "success")
    return redirect(url_for("admin.class_page", class_id=class_id), 303)


@bp.post("/classes/<int:class_id>/enrolments/<int:enrolment_id>/reenrol")
@roles_required(Role.ADMIN)
def reenrol(class_id: int, enrolment_id: int):
    """Bring a withdrawn learner back into the class."""
    enrolment = _enrolment_of(class_id, enrolment_id)
    return _enrol(class_id, lambda: [enrolment.user])
