"""Write parsed course sources to the database: idempotent, all-or-nothing, progress kept."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from lms.content.parse import CourseSource, ModuleSource
from lms.courses.models import Course, CourseAsset, Module
from lms.evaluations.models import EvaluationForm
from lms.extensions import db
from lms.quizzes.models import Quiz


@dataclass
class SyncReport:
    """What a sync did, by "course/module" name."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    @property
    def touched(self) -> bool:
        return bool(self.added or self.changed or self.retired)


def _apply_module(module: Module, source: ModuleSource) -> None:
    module.position = source.position
    module.title = source.title
    module.summary = source.summary
    module.html = source.html
    module.toc = source.toc
    module.source_path = source.path
    module.source_hash = source.source_hash
    module.estimated_minutes = source.minutes
    module.min_minutes = source.min_minutes
    module.required = source.required
    module.retired_at = None


def _module_changed(module: Module, source: ModuleSource) -> bool:
    return (
        module.retired_at is not None or module.source_hash != source.source_hash or module.position != source.position
    )


def _sync_assets(course: Course, source: CourseSource) -> None:
    existing = {a.path: a for a in db.session.scalars(select(CourseAsset).where(CourseAsset.course_id == course.id))}
    for asset in source.assets:
        row = existing.pop(asset.path, None)
        if row is None:
            row = CourseAsset(course_id=course.id, path=asset.path)
            db.session.add(row)
        if row.sha256 != asset.sha256:
            row.media_type, row.data, row.sha256 = asset.media_type, asset.data, asset.sha256
    for stale in existing.values():
        db.session.delete(stale)


def sync_course(source: CourseSource, now: datetime, report: SyncReport) -> Course:
    """Create or update one course and its modules; retire modules no longer in the source."""
    course = db.session.scalar(select(Course).where(Course.slug == source.slug))
    if course is not None and course.content_hash == source.content_hash:
        report.unchanged.append(source.slug)
        return course
    if course is None:
        course = Course(slug=source.slug)
        db.session.add(course)
        report.added.append(source.slug)
    else:
        report.changed.append(source.slug)
    course.title = source.title
    course.summary = source.summary
    course.estimated_hours = source.estimated_hours
    course.requirements = source.requirements
    course.content_hash = source.content_hash
    course.synced_at = now
    db.session.flush()

    by_slug = {m.slug: m for m in course.modules}
    for module_source in source.modules:
        name = f"{source.slug}/{module_source.slug}"
        module = by_slug.pop(module_source.slug, None)
        if module is None:
            module = Module(course=course, slug=module_source.slug)
            db.session.add(module)
            report.added.append(name)
        elif _module_changed(module, module_source):
            report.changed.append(name)
        else:
            continue
        _apply_module(module, module_source)
    _retire(by_slug.values(), source.slug, now, report)
    _sync_quizzes(course, source, now, report)
    _sync_assets(course, source)
    _sync_evaluation(course, source, report)
    return course


def _sync_evaluation(course: Course, source: CourseSource, report: SyncReport) -> None:
    """Store the course's evaluation form; a removed file removes the form (answers stay)."""
    row = db.session.get(EvaluationForm, course.id)
    name = f"{source.slug}/evaluation"
    if source.evaluation is None:
        if row is not None:
            db.session.delete(row)
            report.retired.append(name)
        return
    if row is None:
        row = EvaluationForm(course_id=course.id)
        db.session.add(row)
        report.added.append(name)
    elif row.source_hash == source.evaluation_hash:
        return
    else:
        report.changed.append(name)
    row.form, row.source_hash = source.evaluation, source.evaluation_hash


def _retire(rows, course_slug: str, now: datetime, report: SyncReport) -> None:
    """Hide modules or quizzes whose file is gone; learners' records stay."""
    for row in rows:
        if row.retired_at is None:
            row.retired_at = now
            report.retired.append(f"{course_slug}/{row.slug}")


def _sync_quizzes(course: Course, source: CourseSource, now: datetime, report: SyncReport) -> None:
    """Add and update quizzes; an attempt keeps its own copy of the questions it drew."""
    existing = {q.slug: q for q in db.session.scalars(select(Quiz).where(Quiz.course_id == course.id))}
    for position, quiz_source in enumerate(source.quizzes, start=1):
        name = f"{source.slug}/{quiz_source.slug}"
        quiz = existing.pop(quiz_source.slug, None)
        if quiz is None:
            quiz = Quiz(course_id=course.id, slug=quiz_source.slug)
            db.session.add(quiz)
            report.added.append(name)
        elif quiz.source_hash != quiz_source.source_hash or quiz.retired_at is not None or quiz.position != position:
            report.changed.append(name)
        else:
            continue
        quiz.title = quiz_source.title
        quiz.position = position
        quiz.settings = quiz_source.settings
        quiz.questions = quiz_source.question_data()
        quiz.required = quiz_source.required
        quiz.source_path = quiz_source.path
        quiz.source_hash = quiz_source.source_hash
        quiz.retired_at = None
    _retire(existing.values(), source.slug, now, report)


def sync_courses(
    sources: list[CourseSource],
    now: datetime,
    on_course: Callable[[CourseSource], None] | None = None,
) -> SyncReport:
    """Sync every course in one transaction; the caller commits, or rolls back on error."""
    report = SyncReport()
    for source in sources:
        sync_course(source, now, report)
        if on_course:
            on_course(source)
    db.session.flush()
    return report
