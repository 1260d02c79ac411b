"""A server process stopped with SIGTERM during a live session hands its connections over at once.

A real gunicorn process (lms.gunicorn_config, as production runs it) serves a learner's socket in
a session's room. On SIGTERM the socket is closed at once (so its client can reconnect to another
process), its attendance stretch ends at that moment rather than at a later sweep, and the process
exits well inside gunicorn's graceful timeout instead of waiting for the connection.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from datetime import UTC, datetime, timedelta

import socketio
from sqlalchemy import select

from lms import gunicorn_config
from lms.extensions import db
from lms.live.models import AttendanceInterval, LiveSession
from tests.gunicorn import start_gunicorn
from tests.live.test_origin import free_port
from tests.live.test_scale_out import login_cookie, wait_ready

NS = "/live"


def test_sigterm_closes_the_room_connections_and_their_attendance_at_once(world, database_url, tmp_path):
    session = LiveSession(
        class_id=world.course_class.id,
        title="Buổi 1",
        duration_minutes=60,
        starts_at=datetime.now(UTC) - timedelta(minutes=5),
    )
    db.session.add(session)
    db.session.commit()
    env = {
        **os.environ,
        "LMS_CONFIG": "production",
        "LMS_SECRET_KEY": "s" * 40,
        "LMS_DATABASE_URL": database_url,
        "LMS_SECURE_COOKIES": "0",
    }
    env.pop("LMS_SOCKETIO_MESSAGE_QUEUE", None)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with open(tmp_path / "server.log", "wb") as log:
        process = start_gunicorn(port, env, log)
    client = socketio.Client(reconnection=False, handle_sigint=False)
    dropped = threading.Event()
    client.on("disconnect", lambda *_reason: dropped.set(), namespace=NS)
    try:
        wait_ready(base, process)
        cookie = login_cookie(base, "hv.mai")
        client.connect(base, namespaces=[NS], transports=["polling"], wait_timeout=10, headers={"Cookie": cookie})
        assert client.call("join", {"session_id": session.id}, namespace=NS, timeout=10)["ok"]
        db.session.commit()
        assert db.session.scalars(select(AttendanceInterval.left_at)).all() == [None]

        stopped_at = datetime.now(UTC)
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        assert dropped.wait(5), "the socket stayed connected to a stopping process"
        process.wait(timeout=gunicorn_config.graceful_timeout + 10)
        exited_after = time.monotonic() - started
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        client.disconnect()
    # Without the hand-over the process waits out the whole graceful timeout for the connection.
    assert exited_after < gunicorn_config.graceful_timeout - 2, f"exited after {exited_after:.1f} s"
    log_text = (tmp_path / "server.log").read_text()
    assert "MonkeyPatchWarning" not in log_text  # the app is imported after gevent patched the library
    assert "handed 1 live-room connections over" in log_text
    db.session.commit()
    left_at = db.session.scalars(select(AttendanceInterval.left_at)).one()
    assert left_at is not None and abs((left_at.replace(tzinfo=UTC) - stopped_at).total_seconds()) < 3
