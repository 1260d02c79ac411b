"""/healthz answers while the process lives; /readyz names the database or Redis that does not answer."""

from __future__ import annotations

import logging
import os

import pytest

from lms import create_app
from tests.conftest import IsolatedClient
from tests.observability.test_error_pages import closed_port

REDIS = os.environ.get("LMS_TEST_REDIS_URL")


def app_with(database_url, **settings):
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url})
    # Set after start-up: the Socket.IO test set-up runs without a message queue, and readiness
    # only reads the settings.
    app.config.update(settings)
    app.test_client_class = IsolatedClient
    return app


def test_ready_when_the_database_answers(client):
    response = client.get("/readyz")
    assert (response.status_code, response.get_json()) == (200, {"status": "ready", "checks": {"database": "ok"}})
    assert response.headers["Cache-Control"] == "no-store"
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_not_ready_without_the_database_and_logged_once(caplog):
    app = app_with(f"postgresql://postgres@127.0.0.1:{closed_port()}/lms")
    client = app.test_client()
    with caplog.at_level(logging.INFO):
        answers = [client.get("/readyz") for _ in range(3)]
    assert {response.status_code for response in answers} == {503}
    assert answers[0].get_json() == {"status": "unavailable", "checks": {"database": "failed"}, "failed": ["database"]}
    (line,) = [record for record in caplog.records if record.name == "lms.health"]  # on the change, not each probe
    assert line.levelname == "WARNING" and line.getMessage() == "readiness check database failed"
    assert line.fields["error"] == "OperationalError"
    assert client.get("/healthz").status_code == 200  # alive all the same: a restart would not help


def test_not_ready_without_redis_naming_which(database_url):
    down = f"redis://127.0.0.1:{closed_port()}/0"
    client = app_with(database_url, SOCKETIO_MESSAGE_QUEUE=down, RATELIMIT_STORAGE_URI=down).test_client()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {
        "status": "unavailable",
        "checks": {"database": "ok", "redis_message_queue": "failed", "redis_rate_limits": "failed"},
        "failed": ["redis_message_queue", "redis_rate_limits"],
    }
    only_limits = app_with(database_url, RATELIMIT_STORAGE_URI=down).test_client().get("/readyz")
    assert only_limits.get_json()["failed"] == ["redis_rate_limits"]


@pytest.mark.skipif(not REDIS, reason="set LMS_TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/15) to run")
def test_ready_with_redis_answering(database_url):
    client = app_with(database_url, SOCKETIO_MESSAGE_QUEUE=REDIS, RATELIMIT_STORAGE_URI=REDIS).test_client()
    response = client.get("/readyz")
    assert (response.status_code, response.get_json()["checks"]) == (
        200,
        {"database": "ok", "redis_message_queue": "ok", "redis_rate_limits": "ok"},
    )


def test_a_message_queue_that_is_not_redis_is_not_checked(database_url):
    client = app_with(database_url, SOCKETIO_MESSAGE_QUEUE="amqp://guest@127.0.0.1//").test_client()
    assert client.get("/readyz").get_json()["checks"] == {"database": "ok"}
