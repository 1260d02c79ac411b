"""Who may see a class; setting classes up; enrolment by admins and by learners themselves."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import contains_eager, joinedload

from lms.audit.models import record_audit
from lms.auth.account import Actor
from lms.auth.models import Role, User
from lms.auth.policy import normalise_username
from lms.auth.sessions import AccessEnded, Scope, access_ended
from lms.courses.models import ClassMode, Course, CourseClass, Enrolment, EnrolmentStatus, class_instructors
from lms.csvfiles import CsvRow
from lms.extensions import db
from lms.org.models import Unit
from lms.org.service import subtree_ids
from lms.refusals import N_, Problem, Refused
from lms.text import clean_name, whole_number


def active_enrolment(user: Actor, course_class: CourseClass) -> Enrolment | None:
    """Return the user's active enrolment in the class, or None."""
    return db.session.scalar(
        select(Enrolment).where(
            Enrolment.class_id == course_class.id,
            Enrolment.user_id == user.id,
            Enrolment.status == EnrolmentStatus.ACTIVE,
        )
    )


def classes_taught(user: Actor) -> list[CourseClass]:
    """The classes an instructor teaches (every class for an admin)."""
    query = select(CourseClass).order_by(CourseClass.starts_on.desc(), CourseClass.name)
    if user.role != Role.ADMIN:
        query = query.join(class_instructors).where(class_instructors.c.user_id == user.id)
    return list(db.session.scalars(query))


def my_enrolments(user: Actor, with_courses: bool = False) -> list[Enrolment]:
    """The user's active enrolments, newest class first; `with_courses` loads each class, its
    course and the course's modules along (the dashboard shows all three for every enrolment)."""
    query = (
        select(Enrolment)
        .join(CourseClass)
        .where(Enrolment.user_id == user.id, Enrolment.status == EnrolmentStatus.ACTIVE)
        .order_by(CourseClass.starts_on.desc(), CourseClass.name)
    )
    if with_courses:
        query = query.options(
            contains_eager(Enrolment.course_class).joinedload(CourseClass.course).selectinload(Course.modules)
        )
    return list(db.session.scalars(query))


def is_open_for_enrolment(course_class: CourseClass, today: date) -> bool:
    """A class takes self-enrolment when it allows it and has not ended."""
    return course_class.self_enrol and (course_class.ends_on is None or course_class.ends_on >= today)


def open_classes(user: Actor, today: date) -> list[CourseClass]:
    """Classes the user could join by themselves today."""
    enrolled = select(Enrolment.class_id).where(
        Enrolment.user_id == user.id, Enrolment.status == EnrolmentStatus.ACTIVE
    )
    candidates = db.session.scalars(
        select(CourseClass)
        .where(CourseClass.self_enrol.is_(True), CourseClass.id.not_in(enrolled))
        .order_by(CourseClass.starts_on, CourseClass.name)
    )
    return [c for c in candidates if is_open_for_enrolment(c, today)]


@dataclass
class EnrolResult:
    """How many learners were enrolled, were already in, or came back after withdrawing."""

    added: int = 0
    already: int = 0
    reactivated: int = 0


def enrol_problem(user: User) -> Problem | None:
    """Return why an admin may not enrol this user, or None: active learners of active units only."""
    if user.role != Role.LEARNER:
        return Problem(N_("'%(username)s' is not a learner"), username=user.username)
    if not user.active:
        return Problem(N_("'%(username)s' is disabled"), username=user.username)
    if user.unit is not None and user.unit.retired_at is not None:
        return Problem(N_("'%(username)s' belongs to a retired unit"), username=user.username)
    return None


def enrol_users(course_class: CourseClass, users: list[User], source: str, actor_id: int | None = None) -> EnrolResult:
    """Enrol learners in a class; existing enrolments are kept, withdrawn ones come back."""
    result = EnrolResult()
    existing = {
        e.user_id: e for e in db.session.scalars(select(Enrolment).where(Enrolment.class_id == course_class.id))
    }
    for user in users:
        if problem := enrol_problem(user):
            raise Refused(problem)
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
        record_audit(
            actor_id, "class.enrol", f"class:{course_class.id}", added=result.added, reactivated=result.reactivated
        )
    return result


