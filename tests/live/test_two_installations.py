"""Two installations (say staging and production) sharing one Redis server never hear each other's rooms.

Each installation is a real gunicorn process on its own database, both with the same records (so
the live session has the same id in both, with the same learner), both publishing on the same Redis. Redis
publish/subscribe ignores the database number, so only the channel keeps them apart: by default
it is derived from the database (`lms.message_queue_channel`). The control case gives both the
same channel and the chat crosses, which shows the isolation comes from the channel.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta

import pytest
import socketio

from lms import create_app
from lms.extensions import db
from lms.live.models import LiveSession
from tests.conftest import build_world
from tests.gunicorn import start_gunicorn
from tests.live.test_origin import free_port
from tests.live.test_scale_out import login_cookie, wait_ready

REDIS = os.environ.get("LMS_TEST_REDIS_URL")
pytestmark = pytest.mark.skipif(not REDIS, reason="set LMS_TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/15) to run")
NS = "/live"


def add_session(class_id: int, session_id: int | None = None) -> int:
    session = LiveSession(
        id=session_id,
        class_id=class_id,
        title="Buổi 1",
        duration_minutes=60,
        starts_at=datetime.now(UTC) + timedelta(minutes=5),
    )
    db.session.add(session)
    db.session.commit()
    return session.id


def second_installation(url: str, tmp_path, session_id: int) -> None:
    """The same records in a second database, its live session under the same id as the first's."""
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        db.create_all()
        add_session(build_world(tmp_path / "second").course_class.id, session_id)
        db.session.remove()
        db.engine.dispose()


def joined_socket(base: str, session_id: int, heard: list[str]) -> socketio.Client:
    client = socketio.Client(reconnection=False, handle_sigint=False)
    client.on("chat", lambda message: heard.append(message["body"]), namespace=NS)
    client.connect(
        base, namespaces=[NS], transports=["polling"], wait_timeout=10, headers={"Cookie": login_cookie(base, "hv.mai")}
    )
    assert client.call("join", {"session_id": session_id}, namespace=NS, timeout=10)["ok"]
    return client


@pytest.mark.parametrize("channels", ["derived from each database", "the same for both"])
def test_rooms_of_two_installations_on_one_redis_stay_apart(world, database_url, fresh_database, tmp_path, channels):
    (tmp_path / "second").mkdir()
    session_id = add_session(world.course_class.id)
    second_url = fresh_database()
    second_installation(second_url, tmp_path, session_id)  # the same room name in both
    env = {k: v for k, v in os.environ.items() if k not in ("LMS_SOCKETIO_CHANNEL", "LMS_RATELIMIT_STORAGE_URL")}
    env |= {
        "LMS_CONFIG": "production",
        "LMS_SECRET_KEY": "s" * 40,
        "LMS_SECURE_COOKIES": "0",
        "LMS_SOCKETIO_MESSAGE_QUEUE": REDIS,
    }
    if channels == "the same for both":
        env["LMS_SOCKETIO_CHANNEL"] = f"lms-test-shared-{os.getpid()}-{time.monotonic_ns()}"
    ports = [free_port(), free_port()]
    processes = [
        start_gunicorn(port, {**env, "LMS_DATABASE_URL": url})
        for port, url in zip(ports, (database_url, second_url), strict=True)
    ]
    clients: list[socketio.Client] = []
    try:
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        for base, process in zip(bases, processes, strict=True):
            wait_ready(base, process)
        heard_first: list[str] = []
        heard_second: list[str] = []
        clients.append(joined_socket(bases[0], session_id, heard_first))
        clients.append(joined_socket(bases[1], session_id, heard_second))
        for client, body in zip(clients, ("Thật", "Thử"), strict=True):
            sent = client.call("chat", {"session_id": session_id, "client_id": "line-1", "body": body}, namespace=NS)
            assert sent["ok"]
        time.sleep(1.5)  # what crosses over Redis arrives within milliseconds
        if channels == "derived from each database":
            assert (heard_first, heard_second) == (["Thật"], ["Thử"])
        else:
            assert (sorted(heard_first), sorted(heard_second)) == (["Thật", "Thử"], ["Thật", "Thử"])
    finally:
        for client in clients:
            client.disconnect()
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=20)
