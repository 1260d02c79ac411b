"""The server crashes mid-session and comes back: the clients rejoin and the room is as it was.

A real gunicorn gevent server (production's worker) on 127.0.0.1 shares the test's database (a
SQLite file, or PostgreSQL with LMS_TEST_DATABASE_URL). Two python-socketio clients, logged in
with real session cookies, join on every (re)connection as the browser page does. The server's
process group is killed with SIGKILL, so nothing gets a chance to record a disconnect, and a new
server is started on the same port.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import socketio
from sqlalchemy import select

from lms.extensions import db
from lms.live.attendance import Presence, merge_presence
from lms.live.models import AttendanceInterval, LiveSession
from lms.live.report import attendance_rows
from tests.gunicorn import start_gunicorn
from tests.live.test_origin import free_port
from tests.live.test_scale_out import login_cookie, wait_ready

REPO = Path(__file__).resolve().parents[2]
NS = "/live"
HEARTBEAT_SECONDS = 1  # the server then ends a stretch silent for 3 s
STALE = timedelta(seconds=3 * HEARTBEAT_SECONDS)


class Server:
    """gunicorn -k gevent -w 1 in its own process group, so a kill takes the worker with the master."""

    def __init__(self, env: dict, port: int):
        self.env, self.port, self.process = env, port, None
        self.base = f"http://127.0.0.1:{port}"

    def start(self) -> None:
        self.process = start_gunicorn(self.port, self.env, start_new_session=True)
        wait_ready(self.base, self.process)

    def crash(self) -> None:
        """SIGKILL the master and its worker at once: no disconnect handler runs."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


class RoomClient:
    """A Socket.IO client that joins the session on every connection, like live.js."""

    def __init__(self, base: str, cookie: str, session_id: int):
        self.session_id = session_id
        self.joins: queue.Queue[dict] = queue.Queue()
        self.sio = socketio.Client(
            reconnection_delay=0.2, reconnection_delay_max=0.5, randomization_factor=0, handle_sigint=False
        )
        self.sio.on("connect", self._rejoin, namespace=NS)
        self.sio.connect(
            base, namespaces=[NS], transports=["polling"], wait_timeout=10, headers={"Cookie": cookie, "Origin": base}
        )

    def _rejoin(self) -> None:
        self.sio.emit("join", {"session_id": self.session_id}, namespace=NS, callback=self.joins.put)

    def next_join(self, timeout: float = 30) -> dict:
        ack = self.joins.get(timeout=timeout)
        assert ack["ok"], ack
        return ack["snapshot"]

    def call(self, event: str, **data) -> dict:
        ack = self.sio.call(event, {"session_id": self.session_id, **data}, namespace=NS, timeout=10)
        assert ack["ok"], (event, ack)
        return ack

    @property
    def sid(self) -> str | None:
        return self.sio.get_sid(NS)


def room_state(snapshot: dict) -> dict:
    """Everything in a snapshot but who is connected at this instant."""
    return {k: v for k, v in snapshot.items() if k not in ("participants", "participant_count")}


def stretches(session_id: int, user_id: int) -> list[AttendanceInterval]:
    db.session.commit()  # a fresh transaction sees what the server wrote
    return list(
        db.session.scalars(
            select(AttendanceInterval)
            .where(AttendanceInterval.session_id == session_id, AttendanceInterval.user_id == user_id)
            .order_by(AttendanceInterval.id)
        )
    )


