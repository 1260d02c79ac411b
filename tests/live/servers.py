"""Real servers for the live room's transport tests, and a hand-driven Socket.IO client.

The Socket.IO test client calls the server's methods directly: it skips the Engine.IO handshake,
the frames' decoding and the order in which packets leave the server. These run the app under
gunicorn's gevent worker (production's) on 127.0.0.1, log to a file the test reads, and are stopped
by PID. `RawSocket` speaks Engine.IO and Socket.IO frame by frame over a WebSocket and never acts
on what it receives: not on `logged_out`, not on a DISCONNECT, not on pings (a silent client).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import subprocess
import time
from pathlib import Path

import requests
import simple_websocket
from wsproto.utilities import LocalProtocolError

from tests.conftest import CSRF_RE
from tests.factories import PASSWORD
from tests.gunicorn import start_gunicorn
from tests.live.test_origin import free_port
from tests.live.test_scale_out import wait_ready

REPO = Path(__file__).resolve().parents[2]
NS = "/live"


class Server:
    """The app under `gunicorn -k gevent -w 1`, its log in a file."""

    def __init__(self, database_url: str, log: Path, queue: str | None = None, channel: str = ""):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.browsers: list[requests.Session] = []
        self.sockets: list[RawSocket] = []
        env = {
            **os.environ,
            "LMS_CONFIG": "production",
            "LMS_SECRET_KEY": "s" * 40,
            "LMS_DATABASE_URL": database_url,
            "LMS_SECURE_COOKIES": "0",
        }
        if queue:
            env["LMS_SOCKETIO_MESSAGE_QUEUE"] = queue
            env["LMS_SOCKETIO_CHANNEL"] = channel
        self._log_file = log.open("wb")
        self.process = start_gunicorn(self.port, env, self._log_file)

    def ready(self) -> Server:
        wait_ready(self.base, self.process)
        return self

    def worker_pid(self) -> int:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        assert len(children) == 1, children
        return int(children[0])

    def worker_rss_kb(self) -> int:
        """The worker's resident memory: the process that holds the connections."""
        for line in Path(f"/proc/{self.worker_pid()}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise AssertionError("no VmRSS")

    def log_text(self) -> str:
        self._log_file.flush()
        return self.log.read_text(encoding="utf-8", errors="replace")

    def cookie(self, username: str) -> str:
        """A new sign-in's cookies, as a Cookie header."""
        return cookie_header(self.browser(username))

    def browser(self, username: str) -> requests.Session:
        """A new sign-in, as a browser that keeps its cookies (closed when the server stops)."""
        http = requests.Session()
        self.browsers.append(http)
        token = CSRF_RE.search(http.get(f"{self.base}/login", timeout=5).text).group(1)
        data = {"username": username, "password": PASSWORD, "csrf_token": token}
        assert http.post(f"{self.base}/login", data=data, allow_redirects=False, timeout=5).status_code == 302
        return http

    def post_form(
        self, http: requests.Session, path: str, data: dict | None = None, page: str | None = None
    ) -> requests.Response:
        """Post a form as the browser would, with the CSRF token of the page it is on (`page`, else `path`)."""
        token = CSRF_RE.search(http.get(f"{self.base}{page or path}", timeout=5).text).group(1)
        data = {"csrf_token": token, **(data or {})}
        return http.post(f"{self.base}{path}", data=data, allow_redirects=False, timeout=5)

    def raw(self, username: str | None = None, cookie: str | None = None) -> RawSocket:
        """A hand-driven socket, signed in as `username` (or with `cookie`); closed when the server stops."""
        socket = RawSocket(self.base, self.cookie(username) if username else cookie)
        self.sockets.append(socket)
        return socket

    def websocket_status(self, cookie: str | None = None) -> int:
        """The HTTP status of a WebSocket handshake straight to Engine.IO (101: accepted)."""
        headers = {"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13"}
        headers["Sec-WebSocket-Key"] = "dGhlIHNhbXBsZSBub25jZQ=="
        if cookie:
            headers["Cookie"] = cookie
        url = f"{self.base}/socket.io/?EIO=4&transport=websocket"
        with requests.get(url, headers=headers, timeout=5, stream=True) as answer:
            return answer.status_code

    def stop(self) -> None:
        for socket in self.sockets:
            socket.close()
        for http in self.browsers:
            http.close()
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self._log_file.close()


class Servers:
    """Servers started on the tests' database, all stopped when the `with` block ends."""

    def __init__(self, database_url: str, folder: Path):
        self.database_url, self.folder = database_url, folder
        self.started: list[Server] = []
        # Other test runs may share the Redis server: this run's servers talk on a channel of their own.
        self.channel = f"lms-test-{secrets.token_hex(4)}"

    def start(self, queue: str | None = None) -> Server:
        """Start a server and wait until it answers (`queue`: a message queue shared between servers)."""
        log = self.folder / f"server-{len(self.started)}.log"
        server = Server(self.database_url, log, queue, self.channel)
        self.started.append(server)
        return server.ready()

    def __enter__(self) -> Servers:
        return self

    def __exit__(self, *exc) -> None:
        for server in self.started:
            server.stop()


class _WebSocketClient(simple_websocket.Client):
    """simple-websocket's client, reading what came with the handshake's answer.

    Its handshake stops at the answer's first event, leaving a frame that arrived in the same read
    (Engine.IO's OPEN, often) unread until more data comes, a ping 25 seconds later.
    """

    def handshake(self):
        super().handshake()
        self._handle_events()


class RawSocket:
    """One Engine.IO connection over WebSocket, driven frame by frame; records what it receives."""

    def __init__(self, base: str, cookie: str | None = None):
        url = base.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
        # No Origin: simple-websocket's Host header leaves out the port, which the Origin check
        # would refuse (tests/live/test_origin.py tests that check).
        self.ws = _WebSocketClient.connect(url, headers={"Cookie": cookie} if cookie else {})
        self.received: list[str | bytes] = []
        opening = self.next_frame(timeout=15)
        assert isinstance(opening, str) and opening.startswith("0{"), opening
        self.ack_ids = 0

    def send(self, frame: str | bytes) -> None:
        self.ws.send(frame)

    def flood(self, frames) -> int:
        """Send frames until the server closes the connection; return how many were sent."""
        sent = 0
        for frame in frames:
            try:
                self.ws.send(frame)
            except (simple_websocket.ConnectionClosed, LocalProtocolError, OSError):
                break
            sent += 1
        return sent

    def next_frame(self, timeout: float = 5) -> str | bytes | None:
        """The next frame that is not a ping, or None when none came in time or the connection closed."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                frame = self.ws.receive(timeout=left)
            except simple_websocket.ConnectionClosed:
                return None
            if frame is None:
                return None
            self.received.append(frame)
            if frame != "2":  # Engine.IO's ping: a silent client never answers it
                return frame
        return None

    def frames_for(self, seconds: float) -> list[str | bytes]:
        """Every frame but pings that arrives in the next `seconds`."""
        found = []
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            frame = self.next_frame(left)
            if frame is None:
                if not self.ws.connected:
                    break
                continue
            found.append(frame)
        return found

    def connect(self, namespace: str = NS) -> str:
        """Ask to connect to a namespace; return the server's answer (a CONNECT or CONNECT_ERROR)."""
        self.send("40" if namespace == "/" else f"40{namespace},")
        return self.next_frame()

    def emit(self, event: str, data: dict) -> int:
        """Send an event asking for an acknowledgement; return its id."""
        self.ack_ids += 1
        self.send(f"42{NS},{self.ack_ids}" + json.dumps([event, data]))
        return self.ack_ids

    def call(self, event: str, data: dict) -> dict:
        """Send an event and wait for its acknowledgement (frames before it are kept in `received`)."""
        ack_id = self.emit(event, data)
        prefix = f"43{NS},{ack_id}"
        while (frame := self.next_frame()) is not None:
            if isinstance(frame, str) and frame.startswith(prefix):
                return json.loads(frame[len(prefix) :])[0]
        raise AssertionError(f"no acknowledgement of {event}: {self.received}")

    @property
    def connected(self) -> bool:
        return self.ws.connected

    def close(self) -> None:
        with contextlib.suppress(simple_websocket.ConnectionClosed, LocalProtocolError, OSError):
            self.ws.close()
        self.ws.sock.close()


def cookie_header(http: requests.Session) -> str:
    """A browser's cookies as a Cookie header (what a socket opened from its page sends)."""
    return "; ".join(f"{c.name}={c.value}" for c in http.cookies)


def events(frames: list) -> list[tuple[str, object]]:
    """The Socket.IO events and packets among raw frames: ("chat", payload), ("DISCONNECT", None), ..."""
    found = []
    for frame in frames:
        if not isinstance(frame, str) or not frame.startswith("4"):
            continue
        packet = frame[1:]
        if packet.startswith(f"2{NS},"):
            name, *args = json.loads(packet[len(NS) + 2 :])
            found.append((name, args[0] if args else None))
        elif packet.startswith(f"1{NS},"):
            found.append(("DISCONNECT", None))
        elif packet.startswith(f"3{NS},"):
            found.append(("ACK", json.loads(packet[len(NS) + 2 :].lstrip("0123456789"))[0]))
    return found
