"""Presence heals by itself: what a gone server process left open is closed without waiting.

Each open online stretch names the server process holding its connection, and each process keeps
a record with a heartbeat (`room_processes`). A process closes the stretches of processes that
are gone when it accepts its first connection (after a restart: at once), and again every
heartbeat period; a process still running, on this host or elsewhere, keeps its stretches.

The rule is tested on plain values, the sweeps in-process (SQLite or PostgreSQL), and restarts
and a second process with real gunicorn servers (with LMS_TEST_REDIS_URL, through the Redis
message queue).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest
import socketio
from sqlalchemy import select

from lms.database import utcnow
from lms.extensions import db
from lms.live import presence
from lms.live.liveness import ProcessRecord, gone
from lms.live.models import AttendanceInterval, LiveSession, PresenceSource, RoomProcess
from tests.factories import make_user
from tests.live.conftest import call, wait_presence
from tests.live.test_origin import free_port
from tests.live.test_restart import RoomClient, Server
from tests.live.test_scale_out import login_cookie

NS = "/live"
REDIS = os.environ.get("LMS_TEST_REDIS_URL")
NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
STALE = timedelta(seconds=90)
ME = ProcessRecord("me", "boot-1 pid:[1]", 40, 1000, NOW)


def record(**fields) -> ProcessRecord:
    return ProcessRecord(
        **{"id": "other", "pid_scope": ME.pid_scope, "pid": 41, "pid_started": 2000, "seen_at": NOW, **fields}
    )


# --- the rule -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("other", "runs", "expected"),
    [
        (record(), True, False),  # on this host, running: alive
        (record(), False, True),  # on this host, its pid no longer runs it: gone at once
        (record(pid=40), True, True),  # our own pid in a record not ours: a restarted container
        (record(pid_scope="boot-2 pid:[1]"), False, False),  # elsewhere: its pid says nothing here
        (record(pid_scope=""), False, False),  # where it ran is unknown: only the heartbeat counts
        (record(pid_scope="boot-2 pid:[1]", seen_at=NOW - STALE), True, True),  # silent for three periods
        (record(pid_scope="boot-2 pid:[1]", seen_at=NOW - STALE + timedelta(seconds=1)), True, False),
        (record(id="me", pid=40), False, False),  # never our own record
    ],
)
def test_which_processes_are_gone(other, runs, expected):
    checked = []

    def running(pid, started):
        checked.append((pid, started))
        return runs

    assert gone(other, ME, NOW, STALE, running) is expected
    if checked:  # a pid is only ever looked up on this host, with the start time it recorded
        assert other.pid_scope == ME.pid_scope and checked == [(other.pid, other.pid_started)]


def test_a_pid_runs_only_as_the_process_that_recorded_it():
    me = presence.this_process()
    if not me.pid_scope:
        pytest.skip("no /proc here: pids are not checked, only heartbeats")
    assert presence.running(me.pid, me.pid_started)
    assert not presence.running(me.pid, me.pid_started + 1)  # the pid reused by another program
    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait()
    assert not presence.running(finished.pid, None)


# --- in-process: the first connection and the heartbeat sweep -----------------------------------


def add_process(pid: int, pid_scope: str, seen_at: datetime, pid_started: int | None = None) -> str:
    process_id = os.urandom(16).hex()
    db.session.add(
        RoomProcess(
            id=process_id, pid_scope=pid_scope, pid=pid, pid_started=pid_started, started_at=seen_at, seen_at=seen_at
        )
    )
    return process_id


def add_stretch(session_id: int, user_id: int, owner_id: str | None, heard: datetime) -> AttendanceInterval:
    stretch = AttendanceInterval(
        session_id=session_id,
        user_id=user_id,
        source=PresenceSource.ONLINE,
        sid=os.urandom(8).hex(),
        joined_at=heard - timedelta(minutes=5),
        last_heartbeat_at=heard,
        owner_id=owner_id,
    )
    db.session.add(stretch)
    return stretch


def stretch_ends(*stretches) -> list[datetime | None]:
    db.session.commit()
    db.session.expire_all()
    return [db.session.get(AttendanceInterval, s.id).left_at for s in stretches]


@pytest.fixture
def sleeper():
    """A process of this host that keeps running during the test, and the pid and start it has."""
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        deadline = time.monotonic() + 5
        while presence._started(process.pid) is None and time.monotonic() < deadline:
            time.sleep(0.01)
        yield process
    finally:
        process.kill()
        process.wait(timeout=10)


def test_the_first_connection_closes_what_gone_processes_left_and_nothing_else(live, world, connect, sleeper):
    here = presence.this_process().pid_scope
    if not here:
        pytest.skip("no /proc here: pids are not checked, only heartbeats")
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    now = utcnow()
    heard = now - timedelta(seconds=20)
    started = presence._started(sleeper.pid)[1]
    people = {
        name: make_user(name, full_name=name.title())
        for name in ("crashed", "reused", "silent", "alive", "away", "old")
    }
    owners = {
        "crashed": add_process(ended.pid, here, now, None),  # heard of just now, but no longer running
        "reused": add_process(sleeper.pid, here, now, started + 1),  # its pid now runs another program
        "silent": add_process(4242, "another host", now - timedelta(minutes=2)),  # no heartbeat for 2 minutes
        "alive": add_process(sleeper.pid, here, now, started),  # still running on this host
        "away": add_process(4242, "another host", now),  # another host, heard of just now
        "old": None,  # opened before owners were recorded: left to the heartbeat rule
    }
    stretches = {name: add_stretch(live.id, people[name].id, owner, heard) for name, owner in owners.items()}
    db.session.commit()

    teacher = connect("gv.an")  # this app's first connection: its process starts
    ends = dict(zip(stretches, stretch_ends(*stretches.values()), strict=True))
    assert ends == {"crashed": heard, "reused": heard, "silent": heard, "alive": None, "away": None, "old": None}
    db.session.expire_all()
    recorded = {p.id: p for p in db.session.scalars(select(RoomProcess))}
    (mine,) = set(recorded) - {owners["alive"], owners["away"]}
    assert recorded[mine].pid == os.getpid() and recorded[mine].pid_scope == here

    snapshot = call(teacher, "join", session_id=live.id)["snapshot"]
    assert snapshot["participant_count"] == 4
    assert [p["name"] for p in snapshot["participants"]] == ["Alive", "Away", "Giảng Viên An", "Old"]
    (own,) = db.session.scalars(select(AttendanceInterval).where(AttendanceInterval.user_id == world.teacher.id))
    assert own.owner_id == mine


def test_a_process_that_dies_is_closed_by_the_others_heartbeat_with_left_and_count(app, live, world, connect, sleeper):
    here = presence.this_process().pid_scope
    if not here:
        pytest.skip("no /proc here: pids are not checked, only heartbeats")
    app.config["LIVE_HEARTBEAT_SECONDS"] = 1  # the sweep runs every second
    teacher = connect("gv.an")
    call(teacher, "join", session_id=live.id)
    wait_presence(teacher)
    other = add_process(sleeper.pid, here, utcnow(), presence._started(sleeper.pid)[1])
    stretch = add_stretch(live.id, world.learner.id, other, utcnow())
    db.session.commit()
    assert call(teacher, "join", session_id=live.id)["snapshot"]["participant_count"] == 2
    wait_presence(teacher)

    def seen() -> datetime:
        db.session.commit()
        return max(db.session.scalars(select(RoomProcess.seen_at).where(RoomProcess.id != other)))

    before = seen()
    deadline = time.monotonic() + 10
    while seen() == before and time.monotonic() < deadline:
        time.sleep(0.1)
    assert seen() > before, "the heartbeat did not run"
    assert stretch_ends(stretch) == [None]  # swept while its process ran: kept

    sleeper.kill()
    sleeper.wait(timeout=10)
    assert wait_presence(teacher, timeout=10) == [{"joined": [], "left": [world.learner.id], "count": 1}]
    db.session.expire_all()
    assert stretch_ends(stretch) == [db.session.get(AttendanceInterval, stretch.id).last_heartbeat_at]
    assert db.session.get(RoomProcess, other) is None


# --- real servers --------------------------------------------------------------------------------


class Watcher(RoomClient):
    """A reconnecting room client (joins on every connection) that keeps the `presence` events."""

    def __init__(self, base: str, cookie: str, session_id: int):
        self.presence: list[dict] = []
        super().__init__(base, cookie, session_id)
        self.sio.on("presence", self.presence.append, namespace=NS)

    def left(self, user_id: int, timeout: float = 20) -> dict:
        """The first `presence` event saying the user left (waited for)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for event in list(self.presence):
                if user_id in event["left"]:
                    return event
            time.sleep(0.05)
        raise AssertionError(f"no departure of {user_id} in {self.presence}")


