"""`flask sessions create|list|edit|cancel`: the scheduling page's rules, from the command line.

Each command reads the same form the page sends (`lms.live.schedule.read_session_form`) and
writes through the same service functions, in one transaction, audited with no actor. Times are
typed and printed in Vietnam's time. A refusal prints its reason, naming the option it is about,
and exits with status 1.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

import click
from flask.cli import AppGroup
from sqlalchemy import select

from lms.courses.models import CourseClass
from lms.database import utcnow, write_transaction
from lms.extensions import db
from lms.live import service
from lms.live.events import announce_cancelled
from lms.live.models import LiveSession
from lms.live.schedule import form_values, utc_to_local_input
from lms.refusals import N_, Refused, refuse

sessions_cli = AppGroup("sessions", help="Schedule, change, reschedule and cancel live sessions.")

# The command-line option for each field of the scheduling form.
OPTIONS = {
    "class": "--class",
    "title": "--title",
    "starts_at": "--starts",
    "duration_minutes": "--duration",
    "video_url": "--link",
    "attendance_required": "--attendance",
    "attendance_threshold": "--threshold",
    "slides_module_id": "--slides",
    "reason": "--reason",
}
ATTENDANCE = {"counts": "1", "optional": "0"}


def session_refusals(command: Callable) -> Callable:
    """Like `lms.refusals.cli_refusals`, with each problem prefixed by the option it is about."""

    @wraps(command)
    def wrapped(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except Refused as refusal:
            lines = [f"{OPTIONS[p.field]}: {p}" if p.field in OPTIONS else str(p) for p in refusal.problems]
            raise click.ClickException("\n".join(lines)) from None

    return wrapped


def _class(code: str) -> CourseClass:
    course_class = db.session.scalar(select(CourseClass).where(CourseClass.code == code))
    if course_class is None:
        refuse(N_("There is no class with the code %(class_code)s."), code="not_found", class_code=code, field="class")
    return course_class


def _slides_id(course_class: CourseClass, slug: str) -> str:
    """The form's value for the module shown as slides, from its slug ("" for none)."""
    if not slug:
        return ""
    for module in course_class.course.active_modules:
        if module.slug == slug:
            return str(module.id)
    refuse(N_("The course has no module %(slug)s."), field="slides_module_id", slug=slug)


def _local(session: LiveSession) -> str:
    return utc_to_local_input(session.starts_at).replace("T", " ")


def _describe(session: LiveSession) -> str:
    counts = "counts" if session.attendance_required else "optional"
    return (
        f"{session.id}\t{session.course_class.code}\t{_local(session)}\t{session.duration_minutes} min\t"
        f"{session.state}\tattendance {counts}\tsequence {session.sequence}\t{session.title}"
    )


@sessions_cli.command("create")
@click.option("--class", "class_code", required=True, help="Code of the class.")
@click.option("--title", required=True)
@click.option("--starts", default="", help='Start in Vietnam time, "YYYY-MM-DD HH:MM".')
@click.option("--now", "start_now", is_flag=True, help="Open the session at once: it starts now and is live.")
@click.option("--duration", default="90", show_default=True, help="Length in minutes (5-480).")
@click.option("--link", default="", help="The audio/video meeting's https:// address.")
@click.option(
    "--attendance",
    type=click.Choice(list(ATTENDANCE)),
    required=True,
    help="Whether attending counts toward completion (no default: choose).",
)
@click.option("--threshold", default="80", show_default=True, help="Share of the session to attend, in percent.")
@click.option("--slides", default="", help="Slug of the course module shown as slides.")
@session_refusals
def create_command(class_code, title, starts, start_now, duration, link, attendance, threshold, slides):
    """Schedule a live session of a class, or open one now."""
    if bool(starts) == start_now:
        refuse(N_("Give either a start (--starts) or --now."))
    with write_transaction():
        course_class = _class(class_code)
        form = {
            "title": title,
            "starts_at": starts.strip().replace(" ", "T", 1),
            "duration_minutes": duration,
            "video_url": link,
            "attendance_required": ATTENDANCE[attendance],
            "attendance_threshold": threshold,
            "slides_module_id": _slides_id(course_class, slides),
        }
        session = service.schedule_session(course_class, form, None, utcnow(), start_now=start_now)
        line = _describe(session)
    click.echo(f"{'Opened' if start_now else 'Scheduled'}: {line}")


@sessions_cli.command("list")
@click.option("--class", "class_code", help="Only this class's sessions.")
@session_refusals
def list_command(class_code):
    """Print sessions in time order: id, class, start, length, state, attendance, sequence, title."""
    query = select(LiveSession).order_by(LiveSession.starts_at, LiveSession.id)
    if class_code:
        query = query.where(LiveSession.class_id == _class(class_code).id)
    for session in db.session.scalars(query):
        click.echo(_describe(session))


@sessions_cli.command("edit")
@click.argument("session_id", type=int)
@click.option("--title")
@click.option("--starts", help='New start in Vietnam time, "YYYY-MM-DD HH:MM" (a reschedule).')
@click.option("--duration", help="New length in minutes (a reschedule).")
@click.option("--link", help='The meeting\'s https:// address ("" for none).')
@click.option("--attendance", type=click.Choice(list(ATTENDANCE)))
@click.option("--threshold")
@click.option("--slides", help='Slug of the module shown as slides ("" for none).')
@session_refusals
def edit_command(session_id, title, starts, duration, link, attendance, threshold, slides):
    """Change or reschedule a session; only the options given change."""
    with write_transaction():
        session = service.find_session(session_id)
        form = form_values(service.session_values(session))
        given = {
            "title": title,
            "starts_at": starts.strip().replace(" ", "T", 1) if starts is not None else None,
            "duration_minutes": duration,
            "video_url": link,
            "attendance_required": ATTENDANCE[attendance] if attendance else None,
            "attendance_threshold": threshold,
            "slides_module_id": _slides_id(session.course_class, slides) if slides is not None else None,
        }
        form.update({field: value for field, value in given.items() if value is not None})
        changed = service.edit_session(session, form, None, utcnow())
        line = _describe(session)
    if not changed:
        click.echo(f"Nothing changed: {line}")
    else:
        click.echo(f"Changed {', '.join(changed)}: {line}")


@sessions_cli.command("cancel")
@click.argument("session_id", type=int)
@click.option("--reason", default="", help="Why (shown to the learners).")
@session_refusals
def cancel_command(session_id, reason):
    """Cancel a session: it stops counting, calendars show it cancelled, its room closes."""
    with write_transaction():
        session = service.find_session(session_id)
        service.cancel_session(session, reason, None, utcnow())
        line, reason = _describe(session), session.cancel_reason
    announce_cancelled(session_id, reason)
    click.echo(f"Cancelled: {line}")
