"""Pure rules for scheduling: reading a form in Vietnam's time, and checking it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
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


def read_session_form(form: dict[str, str], module_ids: set[int], now: datetime) -> tuple[SessionForm | None, dict]:
    """Check a scheduling form; return the values or, per field, the reason it was refused."""
    errors: dict[str, str] = {}
    title = " ".join(form.get("title", "").split())
    if not title or len(title) > 300:
        errors["title"] = "title"
    starts_at = None
    try:
        starts_at = local_to_utc(form.get("starts_at", ""))
        if starts_at < now:
            errors["starts_at"] = "past"
    except ValueError:
        errors["starts_at"] = "format"
    duration = form.get("duration_minutes", "").strip()
    if not duration.isdigit() or not 5 <= int(duration) <= MAX_DURATION_MINUTES:
        errors["duration_minutes"] = "duration"
    video_url = form.get("video_url", "").strip()
    if video_url:
        parts = urlsplit(video_url)
        if parts.scheme not in ("https", "http") or not parts.netloc or len(video_url) > 500:
            errors["video_url"] = "url"
    threshold = form.get("attendance_threshold", "80").strip()
    if not threshold.isdigit() or not 1 <= int(threshold) <= 100:
        errors["attendance_threshold"] = "threshold"
    slides = form.get("slides_module_id", "").strip()
    if slides and (not slides.isdigit() or int(slides) not in module_ids):
        errors["slides_module_id"] = "module"
    if errors:
        return None, errors
    return SessionForm(
        title=title,
        starts_at=starts_at,
        duration_minutes=int(duration),
        video_url=video_url,
        attendance_required=form.get("attendance_required") == "1",
        attendance_threshold=int(threshold) / 100,
        slides_module_id=int(slides) if slides else None,
    ), {}
