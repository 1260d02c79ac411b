"""Cross-site Socket.IO connections are refused by a real server (the test client skips this check)."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.factories import PASSWORD
from tests.gunicorn import start_gunicorn

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path):
    """The app under gunicorn's gevent worker (production's), on 127.0.0.1, stopped by PID."""
    port = free_port()
    database = f"sqlite:///{tmp_path / 'origin.sqlite3'}"
    env = {
        **os.environ,
        "LMS_CONFIG": "production",
        "LMS_SECRET_KEY": "s" * 40,
        "LMS_DATABASE_URL": database,
        "LMS_SECURE_COOKIES": "0",
    }
    for command in (
        ["db", "upgrade"],
        ["units", "create", "--code", "tp", "--name", "Thành phố", "--level", "Thành phố"],
        ["users", "create", "--username", "hv.mai", "--unit", "tp", "--password", PASSWORD],
    ):
        subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", *command],
            cwd=REPO,
            env=env,
            check=True,
            capture_output=True,
            timeout=60,
        )
    process = start_gunicorn(port, env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                pytest.fail("the server did not start")
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def test_cross_site_origin_is_refused_and_same_origin_is_not(server):
    from tests.live.test_scale_out import login_cookie

    handshake = f"{server}/socket.io/?EIO=4&transport=polling"
    cookie = login_cookie(server, "hv.mai")
    evil = {"Origin": "https://evil.example", "Cookie": cookie}
    assert requests.get(handshake, headers=evil, timeout=5).status_code == 400
    # Same origin, but no sign-in: the handshake is refused by the sign-in check, not the Origin's.
    assert requests.get(handshake, headers={"Origin": server}, timeout=5).status_code == 401
    same = requests.get(handshake, headers={"Origin": server, "Cookie": cookie}, timeout=5)
    assert same.status_code == 200 and '"sid"' in same.text
