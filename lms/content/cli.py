"""`flask content check|sync [DIR]`."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from lms.cli import progressbar
from lms.content.parse import ContentTree, count_module_files, read_content
from lms.content.sync import sync_courses
from lms.database import begin_write, utcnow
from lms.extensions import db

content_cli = AppGroup("content", help="Check and load course content.")


def _read_with_progress(directory: str | None) -> tuple[Path, ContentTree]:
    root = Path(directory or current_app.config["CONTENT_DIR"])
    total = count_module_files(root)
    with progressbar(total, "Reading modules") as bar:
        tree = read_content(root, on_file=lambda: bar.update(1))
    return root, tree


def _summary(tree: ContentTree) -> str:
    types = tree.question_types()
    by_type = f" ({', '.join(f'{n} {kind}' for kind, n in sorted(types.items()))})" if types else ""
    return (
        f"{len(tree.courses)} course(s), {tree.module_count} module(s), "
        f"{len(tree.quizzes)} quiz(zes), {sum(types.values())} question(s){by_type}"
    )


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
    if tree.errors:
        for error in tree.errors:
            click.echo(str(error), err=True)
        raise SystemExit(1)
    click.echo("OK: no problems found.")


@content_cli.command("sync")
@click.argument("directory", required=False, type=click.Path(file_okay=False))
def sync_command(directory):
    """Load course sources into the database (idempotent; all or nothing)."""
    _root, tree = _read_with_progress(directory)
    if tree.errors:
        _report_errors(tree)
        raise SystemExit(1)
    begin_write()
    try:
        with progressbar(len(tree.courses), "Syncing courses") as bar:
            report = sync_courses(tree.courses, utcnow(), on_course=lambda _c: bar.update(1))
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    click.echo(_summary(tree))
    for label, names in (("added", report.added), ("changed", report.changed), ("retired", report.retired)):
        click.echo(f"{label}: {len(names)}" + (f" ({', '.join(names)})" if names else ""))
    if not report.touched:
        click.echo("Nothing changed.")
