"""Recording progress and gathering each enrolment's facts for the completion rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from lms.courses.models import CourseClass, Enrolment, EnrolmentStatus, Module
from lms.evaluations.facts import evaluation_facts
from lms.extensions import db
from lms.live.attendance import Presence, attendance_share
from lms.live.models import AttendanceInterval, LiveSession, SessionState
from lms.live.report import overrides_for
from lms.progress.completion import (
    CompletionStatus,
    EnrolmentFacts,
    EvaluationFact,
    ModuleFact,
    NextStep,
    QuizFact,
    SessionFact,
    completion_status,
    credited_seconds,
    minutes_left,
    next_step,
    seconds_still_needed,
)
from lms.progress.models import ModuleProgress
from lms.quizzes.attempts import active_quizzes, best_attempts, pending_count
from lms.quizzes.models import Quiz, QuizAttempt
from lms.refusals import N_, Problem, Refused

TOO_EARLY = N_(
    "This module asks for at least %(min)d minutes of reading before it can be marked done: "
    "about %(left)d more minutes to go. Time counts while the page is open on your screen."
)


class ProgressFacts(NamedTuple):
    """What the pages and rules read of one progress row (a read-only copy, not the mapped row)."""

    module_id: int
    first_opened_at: datetime
    last_seen_at: datetime
    completed_at: datetime | None
    seconds_spent: int
    last_position: str


# Plain columns rather than mapped rows: a report over 100,000 enrolments reads hundreds of
# thousands of progress rows, and building a mapped object for each was most of its time.
PROGRESS_FACT_COLUMNS = tuple(getattr(ModuleProgress, name) for name in ProgressFacts._fields)


@dataclass
class EnrolmentRecords:
    """What one enrolment has done, gathered in as few queries as possible."""

    progress: dict[int, ProgressFacts] = field(default_factory=dict)
    best: dict[int, QuizAttempt] = field(default_factory=dict)  # quiz id -> best closed attempt
    pending: dict[int, int] = field(default_factory=dict)  # quiz id -> attempts awaiting a mark
    sessions: tuple[SessionFact, ...] = ()  # required live sessions of the class, with the share attended
    evaluation: EvaluationFact | None = None  # the class requires its evaluation: answered or not


def records_for(enrolments: list[Enrolment], quizzes: list[Quiz]) -> dict[int, EnrolmentRecords]:
    """Records of many enrolments (of one course) at once, by enrolment id."""
    records = {e.id: EnrolmentRecords() for e in enrolments}
    ids = list(records)
    if not ids:
        return records
    query = select(ModuleProgress.enrolment_id, *PROGRESS_FACT_COLUMNS).where(ModuleProgress.enrolment_id.in_(ids))
    for enrolment_id, *columns in db.session.execute(query):
        records[enrolment_id].progress[columns[0]] = ProgressFacts(*columns)
    quiz_ids = [q.id for q in quizzes]
    for (enrolment_id, quiz_id), attempt in best_attempts(ids, quiz_ids).items():
        records[enrolment_id].best[quiz_id] = attempt
    for (enrolment_id, quiz_id), count in pending_count(ids, quiz_ids).items():
        records[enrolment_id].pending[quiz_id] = count
    _attendance(enrolments, records)
    for enrolment_id, fact in evaluation_facts(enrolments).items():
        records[enrolment_id].evaluation = fact
    return records


def _attendance(enrolments: list[Enrolment], records: dict[int, EnrolmentRecords]) -> None:
    """Fill each record's required sessions with the share its learner attended."""
    sessions = db.session.scalars(
        select(LiveSession)
        .where(
            LiveSession.class_id.in_({e.class_id for e in enrolments}),
            LiveSession.attendance_required.is_(True),
            LiveSession.state != SessionState.CANCELLED,
        )
        .order_by(LiveSession.starts_at)
    ).all()
    if not sessions:
        return
    stretches: dict[tuple[int, int], list[Presence]] = {}
    for row in db.session.scalars(
        select(AttendanceInterval).where(
            AttendanceInterval.session_id.in_([s.id for s in sessions]),
            AttendanceInterval.user_id.in_({e.user_id for e in enrolments}),
        )
    ):
        stretches.setdefault((row.session_id, row.user_id), []).append(
            Presence(row.joined_at, row.left_at, row.last_heartbeat_at)
        )
    rulings = overrides_for([s.id for s in sessions], {e.user_id for e in enrolments})

    def share(session: LiveSession, user_id: int) -> float:
        ruling = rulings.get((session.id, user_id))
        if ruling is not None:  # the instructor's word wins, either way
            return 1.0 if ruling.present else 0.0
        return attendance_share(stretches.get((session.id, user_id), []), session.starts_at, session.ends_at)

    for enrolment in enrolments:
        records[enrolment.id].sessions = tuple(
            SessionFact(s.id, s.title, share(s, enrolment.user_id), s.attendance_threshold)
            for s in sessions
            if s.class_id == enrolment.class_id
        )