def one_shot(base: str, cookie: str, session_id: int) -> socketio.Client:
    """A client that joins once and never comes back (the learner closed the laptop)."""
    client = socketio.Client(reconnection=False, handle_sigint=False)
    client.connect(base, namespaces=[NS], transports=["polling"], headers={"Cookie": cookie, "Origin": base})
    assert client.call("join", {"session_id": session_id}, namespace=NS, timeout=10)["ok"]
    return client


def server_env(database_url: str, heartbeat: int) -> dict:
    env = {
        **os.environ,
        "LMS_CONFIG": "production",
        "LMS_SECRET_KEY": "s" * 40,
        "LMS_DATABASE_URL": database_url,
        "LMS_SECURE_COOKIES": "0",
        "LMS_LIVE_HEARTBEAT_SECONDS": str(heartbeat),
    }
    env.pop("LMS_SOCKETIO_MESSAGE_QUEUE", None)
    env.pop("LMS_RATELIMIT_STORAGE_URL", None)
    return env


def open_stretches(session_id: int) -> dict[int, list[AttendanceInterval]]:
    db.session.commit()
    found: dict[int, list[AttendanceInterval]] = {}
    for stretch in db.session.scalars(
        select(AttendanceInterval).where(AttendanceInterval.session_id == session_id).order_by(AttendanceInterval.id)
    ):
        found.setdefault(stretch.user_id, []).append(stretch)
    return found


