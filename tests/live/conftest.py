"""Shared by the live room's tests: a session with slides, and Socket.IO test clients with a login."""

import contextvars
import os
import time
from datetime import UTC, datetime, timedelta

import pytest

from lms.extensions import db, socketio
from lms.live.models import LiveSession
from tests.conftest import AuthActions
from tests.live.servers import Servers

NS = "/live"
REDIS = os.environ.get("LMS_TEST_REDIS_URL")


@pytest.fixture
def live(world):
    slides = world.modules[1]  # "thu-tuc" has a "mot-cua" section
    session = LiveSession(
        class_id=world.course_class.id,
        title="Buổi 1",
        duration_minutes=60,
        starts_at=datetime.now(UTC) + timedelta(minutes=5),
        slides_module_id=slides.id,
    )
    db.session.add(session)
    db.session.commit()
    return session


def isolated(fn, *args, **kwargs):
    """Run a socket call as a server would: in its own app context, after the test's commit.

    The test keeps an app context open; handlers run in the caller's thread, so without this they
    would share its `g` (and Flask-Login's cached user) across connections.
    """
    db.session.commit()
    return contextvars.Context().run(fn, *args, **kwargs)


class Socket:
    """A Socket.IO test client whose every call runs in a fresh context."""

    def __init__(self, app, http=None):
        self.client = isolated(socketio.test_client, app, namespace=NS, flask_test_client=http)

    def emit(self, event, data):
        return isolated(self.client.emit, event, data, namespace=NS, callback=True)

    def emit_args(self, event, *args):
        """Send an event with any number of arguments (none, or several), as a hostile client might."""
        return isolated(self.client.emit, event, *args, namespace=NS, callback=True)

    def get_received(self, namespace=NS):
        return self.client.get_received(namespace)

    def is_connected(self, namespace=NS):
        return self.client.is_connected(namespace)

    def disconnect(self, namespace=NS):
        isolated(self.client.disconnect, namespace=namespace)


@pytest.fixture
def connect(app, auth, client):
    """Log a user in through the real form and open a socket with that login."""
    opened = []

    def open_socket(username: str):
        http = app.test_client()
        assert AuthActions(http).login(username).status_code == 302
        socket = Socket(app, http)
        opened.append(socket)
        return socket

    yield open_socket
    for socket in opened:
        if socket.is_connected():
            socket.disconnect()


def call(socket, event, **data):
    return socket.emit(event, data)


def received(socket, name):
    return [m["args"][0] for m in socket.get_received(NS) if m["name"] == name]


def wait_presence(socket, settle: float = 0.3, timeout: float = 5.0) -> list[dict]:
    """The `presence` broadcasts a socket gets once the batches are flushed (they come a window later).

    Waits until one has arrived and then `settle` seconds more without another (or `timeout`).
    Other events received meanwhile are dropped.
    """
    found: list[dict] = []
    deadline = time.monotonic() + timeout
    quiet_since = time.monotonic()
    while time.monotonic() < deadline:
        batch = received(socket, "presence")
        if batch:
            found += batch
            quiet_since = time.monotonic()
        elif found and time.monotonic() - quiet_since >= settle:
            break
        time.sleep(0.02)
    return found


# --- real servers: one process, or two sharing Redis -------------------------------------------


@pytest.fixture
def servers(tmp_path, database_url):
    with Servers(database_url, tmp_path) as started:
        yield started


@pytest.fixture(params=["one process", "two processes"])
def placement(request, servers):
    """(the learner's server, everyone else's): the same, or two processes sharing Redis."""
    if request.param == "one process":
        server = servers.start()
        return server, server
    if not REDIS:
        pytest.skip("set LMS_TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/15) to run it across processes")
    return servers.start(queue=REDIS), servers.start(queue=REDIS)
