"""Recording progress and gathering each enrolment's facts for the completion rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from lms.courses.models import CourseClass, Enrolment, EnrolmentStatus, Module
from lms.extensions import db
from lms.progress.completion import (
    CompletionStatus,
    EnrolmentFacts,
    ModuleFact,
    completion_status,
    credited_seconds,
)
from lms.progress.models import ModuleProgress


def module_facts(modules: list[Module], done_ids: set[int]) -> EnrolmentFacts:
    """Build the completion facts from a course's active modules and the ids done."""
    return EnrolmentFacts(
        modules=tuple(ModuleFact(m.id, m.title, m.required, m.id in done_ids) for m in modules)
    )


def progress_by_module(enrolment: Enrolment) -> dict[int, ModuleProgress]:
    """The enrolment's progress rows, by module id."""
    rows = db.session.scalars(select(ModuleProgress).where(ModuleProgress.enrolment_id == enrolment.id))
    return {row.module_id: row for row in rows}


def completion_for(enrolment: Enrolment, progress: dict[int, ModuleProgress] | None = None) -> CompletionStatus:
    """The completion verdict of one enrolment."""
    progress = progress_by_module(enrolment) if progress is None else progress
    course = enrolment.course_class.course
    done = {mid for mid, row in progress.items() if row.completed_at is not None}
    return completion_status(course.requirements, module_facts(course.active_modules, done))


def _progress_row(enrolment: Enrolment, module: Module, now: datetime) -> tuple[ModuleProgress, bool]:
    """Fetch or create the progress row; a concurrent first visit never makes two."""
    query = select(ModuleProgress).where(
        ModuleProgress.enrolment_id == enrolment.id, ModuleProgress.module_id == module.id
    )
    row = db.session.scalar(query)
    if row is not None:
        return row, False
    try:
        with db.session.begin_nested():
            row = ModuleProgress(enrolment_id=enrolment.id, module_id=module.id,
                                 first_opened_at=now, last_seen_at=now)
            db.session.add(row)
        return row, True
    except IntegrityError:
        return db.session.scalar(query), False


def record_heartbeat(
    enrolment: Enrolment, module: Module, now: datetime, position: str, cap_seconds: int
) -> int:
    """Note that the learner is reading the module; return the seconds credited."""
    row, created = _progress_row(enrolment, module, now)
    credit = 0 if created else credited_seconds(row.last_seen_at, now, cap_seconds)
    row.seconds_spent += credit
    row.last_seen_at = max(row.last_seen_at, now)
    if position:
        row.last_position = position[:100]
    return credit


def mark_done(enrolment: Enrolment, module: Module, now: datetime) -> bool:
    """Record the module as done; return False when it already was (nothing changes)."""
    row, _created = _progress_row(enrolment, module, now)
    if row.completed_at is not None:
        return False
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

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 100


def overview(enrolment: Enrolment, progress: dict[int, ModuleProgress] | None = None) -> EnrolmentOverview:
    """Summarise an enrolment: counts, where to resume, what is next."""
    progress = progress_by_module(enrolment) if progress is None else progress
    modules = enrolment.course_class.course.active_modules
    status = completion_for(enrolment, progress)
    done_ids = {mid for mid, row in progress.items() if row.completed_at is not None}
    seen = [progress[m.id] for m in modules if m.id in progress]
    next_module = next((m for m in modules if m.id not in done_ids and m.required), None)
    next_module = next_module or next((m for m in modules if m.id not in done_ids), None)
    # Resume the module last read and not yet done; once it is done, go on to the next one.
    latest = max((row for row in seen if row.completed_at is None), key=lambda row: row.last_seen_at, default=None)
    resume = next((m for m in modules if latest and m.id == latest.module_id), None)
    if resume is None and seen:
        resume = next_module
    counted = next((r for r in status.requirements if r.key == "modules"), None)
    return EnrolmentOverview(
        enrolment=enrolment,
        status=status,
        done=counted.done if counted else len(done_ids),
        total=counted.total if counted else len(modules),
        resume_module=resume,
        resume_position=latest.last_position if latest and resume and resume.id == latest.module_id else "",
        next_module=next_module,
        seconds_spent=sum(row.seconds_spent for row in seen),
    )


def class_overviews(course_class: CourseClass) -> list[EnrolmentOverview]:
    """Overviews of every active enrolment of a class, with one query for all progress."""
    enrolments = list(
        db.session.scalars(
            select(Enrolment)
            .where(Enrolment.class_id == course_class.id, Enrolment.status == EnrolmentStatus.ACTIVE)
        )
    )
    rows = db.session.scalars(
        select(ModuleProgress).where(ModuleProgress.enrolment_id.in_([e.id for e in enrolments]))
    )
    by_enrolment: dict[int, dict[int, ModuleProgress]] = {e.id: {} for e in enrolments}
    for row in rows:
        by_enrolment[row.enrolment_id][row.module_id] = row
    overviews = [overview(e, by_enrolment[e.id]) for e in enrolments]
    return sorted(overviews, key=lambda o: (o.percent, o.enrolment.user.full_name))
