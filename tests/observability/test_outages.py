"""Faults on a real server (gunicorn, gevent, production settings): the database or Redis away at
start and while running. /readyz names what is missing, pages show the translated error page (not
gunicorn's bare one) with one log line, and without Redis pages and sign-ins go on.

The database going away while running needs PostgreSQL (LMS_TEST_DATABASE_URL), Redis going away
needs LMS_TEST_REDIS_URL; each is skipped with the reason otherwise. The services themselves are
never stopped: a gate in front of them is cut (tests/observability/gate.py).
"""

from __future__ import annotations

import os
import time

import pytest
from sqlalchemy import make_url

from lms import create_app
from tests import factories
from tests.observability.gate import Gate
from tests.observability.server import SECRET, Server, csrf_of, sign_in
from tests.observability.test_error_pages import EN_UNAVAILABLE, VI_UNAVAILABLE, closed_port

POSTGRES = os.environ.get("LMS_TEST_DATABASE_URL")
REDIS = os.environ.get("LMS_TEST_REDIS_URL")
needs_postgres = pytest.mark.skipif(not POSTGRES, reason="set LMS_TEST_DATABASE_URL (PostgreSQL) to run")
needs_redis = pytest.mark.skipif(not REDIS, reason="set LMS_TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/15) to run")


def signed_in_cookie() -> str:
    """A session cookie that says "signed in" (signed with the server's key); checking it needs the database."""
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": SECRET})
    serializer = app.session_interface.get_signing_serializer(app)
    return serializer.dumps({"_user_id": "1", "_login_key": "k" * 43, "_fresh": True})


def through(gate: Gate, url: str) -> str:
    """The database URL with the gate in place of the server."""
    return make_url(url).set(host="127.0.0.1", port=gate.port).render_as_string(hide_password=False)


def wait_for(check, seconds: float = 10):
    deadline = time.monotonic() + seconds
    while not (result := check()):
        if time.monotonic() > deadline:
            return result
        time.sleep(0.1)
    return result


def assert_database_page(server: Server, response, message: str) -> None:
    """The translated 503 page, and for its request one error line and the access line, no traceback."""
    assert response.status_code == 503
    assert message in response.text and "Internal Server Error" not in response.text
    request_id = response.headers["X-Request-Id"]
    assert request_id in response.text
    entries = server.entries(request_id)
    assert [(e["level"], e["logger"], e["message"]) for e in entries] == [
        ("ERROR", "lms.errors", "database unavailable"),
        ("INFO", "lms.access", f"GET {response.request.path_url} 503"),
    ]
    assert "exception" not in entries[0]
    assert "Traceback" not in server.log_text()


def test_database_down_at_start(tmp_path, database_url):
    gate = Gate("127.0.0.1", make_url(POSTGRES).port or 5432) if POSTGRES else Gate("127.0.0.1", closed_port())
    url = through(gate, database_url) if POSTGRES else f"postgresql://postgres@127.0.0.1:{gate.port}/lms"
    with Server(tmp_path, LMS_DATABASE_URL=url) as server:  # the gate is shut: nothing answers
        ready = server.get("/readyz")
        assert (ready.status_code, ready.json()["failed"]) == (503, ["database"])
        assert server.get("/healthz").status_code == 200
        assert server.get("/login").status_code == 200  # the sign-in form needs no database
        page = server.get("/", cookies={"session": signed_in_cookie()})
        assert_database_page(server, page, VI_UNAVAILABLE)
        if POSTGRES:  # the database arrives: the same process serves
            gate.open()
            try:
                assert wait_for(lambda: server.get("/readyz").status_code == 200)
            finally:
                gate.cut()


