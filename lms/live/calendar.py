"""iCalendar (RFC 5545) for live sessions, built with the `icalendar` library."""

from __future__ import annotations

from collections.abc import Iterable

from icalendar import Calendar, Event, vText

from lms.live.models import LiveSession, SessionState


def session_calendar(sessions: Iterable[LiveSession], url_for_session, name: str, host: str) -> bytes:
    """A calendar with one event per session, in UTC, with CRLF line ends (as RFC 5545 requires)."""
    calendar = Calendar()
    calendar.add("prodid", "-//Boi duong CCHC//LMS//VI")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    # An X- property has no known type: without vText the name would go out unescaped (a comma or ";"
    # breaks RFC 5545 TEXT, and a line break in a session's title made to_ical() fail).
    calendar.add("x-wr-calname", vText(name))
    for session in sessions:
        event = Event()
        url = url_for_session(session)
        event.add("uid", f"live-session-{session.id}@{host}")
        event.add("dtstamp", session.updated_at)
        event.add("last-modified", session.updated_at)
        # RFC 5546: a reschedule or a cancellation raises SEQUENCE, so a calendar that imported the
        # event before replaces its copy (with the same SEQUENCE it may keep the old time).
        event.add("sequence", session.sequence)
        event.add("dtstart", session.starts_at)
        event.add("dtend", session.ends_at)
        event.add("summary", session.title)
        lines = [session.course_class.name]
        if session.video_url:
            lines.append(session.video_url)
        lines.append(url)
        event.add("description", "\n".join(lines))
        event.add("url", url)
        event.add("status", "CANCELLED" if session.state == SessionState.CANCELLED else "CONFIRMED")
        calendar.add_component(event)
    return calendar.to_ical()
