"""Who may see a class, enrolment, and the catalogue of classes open to self-enrolment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from lms.audit.models import record_audit
from lms.auth.models import Role, User
from lms.courses.models import CourseClass, Enrolment, EnrolmentStatus, class_instructors
from lms.extensions import db


class EnrolmentError(ValueError):
    """An enrolment cannot be made as asked."""


def active_enrolment(user: User, course_class: CourseClass) -> Enrolment | None:
    """Return the user's active enrolment in the class, or None."""
    return db.session.scalar(
        select(Enrolment).where(
            Enrolment.class_id == course_class.id,
            Enrolment.user_id == user.id,
            Enrolment.status == EnrolmentStatus.ACTIVE,
        )
    )


def teaches(user: User, course_class: CourseClass) -> bool:
    """Tell whether the user is one of the class's instructors."""
    return user.role == Role.INSTRUCTOR and any(i.id == user.id for i in course_class.instructors)


def may_manage_class(user: User, course_class: CourseClass) -> bool:
    """Admins manage every class, instructors the classes they teach."""
    return user.role == Role.ADMIN or teaches(user, course_class)


def classes_taught(user: User) -> list[CourseClass]:
    """The classes an instructor teaches (every class for an admin)."""
    query = select(CourseClass).order_by(CourseClass.starts_on.desc(), CourseClass.name)
    if user.role != Role.ADMIN:
        query = query.join(class_instructors).where(class_instructors.c.user_id == user.id)
    return list(db.session.scalars(query))


def my_enrolments(user: User) -> list[Enrolment]:
    """The user's active enrolments, newest class first."""
    return list(
        db.session.scalars(
            select(Enrolment)
            .join(CourseClass)
            .where(Enrolment.user_id == user.id, Enrolment.status == EnrolmentStatus.ACTIVE)
            .order_by(CourseClass.starts_on.desc(), CourseClass.name)
        )
    )


def is_open_for_enrolment(course_class: CourseClass, today: date) -> bool:
    """A class takes self-enrolment when it allows it and has not ended."""
    return course_class.self_enrol and (course_class.ends_on is None or course_class.ends_on >= today)


def open_classes(user: User, today: date) -> list[CourseClass]:
    """Classes the user could join by themselves today."""
    enrolled = select(Enrolment.class_id).where(
        Enrolment.user_id == user.id, Enrolment.status == EnrolmentStatus.ACTIVE
    )
    candidates = db.session.scalars(
        select(CourseClass).where(CourseClass.self_enrol.is_(True), CourseClass.id.not_in(enrolled))
        .order_by(CourseClass.starts_on, CourseClass.name)
    )
    return [c for c in candidates if is_open_for_enrolment(c, today)]


@dataclass
class EnrolResult:
    """How many learners were enrolled, were already in, or came back after withdrawing."""

    added: int = 0
    already: int = 0
    reactivated: int = 0


def enrol_users(
    course_class: CourseClass, users: list[User], source: str, actor_id: int | None = None
) -> EnrolResult:
    """Enrol learners in a class; existing enrolments are kept, withdrawn ones come back."""
    result = EnrolResult()
    existing = {
        e.user_id: e
        for e in db.session.scalars(select(Enrolment).where(Enrolment.class_id == course_class.id))
    }
    for user in users:
        if user.role != Role.LEARNER:
            raise EnrolmentError(f"'{user.username}' is not a learner")
        enrolment = existing.get(user.id)
        if enrolment is None:
            db.session.add(Enrolment(course_class=course_class, user=user, source=source))
            result.added += 1
        elif enrolment.status != EnrolmentStatus.ACTIVE:
            enrolment.status = EnrolmentStatus.ACTIVE
            result.reactivated += 1
        else:
            result.already += 1
    db.session.flush()
    if source != "self":
        record_audit(actor_id, "class.enrol", f"class:{course_class.id}",
                     added=result.added, reactivated=result.reactivated)
    return result


def self_enrol(user: User, course_class: CourseClass, today: date) -> bool:
    """Enrol a learner in an open class; return False if they were already in."""
    if user.role != Role.LEARNER:
        raise EnrolmentError("only learners enrol in classes")
    if active_enrolment(user, course_class) is not None:
        return False
    if not is_open_for_enrolment(course_class, today):
        raise EnrolmentError("this class does not take enrolments")
    enrol_users(course_class, [user], source="self")
    return True