def self_enrol(user: User, course_class: CourseClass, today: date) -> bool:
    """Enrol a learner in an open class; return False if they were already in."""
    if user.role != Role.LEARNER:
        raise Refused(Problem(N_("only learners enrol in classes")), status=403)
    if active_enrolment(user, course_class) is not None:
        return False
    if not is_open_for_enrolment(course_class, today):
        raise Refused(Problem(N_("this class does not take enrolments")), status=403)
    enrol_users(course_class, [user], source="self")
    return True


CLASS_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$")


@dataclass(frozen=True)
class ClassForm:
    """A checked class form: what the class should look like."""

    code: str
    name: str
    course_id: int
    level: str
    mode: str
    starts_on: date | None
    ends_on: date | None
    self_enrol: bool
    instructor_ids: tuple[int, ...]


def _read_date(value: str) -> date | None:
    value = value.strip()
    return date.fromisoformat(value) if value else None


def read_class_form(
    form: dict[str, str], instructor_ids: list[str], course_ids: set[int], allowed_instructors: set[int]
) -> ClassForm:
    """Check a class form against the courses and instructors that exist; refuse it with a problem
    per field."""
    errors: dict[str, Problem] = {}
    code = form.get("code", "").strip()
    if not CLASS_CODE_RE.match(code):
        errors["code"] = Problem(N_("the code must be 2-64 characters: letters, digits, '.', '_' or '-'"))
    name = clean_name(form.get("name", ""), field="name")
    if not name or len(name) > 300:
        errors["name"] = Problem(N_("the name must have 1-300 characters"))
    course_id = whole_number(form.get("course_id", "").strip(), minimum=1)
    if course_id is None or course_id not in course_ids:
        errors["course_id"] = Problem(N_("choose a course"))
    level = clean_name(form.get("level", ""), field="level")
    if len(level) > 100:
        errors["level"] = Problem(N_("the level must have at most 100 characters"))
    mode = form.get("mode", "")
    if mode not in {m.value for m in ClassMode}:
        errors["mode"] = Problem(N_("choose how the class is taught"))
    starts_on = ends_on = None
    try:
        starts_on = _read_date(form.get("starts_on", ""))
    except ValueError:
        errors["starts_on"] = Problem(N_("enter a date as YYYY-MM-DD"))
    try:
        ends_on = _read_date(form.get("ends_on", ""))
    except ValueError:
        errors["ends_on"] = Problem(N_("enter a date as YYYY-MM-DD"))
    if starts_on and ends_on and ends_on < starts_on:
        errors["ends_on"] = Problem(N_("the class cannot end before it starts"))
    chosen: list[int] = []
    for value in instructor_ids:
        instructor_id = whole_number(value, minimum=1)
        if instructor_id is None or instructor_id not in allowed_instructors:
            errors["instructors"] = Problem(N_("choose instructors from the list"))
            break
        if instructor_id not in chosen:
            chosen.append(instructor_id)
    if errors:
        raise Refused(*(problem.about(field=field) for field, problem in errors.items()))
    return ClassForm(
        code, name, int(course_id), level, mode, starts_on, ends_on, form.get("self_enrol") == "1", tuple(chosen)
    )


