"""One learner, twelve tabs acting at the same instant: limits and state hold, nothing fails.

Real gunicorn gevent servers on 127.0.0.1 share the test's database (a SQLite file, or
PostgreSQL with LMS_TEST_DATABASE_URL). With LMS_TEST_REDIS_URL there are two of them behind the
Redis message queue, the tabs split between them, and on PostgreSQL the chat limit is run a
second time counted in Redis (SQLite always counts in the database); without it, one server.
Twelve python-socketio clients share one learner's login (tabs of one browser); a barrier
releases their events together. Servers are stopped by PID.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import redis
import socketio
from sqlalchemy import func, select

from lms.extensions import db
from lms.live.models import ChatMessage, HandRaise, LiveSession, PollVote, QuestionVote, RoomQuestion
from lms.live.post_limits import CHAT_BURST
from tests.gunicorn import start_gunicorn
from tests.live.test_origin import free_port
from tests.live.test_scale_out import login_cookie, wait_ready

REDIS = os.environ.get("LMS_TEST_REDIS_URL")
POSTGRES = (os.environ.get("LMS_TEST_DATABASE_URL") or "").startswith("postgres")
NS = "/live"
TABS = 12
SERVERS = 2 if REDIS else 1
WATCHED = ("chat", "question", "hand", "poll_counts")


class Tab:
    """A socket.io client of the room (long-polling), recording the room events it receives."""

    def __init__(self, base: str, cookie: str, session_id: int):
        self.session_id = session_id
        self.events: list[tuple[str, dict]] = []
        self.sio = socketio.Client(reconnection=False, handle_sigint=False)
        for name in WATCHED:
            self.sio.on(name, lambda data, name=name: self.events.append((name, data)), namespace=NS)
        self.sio.connect(
            base, namespaces=[NS], transports=["polling"], wait_timeout=10, headers={"Cookie": cookie, "Origin": base}
        )
        assert self.call("join")["ok"]

    def call(self, event: str, **data) -> dict:
        return self.sio.call(event, {"session_id": self.session_id, **data}, namespace=NS, timeout=30)

    def received(self, name: str) -> list[dict]:
        return [data for event, data in self.events if event == name]


def at_once(tabs: list[Tab], event: str, payload) -> list[dict]:
    """Every tab sends `event` (payload(i) for tab i) at the same instant; their acknowledgements."""
    barrier = threading.Barrier(len(tabs))
    acks: list[dict | None] = [None] * len(tabs)

    def send(i: int) -> None:
        data = payload(i)
        barrier.wait(timeout=30)
        acks[i] = tabs[i].call(event, **data)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(tabs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(ack is not None for ack in acks), acks
    return acks


def outcomes(acks: list[dict]) -> Counter:
    """How many acknowledgements were ok, and how many refused with each code."""
    return Counter("ok" if ack["ok"] else ack["error"] for ack in acks)


def settle(watcher: Tab, name: str, count: int, quiet: float = 1.0, timeout: float = 15) -> list[dict]:
    """The `name` events the watcher got, once `count` arrived and nothing more came for `quiet` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and len(watcher.received(name)) < count:
        time.sleep(0.05)
    time.sleep(quiet)
    return watcher.received(name)


def rows(statement):
    db.session.commit()  # a fresh transaction sees what the servers wrote
    return db.session.execute(statement).all()


@pytest.fixture
def servers(world, database_url, request):
    """Start the servers (the chat limit counted where `request.param` says); yield their addresses."""
    env = {
        **os.environ,
        "LMS_CONFIG": "production",
        "LMS_SECRET_KEY": "s" * 40,
        "LMS_DATABASE_URL": database_url,
        "LMS_SECURE_COOKIES": "0",
        # Other runs may share this Redis: their counts must not be ours.
        "LMS_RATELIMIT_KEY_PREFIX": f"test-{secrets.token_hex(6)}-",
    }
    env.pop("LMS_SOCKETIO_MESSAGE_QUEUE", None)
    env.pop("LMS_RATELIMIT_STORAGE_URL", None)
    if SERVERS > 1:
        env["LMS_SOCKETIO_MESSAGE_QUEUE"] = REDIS
    if request.param == "redis":
        env["LMS_RATELIMIT_STORAGE_URL"] = REDIS
    ports = [free_port() for _ in range(SERVERS)]
    processes = [start_gunicorn(port, env) for port in ports]
    try:
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        for base, process in zip(bases, processes, strict=True):
            wait_ready(base, process)
        yield bases
    finally:
        for process in processes:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


