"""/metrics: who may read it (404 for everyone else), and the figures it shows after real requests."""

from __future__ import annotations

import pytest
from prometheus_client import REGISTRY

from lms import create_app
from lms.observability.metrics_access import allowed_networks, may_read_metrics
from tests.auth.test_login_limits import sign_in
from tests.conftest import AuthActions, IsolatedClient
from tests.live.conftest import Socket

TOKEN = "a-long-scrape-token-0123456789"
LOOPBACK = allowed_networks("127.0.0.0/8, ::1")


def sample(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.mark.parametrize(
    ("address", "forwarded", "authorization", "token", "expected"),
    [
        ("127.0.0.1", False, None, "", True),
        ("127.8.9.10", False, None, "", True),
        ("::1", False, None, "", True),
        ("::ffff:127.0.0.1", False, None, "", True),  # a dual-stack listener's IPv4 loopback
        ("10.0.0.5", False, None, "", False),
        ("::ffff:10.0.0.5", False, None, "", False),
        ("127.0.0.1", True, None, "", False),  # through the proxy, whose own address is loopback
        ("", False, None, "", False),
        ("not-an-address", False, None, "", False),
        ("203.0.113.9", False, f"Bearer {TOKEN}", TOKEN, True),
        ("203.0.113.9", True, f"bearer {TOKEN}", TOKEN, True),
        ("203.0.113.9", False, f"Bearer {TOKEN}x", TOKEN, False),
        ("127.0.0.1", False, "Bearer wrong-token", TOKEN, False),  # a wrong token is refused anywhere
        ("127.0.0.1", False, f"Basic {TOKEN}", TOKEN, False),
        ("127.0.0.1", False, f"Bearer {TOKEN}", "", False),  # no token configured: none opens it
    ],
)
def test_who_may_read_metrics(address, forwarded, authorization, token, expected):
    assert (
        may_read_metrics(address, forwarded=forwarded, authorization=authorization, networks=LOOPBACK, token=token)
        is expected
    )


def test_allowed_networks_reads_addresses_and_networks_and_names_a_bad_entry():
    assert [str(n) for n in allowed_networks("10.1.2.3, 192.168.0.0/16 ::1")] == [
        "10.1.2.3/32",
        "192.168.0.0/16",
        "::1/128",
    ]
    assert allowed_networks("") == ()
    with pytest.raises(ValueError, match="'10.0.0.300' is not an address or a network"):
        allowed_networks("127.0.0.1, 10.0.0.300")


def metrics_client(database_url, **settings):
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url, **settings})
    app.test_client_class = IsolatedClient
    return app, app.test_client()


def test_metrics_are_404_to_other_addresses_through_a_proxy_and_with_a_wrong_token(database_url):
    _app, client = metrics_client(database_url, METRICS_TOKEN=TOKEN)
    elsewhere = client.get("/metrics", environ_base={"REMOTE_ADDR": "10.0.0.5"})
    assert elsewhere.status_code == 404
    assert "lms_http_requests_total" not in elsewhere.get_data(as_text=True)
    assert client.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"}).status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer not-the-token-at-all"}).status_code == 404
    assert client.get("/metrics").status_code == 200  # loopback, straight to the process
    with_token = client.get(
        "/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"}, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert with_token.status_code == 200
    assert with_token.headers["Cache-Control"] == "no-store"


def test_only_the_token_opens_metrics_when_no_address_is_allowed(database_url):
    _app, client = metrics_client(database_url, METRICS_ALLOW="", METRICS_TOKEN=TOKEN)
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"METRICS_ALLOW": "127.0.0.1, localhost"}, "LMS_METRICS_ALLOW: 'localhost' is not an address or a network"),
        ({"METRICS_TOKEN": "short"}, "LMS_METRICS_TOKEN must be at least 16 characters"),
    ],
)
def test_bad_metrics_settings_stop_the_start(database_url, settings, message):
    with pytest.raises(RuntimeError, match=message):
        create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url, **settings})


def test_requests_are_counted_and_timed_by_endpoint_and_status(client):
    before = sample("lms_http_requests_total", endpoint="healthz", method="GET", status="200")
    missing = sample("lms_http_requests_total", endpoint="none", method="GET", status="404")
    timed = sample("lms_http_request_duration_seconds_count", endpoint="healthz")
    for _ in range(3):
        client.get("/healthz")
    client.get("/no-such-page")
    client.open("/healthz", method="BREW")  # a junk method is "other" (405), not a label of its own
    assert sample("lms_http_requests_total", endpoint="healthz", method="GET", status="200") == before + 3
    assert sample("lms_http_requests_total", endpoint="none", method="GET", status="404") == missing + 1
    assert sample("lms_http_requests_total", endpoint="none", method="other", status="405") >= 1
    assert sample("lms_http_request_duration_seconds_count", endpoint="healthz") == timed + 3
    text = client.get("/metrics").get_data(as_text=True)
    assert 'lms_http_requests_total{endpoint="healthz",method="GET",status="200"}' in text
    assert 'lms_http_request_duration_seconds_bucket{endpoint="healthz",le="0.005"}' in text
    assert 'lms_db_pool_connections{state="in_use"}' in text
    assert "lms_db_pool_size" in text


def test_failed_and_rate_limited_logins_are_counted(app, world):
    failed = sample("lms_security_events_total", event="login_failed")
    limited = sample("lms_security_events_total", event="rate_limited")
    app.config["LOGIN_LIMIT_PER_ACCOUNT_ADDRESS"] = "2 per 15 minutes"
    statuses = [sign_in(app, "hv.mai", "wrong-password").status_code for _ in range(3)]
    assert statuses == [401, 401, 429]
    assert sample("lms_security_events_total", event="login_failed") == failed + 2
    assert sample("lms_security_events_total", event="rate_limited") == limited + 1


def test_live_room_connections_and_events_are_counted(app, world, live, auth):
    opened = sample("lms_live_connections")
    joins = sample("lms_live_events_total", event="join")
    heartbeats = sample("lms_live_events_total", event="heartbeat")
    http = app.test_client()
    assert AuthActions(http).login("hv.mai").status_code == 302
    socket = Socket(app, http)
    assert sample("lms_live_connections") == opened + 1
    assert socket.emit("join", {"session_id": live.id})["ok"]
    socket.emit("heartbeat", {})
    socket.emit("heartbeat", {})
    socket.emit("no_such_event", {})  # not a label: anyone could invent names
    assert sample("lms_live_events_total", event="join") == joins + 1
    assert sample("lms_live_events_total", event="heartbeat") == heartbeats + 2
    assert sample("lms_live_events_total", event="no_such_event") == 0
    socket.disconnect()
    assert sample("lms_live_connections") == opened
