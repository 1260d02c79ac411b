"""`flask content check|sync [DIR]`."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import click
import yaml
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from lms.cli import progressbar
from lms.content.parse import SLUG_RE, ContentTree, count_module_files, read_content
from lms.content.render import heading_slug
from lms.content.sync import sync_courses
from lms.courses.models import Course
from lms.database import utcnow, write_transaction
from lms.extensions import db
from lms.quizzes.gift import parse_gift

content_cli = AppGroup("content", help="Check and load course content.")


def _read_with_progress(directory: str | None, synced=frozenset()) -> tuple[Path, ContentTree]:
    root = Path(directory or current_app.config["CONTENT_DIR"])
    total = count_module_files(root)
    with progressbar(total, "Reading modules") as bar:
        tree = read_content(root, on_file=lambda: bar.update(1), synced=synced)
    return root, tree


def _summary(tree: ContentTree) -> str:
    types = tree.question_types()
    by_type = f" ({', '.join(f'{n} {kind}' for kind, n in sorted(types.items()))})" if types else ""
    return (
        f"{len(tree.courses)} course(s), {tree.module_count} module(s), "
        f"{len(tree.quizzes)} quiz(zes), {sum(types.values())} question(s){by_type}"
    )


def _report_warnings(tree: ContentTree) -> None:
    """Print what was read but is probably not what the author meant (`file:line: warning: ...`)."""
    for course in tree.courses:
        for quiz in course.quizzes:
            for warning in quiz.warnings:
                click.echo(f"{Path(course.path) / quiz.path}:{warning.line}: warning: {warning.message}", err=True)


def _report_errors(tree: ContentTree) -> None:
    for error in tree.errors:
        click.echo(str(error), err=True)
    click.echo(f"{len(tree.errors)} error(s); nothing was written.", err=True)


@content_cli.command("check")
@click.argument("directory", required=False, type=click.Path(file_okay=False))
def check_command(directory):
    """Validate course sources without writing; exit 1 on any error."""
    _root, tree = _read_with_progress(directory)
    click.echo(_summary(tree))
    _report_warnings(tree)
    if tree.errors:
        for error in tree.errors:
            click.echo(str(error), err=True)
        raise SystemExit(1)
    click.echo("OK: no problems found.")


@content_cli.command("sync")
@click.argument("directory", required=False, type=click.Path(file_okay=False))
def sync_command(directory):
    """Load course sources into the database (idempotent; all or nothing)."""
    # Courses whose sources are exactly as last synced are left alone by the sync, so they are
    # checked but not rendered again (rendering is most of the reading time).
    synced = frozenset(db.session.scalars(select(Course.content_hash)))
    _root, tree = _read_with_progress(directory, synced)
    if tree.errors:
        _report_errors(tree)
        raise SystemExit(1)
    with write_transaction(), progressbar(len(tree.courses), "Syncing courses") as bar:
        report = sync_courses(tree.courses, utcnow(), on_course=lambda _c: bar.update(1))
    click.echo(_summary(tree))
    for label, names in (("added", report.added), ("changed", report.changed), ("retired", report.retired)):
        click.echo(f"{label}: {len(names)}" + (f" ({', '.join(names)})" if names else ""))
    if not report.touched:
        click.echo("Nothing changed.")


@content_cli.command("import-gift")
@click.argument("gift_file", type=click.File("rb"))
@click.option("--course", "course_slug", required=True, help="Slug of the course folder to add the quiz to.")
@click.option("--quiz", "quiz_slug", help="Slug of the new quiz (default: from the file name).")
@click.option("--title", help="Quiz title shown to learners (default: the file name; better set it).")
@click.option(
    "--required/--optional",
    default=False,
    show_default=True,
    help="Whether passing the quiz counts toward course completion (default: optional, as a question bank).",
)
@click.option("--content-dir", type=click.Path(file_okay=False), help="Content root (default: LMS_CONTENT_DIR).")
@click.option("--force", is_flag=True, help="Replace an existing quiz file of that slug.")
def import_gift_command(gift_file, course_slug, quiz_slug, title, required, content_dir, force):
    """Check a Moodle GIFT file and add it to a course as quizzes/<slug>.gift (all or nothing)."""
    try:
        text = gift_file.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise click.ClickException(f"{gift_file.name}: the file is not UTF-8 text") from None
    stem = Path(gift_file.name).name.split(".")[0]
    quiz_slug = quiz_slug or heading_slug(stem, "-")
    if not SLUG_RE.match(quiz_slug or ""):
        raise click.UsageError(f"'{quiz_slug}' is not a valid quiz slug (lower-case letters, digits, '-')")
    root = Path(content_dir or current_app.config["CONTENT_DIR"])
    course_dir = root / course_slug
    if not (course_dir / "course.yml").is_file():
        raise click.UsageError(f"no course folder with a course.yml at {course_dir}")
    target = course_dir / "quizzes" / f"{quiz_slug}.gift"
    if target.exists() and not force:
        raise click.UsageError(f"{target} exists; pass --force to replace it")
    result = parse_gift(text)
    for error in result.errors:
        click.echo(f"{gift_file.name}:{error.line}: {error.message}", err=True)
    for warning in result.warnings:
        click.echo(f"{gift_file.name}:{warning.line}: warning: {warning.message}", err=True)
    if result.errors or not result.questions:
        raise click.ClickException(
            f"{len(result.errors)} error(s), {len(result.questions)} question(s); nothing was written."
        )
    header = yaml.safe_dump(
        {
            "title": title or stem,
            "pass_mark": 70,
            "attempts": 0,
            "review": "after_each_attempt",
            # A bank imported from Moodle is not a requirement of the course unless asked for.
            "required": required,
        },
        allow_unicode=True,
        sort_keys=False,
    )
    target.parent.mkdir(exist_ok=True)
    target.write_text(f"---\n{header}---\n{text}", encoding="utf-8")
    kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(Counter(q.type.value for q in result.questions).items()))
    click.echo(f"Wrote {target} with {len(result.questions)} question(s) ({kinds}).")
    title_from = "" if title else " (from the file name; choose it with --title)"
    click.echo(f"Title: {title or stem}{title_from}; {'required' if required else 'optional'} for completion.")
    click.echo(f"Next: flask --app wsgi content check {root} && flask --app wsgi content sync {root}")