@pytest.fixture
def session(world):
    live = LiveSession(
        class_id=world.course_class.id,
        title="Buổi 1",
        duration_minutes=60,
        starts_at=datetime.now(UTC) - timedelta(minutes=1),
    )
    db.session.add(live)
    db.session.commit()
    return live


def test_after_a_restart_counts_and_departures_are_right_at_once(world, database_url, session):
    """Heartbeats every 30 s: a silent stretch would stay open 90 s; the restart closes it at once."""
    server = Server(server_env(database_url, heartbeat=30), free_port())
    clients = []
    try:
        server.start()
        teacher = Watcher(server.base, login_cookie(server.base, "gv.an"), session.id)
        clients.append(teacher.sio)
        teacher.next_join(10)
        mai = RoomClient(server.base, login_cookie(server.base, "hv.mai"), session.id)
        clients.append(mai.sio)
        mai.next_join(10)
        nam = one_shot(server.base, login_cookie(server.base, "hv.nam"), session.id)
        clients.append(nam)
        assert teacher.call("join")["snapshot"]["participant_count"] == 3
        (nam_before,) = open_stretches(session.id)[world.other_learner.id]

        server.crash()
        crashed_at = datetime.now(UTC)
        server.start()
        teacher.next_join()
        mai.next_join()
        # Nam never came back: the restarted server closed his stretch before anyone rejoined.
        snapshot = teacher.call("join")["snapshot"]
        assert datetime.now(UTC) - crashed_at < timedelta(seconds=90), "too slow to tell healing from the 90 s rule"
        assert snapshot["participant_count"] == 2
        assert {p["name"] for p in snapshot["participants"]} == {"Giảng Viên An", "Nguyễn Thị Mai"}
        (nam_after,) = open_stretches(session.id)[world.other_learner.id]
        assert nam_after.left_at == nam_before.last_heartbeat_at

        # Mai leaves after the restart: she is reported gone, and the count follows.
        time.sleep(1)  # the rejoins' batch (0.5 s) has gone out
        teacher.presence.clear()
        mai.sio.disconnect()
        assert teacher.left(world.learner.id) == {"joined": [], "left": [world.learner.id], "count": 1}
        assert all(s.left_at is not None for s in open_stretches(session.id)[world.learner.id])
    finally:
        for client in clients:
            client.disconnect()
        server.stop()


