"""Calendar event UIDs come from the installation's identity, never from the request's Host header."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lms.auth.models import User
from lms.extensions import db
from lms.live.calendar import uid_domain
from tests.live.test_schedule import make_session, parse_ics


@pytest.mark.parametrize(
    ("config", "domain"),
    [
        (
            {"CALENDAR_UID_DOMAIN": "Lich.Example.gov.vn", "PUBLIC_BASE_URL": "https://lms.example.org"},
            "lich.example.gov.vn",
        ),
        ({"CALENDAR_UID_DOMAIN": "", "PUBLIC_BASE_URL": "https://lms.example.org:8443/lms"}, "lms.example.org"),
    ],
)
def test_the_domain_is_the_configured_one_or_the_public_hosts(config, domain):
    assert uid_domain(config | {"SECRET_KEY": "k" * 40}) == domain


def test_without_settings_the_domain_follows_the_secret_key_not_the_request():
    one = uid_domain({"SECRET_KEY": "a" * 40})
    assert one == uid_domain({"SECRET_KEY": "a" * 40, "PUBLIC_BASE_URL": ""})
    assert one != uid_domain({"SECRET_KEY": "b" * 40})
    assert one.startswith("lms-") and one.endswith(".invalid") and "a" * 8 not in one


def uids(response) -> list[str]:
    assert response.status_code == 200
    return [str(event["UID"]) for event in parse_ics(response.data).walk("VEVENT")]


def test_session_file_uid_is_the_public_host_not_the_request_host(world, auth, client, app):
    app.config["PUBLIC_BASE_URL"] = "https://lms.example.org"
    session = make_session(world)
    auth.login("hv.mai")
    response = client.get(f"/sessions/{session.id}.ics")  # asked of "localhost"
    assert uids(response) == [f"live-session-{session.id}@lms.example.org"]


@pytest.mark.parametrize("host", ["127.0.0.1:5301", "lms.example.org", "evil.example.com"])
def test_feed_uids_are_the_same_under_every_host_name(world, auth, client, app, host):
    app.config["PUBLIC_BASE_URL"] = "https://lms.example.org"
    session = make_session(world)
    auth.login("hv.mai")
    auth.post("/calendar", {"action": "new"})
    token = db.session.scalar(select(User.calendar_token).where(User.username == "hv.mai"))
    auth.logout()
    response = client.get(f"/calendar/{token}.ics", headers={"Host": host})
    assert uids(response) == [f"live-session-{session.id}@lms.example.org"]


def test_feed_uids_use_the_configured_domain_under_every_host_name(world, auth, client, app):
    app.config["PUBLIC_BASE_URL"] = "https://lms.example.org"
    app.config["CALENDAR_UID_DOMAIN"] = "cchc.hochiminhcity.gov.vn"
    session = make_session(world)
    auth.login("hv.mai")
    auth.post("/calendar", {"action": "new"})
    token = db.session.scalar(select(User.calendar_token).where(User.username == "hv.mai"))
    auth.logout()
    expected = [f"live-session-{session.id}@cchc.hochiminhcity.gov.vn"]
    assert uids(client.get(f"/calendar/{token}.ics", base_url="http://127.0.0.1:5301")) == expected
    assert uids(client.get(f"/calendar/{token}.ics", base_url="https://lms.example.org")) == expected
