"""Security events: a failed login, a 429, a CSRF failure and a refused socket each log one line,
without the password or any cookie."""

from __future__ import annotations

import logging

from lms.observability.logs import JsonFormatter, TextFormatter
from tests.auth.test_login_limits import sign_in
from tests.conftest import csrf_token
from tests.live.conftest import Socket

PASSWORD = "my-Secret-pass-phrase-42"


def security_lines(caplog, request_id=None):
    return [
        record
        for record in caplog.records
        if record.name == "lms.security" and (request_id is None or record.request_id == request_id)
    ]


def everything_logged(caplog) -> str:
    """Every captured record as both formats would write it."""
    return "\n".join(
        formatter.format(record) for record in caplog.records for formatter in (JsonFormatter(), TextFormatter())
    )


def test_a_failed_login_is_one_line_without_the_password(app, world, caplog):
    with caplog.at_level(logging.INFO):
        response = sign_in(app, " HV.Mai ", PASSWORD, address="198.51.100.7")
    assert response.status_code == 401
    (line,) = security_lines(caplog)
    assert line.request_id == response.headers["X-Request-Id"]
    assert line.levelname == "WARNING" and line.getMessage() == "login_failed"
    assert line.fields == {
        "event": "login_failed",
        "remote_addr": "198.51.100.7",
        "endpoint": "auth.login",
        "method": "POST",
        "username": "hv.mai",
    }
    logged = everything_logged(caplog)
    assert PASSWORD not in logged
    assert "session=" not in logged and "csrf_token" not in logged


def test_a_right_password_logs_no_security_event(app, world, caplog):
    with caplog.at_level(logging.INFO):
        assert sign_in(app, "hv.mai").status_code == 302
    assert security_lines(caplog) == []


def test_a_rate_limited_login_is_one_line_without_the_password(app, world, caplog):
    app.config["LOGIN_LIMIT_PER_ACCOUNT_ADDRESS"] = "2 per 15 minutes"
    for _ in range(2):
        sign_in(app, "hv.mai", PASSWORD)
    caplog.clear()
    with caplog.at_level(logging.INFO):
        response = sign_in(app, "hv.mai", PASSWORD)
    assert response.status_code == 429
    (line,) = security_lines(caplog, response.headers["X-Request-Id"])
    assert line.fields == {
        "event": "rate_limited",
        "remote_addr": "127.0.0.1",
        "endpoint": "auth.login",
        "method": "POST",
        "limit": "2 per 15 minute",
    }
    assert len(security_lines(caplog)) == 1  # the refused attempt is not also a failed login
    same_request = [r.name for r in caplog.records if r.request_id == line.request_id]
    assert same_request == ["lms.security", "lms.access"]  # Flask-Limiter's own "exceeded" line is left out
    assert PASSWORD not in everything_logged(caplog)


def test_a_csrf_failure_is_one_line(app, world, client, caplog):
    client.get("/login")  # a session whose token the forged one is not
    with caplog.at_level(logging.INFO):
        response = client.post("/login", data={"username": "hv.mai", "password": PASSWORD, "csrf_token": "forged"})
    assert response.status_code == 400
    (line,) = security_lines(caplog)
    assert line.fields == {
        "event": "csrf_failed",
        "remote_addr": "127.0.0.1",
        "endpoint": "auth.login",
        "method": "POST",
        "reason": "The CSRF token is invalid.",
    }
    assert PASSWORD not in everything_logged(caplog)


def test_a_socket_without_a_login_is_refused_with_its_reason(app, world, caplog):
    with caplog.at_level(logging.INFO):
        socket = Socket(app, app.test_client())
    assert not socket.is_connected()
    (line,) = security_lines(caplog)
    assert line.getMessage() == "socket_refused"
    assert line.fields["reason"] == "unauthorized" and line.fields["remote_addr"] == "127.0.0.1"


def test_too_many_wrong_activation_codes_is_one_line_without_the_code(app, world, client, caplog):
    app.config["ACTIVATION_RATE_LIMIT"] = "1 per 15 minutes"
    code = "7K4M-Q2XA-ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ"
    form = {"username": "hv.mai", "code": code, "password": PASSWORD, "confirm": PASSWORD}
    assert client.post("/activate", data={**form, "csrf_token": csrf_token(client, "/activate")}).status_code == 400
    caplog.clear()
    with caplog.at_level(logging.INFO):
        response = client.post("/activate", data={**form, "csrf_token": csrf_token(client, "/activate")})
    assert response.status_code == 429
    (line,) = security_lines(caplog)
    assert line.fields == {
        "event": "rate_limited",
        "remote_addr": "127.0.0.1",
        "endpoint": "activation.activate",
        "method": "POST",
    }
    logged = everything_logged(caplog)
    assert code not in logged and PASSWORD not in logged
