"""Gathering the facts reports count, in a fixed number of queries whatever the number of learners.

Completion is decided by `lms.progress.service.completion_for` over `records_for`, exactly as on the
dashboard and class pages; "certified" means the enrolment has a certificate that is not revoked.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from lms.auth.account import Actor
from lms.auth.models import Role, User
from lms.certificates.models import Certificate
from lms.courses.models import Course, CourseClass, Enrolment, EnrolmentStatus, class_instructors
from lms.extensions import db
from lms.live.attendance import Presence, attendance_share
from lms.live.models import AttendanceInterval, AttendanceOverride, LiveSession, PresenceSource, SessionState
from lms.live.report import overrides_for
from lms.org.heads import answered_unit_ids
from lms.org.models import Unit
from lms.progress.completion import CompletionStatus
from lms.progress.service import completion_for, records_for
from lms.quizzes.attempts import active_quizzes
from lms.quizzes.models import QuizAttempt
from lms.reports.figures import ClassInfo, PlaceFact, ReportFilters, UnitNode, class_in_range

CHUNK = 900  # ids per IN (...) list: under every database's limit on bound parameters


def _chunks(items: Sequence, size: int = CHUNK) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# -- which classes a viewer's reports cover -------------------------------------------------------


def _class_query(viewer: User, unit_ids: set[int] | None = None):
    query = select(CourseClass).options(joinedload(CourseClass.course).selectinload(Course.modules))
    if unit_ids is not None:  # a head: every class with an active learner of their units
        query = query.where(CourseClass.id.in_(classes_with_learners_in(unit_ids)))
    elif viewer.role != Role.ADMIN:  # instructors: their own classes only
        query = query.join(class_instructors).where(class_instructors.c.user_id == viewer.id)
    return query


def classes_with_learners_in(unit_ids: set[int]):
    """A subquery of the ids of the classes with an active learner of these units."""
    return (
        select(Enrolment.class_id)
        .join(User, User.id == Enrolment.user_id)
        .where(Enrolment.status == EnrolmentStatus.ACTIVE, User.unit_id.in_(unit_ids))
    )


def report_classes(viewer: Actor, filters: ReportFilters, unit_ids: set[int] | None = None) -> list[CourseClass]:
    """The classes the viewer may report on that pass the filters, newest first; with `unit_ids`
    (a head's units), the classes of those units' learners instead."""
    query = _class_query(viewer, unit_ids)
    if filters.mode:
        query = query.where(CourseClass.mode == filters.mode)
    if filters.course_id:
        query = query.where(CourseClass.course_id == filters.course_id)
    classes = [c for c in db.session.scalars(query).unique() if class_in_range(c.starts_on, c.ends_on, filters)]
    classes.sort(key=lambda c: c.name.casefold())
    classes.sort(key=lambda c: c.starts_on.toordinal() if c.starts_on else 0, reverse=True)
    return classes


def course_choices(viewer: Actor, every: bool = False) -> list[Course]:
    """Courses the viewer may filter on: every course for admins (and with `every`), their classes'
    courses for instructors."""
    query = select(Course).order_by(Course.title)
    if viewer.role != Role.ADMIN and not every:
        taught = select(CourseClass.course_id).join(class_instructors).where(class_instructors.c.user_id == viewer.id)
        query = query.where(Course.id.in_(taught))
    return list(db.session.scalars(query))


def class_info(course_class: CourseClass) -> ClassInfo:
    """A class as plain facts for the figures."""
    return ClassInfo(
        course_class.id,
        course_class.name,
        course_class.course_id,
        course_class.course.title,
        course_class.level or "",
        course_class.mode,
        course_class.starts_on,
        course_class.ends_on,
    )


def unit_nodes() -> list[UnitNode]:
    """The whole unit tree, as plain facts (retired units included: past learners keep them)."""
    rows = db.session.execute(select(Unit.id, Unit.name, Unit.level, Unit.parent_id, Unit.retired_at))
    return [UnitNode(i, name, level or "", parent, retired is not None) for i, name, level, parent, retired in rows]


# -- one fact per active enrolment ----------------------------------------------------------------


def gather_places(classes: Sequence[CourseClass]) -> list[PlaceFact]:
    """One `PlaceFact` per active enrolment of these classes; withdrawn enrolments are left out."""
    by_id = {c.id: c for c in classes}
    if not by_id:
        return []
    unit_of: dict[int, int | None] = {}
    enrolments: list[Enrolment] = []
    for ids in _chunks(list(by_id)):
        for enrolment, unit_id in db.session.execute(
            select(Enrolment, User.unit_id)
            .join(User, User.id == Enrolment.user_id)
            .where(Enrolment.class_id.in_(ids), Enrolment.status == EnrolmentStatus.ACTIVE)
        ):
            # The class is already loaded: hand it over instead of a lazy load per enrolment.
            set_committed_value(enrolment, "course_class", by_id[enrolment.class_id])
            enrolments.append(enrolment)
            unit_of[enrolment.id] = unit_id
    attended = _attended(list(by_id))
    by_course: dict[int, list[Enrolment]] = {}
    for enrolment in enrolments:
        by_course.setdefault(by_id[enrolment.class_id].course_id, []).append(enrolment)
    places = []
    for course_id, group in by_course.items():
        quizzes = active_quizzes(course_id)
        for chunk in _chunks(group):
            ids = [e.id for e in chunk]
            records = records_for(list(chunk), quizzes)
            attempted = set(
                db.session.scalars(select(QuizAttempt.enrolment_id).where(QuizAttempt.enrolment_id.in_(ids)).distinct())
            )
            certified = set(
                db.session.scalars(
                    select(Certificate.enrolment_id).where(
                        Certificate.enrolment_id.in_(ids), Certificate.revoked_at.is_(None)
                    )
                )
            )
            for enrolment in chunk:
                record = records[enrolment.id]
                status = completion_for(enrolment, record, quizzes)
                complete = status.complete
                started = bool(
                    record.progress
                    or enrolment.id in attempted
                    or (enrolment.class_id, enrolment.user_id) in attended
                    or any(s.share > 0 for s in record.sessions)
                )
                course_class = by_id[enrolment.class_id]
                places.append(
                    PlaceFact(
                        enrolment.id,
                        enrolment.user_id,
                        unit_of[enrolment.id],
                        enrolment.class_id,
                        course_id,
                        course_class.level or "",
                        started or complete,
                        complete,
                        enrolment.id in certified,
                        status.share,
                    )
                )
    return places


def _attended(class_ids: list[int]) -> set[tuple[int, int]]:
    """(class id, user id) of everyone present at any session of these classes, or ruled present."""
    seen: set[tuple[int, int]] = set()
    for ids in _chunks(class_ids):
        seen.update(
            (c, u)
            for c, u in db.session.execute(
                select(LiveSession.class_id, AttendanceInterval.user_id)
                .join(LiveSession, LiveSession.id == AttendanceInterval.session_id)
                .where(LiveSession.class_id.in_(ids))
                .distinct()
            )
        )
        seen.update(
            (c, u)
            for c, u in db.session.execute(
                select(LiveSession.class_id, AttendanceOverride.user_id)
                .join(LiveSession, LiveSession.id == AttendanceOverride.session_id)
                .where(LiveSession.class_id.in_(ids), AttendanceOverride.present.is_(True))
                .distinct()
            )
        )
    return seen


# -- one class's learners ------------------------------------------------------------------------


@dataclass(frozen=True)
class LearnerLine:
    """One learner-place of a class as the class drill-down lists it."""

    user: User
    place: PlaceFact


def class_learners(course_class: CourseClass) -> list[LearnerLine]:
    """Each active learner of the class with their state, by name."""
    places = gather_places([course_class])
    users = (
        {
            u.id: u
            for u in db.session.scalars(
                select(User).options(joinedload(User.unit)).where(User.id.in_([p.user_id for p in places]))
            )
        }
        if places
        else {}
    )
    lines = [LearnerLine(users[p.user_id], p) for p in places]
    return sorted(lines, key=lambda line: (line.user.full_name.casefold(), line.user.id))


# -- transcripts ---------------------------------------------------------------------------------


def transcript_classes(viewer: User, learner: User) -> set[int] | None:
    """Class ids whose parts of the learner's transcript the viewer may see; None means all.

    Admins, the learner and the heads of the learner's unit (or a unit above it) see everything;
    instructors see the classes they teach; others nothing.
    """
    if viewer.role == Role.ADMIN or viewer.id == learner.id:
        return None
    if learner.unit_id is not None and learner.unit_id in answered_unit_ids(viewer.id):
        return None  # the head of the learner's unit, or of a unit above it
    if viewer.role == Role.INSTRUCTOR:
        return set(
            db.session.scalars(select(class_instructors.c.class_id).where(class_instructors.c.user_id == viewer.id))
        )
    return set()


@dataclass(frozen=True)
class ModuleLine:
    title: str
    required: bool
    done_at: datetime | None
    seconds: int


@dataclass(frozen=True)
class QuizLine:
    title: str
    required: bool
    attempts: int
    best_percent: float | None
    passed: bool
    pending: bool


@dataclass(frozen=True)
class SessionLine:
    title: str
    starts_at: datetime
    required: bool
    threshold: float
    share: float
    sources: tuple[str, ...]

    @property
    def attended(self) -> bool:
        return self.share + 1e-9 >= self.threshold


@dataclass(frozen=True)
class CertificateLine:
    serial: str
    code: str
    issued_at: datetime
    revoked_at: datetime | None


@dataclass
class TranscriptEntry:
    """One enrolment of the learner: its status by the completion rules and every record behind it."""

    enrolment: Enrolment
    status: CompletionStatus
    modules: list[ModuleLine] = field(default_factory=list)
    quizzes: list[QuizLine] = field(default_factory=list)
    sessions: list[SessionLine] = field(default_factory=list)
    certificates: list[CertificateLine] = field(default_factory=list)

    @property
    def seconds_spent(self) -> int:
        return sum(m.seconds for m in self.modules)

    @property
    def withdrawn(self) -> bool:
        return self.enrolment.status != EnrolmentStatus.ACTIVE


def transcript(learner: User, class_ids: set[int] | None) -> list[TranscriptEntry]:
    """The learner's enrolments (limited to `class_ids` unless None), newest class first, with records."""
    query = (
        select(Enrolment)
        .join(CourseClass)
        .options(joinedload(Enrolment.course_class).joinedload(CourseClass.course).selectinload(Course.modules))
        .where(Enrolment.user_id == learner.id)
    )
    if class_ids is not None:
        query = query.where(Enrolment.class_id.in_(class_ids or [0]))
    enrolments = list(db.session.scalars(query).unique())
    enrolments.sort(key=lambda e: e.course_class.name.casefold())
    enrolments.sort(key=lambda e: e.course_class.starts_on.toordinal() if e.course_class.starts_on else 0, reverse=True)
    if not enrolments:
        return []
    ids = [e.id for e in enrolments]
    attempts = _attempt_counts(ids)
    certificates: dict[int, list[CertificateLine]] = {}
    for cert in db.session.scalars(
        select(Certificate).where(Certificate.enrolment_id.in_(ids)).order_by(Certificate.issued_at)
    ):
        certificates.setdefault(cert.enrolment_id, []).append(
            CertificateLine(cert.serial, cert.verification_code, cert.issued_at, cert.revoked_at)
        )
    sessions = _session_lines(learner, {e.class_id for e in enrolments})
    entries = []
    for enrolment in enrolments:
        course = enrolment.course_class.course
        quizzes = active_quizzes(course.id)
        record = records_for([enrolment], quizzes)[enrolment.id]
        entry = TranscriptEntry(
            enrolment,
            completion_for(enrolment, record, quizzes),
            sessions=sessions.get(enrolment.class_id, []),
            certificates=certificates.get(enrolment.id, []),
        )
        for module in course.active_modules:
            row = record.progress.get(module.id)
            entry.modules.append(
                ModuleLine(
                    module.title, module.required, row.completed_at if row else None, row.seconds_spent if row else 0
                )
            )
        for quiz in quizzes:
            best = record.best.get(quiz.id)
            entry.quizzes.append(
                QuizLine(
                    quiz.title,
                    quiz.required,
                    attempts.get((enrolment.id, quiz.id), 0),
                    best.percent if best else None,
                    bool(best and best.passed),
                    bool(record.pending.get(quiz.id)),
                )
            )
        entries.append(entry)
    return entries


def _attempt_counts(enrolment_ids: list[int]) -> dict[tuple[int, int], int]:
    rows = db.session.execute(
        select(QuizAttempt.enrolment_id, QuizAttempt.quiz_id, func.count())
        .where(QuizAttempt.enrolment_id.in_(enrolment_ids))
        .group_by(QuizAttempt.enrolment_id, QuizAttempt.quiz_id)
    )
    return {(e, q): n for e, q, n in rows}


def _session_lines(learner: User, class_ids: set[int]) -> dict[int, list[SessionLine]]:
    """Every session of these classes that was not cancelled, with the share the learner attended."""
    sessions = list(
        db.session.scalars(
            select(LiveSession)
            .where(LiveSession.class_id.in_(class_ids), LiveSession.state != SessionState.CANCELLED)
            .order_by(LiveSession.starts_at)
        )
    )
    if not sessions:
        return {}
    stretches: dict[int, list[Presence]] = {}
    sources: dict[int, list[str]] = {}
    for row in db.session.scalars(
        select(AttendanceInterval).where(
            AttendanceInterval.session_id.in_([s.id for s in sessions]), AttendanceInterval.user_id == learner.id
        )
    ):
        stretches.setdefault(row.session_id, []).append(Presence(row.joined_at, row.left_at, row.last_heartbeat_at))
        if row.source not in sources.setdefault(row.session_id, []):
            sources[row.session_id].append(row.source)
    rulings = overrides_for([s.id for s in sessions], {learner.id})
    lines: dict[int, list[SessionLine]] = {}
    for session in sessions:
        ruling = rulings.get((session.id, learner.id))
        said = list(sources.get(session.id, []))
        if ruling is not None:  # the instructor's word wins, as in the completion rules
            share = 1.0 if ruling.present else 0.0
            said.append(PresenceSource.MARKED.value)
        else:
            share = attendance_share(stretches.get(session.id, []), session.starts_at, session.ends_at)
        lines.setdefault(session.class_id, []).append(
            SessionLine(
                session.title,
                session.starts_at,
                session.attendance_required,
                session.attendance_threshold,
                share,
                tuple(dict.fromkeys(said)),
            )
        )
    return lines
