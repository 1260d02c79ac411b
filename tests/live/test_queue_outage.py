"""Redis lost by one server process while a session runs: that process's room says so, refuses to
acknowledge what the others would not hear, and catches up by itself when Redis is back.

Two real gunicorn gevent servers share the test's database and the Redis message queue
(LMS_TEST_REDIS_URL); server A reaches Redis through a gate the test cuts and opens again
(tests/observability/gate.py), server B directly. A learner's socket is on A, the instructor's on B.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta

import pytest
import socketio
from sqlalchemy import make_url, select

from lms.extensions import db
from lms.live.models import ChatMessage, LiveSession
from tests.gunicorn import start_gunicorn
from tests.live.test_origin import free_port
from tests.live.test_scale_out import login_cookie, wait_ready
from tests.observability.gate import Gate

REDIS = os.environ.get("LMS_TEST_REDIS_URL")
pytestmark = pytest.mark.skipif(not REDIS, reason="set LMS_TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/15) to run")
NS = "/live"
INTERRUPTED_VI = (
    "cập nhật trực tiếp đang bị gián đoạn nên nội dung này chưa được gửi; vui lòng chờ kết nối trở lại rồi gửi lại"
)


class Socket:
    """A python-socketio client of the room, recording the events it receives."""

    def __init__(self, base: str, cookie: str, session_id: int):
        self.session_id = session_id
        self.events: list[tuple[str, dict]] = []
        self.sio = socketio.Client(reconnection=False, handle_sigint=False)
        for name in ("chat", "live_link"):
            self.sio.on(name, lambda data, name=name: self.events.append((name, data)), namespace=NS)
        self.sio.connect(
            base, namespaces=[NS], transports=["polling"], wait_timeout=10, headers={"Cookie": cookie, "Origin": base}
        )

    def call(self, event: str, **data) -> dict:
        return self.sio.call(event, {"session_id": self.session_id, **data}, namespace=NS, timeout=15)

    def received(self, name: str) -> list[dict]:
        return [data for event, data in self.events if event == name]

    def wait_for(self, name: str, count: int, seconds: float) -> list[dict]:
        deadline = time.monotonic() + seconds
        while len(self.received(name)) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.received(name)


def chat_bodies() -> list[str]:
    db.session.commit()  # a fresh transaction sees what the servers wrote
    return list(db.session.scalars(select(ChatMessage.body).order_by(ChatMessage.id)))


def test_a_process_that_loses_redis_tells_its_room_and_recovers(world, database_url):
    session = LiveSession(
        class_id=world.course_class.id,
        title="Buổi 1",
        duration_minutes=60,
        starts_at=datetime.now(UTC) + timedelta(minutes=5),
    )
    db.session.add(session)
    db.session.commit()
    redis_url = make_url(REDIS)
    gate = Gate(redis_url.host or "127.0.0.1", redis_url.port or 6379)
    gate.open()
    env = {
        **os.environ,
        "LMS_CONFIG": "production",
        "LMS_SECRET_KEY": "s" * 40,
        "LMS_DATABASE_URL": database_url,
        "LMS_SECURE_COOKIES": "0",
    }
    env.pop("LMS_RATELIMIT_STORAGE_URL", None)
    ports = [free_port(), free_port()]
    gated = f"redis://127.0.0.1:{gate.port}/{redis_url.database or 0}"
    processes = [
        start_gunicorn(ports[0], {**env, "LMS_SOCKETIO_MESSAGE_QUEUE": gated}),
        start_gunicorn(ports[1], {**env, "LMS_SOCKETIO_MESSAGE_QUEUE": REDIS}),
    ]
    sockets: list[Socket] = []
    try:
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        for base, process in zip(bases, processes, strict=True):
            wait_ready(base, process)
        learner = Socket(bases[0], login_cookie(bases[0], "hv.mai"), session.id)
        teacher = Socket(bases[1], login_cookie(bases[1], "gv.an"), session.id)
        sockets += [learner, teacher]
        joined = learner.call("join")
        assert (joined["ok"], joined["link_up"]) == (True, True)
        assert teacher.call("join")["ok"]
        assert learner.call("chat", client_id="before", body="Trước")["ok"]
        assert [m["body"] for m in teacher.wait_for("chat", 1, 5)] == ["Trước"]

        gate.cut()
        assert learner.wait_for("live_link", 1, 10) == [{"up": False}]
        refused = learner.call("chat", client_id="during", body="Trong lúc mất kết nối")
        assert refused == {"ok": False, "error": "interrupted", "message": INTERRUPTED_VI}
        assert learner.call("join")["link_up"] is False  # a page loaded now shows the banner at once
        assert teacher.call("chat", client_id="elsewhere", body="Bên kia vẫn nói")["ok"]  # B still carries
        assert chat_bodies() == ["Trước", "Bên kia vẫn nói"]
        assert [m["body"] for m in learner.received("chat")] == ["Trước"]  # A's room cannot hear B
        assert teacher.received("live_link") == []

        gate.open()
        assert learner.wait_for("live_link", 2, 15) == [{"up": False}, {"up": True}]
        snapshot = learner.call("join")
        assert snapshot["link_up"] is True
        assert [m["body"] for m in snapshot["snapshot"]["chat"]] == ["Trước", "Bên kia vẫn nói"]
        assert learner.call("chat", client_id="after", body="Đã có lại")["ok"]
        assert [m["body"] for m in teacher.wait_for("chat", 3, 5)] == ["Trước", "Bên kia vẫn nói", "Đã có lại"]
    finally:
        for sock in sockets:
            sock.sio.disconnect()
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=20)
        gate.cut()
