"""Pure rules for scheduling: reading a form in Vietnam's time, and checking it.

A meeting link is an https:// address: the page says so, and a plain http:// link would send
officials to a meeting over an unencrypted connection.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from lms.localtime import VIETNAM
from lms.refusals import N_, Problem, Refused
from lms.text import single_line_problem, whole_number

MAX_DURATION_MINUTES = 8 * 60


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


def read_session_form(form: dict[str, str], module_ids: set[int], now: datetime) -> SessionForm:
    """Check a scheduling form and return its values; refuse it with one problem per bad field."""
    problems: list[Problem] = []

    def wrong(field: str, msgid: str) -> None:
        problems.append(Problem(msgid, field=field))

    title = " ".join(form.get("title", "").split())
    if problem := single_line_problem(title, field="title"):
        problems.append(problem)
    elif not title or len(title) > 300:
        wrong("title", N_("Give the session a title (at most 300 characters)."))
    starts_at = None
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
        attendance_required=form.get("attendance_required") == "1",
        attendance_threshold=threshold / 100,
        slides_module_id=slides,
    )


def is_meeting_link(url: str) -> bool:
    """An https:// address with a host, of at most 500 characters."""
    parts = urlsplit(url)
    return parts.scheme == "https" and bool(parts.netloc) and len(url) <= 500