@needs_postgres
def test_database_down_while_running(tmp_path, world, database_url):
    gate = Gate("127.0.0.1", make_url(POSTGRES).port or 5432)
    gate.open()
    try:
        with Server(tmp_path, LMS_DATABASE_URL=through(gate, database_url)) as server:
            signed = sign_in(server, "hv.mai", factories.PASSWORD)
            assert signed.status_code == 302
            http = signed.http
            http.post(f"{server.base}/language", data={"locale": "en", "csrf_token": csrf_of(http, server.base + "/")})
            assert http.get(f"{server.base}/", timeout=15).status_code == 200
            gate.cut()
            ready = server.get("/readyz")
            assert (ready.status_code, ready.json()["failed"]) == (503, ["database"])
            assert_database_page(server, http.get(f"{server.base}/", timeout=15), EN_UNAVAILABLE)
            gate.open()
            assert wait_for(lambda: server.get("/readyz").status_code == 200)
            assert http.get(f"{server.base}/", timeout=15).status_code == 200
    finally:
        gate.cut()


def assert_pages_and_sign_ins_go_on(server: Server) -> None:
    """Sign-ins, pages and the sign-in limit (kept in memory) work; the failures are security lines."""
    signed = sign_in(server, "hv.mai", factories.PASSWORD)
    assert signed.status_code == 302
    assert signed.http.get(f"{server.base}/", timeout=15).status_code == 200
    wrong = [sign_in(server, "hv.nam", "wrong-Password-7").status_code for _ in range(3)]
    assert wrong == [401, 401, 429]  # LMS_LOGIN_LIMIT_PER_ACCOUNT_ADDRESS below
    events = [e["event"] for e in server.entries() if e["logger"] == "lms.security"]
    assert events == ["login_failed", "login_failed", "rate_limited"]
    assert "wrong-Password-7" not in server.log_text()


def test_redis_down_at_start(tmp_path, world, database_url):
    down = f"redis://127.0.0.1:{closed_port()}/15"
    settings = {
        "LMS_DATABASE_URL": database_url,
        "LMS_SOCKETIO_MESSAGE_QUEUE": down,
        "LMS_RATELIMIT_STORAGE_URL": down,
        "LMS_LOGIN_LIMIT_PER_ACCOUNT_ADDRESS": "2 per 15 minutes",
    }
    with Server(tmp_path, **settings) as server:
        ready = server.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["failed"] == ["redis_message_queue", "redis_rate_limits"]
        assert ready.json()["checks"]["database"] == "ok"
        assert_pages_and_sign_ins_go_on(server)


@needs_redis
def test_redis_down_while_running(tmp_path, world, database_url):
    redis_url = make_url(REDIS)
    gate = Gate(redis_url.host or "127.0.0.1", redis_url.port or 6379)
    gated = f"redis://127.0.0.1:{gate.port}/{redis_url.database or 0}"
    gate.open()
    settings = {
        "LMS_DATABASE_URL": database_url,
        "LMS_SOCKETIO_MESSAGE_QUEUE": gated,
        "LMS_RATELIMIT_STORAGE_URL": gated,
        "LMS_LOGIN_LIMIT_PER_ACCOUNT_ADDRESS": "2 per 15 minutes",
    }
    try:
        with Server(tmp_path, **settings) as server:
            assert server.get("/readyz").status_code == 200
            gate.cut()
            ready = server.get("/readyz")
            assert ready.status_code == 503
            assert ready.json()["failed"] == ["redis_message_queue", "redis_rate_limits"]
            assert_pages_and_sign_ins_go_on(server)
            gate.open()
            assert wait_for(lambda: server.get("/readyz").status_code == 200)
    finally:
        gate.cut()


def test_a_socket_from_another_site_is_a_security_line(tmp_path, database_url):
    with Server(tmp_path, LMS_DATABASE_URL=database_url) as server:
        refused = server.get("/socket.io/?EIO=4&transport=polling", headers={"Origin": "http://evil.example"})
        assert refused.status_code == 400
        entries = server.entries(refused.headers["X-Request-Id"])
        assert [(e["logger"], e["message"]) for e in entries] == [
            ("lms.security", "socket_refused"),
            ("lms.access", "GET /socket.io/ 400"),
        ]
        assert entries[0]["reason"] == "Not an accepted origin." and entries[0]["remote_addr"] == "127.0.0.1"
        assert entries[1]["endpoint"] == "socketio"
