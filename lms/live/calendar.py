"""iCalendar (RFC 5545) for live sessions, built with the `icalendar` library."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

from icalendar import Calendar, Event, vText

from lms.live.models import LiveSession, SessionState


def uid_domain(config: Mapping) -> str:
    """The installation's identity in event UIDs: the same on every process, whatever Host a request named.

    LMS_CALENDAR_UID_DOMAIN if set, else the host of LMS_PUBLIC_BASE_URL, else a name derived from
    the secret key (which every process of one installation shares). Never the request's Host: a
    site reachable under two names would otherwise give each event two UIDs, and calendars that
    subscribed under both names would show it twice.
    """
    configured = (config.get("CALENDAR_UID_DOMAIN") or "").strip().lower()
    if configured:
        return configured
    public_host = urlsplit(config.get("PUBLIC_BASE_URL") or "").hostname
    if public_host:
        return public_host
    digest = hashlib.sha256(b"calendar-uid:" + str(config.get("SECRET_KEY", "")).encode()).hexdigest()
    return f"lms-{digest[:16]}.invalid"


def session_calendar(sessions: Iterable[LiveSession], url_for_session, name: str, domain: str) -> bytes:
    """A calendar with one event per session, in UTC, with CRLF line ends (as RFC 5545 requires).

    `domain` makes the UIDs globally unique: pass `uid_domain(app.config)`.
    """
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
        event.add("uid", f"live-session-{session.id}@{domain}")
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
