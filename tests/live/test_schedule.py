"""Scheduling rules (pure) and the scheduling, session and calendar pages."""

from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select

from lms.auth.models import User
from lms.extensions import db
from lms.live.models import LiveSession
from lms.live.schedule import local_to_utc, read_session_form, utc_to_local_input

NOW = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)


def form(**overrides):
    values = {
        "title": "Buổi 1: Một cửa",
        "starts_at": "2026-12-01T08:00",
        "duration_minutes": "90",
        "video_url": "https://meet.example.gov.vn/cchc",
        "attendance_required": "1",
        "attendance_threshold": "80",
        "slides_module_id": "",
    }
    return {**values, **overrides}


def test_times_are_typed_in_vietnam_and_stored_in_utc():
    assert local_to_utc("2026-12-01T08:00") == datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
    assert utc_to_local_input(datetime(2026, 12, 1, 1, 0, tzinfo=UTC)) == "2026-12-01T08:00"


def test_a_good_form_is_read():
    session, errors = read_session_form(form(slides_module_id="7"), {7}, NOW)
    assert errors == {}
    assert (session.starts_at, session.duration_minutes, session.attendance_threshold, session.slides_module_id) == (
        datetime(2026, 12, 1, 1, 0, tzinfo=UTC),
        90,
        0.8,
        7,
    )


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": "  "}, "title"),
        ({"starts_at": "2026-11-27T08:00"}, "starts_at"),
        ({"starts_at": "ngày mai"}, "starts_at"),
        ({"duration_minutes": "2"}, "duration_minutes"),
        ({"duration_minutes": "9999"}, "duration_minutes"),
        ({"video_url": "javascript:alert(1)"}, "video_url"),
        ({"attendance_threshold": "0"}, "attendance_threshold"),
        ({"slides_module_id": "99"}, "slides_module_id"),
    ],
)
def test_bad_fields_are_named(overrides, field):
    session, errors = read_session_form(form(**overrides), {7}, NOW)
    assert session is None and list(errors) == [field]


@pytest.fixture
def scheduled(world, auth):
    auth.login("gv.an")
    future = (datetime.now(UTC) + timedelta(days=3)).astimezone().strftime("%Y-%m-%dT%H:%M")
    return world, future


def test_instructor_schedules_and_learner_sees_it(scheduled, auth, client):
    world, future = scheduled
    response = auth.post(f"/classes/{world.course_class.id}/sessions/new", form(starts_at=future))
    assert response.status_code == 303
    session = db.session.scalar(select(LiveSession))
    assert session.title == "Buổi 1: Một cửa" and session.starts_at.tzinfo is not None
    auth.logout()
    auth.login("hv.mai")
    assert 'data-test="upcoming-session"' in client.get("/").get_data(as_text=True)
    assert 'data-test="session"' in client.get(f"/classes/{world.course_class.id}").get_data(as_text=True)
    assert client.get(f"/sessions/{session.id}").status_code == 200
    auth.logout()
    auth.login("hv.nam")  # enrolled too
    assert client.get(f"/sessions/{session.id}").status_code == 200


def test_bad_schedule_form_changes_nothing(scheduled, auth):
    world, _future = scheduled
    response = auth.post(f"/classes/{world.course_class.id}/sessions/new", form(duration_minutes="x"))
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and ("5 to 480" in body or "5 đến 480" in body)
    assert db.session.scalar(select(LiveSession)) is None


@pytest.mark.parametrize("username", ["hv.mai", "gv.binh"])
def test_only_the_class_instructors_and_admins_schedule(world, auth, username):
    auth.login(username)
    response = auth.post(f"/classes/{world.course_class.id}/sessions/new", form(starts_at="2030-01-01T08:00"))
    assert response.status_code == 403
    assert db.session.scalar(select(LiveSession)) is None


def make_session(world, **kwargs):
    session = LiveSession(
        class_id=world.course_class.id,
        title="Buổi học; có dấu, phẩy",
        starts_at=datetime(2030, 1, 2, 1, 30, tzinfo=UTC),
        duration_minutes=90,
        video_url="https://meet.example.gov.vn/x",
        **kwargs,
    )
    db.session.add(session)
    db.session.commit()
    return session


def parse_ics(body: bytes):
    assert b"\r\n" in body and b"\n" not in body.replace(b"\r\n", b"")  # CRLF line ends only
    return Calendar.from_ical(body)


def test_session_download_is_valid_icalendar(world, auth, client):
    session = make_session(world)
    auth.login("hv.mai")
    response = client.get(f"/sessions/{session.id}.ics")
    assert response.mimetype == "text/calendar"
    (event,) = parse_ics(response.data).walk("VEVENT")
    assert str(event["UID"]).startswith(f"live-session-{session.id}@")
    assert event.decoded("DTSTART") == datetime(2030, 1, 2, 1, 30, tzinfo=UTC)
    assert event.decoded("DTEND") == datetime(2030, 1, 2, 3, 0, tzinfo=UTC)
    assert event.decoded("DTSTAMP").tzinfo is not None
    assert str(event["SUMMARY"]) == "Buổi học; có dấu, phẩy"
    assert "https://meet.example.gov.vn/x" in str(event["DESCRIPTION"])
    assert str(event["URL"]).endswith(f"/sessions/{session.id}")
    auth.logout()
    auth.login("gv.binh")  # another class's instructor
    assert client.get(f"/sessions/{session.id}.ics").status_code == 403


def test_calendar_feed_with_a_revocable_secret(world, auth, client):
    make_session(world)
    auth.login("hv.mai")
    assert auth.post("/calendar", {"action": "new"}).status_code == 303
    token = db.session.scalar(select(User.calendar_token).where(User.username == "hv.mai"))
    assert token and len(token) >= 40
    auth.logout()
    feed = client.get(f"/calendar/{token}.ics")  # no login: the token is the key
    assert feed.status_code == 200 and len(parse_ics(feed.data).walk("VEVENT")) == 1
    auth.login("hv.mai")
    auth.post("/calendar", {"action": "new"})
    assert client.get(f"/calendar/{token}.ics").status_code == 404  # the old address is revoked
    auth.post("/calendar", {"action": "revoke"})
    assert db.session.scalar(select(User.calendar_token).where(User.username == "hv.mai")) is None
    assert client.get("/calendar/short.ics").status_code == 404
