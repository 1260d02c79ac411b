"""`flask classes create|enrol|list`."""

from __future__ import annotations

from datetime import date

import click
from flask.cli import AppGroup
from sqlalchemy import select

from lms.auth.models import Role, User
from lms.auth.service import find_user
from lms.courses.models import ClassMode, Course, CourseClass
from lms.courses.service import ClassForm, enrol_users, learners_from_rows, learners_of_unit, save_class
from lms.csvfiles import read_csv_rows
from lms.database import write_transaction
from lms.extensions import db
from lms.org.service import find_unit
from lms.refusals import cli_refusals, in_file
from lms.text import clean_name

classes_cli = AppGroup("classes", help="Create classes and enrol learners.")


def _find_class(code: str) -> CourseClass:
    course_class = db.session.scalar(select(CourseClass).where(CourseClass.code == code))
    if course_class is None:
        raise click.UsageError(f"unknown class '{code}' (see 'flask classes list')")
    return course_class


@classes_cli.command("create")
@click.option("--code", required=True, help="Short unique code, e.g. CCHC-2026-01.")
@click.option("--name", required=True)
@click.option("--course", "course_slug", required=True, help="Slug of a synced course.")
@click.option(
    "--mode", type=click.Choice([m.value for m in ClassMode]), default=ClassMode.ONLINE.value, show_default=True
)
@click.option("--level", default="", help='Level of the programme, e.g. "Cấp xã".')
@click.option("--starts", type=click.DateTime(["%Y-%m-%d"]), help="First day, YYYY-MM-DD.")
@click.option("--ends", type=click.DateTime(["%Y-%m-%d"]), help="Last day, YYYY-MM-DD.")
@click.option("--instructor", "instructors", multiple=True, help="Username of an instructor (repeatable).")
@click.option("--self-enrol/--no-self-enrol", default=False, help="Let learners enrol themselves.")
@write_transaction()
def create_command(code, name, course_slug, mode, level, starts, ends, instructors, self_enrol):
    """Create a class (one offering of a course)."""
    if db.session.scalar(select(CourseClass).where(CourseClass.code == code)) is not None:
        raise click.UsageError(f"class code '{code}' is already used")
    course = db.session.scalar(select(Course).where(Course.slug == course_slug))
    if course is None:
        raise click.UsageError(f"unknown course '{course_slug}' (run 'flask content sync' first)")
    starts_on: date | None = starts.date() if starts else None
    ends_on: date | None = ends.date() if ends else None
    if starts_on and ends_on and ends_on < starts_on:
        raise click.UsageError("the class cannot end before it starts")
    teachers = []
    for username in instructors:
        user = find_user(username)
        if user is None or user.role != Role.INSTRUCTOR:
            raise click.UsageError(f"'{username}' is not an instructor")
        teachers.append(user)
    form = ClassForm(
        code,
        clean_name(name),
        course.id,
        clean_name(level),
        mode,
        starts_on,
        ends_on,
        self_enrol,
        tuple(t.id for t in teachers),
    )
    course_class = save_class(None, form, actor_id=None)
    click.echo(f"Created class {code}: {course_class.name} ({course.title}).")


@classes_cli.command("enrol")
@click.option("--class", "class_code", required=True, help="Code of the class.")
@click.option("--unit", "unit_code", help="Enrol every active learner of this unit.")
@click.option(
    "--subunits/--no-subunits", default=True, show_default=True, help="With --unit, include the units below it."
)
@click.option("--csv", "csv_file", type=click.File("rb"), help="A CSV with a 'username' column.")
@cli_refusals
def enrol_command(class_code, unit_code, subunits, csv_file):
    """Enrol learners in a class, by unit or from a CSV (all or nothing)."""
    if bool(unit_code) == bool(csv_file):
        raise click.UsageError("give exactly one of --unit or --csv")
    with write_transaction():
        course_class = _find_class(class_code)
        if unit_code:
            unit = find_unit(unit_code)
            if unit is None:
                raise click.UsageError(f"unknown unit '{unit_code}'")
            learners = learners_of_unit(unit, subunits)
        else:
            learners = _learners_from_csv(csv_file)
        result = enrol_users(course_class, learners, source="admin")
    click.echo(
        f"{course_class.code}: {result.added} enrolled, {result.reactivated} re-enrolled, "
        f"{result.already} already enrolled."
    )


def _learners_from_csv(csv_file) -> list[User]:
    with in_file(csv_file.name):
        rows = read_csv_rows(csv_file.read(), {"username"}, {"full_name", "unit", "email"})
        return learners_from_rows(rows)


@classes_cli.command("list")
def list_command():
    """Print the classes."""
    for course_class in db.session.scalars(select(CourseClass).order_by(CourseClass.code)):
        click.echo(
            f"{course_class.code}\t{course_class.name}\t{course_class.course.slug}\t"
            f"{course_class.mode}\t{len(course_class.enrolments)} enrolled"
        )
