"""Session times: stored in UTC, shown in Vietnam's time (Asia/Ho_Chi_Minh, UTC+7) on every page.

A session stored at 01:30 UTC for 90 minutes is read as 08:30 – 10:00 wherever a person sees it
(class page, learner's and instructor's dashboard, session page, calendar page, attendance page,
transcript), in Vietnamese and in English; calendar files keep the instant in UTC (a `Z` time, no
TZID), so calendar programs convert it to their own zone. The room page and the attendance CSV
show no session time, so there is nothing to check there.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from lms.extensions import db
from lms.live.models import LiveSession

STARTS = datetime(2030, 1, 2, 1, 30, tzinfo=UTC)  # a Wednesday, 08:30 in Ho Chi Minh City
WHEN_VI = "Thứ Tư 02/01/2030 08:30 – 10:00"
WHEN_EN = "Wednesday 02/01/2030 08:30 – 10:00"


@pytest.fixture
def session(world):
    session = LiveSession(
        class_id=world.course_class.id, title="Buổi giờ Việt Nam", starts_at=STARTS, duration_minutes=90
    )
    db.session.add(session)
    db.session.commit()
    return session


def text_of(html: str) -> str:
    """The page's text with tags dropped and white space collapsed, as a reader sees it."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def pages(world, session) -> dict[str, tuple[str, str]]:
    """Page -> (who looks, path) for every page that shows the session's time."""
    return {
        "class page": ("hv.mai", f"/classes/{world.course_class.id}"),
        "dashboard": ("hv.mai", "/"),
        "session page": ("hv.mai", f"/sessions/{session.id}"),
        "calendar page": ("hv.mai", "/calendar"),
        "attendance page": ("gv.an", f"/sessions/{session.id}/attendance"),
        "instructor's dashboard": ("gv.an", "/"),
    }


@pytest.mark.parametrize(
    "page", ["class page", "dashboard", "session page", "calendar page", "attendance page", "instructor's dashboard"]
)
def test_session_time_is_shown_in_vietnam_time(world, session, auth, client, page):
    username, path = pages(world, session)[page]
    auth.login(username)
    text = text_of(client.get(path).get_data(as_text=True))
    assert WHEN_VI in text
    assert "01:30" not in text and "03:00" not in text


def test_session_time_in_english_is_still_vietnam_time(world, session, auth, client):
    auth.login("hv.mai")
    auth.post("/language", {"locale": "en"})
    text = text_of(client.get(f"/sessions/{session.id}").get_data(as_text=True))
    assert WHEN_EN in text and "01:30" not in text


def test_transcript_shows_the_session_start_in_vietnam_time(world, session, auth, client):
    auth.login("hv.mai")
    text = text_of(client.get("/reports/transcript").get_data(as_text=True))
    assert "Buổi giờ Việt Nam 08:30 2/1/30" in text  # Vietnamese "short": time first, then the date
    assert "01:30" not in text


def test_calendar_file_keeps_the_instant_in_utc(world, session, auth, client):
    auth.login("hv.mai")
    body = client.get(f"/sessions/{session.id}.ics").get_data(as_text=True)
    lines = body.split("\r\n")
    assert "DTSTART:20300102T013000Z" in lines
    assert "DTEND:20300102T030000Z" in lines
    assert not [line for line in lines if "TZID" in line or "T083000" in line]


def test_calendar_feed_keeps_the_instant_in_utc(world, session, auth, client):
    auth.login("hv.mai")
    auth.post("/calendar", {"action": "new"})
    db.session.expire_all()
    token = world.learner.calendar_token
    auth.logout()
    lines = client.get(f"/calendar/{token}.ics").get_data(as_text=True).split("\r\n")
    assert "DTSTART:20300102T013000Z" in lines and "DTEND:20300102T030000Z" in lines
