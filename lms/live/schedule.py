"""Pure rules for scheduling: reading a form in Vietnam's time, checking it, and what may still
change in a session's life (editing, rescheduling, cancelling).

A meeting link is an https:// address: the page says so, and a plain http:// link would send
officials to a meeting over an unencrypted connection.

Whether attending counts toward completion is always an explicit choice ("1" or "0"): a default
of "counts" made every new session, a mistyped one included, block every learner's completion
until it was held or each learner was marked by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import UTC, datetime
from urllib.parse import urlsplit

from lms.localtime import VIETNAM
from lms.refusals import N_, Problem, Refused, refuse
from lms.text import clean_name, single_line_problem, whole_number

MAX_DURATION_MINUTES = 8 * 60
MAX_CANCEL_REASON = 500
# A session's states (the values of lms.live.models.SessionState, which this pure module does not import).
LIVE, ENDED, CANCELLED = "live", "ended", "cancelled"
# The fields whose change moves the session in people's calendars (iCalendar's SEQUENCE goes up).
TIME_FIELDS = ("starts_at", "duration_minutes")


@dataclass(frozen=True)
class SessionForm:
    """A checked scheduling form."""

    title: str
    starts_at: datetime  # UTC
    duration_minutes: int
    video_url: str
    attendance_required: bool
    attendance_threshold: float
    slides_module_id: int | None


def local_to_utc(value: str) -> datetime:
    """Read "YYYY-MM-DDTHH:MM" typed in Vietnam's time and return the UTC instant."""
    local = datetime.strptime(value.strip(), "%Y-%m-%dT%H:%M")
    return local.replace(tzinfo=VIETNAM).astimezone(UTC)


def utc_to_local_input(value: datetime) -> str:
    """Show a UTC instant as a datetime-local value in Vietnam's time."""
    return value.astimezone(VIETNAM).strftime("%Y-%m-%dT%H:%M")


def read_session_form(
    form: dict[str, str],
    module_ids: set[int],
    now: datetime,
    *,
    start_now: bool = False,
    kept_start: datetime | None = None,
) -> SessionForm:
    """Check a scheduling form and return its values; refuse it with one problem per bad field.

    `start_now` opens the session at once (this minute), whatever the form's start says.
    `kept_start` is the start of the session being edited: shown back unchanged, it stays as it
    was even once past (a title fixed after the start); any other start must be to come.
    """
    problems: list[Problem] = []

    def wrong(field: str, msgid: str) -> None:
        problems.append(Problem(msgid, field=field))

    title = " ".join(form.get("title", "").split())
    if problem := single_line_problem(title, field="title"):
        problems.append(problem)
    elif not title or len(title) > 300:
        wrong("title", N_("Give the session a title (at most 300 characters)."))
    starts_at = None
    if start_now:
        starts_at = now.replace(second=0, microsecond=0)
    elif kept_start is not None and form.get("starts_at", "").strip() == utc_to_local_input(kept_start):
        starts_at = kept_start
    else:
        try:
            starts_at = local_to_utc(form.get("starts_at", ""))
            if starts_at < now:
                wrong("starts_at", N_("The start is in the past."))
        except ValueError:
            wrong("starts_at", N_("Enter the start as a date and time."))
    duration = whole_number(form.get("duration_minutes", "").strip(), minimum=5, maximum=MAX_DURATION_MINUTES)
    if duration is None:
        wrong("duration_minutes", N_("The duration is in minutes, from 5 to 480."))
    video_url = form.get("video_url", "").strip()
    if video_url and not is_meeting_link(video_url):
        wrong("video_url", N_("The meeting link must be a web address starting with https://."))
    counts = form.get("attendance_required", "").strip()
    if counts not in ("1", "0"):
        wrong("attendance_required", N_("Choose whether attending this session counts toward completion."))
    threshold = whole_number(form.get("attendance_threshold", "80").strip(), minimum=1, maximum=100)
    if threshold is None:
        wrong("attendance_threshold", N_("The share of the session to attend is a percentage from 1 to 100."))
    slides_text = form.get("slides_module_id", "").strip()
    slides = whole_number(slides_text, minimum=1) if slides_text else None
    if slides_text and slides not in module_ids:
        wrong("slides_module_id", N_("Choose one of this course's modules for the slides."))
    if problems:
        raise Refused(*problems, code="invalid_session")
    return SessionForm(
        title=title,
        starts_at=starts_at,
        duration_minutes=duration,
        video_url=video_url,
        attendance_required=counts == "1",
        attendance_threshold=threshold / 100,
        slides_module_id=slides,
    )


def form_values(values: SessionForm) -> dict[str, str]:
    """A session's values as its form shows them (and as the command line starts an edit from)."""
    return {
        "title": values.title,
        "starts_at": utc_to_local_input(values.starts_at),
        "duration_minutes": str(values.duration_minutes),
        "video_url": values.video_url,
        "attendance_required": "1" if values.attendance_required else "0",
        "attendance_threshold": str(round(values.attendance_threshold * 100)),
        "slides_module_id": "" if values.slides_module_id is None else str(values.slides_module_id),
    }


def changed_fields(current: SessionForm, wanted: SessionForm) -> tuple[str, ...]:
    """The names of the fields an edit changes, in the form's order."""
    return tuple(f.name for f in fields(SessionForm) if getattr(current, f.name) != getattr(wanted, f.name))


def check_edit(state: str, changed: tuple[str, ...]) -> None:
    """Refuse an edit the session's state no longer allows.

    An ended session is history (its attendance was counted in its window); a cancelled one is
    closed. A session under way keeps its start, which its attendance is counted from; its end
    may still move (a session running over).
    """
    if state == CANCELLED:
        refuse(N_("This session is cancelled; it can no longer be changed."), code="session_cancelled", status=409)
    if state == ENDED:
        refuse(N_("This session has ended; it can no longer be changed."), code="session_ended", status=409)
    if state == LIVE and "starts_at" in changed:
        refuse(
            N_("This session is under way; its start can no longer be moved."),
            code="session_live",
            status=409,
            field="starts_at",
        )


def check_cancel(state: str) -> None:
    """Refuse to cancel a session twice, or one that has already been held."""
    if state == CANCELLED:
        refuse(N_("This session is already cancelled."), code="already_cancelled", status=409)
    if state == ENDED:
        refuse(N_("This session has ended; it can no longer be cancelled."), code="session_ended", status=409)


def read_cancel_reason(text: str) -> str:
    """The reason given for a cancellation (optional): one line of at most 500 characters."""
    reason = clean_name(text, field="reason")
    if len(reason) > MAX_CANCEL_REASON:
        refuse(
            N_("The reason is at most %(limit)d characters."),
            code="invalid_reason",
            field="reason",
            limit=MAX_CANCEL_REASON,
        )
    return reason


def is_meeting_link(url: str) -> bool:
    """An https:// address with a host, of at most 500 characters."""
    parts = urlsplit(url)
    return parts.scheme == "https" and bool(parts.netloc) and len(url) <= 500