def test_a_second_process_keeps_the_first_ones_stretches_and_closes_them_once_it_dies(world, database_url, session):
    env = server_env(database_url, heartbeat=2)
    if REDIS:
        env["LMS_SOCKETIO_MESSAGE_QUEUE"] = REDIS
    first, second = Server(env, free_port()), Server(env, free_port())
    clients = []
    try:
        first.start()
        mai = one_shot(first.base, login_cookie(first.base, "hv.mai"), session.id)
        clients.append(mai)
        second.start()
        # Mai's page keeps its heartbeat (a join closes stretches silent for 3 periods, 6 s here).
        assert mai.call("heartbeat", {}, namespace=NS, timeout=10) == {"ok": True, "open": 1}
        teacher = Watcher(second.base, login_cookie(second.base, "gv.an"), session.id)  # the second one starts
        clients.append(teacher.sio)
        assert teacher.next_join(10)["participant_count"] == 2
        time.sleep(2.5)  # both processes sweep at least once
        assert mai.call("heartbeat", {}, namespace=NS, timeout=10) == {"ok": True, "open": 1}
        snapshot = teacher.call("join")["snapshot"]
        assert {p["name"] for p in snapshot["participants"]} == {"Giảng Viên An", "Nguyễn Thị Mai"}
        (kept,) = open_stretches(session.id)[world.learner.id]
        assert kept.left_at is None

        first.crash()  # nobody reconnects: the second process notices on its own
        assert teacher.left(world.learner.id) == {"joined": [], "left": [world.learner.id], "count": 1}
        (closed,) = open_stretches(session.id)[world.learner.id]
        assert closed.left_at == closed.last_heartbeat_at
    finally:
        for client in clients:
            client.disconnect()
        first.stop()
        second.stop()


def test_a_failed_start_still_accepts_the_connection_and_the_next_one_tries_again(live, world, connect, monkeypatch):
    from lms.live import room

    def broken(*args):
        raise RuntimeError("database gone for a moment")

    real = room.close_orphaned
    monkeypatch.setattr(room, "close_orphaned", broken)
    teacher = connect("gv.an")
    assert teacher.is_connected() and call(teacher, "join", session_id=live.id)["ok"]
    (stretch,) = db.session.scalars(select(AttendanceInterval)).all()
    assert stretch.owner_id is None  # no owner recorded: the heartbeat rule ends it if need be
    assert db.session.scalars(select(RoomProcess)).all() == []

    monkeypatch.setattr(room, "close_orphaned", real)
    mai = connect("hv.mai")
    assert call(mai, "join", session_id=live.id)["ok"]
    db.session.commit()
    (process,) = db.session.scalars(select(RoomProcess)).all()
    owners = {s.user_id: s.owner_id for s in db.session.scalars(select(AttendanceInterval))}
    assert owners == {world.teacher.id: None, world.learner.id: process.id}
