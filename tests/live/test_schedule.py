"""Scheduling rules (pure) and the scheduling, session and calendar pages."""

from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select

from lms.auth.models import User
from lms.extensions import db
from lms.live.models import LiveSession
from lms.live.schedule import local_to_utc, read_session_form, utc_to_local_input
from lms.refusals import Refused

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
    session = read_session_form(form(slides_module_id="7"), {7}, NOW)
    assert (session.starts_at, session.duration_minutes, session.attendance_threshold, session.slides_module_id) == (
        datetime(2026, 12, 1, 1, 0, tzinfo=UTC),
        90,
        0.8,
        7,
    )


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"title": "  "}, "title", "Give the session a title (at most 300 characters)."),
        ({"starts_at": "2026-11-27T08:00"}, "starts_at", "The start is in the past."),
        ({"starts_at": "ngày mai"}, "starts_at", "Enter the start as a date and time."),
        ({"duration_minutes": "2"}, "duration_minutes", "The duration is in minutes, from 5 to 480."),
        ({"duration_minutes": "9999"}, "duration_minutes", "The duration is in minutes, from 5 to 480."),
        (
            {"video_url": "javascript:alert(1)"},
            "video_url",
            "The meeting link must be a web address starting with https://.",
        ),
        (
            {"video_url": "http://meet.example.gov.vn/cchc"},
            "video_url",
            "The meeting link must be a web address starting with https://.",
        ),
        (
            {"attendance_threshold": "0"},
            "attendance_threshold",
            "The share of the session to attend is a percentage from 1 to 100.",
        ),
        ({"slides_module_id": "99"}, "slides_module_id", "Choose one of this course's modules for the slides."),
    ],
)
def test_bad_fields_are_named(overrides, field, message):
    with pytest.raises(Refused) as refused:
        read_session_form(form(**overrides), {7}, NOW)
    assert [(p.field, str(p)) for p in refused.value.problems] == [(field, message)]


@pytest.mark.parametrize(
    "url",
    ["https://meet.example.gov.vn/cchc", "HTTPS://Meet.Example.gov.vn/phong?id=1", ""],
)
def test_https_meeting_links_and_none_are_accepted(url):
    assert read_session_form(form(video_url=url), set(), NOW).video_url == url


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


def test_a_plain_http_meeting_link_is_refused_with_the_rule_the_page_states(scheduled, auth):
    world, future = scheduled
    path = f"/classes/{world.course_class.id}/sessions/new"
    response = auth.post(path, form(starts_at=future, video_url="http://meet.example.gov.vn/cchc"))
    assert response.status_code == 400
    assert (
        '<p class="flash flash-error" id="video_url-error">'
        "Đường dẫn phòng họp phải là địa chỉ web bắt đầu bằng https://.</p>"
    ) in response.get_data(as_text=True)
    assert db.session.scalar(select(LiveSession)) is None

    response = auth.post(path, form(starts_at=future, video_url="https://meet.example.gov.vn/cchc"))
    assert response.status_code == 303
    assert db.session.scalar(select(LiveSession.video_url)) == "https://meet.example.gov.vn/cchc"


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
