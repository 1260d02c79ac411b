"""Loading a class or module for the current user, with the access check every view needs."""

from __future__ import annotations

from flask import abort
from flask_login import current_user
from sqlalchemy import select

from lms.courses.logic import active_enrolment, may_manage_class
from lms.courses.models import CourseClass, Module
from lms.extensions import db


def load_class_for_viewer(class_id: int):
    """Return (class, the viewer's enrolment or None); 404 if missing, 403 if not theirs."""
    course_class = db.session.get(CourseClass, class_id) or abort(404)
    enrolment = active_enrolment(current_user, course_class)
    if enrolment is None and not may_manage_class(current_user, course_class):
        abort(403)
    return course_class, enrolment


def load_module(course_class: CourseClass, slug: str) -> Module:
    """Return the class's active module with this slug, or 404."""
    module = db.session.scalar(
        select(Module).where(
            Module.course_id == course_class.course_id, Module.slug == slug, Module.retired_at.is_(None)
        )
    )
    return module or abort(404)