def test_a_crash_and_restart_keeps_the_room_and_the_attendance(world, database_url):
    slides = world.modules[1]
    session = LiveSession(
        class_id=world.course_class.id,
        title="Buổi 1",
        duration_minutes=60,
        starts_at=datetime.now(UTC) - timedelta(minutes=1),
        slides_module_id=slides.id,
    )
    db.session.add(session)
    db.session.commit()
    env = {
        **os.environ,
        "LMS_CONFIG": "production",
        "LMS_SECRET_KEY": "s" * 40,
        "LMS_DATABASE_URL": database_url,
        "LMS_SECURE_COOKIES": "0",
        "LMS_LIVE_HEARTBEAT_SECONDS": str(HEARTBEAT_SECONDS),
    }
    env.pop("LMS_SOCKETIO_MESSAGE_QUEUE", None)  # one process: no queue
    server = Server(env, free_port())
    clients: list[RoomClient] = []
    try:
        server.start()
        teacher = RoomClient(server.base, login_cookie(server.base, "gv.an"), session.id)
        clients.append(teacher)
        teacher.next_join(10)
        learner = RoomClient(server.base, login_cookie(server.base, "hv.mai"), session.id)
        clients.append(learner)
        learner.next_join(10)

        # The room's state: started, slides moved, chat, a question, a poll with a vote, a raised hand.
        teacher.call("session_state", state="live")
        teacher.call("slide", section="mot-cua")
        learner.call("chat", client_id="c1", body="Chào thầy")
        learner.call("ask", client_id="q1", body="Hồ sơ thiếu thì sao?")
        poll = teacher.call("poll_open", client_id="p1", question="Đồng ý?", options=["Có", "Không"])["poll"]
        learner.call("poll_vote", poll_id=poll["id"], option=0)
        learner.call("hand", raised=True)
        for client in clients:  # a join ends stretches silent for 3 s: keep both alive on a slow machine
            client.call("heartbeat")
        before = {"learner": learner.call("join")["snapshot"], "teacher": teacher.call("join")["snapshot"]}
        assert before["learner"]["session"] == {
            "id": session.id,
            "title": "Buổi 1",
            "state": "live",
            "chat_muted": False,
            "slide": "mot-cua",
        }
        assert before["teacher"]["polls"][0]["counts"] == [1, 0]
        assert {p["name"] for p in before["teacher"]["participants"]} == {"Giảng Viên An", "Nguyễn Thị Mai"}
        assert before["learner"]["participant_count"] == 2
        for client in clients:
            assert client.call("heartbeat")["open"] == 1
        old_sids = [client.sid for client in clients]
        first_join = stretches(session.id, world.learner.id)[0].joined_at
        (open_before,) = [s for s in stretches(session.id, world.learner.id) if s.left_at is None]
        last_heartbeat = open_before.last_heartbeat_at

        server.crash()
        deadline = time.monotonic() + 10
        while any(client.sio.connected for client in clients) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(client.sio.connected for client in clients), "the clients did not notice the crash"
        # The crash recorded nothing: the stretch is still open in the database.
        assert stretches(session.id, world.learner.id)[-1].left_at is None
        # Come back once the stretches are stale, as after a real outage of more than three heartbeats.
        time.sleep(max(0.0, (last_heartbeat + STALE - datetime.now(UTC)).total_seconds()) + 0.5)
        restarted_at = datetime.now(UTC)
        server.start()

        after = {"learner": learner.next_join(), "teacher": teacher.next_join()}
        assert [client.sid for client in clients] != old_sids and all(c.sio.connected for c in clients)
        for name in ("learner", "teacher"):
            assert room_state(after[name]) == room_state(before[name]), name
        teacher.call("heartbeat")
        assert learner.call("join")["snapshot"] == before["learner"]  # with both back: the instructor, 2 people

        # No attendance lost: the stretches from before the crash are all kept, the one the crash
        # left open ends at its last heartbeat, and a new one runs from the rejoin.
        rows = stretches(session.id, world.learner.id)
        old = [s for s in rows if s.joined_at < restarted_at]
        new = [s for s in rows if s.joined_at >= restarted_at]
        assert len(old) == 2 and all(s.left_at is not None for s in old)  # the first join, then the re-join
        crashed = next(s for s in old if s.id == open_before.id)
        assert crashed.left_at == crashed.last_heartbeat_at == last_heartbeat
        assert len(new) == 2 and [s.left_at is None for s in new] == [False, True]  # auto-rejoin, explicit join
        time.sleep(1)
        assert learner.call("heartbeat")["open"] == 1  # attendance continues after the restart
        rows = stretches(session.id, world.learner.id)
        assert rows[-1].last_heartbeat_at > rows[-1].joined_at
        # The gap of the outage (a few seconds) counts as a reconnect: one span from the first join.
        spans = merge_presence(Presence(s.joined_at, s.left_at, s.last_heartbeat_at) for s in rows)
        assert spans == [(first_join, rows[-1].last_heartbeat_at)]
        (row,) = [
            r
            for r in attendance_rows(db.session.get(LiveSession, session.id))
            if r.enrolment.user_id == world.learner.id
        ]
        assert row.seconds == int((rows[-1].last_heartbeat_at - first_join).total_seconds())
    finally:
        for client in clients:
            client.sio.disconnect()
        server.stop()