def records_of(enrolment: Enrolment) -> EnrolmentRecords:
    """The records of one enrolment."""
    quizzes = active_quizzes(enrolment.course_class.course_id)
    return records_for([enrolment], quizzes)[enrolment.id]


def module_progress(enrolment: Enrolment, module: Module) -> ModuleProgress | None:
    """The enrolment's progress row for one module, if any."""
    return db.session.scalar(
        select(ModuleProgress).where(ModuleProgress.enrolment_id == enrolment.id, ModuleProgress.module_id == module.id)
    )


def enrolment_facts(modules: list[Module], quizzes: list[Quiz], records: EnrolmentRecords) -> EnrolmentFacts:
    """Build the completion facts from a course's active modules and quizzes and what was done."""
    done = {mid for mid, row in records.progress.items() if row.completed_at is not None}
    return EnrolmentFacts(
        modules=tuple(ModuleFact(m.id, m.title, m.required, m.id in done) for m in modules),
        quizzes=tuple(
            QuizFact(
                q.id,
                q.title,
                q.required,
                bool(records.best.get(q.id) and records.best[q.id].passed),
                bool(records.pending.get(q.id)),
            )
            for q in quizzes
        ),
        sessions=records.sessions,
        evaluation=records.evaluation,
    )


def completion_for(
    enrolment: Enrolment, records: EnrolmentRecords | None = None, quizzes: list[Quiz] | None = None
) -> CompletionStatus:
    """The completion verdict of one enrolment."""
    course = enrolment.course_class.course
    quizzes = active_quizzes(course.id) if quizzes is None else quizzes
    records = records_for([enrolment], quizzes)[enrolment.id] if records is None else records
    return completion_status(course.requirements, enrolment_facts(course.active_modules, quizzes, records))


def _progress_row(enrolment: Enrolment, module: Module, now: datetime) -> tuple[ModuleProgress, bool]:
    """Fetch and lock, or create, the progress row; a concurrent first visit never makes two.

    The lock (FOR UPDATE on PostgreSQL; SQLite's write transaction already serialises writers)
    makes pings from two tabs take turns: each credits only the gap since the other's, so time
    read in two tabs at once is credited once.
    """
    query = (
        select(ModuleProgress)
        .where(ModuleProgress.enrolment_id == enrolment.id, ModuleProgress.module_id == module.id)
        .with_for_update()
    )
    row = db.session.scalar(query)
    if row is not None:
        return row, False
    try:
        with db.session.begin_nested():
            row = ModuleProgress(enrolment_id=enrolment.id, module_id=module.id, first_opened_at=now, last_seen_at=now)
            db.session.add(row)
        return row, True
    except IntegrityError:
        return db.session.scalar(query), False


class Heartbeat(NamedTuple):
    """What a ping earned, and the reading time the module still asks for before "done"."""

    credited: int
    seconds_left: int


def record_heartbeat(enrolment: Enrolment, module: Module, now: datetime, position: str, cap_seconds: int) -> Heartbeat:
    """Note that the learner is reading the module; return the seconds credited and still needed."""
    row, created = _progress_row(enrolment, module, now)
    credit = 0 if created else credited_seconds(row.last_seen_at, now, cap_seconds)
    row.seconds_spent += credit
    row.last_seen_at = max(row.last_seen_at, now)
    if position:
        row.last_position = position[:100]
    return Heartbeat(credit, seconds_still_needed(module.min_minutes, row.seconds_spent))


