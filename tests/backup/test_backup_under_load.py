"""A backup taken while learners submit quizzes holds every submit acknowledged before it began.

The app runs under gunicorn's gevent worker (production's) on 127.0.0.1, on a SQLite file or, with
LMS_TEST_DATABASE_URL, a PostgreSQL database. Four learners, each with a real session, start and
submit quiz attempts as fast as the server answers; each acknowledged submit (303) is recorded with
the time its answer arrived. `flask backup create` runs as its own process, as an operator's cron
job would, while they go on. The backup is restored into a new empty database, which must hold
every attempt acknowledged before the command began (the start time in its manifest) as
submitted, and as many attempts as the manifest lists.

With the online backup API replaced by a copy of the SQLite file (what the issue reported), this
test fails: tens of acknowledged submits still in the WAL file are missing from the restore.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import tarfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.database import utcnow
from lms.extensions import db
from lms.quizzes.models import QuizAttempt
from tests import factories
from tests.backup.conftest import run, written_path
from tests.gunicorn import start_gunicorn

REPO = Path(__file__).resolve().parents[2]
LEARNERS_WRITING = 4
ACKS_BEFORE_BACKUP = 40


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(env: dict, port: int) -> subprocess.Popen:
    """gunicorn -k gevent -w 1 in its own process group, ready to answer; the caller stops it."""
    process = start_gunicorn(port, env, start_new_session=True)
    deadline = time.monotonic() + 30
    while True:
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except requests.RequestException:
            pass
        if time.monotonic() > deadline or process.poll() is not None:
            stop_server(process)
            pytest.fail("the server did not start")
        time.sleep(0.1)


def stop_server(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


class Learner(threading.Thread):
    """Signs in, then starts and submits attempts until told to stop, noting each acknowledged submit."""

    def __init__(self, base: str, username: str, class_id: int, slug: str, stop: threading.Event):
        super().__init__(daemon=True)
        self.base, self.username, self.stop = base, username, stop
        self.quiz = f"{base}/classes/{class_id}/quizzes/{slug}"
        self.acknowledged: list[tuple[float, int]] = []  # (wall clock when the 303 arrived, attempt id)
        self.failures: list[str] = []
        self.http = requests.Session()

    def sign_in(self) -> str:
        token = re.search(r'name="csrf_token" value="([^"]+)"', self.http.get(f"{self.base}/login", timeout=10).text)
        response = self.http.post(
            f"{self.base}/login",
            data={"username": self.username, "password": factories.PASSWORD, "csrf_token": token.group(1)},
            allow_redirects=False,
            timeout=10,
        )
        assert response.status_code == 302, response.text[:300]
        page = self.http.get(self.quiz, timeout=10).text
        return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    def run(self) -> None:
        try:
            token = self.sign_in()
            while not self.stop.is_set():
                started = self.http.post(
                    f"{self.quiz}/start", data={"csrf_token": token}, allow_redirects=False, timeout=30
                )
                if started.status_code != 303:
                    self.failures.append(f"start: {started.status_code}")
                    continue
                attempt_id = int(started.headers["Location"].rsplit("/", 1)[1])
                submitted = self.http.post(
                    f"{self.base}/attempts/{attempt_id}/submit",
                    data={"csrf_token": token, "seq": "1", "q0": "một cửa", "q1": "false"},
                    allow_redirects=False,
                    timeout=30,
                )
                if submitted.status_code == 303:
                    self.acknowledged.append((time.time(), attempt_id))
                else:
                    self.failures.append(f"submit {attempt_id}: {submitted.status_code}")
        except Exception as error:  # reported by the test, not lost in the thread
            self.failures.append(repr(error))
        finally:
            self.http.close()


def pad(app) -> None:
    """Some megabytes of audit history, so that copying takes a while and writes land meanwhile."""
    with app.app_context():
        details = {"note": "Nhật ký kiểm tra " * 60}
        db.session.add_all(
            AuditEvent(
                actor_id=None, action="demo.padding", target=f"padding:{n}", details=details, created_at=utcnow()
            )
            for n in range(4000)
        )
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def test_every_submit_acknowledged_before_the_backup_began_is_restored(source, make_app, tmp_path):
    pad(source)
    env = {
        **os.environ,
        "LMS_CONFIG": "production",
        "LMS_SECRET_KEY": "backup-under-load-" + "k" * 32,
        "LMS_DATABASE_URL": source.config["SQLALCHEMY_DATABASE_URI"],
        "LMS_SECURE_COOKIES": "0",
    }
    port = free_port()
    server = start_server(env, port)
    stop = threading.Event()
    learners = [
        Learner(f"http://127.0.0.1:{port}", name, source.world["class_id"], source.world["quiz_slug"], stop)
        for name in source.world["learners"][:LEARNERS_WRITING]
    ]
    try:
        for learner in learners:
            learner.start()
        deadline = time.monotonic() + 60
        while sum(len(learner.acknowledged) for learner in learners) < ACKS_BEFORE_BACKUP:
            assert time.monotonic() < deadline, [learner.failures for learner in learners]
            assert not any(learner.failures for learner in learners), [learner.failures for learner in learners]
            time.sleep(0.05)
        backup_started = time.time()
        command = subprocess.run(  # the operator's command, as cron would run it
            [sys.executable, "-m", "flask", "--app", "wsgi", "backup", "create", "--out", str(tmp_path / "backups")],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        backup_finished = time.time()
        time.sleep(0.3)  # writes go on after it, too
    finally:
        stop.set()
        for learner in learners:
            learner.join(timeout=30)
        stop_server(server)
    assert command.returncode == 0, command.stderr
    assert [learner.failures for learner in learners] == [[] for _ in learners]
    acknowledged = sorted(ack for learner in learners for ack in learner.acknowledged)
    path = written_path(command.stdout)
    with tarfile.open(path) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())
    # The command notes its start in the manifest just before it copies: the copy must hold every
    # submit acknowledged before then. (Before the command was even launched is a subset.)
    copied_at = datetime.fromisoformat(manifest["created_at"]).astimezone(UTC).timestamp()
    before_launch = {attempt for at, attempt in acknowledged if at < backup_started}
    before_copy = {attempt for at, attempt in acknowledged if at < copied_at}
    assert len(before_launch) >= ACKS_BEFORE_BACKUP and before_launch <= before_copy
    # The app was writing while the copy was made.
    assert any(copied_at <= at <= backup_finished for at, _ in acknowledged), (copied_at, acknowledged[-5:])

    target = make_app(revision=None)
    result = run(target, "backup", "restore", str(path))
    assert result.exit_code == 0, result.output
    with target.app_context():
        attempts = db.session.execute(select(QuizAttempt.id, QuizAttempt.submitted_at)).all()
        db.session.remove()
        db.engine.dispose()
    submitted = {attempt_id for attempt_id, submitted_at in attempts if submitted_at is not None}
    assert sorted(before_copy - submitted) == []
    assert len(attempts) == manifest["row_counts"]["quiz_attempts"]
