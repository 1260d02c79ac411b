"""The admin blueprint: the overview here; units, users, classes and the audit log in their modules."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from sqlalchemy import func, select

from lms.auth.decorators import roles_required
from lms.auth.models import Role, User
from lms.courses.models import Course, CourseClass
from lms.extensions import db
from lms.org.models import Unit
from lms.progress.service import class_overviews

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")

PER_PAGE = 25


def get_or_404(model, record_id: int):
    """Return the record with this id, or answer 404."""
    return db.session.get(model, record_id) or abort(404)


def page_number() -> int:
    """The `page` query argument, 1 when missing or not a positive number."""
    value = request.args.get("page", "1")
    return int(value) if value.isdigit() and 0 < int(value) < 100_000 else 1


def paginate(query):
    """One page of a query's results (never an error for a page past the end)."""
    return db.paginate(query, page=page_number(), per_page=PER_PAGE, error_out=False, count=True)


@bp.get("/")
@roles_required(Role.ADMIN)
def overview():
    """Counts of users by role, units, courses, and each class's completion."""
    users_by_role = dict(db.session.execute(select(User.role, func.count()).group_by(User.role)).all())
    classes = []
    for course_class in db.session.scalars(select(CourseClass).order_by(CourseClass.starts_on.desc())):
        rows = class_overviews(course_class)
        classes.append(
            {
                "class": course_class,
                "enrolled": len(rows),
                "completed": sum(1 for r in rows if r.status.complete),
                "started": sum(1 for r in rows if r.done),
            }
        )
    return render_template(
        "admin/overview.html",
        users_by_role=users_by_role,
        unit_count=db.session.scalar(select(func.count()).select_from(Unit)),
        courses=db.session.scalars(select(Course).order_by(Course.title)).all(),
        classes=classes,
    )


# The screens register their routes on `bp` when imported.
from lms.admin import audit_views, class_views, unit_views, user_views  # noqa: E402, F401
