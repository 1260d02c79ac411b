"""`make run` serves with production's server and prints no warning meant for production.

The test asks make for the exact serving command of `make run` (`make -n`), runs it on a free
port against a fresh SQLite database, waits for the app to answer, and reads what it printed.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.live.test_origin import free_port

REPO = Path(__file__).resolve().parent.parent
WARNINGS = ("development server", "production deployment", "MonkeyPatchWarning", "Traceback", "WARNING")


def make_run_commands(port: int) -> list[str]:
    # Run as a user would, not as a sub-make of `make test` (which would add "make[1]: ..." lines).
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")}
    dry_run = subprocess.run(
        ["make", "--no-print-directory", "-n", "run", f"PORT={port}", "HOST=127.0.0.1"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return [line for line in dry_run.stdout.splitlines() if line.strip()]


def split_assignments(command: str) -> list:
    """`A=1 B=2 prog args` as [("A", "1"), ("B", "2"), ["prog", "args"]]."""
    words = shlex.split(command)
    assignments = []
    while "=" in words[0] and not words[0].startswith(("/", ".")):
        name, _, value = words.pop(0).partition("=")
        assignments.append((name, value))
    return [*assignments, words]


def test_make_run_says_which_server_it_uses():
    *_, announcement, serve = make_run_commands(5000)
    assert announcement == (
        'echo "Serving on http://127.0.0.1:5000 with gunicorn and gevent, as production runs (Ctrl+C to stop)"'
    )
    assert "gunicorn -c lms/gunicorn_config.py -b 127.0.0.1:5000 wsgi:app" in serve
    assert " serve " not in serve  # not `flask serve`, Werkzeug's development server


def test_make_runs_server_answers_and_prints_no_production_warning(tmp_path):
    port = free_port()
    *assignments, program = split_assignments(make_run_commands(port)[-1])
    env = {
        **os.environ,
        "LMS_CONFIG": "development",
        "LMS_SECRET_KEY": "d" * 40,
        "LMS_DATABASE_URL": f"sqlite:///{tmp_path / 'lms.sqlite3'}",
        "LMS_LOG_FORMAT": "text",
    }
    env.pop("LMS_SOCKETIO_MESSAGE_QUEUE", None)
    env.update(assignments)
    flask = [sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"]
    subprocess.run(flask, cwd=REPO, env=env, check=True, capture_output=True)
    log = tmp_path / "serve.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            program, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(f"http://127.0.0.1:{port}/login", timeout=2).status_code == 200:
                    break
            except requests.RequestException:  # not up yet: the port opens before the worker loads the app
                time.sleep(0.2)
                continue
            assert time.monotonic() < deadline, log.read_text()
            assert process.poll() is None, log.read_text()
            time.sleep(0.2)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    printed = log.read_text()
    assert "Using worker: gevent" in printed
    assert [w for w in WARNINGS if w in printed] == [], printed