def save_class(course_class: CourseClass | None, form: ClassForm, actor_id: int | None) -> CourseClass:
    """Create a class, or change one, from a checked form; refuse a code already used."""
    clash = db.session.scalar(select(CourseClass).where(CourseClass.code == form.code))
    if clash is not None and clash is not course_class:
        raise Refused(Problem(N_("class code '%(code)s' is already used"), code=form.code), field="code")
    instructors = list(db.session.scalars(select(User).where(User.id.in_(form.instructor_ids))))
    creating = course_class is None
    if creating:
        course_class = CourseClass()
        db.session.add(course_class)
    before = {} if creating else _class_facts(course_class)
    course_class.code, course_class.name, course_class.course_id = form.code, form.name, form.course_id
    course_class.level, course_class.mode, course_class.self_enrol = form.level, form.mode, form.self_enrol
    course_class.starts_on, course_class.ends_on = form.starts_on, form.ends_on
    course_class.instructors = sorted(instructors, key=lambda u: form.instructor_ids.index(u.id))
    db.session.flush()
    after = _class_facts(course_class)
    if creating:
        record_audit(actor_id, "class.create", f"class:{course_class.id}", **after)
    elif changed := {k: {"from": before[k], "to": after[k]} for k in after if before[k] != after[k]}:
        record_audit(actor_id, "class.update", f"class:{course_class.id}", **changed)
    return course_class


def _class_facts(course_class: CourseClass) -> dict:
    return {
        "code": course_class.code,
        "name": course_class.name,
        "course_id": course_class.course_id,
        "level": course_class.level,
        "mode": course_class.mode,
        "self_enrol": course_class.self_enrol,
        "starts_on": course_class.starts_on.isoformat() if course_class.starts_on else None,
        "ends_on": course_class.ends_on.isoformat() if course_class.ends_on else None,
        "instructors": [u.username for u in course_class.instructors],
    }


def learners_of_unit(unit: Unit, include_subunits: bool) -> list[User]:
    """The active learners of an active unit (and of its active sub-units), by username."""
    if unit.retired_at is not None:
        raise Refused(Problem(N_("unit '%(unit)s' is retired"), unit=unit.code))
    unit_ids = subtree_ids(unit) if include_subunits else {unit.id}
    return list(
        db.session.scalars(
            select(User)
            .join(Unit, User.unit_id == Unit.id)
            .where(
                User.unit_id.in_(unit_ids), Unit.retired_at.is_(None), User.role == Role.LEARNER, User.active.is_(True)
            )
            .order_by(User.username)
        )
    )


def learners_from_rows(rows: list[CsvRow]) -> list[User]:
    """Find the learners a CSV of usernames names; refuse the file with each unusable row's line."""
    wanted = {normalise_username(row.values.get("username", "")) for row in rows}
    users = {u.username: u for u in db.session.scalars(select(User).where(User.username.in_(wanted)))}
    learners: list[User] = []
    errors: list[Problem] = []
    for row in rows:
        username = normalise_username(row.values.get("username", ""))
        user = users.get(username)
        if user is None:
            errors.append(Problem(N_("unknown user '%(username)s'"), at_line=row.line, username=username))
        elif problem := enrol_problem(user):
            errors.append(problem.about(line=row.line))
        elif user not in learners:
            learners.append(user)
    if errors:
        raise Refused(*errors)
    return learners


def withdraw(enrolment: Enrolment, actor_id: int | None) -> bool:
    """Withdraw an active enrolment (its records stay); return False if it already was.

    Once committed, the learner's sockets in the class's live sessions are cut.
    """
    if enrolment.status == EnrolmentStatus.WITHDRAWN:
        return False
    enrolment.status = EnrolmentStatus.WITHDRAWN
    db.session.flush()
    access_ended(AccessEnded(enrolment.user_id, Scope.CLASS, enrolment.class_id))
    record_audit(
        actor_id,
        "class.withdraw",
        f"class:{enrolment.class_id}",
        user_id=enrolment.user_id,
        username=enrolment.user.username,
    )
    return True


def roster(course_class: CourseClass) -> list[Enrolment]:
    """Every enrolment of a class, active first, by the learner's name."""
    enrolments = db.session.scalars(
        select(Enrolment)
        .join(User, Enrolment.user_id == User.id)
        .options(joinedload(Enrolment.user).joinedload(User.unit))
        .where(Enrolment.class_id == course_class.id)
        .order_by(User.full_name, User.username)
    ).all()
    return sorted(enrolments, key=lambda e: e.status != EnrolmentStatus.ACTIVE)
