"""Loading a class or module for the current user, with the access check every view needs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from flask import abort
from flask_login import current_user
from sqlalchemy import and_, bindparam, func, select, true

from lms.courses.logic import active_enrolment, may_manage_class
from lms.courses.models import Course, CourseClass, Enrolment, EnrolmentStatus, Module
from lms.extensions import db
from lms.progress.models import ModuleProgress


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


@dataclass(frozen=True)
class ModuleLink:
    """A neighbouring module in the reading order."""

    slug: str
    title: str


@dataclass(frozen=True)
class ModulePage:
    """Everything the module page shows, from one query, as plain values."""

    class_id: int
    course_title: str
    module_id: int
    slug: str
    title: str
    estimated_minutes: int | None
    required: bool
    html: str
    enrolment_id: int | None
    completed_at: datetime | None
    position: int
    count: int
    previous: ModuleLink | None
    following: ModuleLink | None


@cache
def _module_page_statement():
    """Built once: the module page runs it on every view, and building it costs more than running it.

    Columns, not ORM entities: loading five mapped objects for one page cost several times more
    than the query itself.
    """
    order = Module.position
    class_id = bindparam("class_id")
    reading_order = (
        select(
            Module.id.label("module_id"),
            func.row_number().over(order_by=order).label("position"),
            func.count().over().label("count"),
            func.lag(Module.slug).over(order_by=order).label("previous_slug"),
            func.lag(Module.title).over(order_by=order).label("previous_title"),
            func.lead(Module.slug).over(order_by=order).label("following_slug"),
            func.lead(Module.title).over(order_by=order).label("following_title"),
        )
        .join(CourseClass, CourseClass.course_id == Module.course_id)
        .where(CourseClass.id == class_id, Module.retired_at.is_(None))
        .subquery()
    )
    return (
        select(
            Course.title.label("course_title"),
            Module.slug,
            Module.title,
            Module.estimated_minutes,
            Module.required,
            Module.html,
            Enrolment.id.label("enrolment_id"),
            ModuleProgress.completed_at,
            reading_order,
        )
        .select_from(CourseClass)
        .join(Course, Course.id == CourseClass.course_id)
        .join(reading_order, true())
        .join(Module, Module.id == reading_order.c.module_id)
        .outerjoin(
            Enrolment,
            and_(
                Enrolment.class_id == CourseClass.id,
                Enrolment.user_id == bindparam("user_id"),
                Enrolment.status == EnrolmentStatus.ACTIVE,
            ),
        )
        .outerjoin(
            ModuleProgress,
            and_(ModuleProgress.enrolment_id == Enrolment.id, ModuleProgress.module_id == Module.id),
        )
        .where(CourseClass.id == class_id, Module.slug == bindparam("slug"))
    )


def load_module_page(class_id: int, slug: str) -> ModulePage:
    """Load a module page for the current user in one round trip; 404 if missing, 403 if not theirs.

    The module page is the most visited page, so the course title, the module (with its HTML),
    the viewer's enrolment, their progress on it and the module's place in the reading order
    (window functions over the course's active modules) come back as one row.
    """
    row = db.session.execute(
        _module_page_statement(), {"class_id": class_id, "slug": slug, "user_id": current_user.id}
    ).one_or_none()
    if row is None:
        abort(404)
    if row.enrolment_id is None and not may_manage_class(current_user, db.session.get(CourseClass, class_id)):
        abort(403)
    return ModulePage(
        class_id=class_id,
        course_title=row.course_title,
        module_id=row.module_id,
        slug=row.slug,
        title=row.title,
        estimated_minutes=row.estimated_minutes,
        required=row.required,
        html=row.html,
        enrolment_id=row.enrolment_id,
        completed_at=row.completed_at,
        position=row.position,
        count=row.count,
        previous=ModuleLink(row.previous_slug, row.previous_title) if row.previous_slug else None,
        following=ModuleLink(row.following_slug, row.following_title) if row.following_slug else None,
    )