def mark_done(enrolment: Enrolment, module: Module, now: datetime) -> bool:
    """Record the module as done; return False when it already was (nothing changes).

    Refused while the reading time credited by the pings is below the module's `min_minutes`.
    """
    row, _created = _progress_row(enrolment, module, now)
    if row.completed_at is not None:
        return False
    left = seconds_still_needed(module.min_minutes, row.seconds_spent)
    if left:
        raise Refused(Problem(TOO_EARLY, min=module.min_minutes, left=minutes_left(left)), code="too_early", status=409)
    row.completed_at = now
    row.last_seen_at = max(row.last_seen_at, now)
    db.session.flush()
    refresh_completion(enrolment, now)
    return True


def refresh_completion(enrolment: Enrolment, now: datetime) -> None:
    """Stamp the enrolment's completion time the first time every requirement is met."""
    if enrolment.completed_at is None and completion_for(enrolment).complete:
        enrolment.completed_at = now


@dataclass
class EnrolmentOverview:
    """What the dashboard and class pages show for one enrolment."""

    enrolment: Enrolment
    status: CompletionStatus
    done: int
    total: int
    resume_module: Module | None
    resume_position: str
    next_module: Module | None
    seconds_spent: int
    next_step: NextStep | None = None  # the first item completion still misses, whatever its rule
    next_quiz: Quiz | None = None  # the quiz `next_step` names, when it names one

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 100


def overview(
    enrolment: Enrolment, records: EnrolmentRecords | None = None, quizzes: list[Quiz] | None = None
) -> EnrolmentOverview:
    """Summarise an enrolment: counts over every requirement, where to resume, what is next."""
    course = enrolment.course_class.course
    quizzes = active_quizzes(course.id) if quizzes is None else quizzes
    records = records_for([enrolment], quizzes)[enrolment.id] if records is None else records
    progress = records.progress
    modules = course.active_modules
    facts = enrolment_facts(modules, quizzes, records)
    status = completion_status(course.requirements, facts)
    step = next_step(status, facts)
    done_ids = {mid for mid, row in progress.items() if row.completed_at is not None}
    seen = [progress[m.id] for m in modules if m.id in progress]
    next_module = next((m for m in modules if m.id not in done_ids and m.required), None)
    next_module = next_module or next((m for m in modules if m.id not in done_ids), None)
    # Resume the module last read and not yet done; once it is done, go on to the next one.
    latest = max((row for row in seen if row.completed_at is None), key=lambda row: row.last_seen_at, default=None)
    resume = next((m for m in modules if latest and m.id == latest.module_id), None)
    if resume is None and seen:
        resume = next_module
    return EnrolmentOverview(
        enrolment=enrolment,
        status=status,
        done=sum(r.done for r in status.requirements),
        total=sum(r.total for r in status.requirements),
        resume_module=resume,
        resume_position=latest.last_position if latest and resume and resume.id == latest.module_id else "",
        next_module=next_module,
        seconds_spent=sum(row.seconds_spent for row in seen),
        next_step=step,
        next_quiz=next((q for q in quizzes if step and step.key == "quizzes" and q.id == step.item_id), None),
    )


def overviews_of(enrolments: list[Enrolment]) -> list[EnrolmentOverview]:
    """Overviews of these enrolments, in their order, with the records of each course read at once
    (a learner's dashboard: five statements per enrolment became five per course)."""
    by_course: dict[int, list[Enrolment]] = {}
    for enrolment in enrolments:
        by_course.setdefault(enrolment.course_class.course_id, []).append(enrolment)
    found: dict[int, EnrolmentOverview] = {}
    for course_id, group in by_course.items():
        quizzes = active_quizzes(course_id)
        records = records_for(group, quizzes)
        found.update((e.id, overview(e, records[e.id], quizzes)) for e in group)
    return [found[e.id] for e in enrolments]


def class_overviews(course_class: CourseClass) -> list[EnrolmentOverview]:
    """Overviews of every active enrolment of a class, with a few queries for all of them."""
    enrolments = list(
        db.session.scalars(
            select(Enrolment).where(Enrolment.class_id == course_class.id, Enrolment.status == EnrolmentStatus.ACTIVE)
        )
    )
    quizzes = active_quizzes(course_class.course_id)
    records = records_for(enrolments, quizzes)
    overviews = [overview(e, records[e.id], quizzes) for e in enrolments]
    return sorted(overviews, key=lambda o: (o.percent, o.enrolment.user.full_name))
