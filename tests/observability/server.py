"""The app under gunicorn's gevent worker (production's settings) on 127.0.0.1, with its log kept
in a file the test reads; stopped by PID."""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from pathlib import Path

import pytest
import requests

from tests.gunicorn import start_gunicorn
from tests.live.test_origin import free_port

REPO = Path(__file__).resolve().parents[2]
SECRET = "s" * 40


class Server:
    def __init__(self, tmp_path: Path, **settings: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = tmp_path / f"server-{self.port}.log"
        env = {
            **os.environ,
            "LMS_CONFIG": "production",
            "LMS_SECRET_KEY": SECRET,
            "LMS_SECURE_COOKIES": "0",
            "LMS_LOG_FORMAT": "json",
            **settings,
        }
        with open(self.log_path, "wb") as log:
            self.process = start_gunicorn(self.port, env, log)

    def __enter__(self) -> Server:
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(f"{self.base}/healthz", timeout=1).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.stop()
                pytest.fail(f"the server did not start:\n{self.log_path.read_text()}")
            time.sleep(0.1)

    def __exit__(self, *_exc) -> None:
        self.stop()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def get(self, path: str, **kwargs) -> requests.Response:
        return requests.get(self.base + path, timeout=15, **kwargs)

    def log_text(self) -> str:
        return self.log_path.read_text(encoding="utf-8")

    def entries(self, request_id: str | None = None) -> list[dict]:
        """The app's JSON lines (gunicorn's own start and stop lines are text), of one request if given."""
        found = []
        for line in self.log_text().splitlines():
            if line.startswith("{"):
                entry = json.loads(line)
                if request_id is None or entry.get("request_id") == request_id:
                    found.append(entry)
        return found


def csrf_of(http: requests.Session, url: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', http.get(url, timeout=15).text).group(1)


def sign_in(server: Server, username: str, password: str, http: requests.Session | None = None) -> requests.Response:
    """Post the login form from a browser session (a new one unless given)."""
    http = http or requests.Session()
    token = csrf_of(http, f"{server.base}/login")
    response = http.post(
        f"{server.base}/login",
        data={"username": username, "password": password, "csrf_token": token},
        allow_redirects=False,
        timeout=15,
    )
    response.http = http
    return response
