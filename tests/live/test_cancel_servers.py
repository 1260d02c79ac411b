"""A cancellation reaches the room on every process, from the page and from the command line.

Real gunicorn servers speak raw frames (tests/live/servers.py): the learner's socket is on one
process, the instructor cancels through another (with LMS_TEST_REDIS_URL, two processes sharing
the Redis message queue; without it, one process; the instructor's process has had no socket of
its own, as after a restart), or `flask sessions cancel` runs as its own
process with the queue configured. The learner's socket gets `session_cancelled` once, its next
write is refused with `session_cancelled` (acknowledged), and a new join still reads the history.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.live.conftest import REDIS
from tests.live.servers import REPO, events

REASON = "Mất điện toàn khu"
CANCELLED = "buổi học đã bị hủy; phòng học chỉ còn để xem, không thể thay đổi"


def joined(server, username: str, session_id: int):
    socket = server.raw(username)
    socket.connect()
    assert socket.call("join", {"session_id": session_id})["ok"]
    return socket


def assert_told_and_closed(learner, session_id: int) -> None:
    """The learner's socket heard the cancellation once; its writes are refused; history stays readable."""
    told = [(name, data) for name, data in events(learner.frames_for(2)) if name not in ("presence", "chat")]
    assert told == [("session_cancelled", {"session_id": session_id, "state": "cancelled", "reason": REASON})]
    ack = learner.call("chat", {"session_id": session_id, "client_id": "c-late", "body": "Còn học không ạ?"})
    assert ack == {"ok": False, "error": "session_cancelled", "message": CANCELLED}
    snapshot = learner.call("join", {"session_id": session_id})["snapshot"]
    assert snapshot["session"]["state"] == "cancelled"
    assert [line["body"] for line in snapshot["chat"]] == ["Chào cả lớp"]


def test_a_cancellation_on_the_page_reaches_the_room_on_every_process(world, live, placement):
    learner_server, server = placement
    learner = joined(learner_server, "hv.mai", live.id)
    assert learner.call("chat", {"session_id": live.id, "client_id": "c-1", "body": "Chào cả lớp"})["ok"]
    learner.frames_for(1)  # the arrival's presence batch
    teacher = server.browser("gv.an")
    page = f"/sessions/{live.id}/edit"
    cancelled = server.post_form(teacher, f"/sessions/{live.id}/cancel", {"reason": REASON}, page=page)
    assert cancelled.status_code == 303
    assert_told_and_closed(learner, live.id)
    assert "Traceback" not in server.log_text()


def test_a_cancellation_from_the_command_line_reaches_the_room_through_the_queue(world, live, servers):
    if not REDIS:
        pytest.skip("set LMS_TEST_REDIS_URL: without a message queue the command cannot reach the servers")
    server = servers.start(queue=REDIS)
    learner = joined(server, "hv.mai", live.id)
    assert learner.call("chat", {"session_id": live.id, "client_id": "c-1", "body": "Chào cả lớp"})["ok"]
    learner.frames_for(1)
    env = {
        **os.environ,
        "LMS_CONFIG": "production",
        "LMS_SECRET_KEY": "s" * 40,
        "LMS_DATABASE_URL": servers.database_url,
        "LMS_SECURE_COOKIES": "0",
        "LMS_SOCKETIO_MESSAGE_QUEUE": REDIS,
        "LMS_SOCKETIO_CHANNEL": servers.channel,
    }
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "sessions", "cancel", str(live.id), "--reason", REASON]
    result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"Cancelled: {live.id}\t")
    assert_told_and_closed(learner, live.id)