@pytest.fixture
def room(world, servers):
    """A live session; the instructor on the first server and twelve tabs of one learner on all."""
    session = LiveSession(
        class_id=world.course_class.id,
        title="Buổi 1",
        duration_minutes=60,
        starts_at=datetime.now(UTC) - timedelta(minutes=1),
    )
    db.session.add(session)
    db.session.commit()
    opened: list[Tab] = []
    try:
        teacher = Tab(servers[0], login_cookie(servers[0], "gv.an"), session.id)
        opened.append(teacher)
        cookie = login_cookie(servers[0], "hv.mai")  # one browser: its tabs share the login
        for i in range(TABS):
            opened.append(Tab(servers[i % len(servers)], cookie, session.id))
        yield session.id, teacher, opened[1:]
    finally:
        for tab in opened:
            tab.sio.disconnect()


limits_in = pytest.mark.parametrize(
    "servers",
    [
        "database",
        pytest.param(
            "redis",
            marks=pytest.mark.skipif(
                not (REDIS and POSTGRES),
                reason="limits are counted in Redis with PostgreSQL and LMS_TEST_REDIS_URL (SQLite counts them itself)",
            ),
        ),
    ],
    indirect=True,
)


@limits_in
def test_twelve_tabs_posting_at_once_share_one_limit(world, room):
    session_id, teacher, tabs = room
    # A resend from every tab at once (the same client id) is one line, and every tab gets it.
    acks = at_once(tabs, "chat", lambda i: {"client_id": "resent", "body": "Chào cả lớp"})
    assert outcomes(acks) == {"ok": TABS}
    assert len({ack["message"]["id"] for ack in acks}) == 1
    # Twelve new lines at once: the learner's limit lets the rest of their five through.
    acks = at_once(tabs, "chat", lambda i: {"client_id": f"c{i}", "body": f"Dòng {i}"})
    assert outcomes(acks) == {"ok": CHAT_BURST - 1, "rate_limited": TABS - CHAT_BURST + 1}
    refused = [ack for ack in acks if not ack["ok"]]
    assert {ack["message"] for ack in refused} == {"bạn gửi quá nhiều tin nhắn; vui lòng chờ vài giây rồi gửi tiếp"}
    stored = rows(select(ChatMessage.body).where(ChatMessage.session_id == session_id).order_by(ChatMessage.id))
    assert len(stored) == CHAT_BURST and stored[0].body == "Chào cả lớp"
    lines = settle(teacher, "chat", CHAT_BURST)
    assert sorted(line["body"] for line in lines) == sorted(body for (body,) in stored)

    # Questions have their own allowance, shared the same way.
    acks = at_once(tabs, "ask", lambda i: {"client_id": f"q{i}", "body": f"Câu hỏi {i}?"})
    assert outcomes(acks) == {"ok": CHAT_BURST, "rate_limited": TABS - CHAT_BURST}
    assert rows(select(func.count()).select_from(RoomQuestion)) == [(CHAT_BURST,)]


