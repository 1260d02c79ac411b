"""Who may see and manage a class, and loading a class or module for the current user with that check."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from flask import abort
from flask_login import current_user
from sqlalchemy import and_, bindparam, func, select

from lms.auth.account import Actor
from lms.auth.models import Role
from lms.cache import VersionedCache
from lms.courses.models import Course, CourseClass, Enrolment, EnrolmentStatus, Module
from lms.courses.service import active_enrolment
from lms.extensions import db
from lms.progress.completion import minutes_left, seconds_still_needed
from lms.progress.models import ModuleProgress


def teaches(user: Actor, course_class: CourseClass) -> bool:
    """Tell whether the user is one of the class's instructors."""
    return user.role == Role.INSTRUCTOR and any(i.id == user.id for i in course_class.instructors)


def may_manage(user: Actor, listed_as_instructor: bool) -> bool:
    """Admins manage every class, instructors the classes they are listed for.

    Takes the listing as a flag, so a caller that looked it up in SQL applies the same rule.
    """
    return user.role == Role.ADMIN or (user.role == Role.INSTRUCTOR and listed_as_instructor)


def may_manage_class(user: Actor, course_class: CourseClass) -> bool:
    """Admins manage every class, instructors the classes they teach."""
    return may_manage(user, teaches(user, course_class))


def load_class_for_viewer(class_id: int):
    """Return (class, the viewer's enrolment or None); 404 if missing, 403 if not theirs."""
    course_class = db.get_or_404(CourseClass, class_id)
    enrolment = active_enrolment(current_user, course_class)
    if enrolment is None and not may_manage_class(current_user, course_class):
        abort(403)
    return course_class, enrolment


def load_class_for_staff(class_id: int) -> CourseClass:
    """Return the class if the current user may manage it (its instructors, admins); 404 if
    missing, 403 for anyone else."""
    course_class = db.get_or_404(CourseClass, class_id)
    if not may_manage_class(current_user, course_class):
        abort(403)
    return course_class


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
class ModuleContent:
    """What every reader of a module sees, the same until its course is synced again."""

    course_title: str
    slug: str
    title: str
    estimated_minutes: int | None
    min_minutes: int | None
    required: bool
    html: str
    position: int
    count: int
    previous: ModuleLink | None
    following: ModuleLink | None


@dataclass(frozen=True)
class ModulePage:
    """A module page for one viewer: the shared content, and their enrolment and progress."""

    class_id: int
    module_id: int
    content: ModuleContent
    enrolment_id: int | None
    completed_at: datetime | None
    seconds_spent: int = 0  # reading time the server credited to this viewer

    @property
    def seconds_left(self) -> int:
        """Reading time still needed before "done" is accepted (0 once reached, or with no minimum)."""
        return seconds_still_needed(self.content.min_minutes, self.seconds_spent)

    @property
    def minutes_left(self) -> int:
        return minutes_left(self.seconds_left)


# Content is built once per course version (the hash `flask content sync` stores) and module.
module_contents: VersionedCache[ModuleContent] = VersionedCache(max_entries=500)


@cache
def _module_state_statement():
    """Built once, as every statement on this path: building it costs more than running it.

    The viewer's part of the page, and the version of the content: one small row, as columns.
    """
    return (
        select(
            Course.id.label("course_id"),
            Course.content_hash,
            Module.id.label("module_id"),
            Enrolment.id.label("enrolment_id"),
            ModuleProgress.completed_at,
            ModuleProgress.seconds_spent,
        )
        .select_from(CourseClass)
        .join(Course, Course.id == CourseClass.course_id)
        .join(
            Module, and_(Module.course_id == Course.id, Module.slug == bindparam("slug"), Module.retired_at.is_(None))
        )
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
        .where(CourseClass.id == bindparam("class_id"))
    )


@cache
def _module_content_statement():
    """The module with its HTML and its place among the course's active modules (window
    functions), in one row."""
    order = Module.position
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
        .where(Module.course_id == bindparam("course_id"), Module.retired_at.is_(None))
        .subquery()
    )
    return (
        select(
            Course.title.label("course_title"),
            Module.slug,
            Module.title,
            Module.estimated_minutes,
            Module.min_minutes,
            Module.required,
            Module.html,
            reading_order,
        )
        .select_from(reading_order)
        .join(Module, Module.id == reading_order.c.module_id)
        .join(Course, Course.id == Module.course_id)
        .where(Module.id == bindparam("module_id"))
    )


def _load_module_content(course_id: int, module_id: int) -> ModuleContent:
    row = (
        db.session.connection()
        .execute(_module_content_statement(), {"course_id": course_id, "module_id": module_id})
        .one()
    )
    return ModuleContent(
        course_title=row.course_title,
        slug=row.slug,
        title=row.title,
        estimated_minutes=row.estimated_minutes,
        min_minutes=row.min_minutes,
        required=row.required,
        html=row.html,
        position=row.position,
        count=row.count,
        previous=ModuleLink(row.previous_slug, row.previous_title) if row.previous_slug else None,
        following=ModuleLink(row.following_slug, row.following_title) if row.following_slug else None,
    )


def load_module_page(class_id: int, slug: str) -> ModulePage:
    """Load a module page for the current user; 404 if missing, 403 if not theirs.

    The module page is the most visited page. One small statement reads the viewer's enrolment
    and progress and the course's content version; the content (the module's HTML, the course
    title, the reading order) is read once per version and module, and shared by every reader.
    """
    state = (
        db.session.connection()
        .execute(_module_state_statement(), {"class_id": class_id, "slug": slug, "user_id": current_user.id})
        .one_or_none()
    )
    if state is None:
        abort(404)
    if state.enrolment_id is None and not may_manage_class(current_user, db.session.get(CourseClass, class_id)):
        abort(403)
    content = module_contents.get(
        (state.course_id, state.module_id),
        state.content_hash,
        lambda: _load_module_content(state.course_id, state.module_id),
    )
    return ModulePage(
        class_id, state.module_id, content, state.enrolment_id, state.completed_at, state.seconds_spent or 0
    )
