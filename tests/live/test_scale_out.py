"""Two server processes sharing Redis and the database: the room crosses between them.

Runs when LMS_TEST_REDIS_URL is set (CI sets it, with LMS_TEST_DATABASE_URL for PostgreSQL);
skipped with the reason elsewhere. Servers listen on 127.0.0.1 only and are stopped by PID.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
import socketio

from lms.extensions import db
from lms.live.models import LiveSession
from tests.gunicorn import start_gunicorn
from tests.live.test_origin import free_port

REPO = Path(__file__).resolve().parents[2]
REDIS = os.environ.get("LMS_TEST_REDIS_URL")
pytestmark = pytest.mark.skipif(not REDIS, reason="set LMS_TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/15) to run")


def wait_ready(base: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            if requests.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        if time.monotonic() > deadline or process.poll() is not None:
            pytest.fail(f"server {base} did not start")
        time.sleep(0.1)


def login_cookie(base: str, username: str) -> str:
    http = requests.Session()
    token = re.search(r'name="csrf_token" value="([^"]+)"', http.get(f"{base}/login", timeout=5).text).group(1)
    response = http.post(
        f"{base}/login",
        data={"username": username, "password": "correct-horse-42", "csrf_token": token},
        allow_redirects=False,
        timeout=5,
    )
    assert response.status_code == 302
    return "; ".join(f"{c.name}={c.value}" for c in http.cookies)


def test_chat_polls_and_slides_cross_between_two_processes(world, database_url):
    slides = world.modules[1]
    session = LiveSession(
        class_id=world.course_class.id,
        title="Buổi 1",
        duration_minutes=60,
        starts_at=datetime.now(UTC) + timedelta(minutes=5),
        slides_module_id=slides.id,
    )
    db.session.add(session)
    db.session.commit()
    env = {
        **os.environ,
        "LMS_CONFIG": "production",
        "LMS_SECRET_KEY": "s" * 40,
        "LMS_DATABASE_URL": database_url,
        "LMS_SOCKETIO_MESSAGE_QUEUE": REDIS,
        "LMS_SECURE_COOKIES": "0",
    }
    ports = [free_port(), free_port()]
    servers = [start_gunicorn(port, env) for port in ports]
    clients: list[socketio.Client] = []
    try:
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        for base, process in zip(bases, servers, strict=True):
            wait_ready(base, process)
        received: dict[str, list] = {"teacher": [], "learner": []}
        for name, username, base in (("teacher", "gv.an", bases[0]), ("learner", "hv.mai", bases[1])):
            client = socketio.Client()
            for event in ("chat", "poll", "slide", "presence"):
                client.on(
                    event, lambda data, name=name, event=event: received[name].append((event, data)), namespace="/live"
                )
            client.connect(
                base,
                namespaces=["/live"],
                transports=["polling"],
                headers={"Cookie": login_cookie(base, username), "Origin": base},
            )
            assert client.call("join", {"session_id": session.id}, namespace="/live", timeout=10)["ok"]
            clients.append(client)
        teacher, learner = clients
        learner.call(
            "chat", {"session_id": session.id, "client_id": "x1", "body": "Chào thầy"}, namespace="/live", timeout=10
        )
        poll = teacher.call(
            "poll_open",
            {"session_id": session.id, "client_id": "p1", "question": "Đồng ý?", "options": ["Có", "Không"]},
            namespace="/live",
            timeout=10,
        )["poll"]
        teacher.call("slide", {"session_id": session.id, "section": "mot-cua"}, namespace="/live", timeout=10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            events_t = {e for e, _ in received["teacher"]}
            events_l = {e for e, _ in received["learner"]}
            arrived = [p["name"] for e, d in received["teacher"] if e == "presence" for p in d["joined"]]
            if "chat" in events_t and {"poll", "slide"} <= events_l and "Nguyễn Thị Mai" in arrived:
                break
            time.sleep(0.1)
        assert [d["body"] for e, d in received["teacher"] if e == "chat"] == ["Chào thầy"]
        assert [d["id"] for e, d in received["learner"] if e == "poll"] == [poll["id"]]
        assert ("slide", {"section": "mot-cua"}) in received["learner"]
        # The learner's arrival, batched by the other process, reached the instructor through Redis.
        assert "Nguyễn Thị Mai" in arrived
    finally:
        for client in clients:
            client.disconnect()
        for process in servers:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
