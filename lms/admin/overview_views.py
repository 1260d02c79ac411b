"""The admin overview: counts of people, units and courses, and each class's completion."""

from __future__ import annotations

from flask import render_template
from sqlalchemy import func, select

from lms.admin.blueprint import bp
from lms.auth.decorators import roles_required
from lms.auth.models import Role, User
from lms.courses.models import Course, CourseClass
from lms.extensions import db
from lms.org.models import Unit
from lms.progress.service import class_overviews


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