@pytest.mark.parametrize("servers", ["database"], indirect=True)
def test_twelve_tabs_raising_voting_and_upvoting_at_once_count_once(world, room):
    session_id, teacher, tabs = room
    mai = {"id": world.learner.id, "name": "Nguyễn Thị Mai"}

    # Twelve raises: one hand, one broadcast; every tab is answered, eleven with "no change".
    acks = at_once(tabs, "hand", lambda i: {"raised": True})
    assert outcomes(acks) == {"ok": TABS}
    assert Counter(ack["changed"] for ack in acks) == {True: 1, False: TABS - 1}
    assert rows(select(HandRaise.user_id).where(HandRaise.lowered_at.is_(None))) == [(world.learner.id,)]
    assert settle(teacher, "hand", 1) == [{"user": mai, "raised": True}]
    # One lowering leaves no hand up, in the database and in the snapshot.
    assert tabs[0].call("hand", raised=False) == {"ok": True, "changed": True}
    assert rows(select(HandRaise.id).where(HandRaise.lowered_at.is_(None))) == []
    assert teacher.call("join")["snapshot"]["hands"] == []
    acks = at_once(tabs, "hand", lambda i: {"raised": False})
    assert [ack["changed"] for ack in acks] == [False] * TABS
    assert settle(teacher, "hand", 2) == [{"user": mai, "raised": True}, {"user": mai, "raised": False}]

    # Twelve votes for the same option: one vote; the instructor hears of it once.
    poll = teacher.call("poll_open", client_id="p1", question="Rõ chưa?", options=["Rõ", "Chưa"])["poll"]
    acks = at_once(tabs, "poll_vote", lambda i: {"poll_id": poll["id"], "option": 1})
    assert outcomes(acks) == {"ok": TABS}
    assert Counter(ack["changed"] for ack in acks) == {True: 1, False: TABS - 1}
    assert {ack["poll"]["my_vote"] for ack in acks} == {1}
    assert rows(select(PollVote.user_id, PollVote.option)) == [(world.learner.id, 1)]
    assert [counts["counts"] for counts in settle(teacher, "poll_counts", 1)] == [[0, 1]]

    # Twelve upvotes of the instructor's question: one vote, one broadcast, every answer says 1.
    question = teacher.call("ask", client_id="q1", body="Ai cần nhắc lại?")["question"]
    acks = at_once(tabs, "upvote", lambda i: {"question_id": question["id"]})
    assert outcomes(acks) == {"ok": TABS}
    assert Counter(ack["changed"] for ack in acks) == {True: 1, False: TABS - 1}
    assert {ack["question"]["votes"] for ack in acks} == {1}
    assert rows(select(QuestionVote.user_id)) == [(world.learner.id,)]
    assert [q["votes"] for q in settle(teacher, "question", 2)] == [0, 1]  # the question asked, then its vote


# --- the same limit in-process: where it is counted, and when Redis is gone ----------------------


def post_lines(socket, session_id: int, prefix: str, count: int) -> Counter:
    return outcomes(
        [
            socket.emit("chat", {"session_id": session_id, "client_id": f"{prefix}{i}", "body": f"Dòng {i}"})
            for i in range(count)
        ]
    )


@pytest.mark.parametrize(
    "storage",
    [
        "memory://",  # one process's memory is no place for it: the database counts
        "redis://127.0.0.1:9/0",  # nothing listens there: the database counts meanwhile
        pytest.param("redis", marks=pytest.mark.skipif(not REDIS, reason="set LMS_TEST_REDIS_URL")),
    ],
)
def test_a_learners_allowance_is_counted_wherever_the_storage_says(app, world, live, connect, storage, caplog):
    app.config["RATELIMIT_STORAGE_URI"] = REDIS if storage == "redis" else storage
    prefix = app.config["RATELIMIT_KEY_PREFIX"] = f"test-{secrets.token_hex(6)}-"
    mai, tab = connect("hv.mai"), connect("hv.mai")
    for socket in (mai, tab):
        assert socket.emit("join", {"session_id": live.id})["ok"]
    assert post_lines(mai, live.id, "a", 3) == {"ok": 3}
    # A resend is answered with the stored line and costs nothing.
    assert mai.emit("chat", {"session_id": live.id, "client_id": "a0", "body": "Dòng 0"})["ok"]
    assert post_lines(tab, live.id, "b", 4) == {"ok": CHAT_BURST - 3, "rate_limited": 2}
    assert rows(select(func.count()).select_from(ChatMessage)) == [(CHAT_BURST,)]
    unreachable = "Redis unreachable for the live room's post limits; counting in the database"
    sqlite = db.engine.dialect.name == "sqlite"  # counts in the database, never asks Redis
    assert (unreachable in caplog.text) is (storage == "redis://127.0.0.1:9/0" and not sqlite)
    keys = redis.Redis.from_url(REDIS).keys(f"{prefix}*") if storage == "redis" else []
    assert (keys != []) is (storage == "redis" and not sqlite)
    if keys:  # counted there: the learner's window is a key under this run's prefix
        assert [key.decode() for key in keys] == [
            f"{prefix}LIMITS:live-posts/chat/{live.id}/{world.learner.id}/5/10/second"
        ]
