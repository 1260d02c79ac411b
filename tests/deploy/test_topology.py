"""Production's topology, for real: nginx (the shipped site) in front of two gunicorn processes on
PostgreSQL, with the Redis message queue and rate limits.

The database is set up as docs/operations.md ("From a bare Debian machine") says, with the same
SQL and the same `flask` commands in the same order (checked against the document); the
processes read an environment file made from deploy/lms.env.example the way the operator's
shell reads it. Then a learner signs in through nginx over HTTPS, two Socket.IO clients placed on
different processes (by their route cookies, confirmed by the process each presence stretch
names) exchange chat, one process gets SIGTERM, and its client reconnects through nginx to the
other process, joins again and finds the earlier chat line in its snapshot.

Needs the nginx binary, PostgreSQL (LMS_TEST_POSTGRES_URL, else a PostgreSQL
LMS_TEST_DATABASE_URL: an account that may create roles and databases) and Redis
(LMS_TEST_REDIS_URL). Without one it is skipped with the reason, unless LMS_REQUIRE_TOPOLOGY=1
(CI), which makes it fail. It uses no database fixture, so it runs once per CI run (the SQLite
one), on a PostgreSQL database of its own. Every process is stopped by PID, the database and role
dropped.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import redis
import requests
import socketio
import urllib3
from sqlalchemy import create_engine, make_url, text

from lms import normalise_database_url
from tests.conftest import CSRF_RE
from tests.deploy.nginx import SHIPPED_SITE, SUBSTITUTED, Nginx, nginx_binary, self_signed_certificate, site_for_test
from tests.gunicorn import start_gunicorn
from tests.live.test_origin import free_port
from tests.live.test_scale_out import wait_ready

REPO = Path(__file__).resolve().parents[2]
OPERATIONS = REPO / "docs" / "operations.md"
ENV_EXAMPLE = REPO / "deploy" / "lms.env.example"
NS = "/live"
COURSE = "cai-cach-hanh-chinh"
RECONNECT_WITHIN = 20  # seconds from SIGTERM to the client joined again on the other process

# docs/operations.md's database steps, with its names (lms, $DB_PASSWORD) as placeholders.
DATABASE_STEPS = (
    ("postgres", "CREATE ROLE {role} LOGIN CREATEDB PASSWORD '{password}'"),
    ("postgres", "CREATE DATABASE {database} OWNER {role}"),
    ("{database}", "ALTER SCHEMA public OWNER TO {role}"),
)
DOCUMENTED = {"role": "lms", "database": "lms", "password": "$DB_PASSWORD"}


def required() -> bool:
    return os.environ.get("LMS_REQUIRE_TOPOLOGY", "").strip().lower() in {"1", "true", "yes", "on"}


def postgres_admin_url() -> str | None:
    for name in ("LMS_TEST_POSTGRES_URL", "LMS_TEST_DATABASE_URL"):
        url = os.environ.get(name, "")
        if url.startswith("postgres"):
            return normalise_database_url(url)
    return None


def missing() -> str | None:
    """Why the topology cannot be run here, or None."""
    if not nginx_binary():
        return "the nginx binary is not installed (apt-get install nginx)"
    if not (admin := postgres_admin_url()):
        return "no PostgreSQL: set LMS_TEST_POSTGRES_URL (e.g. postgresql://postgres@127.0.0.1:5432/test)"
    if not os.environ.get("LMS_TEST_REDIS_URL"):
        return "no Redis: set LMS_TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/15)"
    try:
        redis.Redis.from_url(os.environ["LMS_TEST_REDIS_URL"], socket_timeout=2).ping()
    except redis.RedisError as exc:
        return f"Redis at LMS_TEST_REDIS_URL does not answer: {exc}"
    try:
        engine = create_engine(admin)
        with engine.connect():
            pass
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure to connect means: no PostgreSQL here
        return f"PostgreSQL does not answer: {exc}"
    return None


def unavailable(why: str) -> None:
    """Skip for want of `why`, or fail with LMS_REQUIRE_TOPOLOGY=1 (CI)."""
    if required():
        pytest.fail(f"LMS_REQUIRE_TOPOLOGY=1 but {why}", pytrace=False)
    pytest.skip(f"{why}; LMS_REQUIRE_TOPOLOGY=1 makes this an error")


@pytest.fixture(scope="module")
def topology_available():
    if why := missing():
        unavailable(why)


# --- the documented steps -------------------------------------------------------------------------


def bare_debian_section() -> str:
    document = OPERATIONS.read_text(encoding="utf-8")
    start = document.index("## From a bare Debian machine")
    return document[start : document.index("\n## ", start + 1)]


def documented_flask_commands() -> list[str]:
    """The `lms_flask <group> <command>` lines of docs/operations.md's set-up, in order."""
    return re.findall(r"^\s*lms_flask (\S+ \S+)", bare_debian_section(), flags=re.M)


def setup_commands(passwords: dict[str, str]) -> list[list[str]]:
    """The documented `flask` commands, with the test's values: the first unit, its admin, the courses."""
    return [
        ["db", "upgrade"],
        ["units", "create", "--code", "so-noi-vu", "--name", "Sở Nội vụ", "--level", "Sở/ngành"],
        ["users", "create", "--username", "admin", "--full-name", "Quản trị", "--role", "admin"]
        + ["--unit", "so-noi-vu", "--password", passwords["admin"]],
        ["content", "sync"],
    ]


def scenario_commands(passwords: dict[str, str]) -> list[list[str]]:
    """What an admin would do next for this test's room: two learners, a class, a live session."""
    people = [
        ["users", "create", "--username", name, "--full-name", full, "--role", "learner", "--unit", "so-noi-vu"]
        + ["--password", passwords[name]]
        for name, full in (("hv.mai", "Nguyễn Thị Mai"), ("hv.binh", "Trần Văn Bình"))
    ]
    return [
        *people,
        ["classes", "create", "--code", "K1", "--name", "Lớp 1", "--course", COURSE],
        ["classes", "enrol", "--class", "K1", "--unit", "so-noi-vu"],
        ["sessions", "create", "--class", "K1", "--title", "Buổi trực tuyến", "--now", "--attendance", "optional"],
    ]


def environment_file(folder: Path, values: dict[str, str]) -> Path:
    """deploy/lms.env.example filled in as the operator does (each key must be in the example)."""
    text_ = ENV_EXAMPLE.read_text(encoding="utf-8")
    for key, value in values.items():
        text_, found = re.subn(rf"^#? ?{key}=.*$", f"{key}={value}", text_, flags=re.M)
        assert found == 1, f"{key} is not in deploy/lms.env.example"
    path = folder / "lms.env"
    path.write_text(text_, encoding="utf-8")
    return path


def read_environment(path: Path) -> dict[str, str]:
    """The environment the documented `set -a; . /etc/lms/lms.env` gives, on a clean base like systemd's."""
    base = {"PATH": os.environ["PATH"], "LANG": "C.UTF-8", "HOME": str(path.parent)}
    shown = subprocess.run(
        ["sh", "-c", 'set -a && . "$1" && exec env -0', "sh", str(path)], env=base, capture_output=True, check=True
    ).stdout.decode()
    return dict(item.split("=", 1) for item in shown.split("\0") if item)


def flask(env: dict[str, str], args: list[str]) -> str:
    """Run one `flask` command as the operator does: a process of its own."""
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=REPO, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, f"flask {' '.join(args[:2])} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


# The scenario's own commands, in one process: each `flask` process costs seconds of start-up.
MANY_COMMANDS = """
import json, sys
from wsgi import app
runner = app.test_cli_runner()
for args in json.loads(sys.argv[1]):
    result = runner.invoke(args=args)
    if result.exit_code:
        sys.exit(f"flask {' '.join(args[:2])} failed: {result.output} {result.exception!r}")
    print(result.output, end="")
"""


def flask_many(env: dict[str, str], commands: list[list[str]]) -> str:
    done = subprocess.run(
        [sys.executable, "-c", MANY_COMMANDS, json.dumps(commands)], cwd=REPO, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"
    return done.stdout


class Database:
    """A role and a database made with docs/operations.md's SQL (test names), dropped afterwards."""

    def __init__(self, admin_url: str):
        self.admin = make_url(admin_url)
        suffix = secrets.token_hex(4)
        self.names = {"role": f"lms_topology_{suffix}", "database": f"lms_topology_{suffix}"}
        self.names["password"] = secrets.token_hex(16)
        self.url = self.admin.set(
            username=self.names["role"], password=self.names["password"], database=self.names["database"]
        ).render_as_string(hide_password=False)

    def create(self) -> None:
        for where, statement in DATABASE_STEPS:
            database = where.format(**self.names) if where != "postgres" else self.admin.database
            engine = create_engine(self.admin.set(database=database), isolation_level="AUTOCOMMIT")
            with engine.connect() as connection:
                connection.execute(text(statement.format(**self.names)))
            engine.dispose()

    def drop(self) -> None:
        engine = create_engine(self.admin, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{self.names["database"]}" WITH (FORCE)'))
            connection.execute(text(f'DROP ROLE IF EXISTS "{self.names["role"]}"'))
        engine.dispose()

    def stretch_processes(self, username: str) -> list[int]:
        """The pids of the server processes holding `username`'s open online presence stretches, oldest first."""
        engine = create_engine(self.url)
        try:
            with engine.connect() as connection:
                return list(
                    connection.execute(
                        text(
                            "SELECT p.pid FROM attendance_intervals a JOIN users u ON u.id = a.user_id"
                            " JOIN room_processes p ON p.id = a.owner_id"
                            " WHERE u.username = :username AND a.left_at IS NULL AND a.source = 'online'"
                            " ORDER BY a.joined_at, a.id"
                        ),
                        {"username": username},
                    ).scalars()
                )
        finally:
            engine.dispose()


# --- the people ---------------------------------------------------------------------------------


class Browser:
    """A learner's browser: cookies kept, HTTPS certificate not checked (the test's own)."""

    def __init__(self, base: str, route: str | None = None):
        self.base = base
        self.http = requests.Session()
        self.http.verify = False
        # Else REQUESTS_CA_BUNDLE, where set, takes precedence over `verify` (and proxies apply).
        self.http.trust_env = False
        if route:
            self.http.cookies.set("lms_route", route, domain="127.0.0.1", path="/")

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.http.get(f"{self.base}{path}", timeout=10, **kwargs)

    def sign_in(self, username: str, password: str) -> requests.Response:
        token = CSRF_RE.search(self.get("/login").text).group(1)
        # A browser sends where the form was: Flask-WTF refuses an HTTPS post without it.
        headers = {"Referer": f"{self.base}/login", "Origin": self.base}
        data = {"username": username, "password": password, "csrf_token": token}
        return self.http.post(f"{self.base}/login", data=data, headers=headers, allow_redirects=False, timeout=10)


class RoomClient:
    """A python-socketio client of the live room opened from a browser's cookies, through nginx."""

    def __init__(self, browser: Browser, session_id: int):
        self.base, self.session_id = browser.base, session_id
        self.chat: list[dict] = []
        self.dropped = threading.Event()
        # The page's socket.io-client reconnects by itself when the server closes the connection;
        # python-socketio's takes a close sent by the server as final, so `reconnect` does it.
        self.sio = socketio.Client(
            http_session=browser.http,
            ssl_verify=False,
            reconnection=False,
            handle_sigint=False,
            # websocket-client adds an Origin of its own to the one given: a browser sends one.
            websocket_extra_options={"suppress_origin": True},
        )
        self.sio.on("chat", self.chat.append, namespace=NS)
        self.sio.on("disconnect", lambda *_reason: self.dropped.set(), namespace=NS)
        self.connect()

    def connect(self) -> None:
        deadline = time.monotonic() + 5  # a dropped connection is told first, then wound down
        while self.sio.eio.state not in ("disconnected", "") and time.monotonic() < deadline:
            time.sleep(0.02)
        self.dropped.clear()
        self.sio.connect(self.base, namespaces=[NS], headers={"Origin": self.base}, wait_timeout=15)

    def join(self) -> dict:
        ack = self.sio.call("join", {"session_id": self.session_id}, namespace=NS, timeout=15)
        assert ack["ok"], ack
        return ack

    def say(self, client_id: str, body: str) -> dict:
        ack = self.sio.call("chat", {"session_id": self.session_id, "client_id": client_id, "body": body}, namespace=NS)
        assert ack["ok"], ack
        return ack

    def wait_chat(self, body: str, timeout: float = 10) -> list[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and body not in [line["body"] for line in self.chat]:
            time.sleep(0.05)
        return [line["body"] for line in self.chat]


def worker_pid(master: subprocess.Popen) -> int:
    """gunicorn's one worker (the process that serves, and records itself in room_processes)."""
    children = Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text().split()
    assert len(children) == 1, children
    return int(children[0])


# --- the tests ----------------------------------------------------------------------------------


def test_the_documented_set_up_is_the_one_executed():
    assert documented_flask_commands() == [" ".join(c[:2]) for c in setup_commands({"admin": "x"})]
    section = bare_debian_section()
    for _, statement in DATABASE_STEPS:
        assert statement.format(**DOCUMENTED) in section
    assert "test_topology.py" in section  # the document says which test runs its steps


def test_the_test_replaces_only_lines_the_shipped_site_has():
    lines = SHIPPED_SITE.read_text(encoding="utf-8").splitlines()
    assert [line for line in SUBSTITUTED if line not in lines] == []


def test_the_shipped_site_passes_nginx_check_with_debian_snakeoil(tmp_path):
    snakeoil = Path("/etc/ssl/certs/ssl-cert-snakeoil.pem"), Path("/etc/ssl/private/ssl-cert-snakeoil.key")
    if not nginx_binary():
        unavailable("the nginx binary is not installed (apt-get install nginx)")
    if not all(os.access(path, os.R_OK) for path in snakeoil):
        unavailable("Debian's snakeoil certificate is missing or unreadable (apt-get install ssl-cert)")
    nginx = Nginx(tmp_path, SHIPPED_SITE.read_text(encoding="utf-8"))
    checked = nginx.check()
    assert checked.returncode == 0, checked.stderr
    assert "test is successful" in checked.stderr


def test_learners_on_two_processes_behind_nginx_chat_and_survive_a_stopped_process(tmp_path, topology_available):
    urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
    database = Database(postgres_admin_url())
    passwords = {name: secrets.token_urlsafe(12) for name in ("admin", "hv.mai", "hv.binh")}
    https_port, http_port, app_ports = free_port(), free_port(), [free_port(), free_port()]
    base = f"https://127.0.0.1:{https_port}"
    unique = secrets.token_hex(4)
    env_file = environment_file(
        tmp_path,
        {
            "LMS_SECRET_KEY": secrets.token_hex(32),
            "LMS_DATABASE_URL": database.url,
            "LMS_PROCESSES": "2",
            "LMS_SOCKETIO_MESSAGE_QUEUE": os.environ["LMS_TEST_REDIS_URL"],
            "LMS_RATELIMIT_STORAGE_URL": os.environ["LMS_TEST_REDIS_URL"],
            # Redis may be shared with other test runs: a channel and key prefix of this test's own.
            "LMS_SOCKETIO_CHANNEL": f"{os.environ.get('LMS_SOCKETIO_CHANNEL', 'lms-test')}-topology-{unique}",
            "LMS_RATELIMIT_KEY_PREFIX": f"lms-test-topology-{unique}",
            "LMS_PUBLIC_BASE_URL": base,
            "LMS_CONTENT_DIR": str(REPO / "content"),
        },
    )
    env = read_environment(env_file)
    assert (env["LMS_CONFIG"], env["LMS_PROXY_HOPS"]) == ("production", "1")
    masters: list[subprocess.Popen] = []
    logs = [(tmp_path / f"app-{port}.log").open("wb") for port in app_ports]
    clients: list[RoomClient] = []
    nginx = None
    database.create()
    try:
        for command in setup_commands(passwords):
            flask(env, command)
        made = flask_many(env, [*scenario_commands(passwords), ["sessions", "list", "--class", "K1"]])
        session_id = int(re.search(r"^(\d+)", made.splitlines()[-1]).group(1))

        masters = [start_gunicorn(port, env, log) for port, log in zip(app_ports, logs, strict=True)]
        for port, master in zip(app_ports, masters, strict=True):
            wait_ready(f"http://127.0.0.1:{port}", master)
        certificate, key = self_signed_certificate(tmp_path)
        site = site_for_test(
            SHIPPED_SITE.read_text(encoding="utf-8"),
            http_port=http_port,
            https_port=https_port,
            app_ports=app_ports,
            static_root=REPO / "lms" / "static",
            certificate=certificate,
            key=key,
        )
        nginx = Nginx(tmp_path / "nginx", site)
        nginx.start(base)
        upstream_of = {f"127.0.0.1:{port}": master for port, master in zip(app_ports, masters, strict=True)}

        # Static files come from nginx: compressed, and a year's cache for a fingerprinted address.
        visitor = Browser(base)
        static = visitor.get("/static/js/live.js?v=1", headers={"Accept-Encoding": "gzip"})
        assert static.status_code == 200 and static.headers["Content-Encoding"] == "gzip"
        assert static.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert visitor.get("/static/js/live.js").headers["Cache-Control"] == "no-cache"

        # Mai's browser comes without a route: its first answer sets one, hashed as that request was.
        mai = Browser(base)
        first = mai.get("/login")
        route_mai = mai.http.cookies.get("lms_route")
        route_cookie = re.search(r"lms_route=[^,]*", first.headers["Set-Cookie"]).group()
        assert route_cookie.startswith(f"lms_route={route_mai};") and "; Secure" in route_cookie, route_cookie
        first_line = nginx.line_of(first.headers["X-Request-Id"])
        assert first_line.route == route_mai
        process_mai = first_line.answered_by
        signed_in = mai.sign_in("hv.mai", passwords["hv.mai"])
        assert signed_in.status_code == 302, signed_in.text
        assert "Nguyễn Thị Mai" in mai.get("/").text

        # Bình's browser gets a route that hashes to the other process (tried on /healthz).
        for _ in range(50):
            route_binh = secrets.token_hex(16)
            probe = Browser(base, route_binh).get("/healthz")
            if nginx.line_of(probe.headers["X-Request-Id"]).answered_by != process_mai:
                break
        else:
            raise AssertionError("no route cookie reached the second process in 50 tries")
        binh = Browser(base, route_binh)
        assert binh.sign_in("hv.binh", passwords["hv.binh"]).status_code == 302
        (process_binh,) = set(upstream_of) - {process_mai}

        mai_room, binh_room = RoomClient(mai, session_id), RoomClient(binh, session_id)
        clients += [mai_room, binh_room]
        mai_room.join()
        binh_room.join()
        # Every request of a browser, its first one and the Socket.IO polling included, reached one process.
        for route, process in ((route_mai, process_mai), (route_binh, process_binh)):
            served = {line.answered_by for line in nginx.log() if line.route == route}
            assert served == {process}, [line for line in nginx.log() if line.route == route]
        assert any("/socket.io/" in line.request for line in nginx.log() if line.route == route_binh)
        # ... and the room says so: each presence stretch names the worker process of that port.
        assert database.stretch_processes("hv.mai") == [worker_pid(upstream_of[process_mai])]
        assert database.stretch_processes("hv.binh") == [worker_pid(upstream_of[process_binh])]
        # Both went on to WebSocket through nginx (an upgrade reaching another process would fail there).
        assert mai_room.sio.transport() == binh_room.sio.transport() == "websocket"

        # Chat crosses from one process to the other, both ways, through the Redis queue.
        mai_room.say("m1", "Chào cả lớp")
        assert "Chào cả lớp" in binh_room.wait_chat("Chào cả lớp")
        binh_room.say("b1", "Chào chị Mai")
        assert "Chào chị Mai" in mai_room.wait_chat("Chào chị Mai")

        # Bình's process is stopped as systemd stops it: it closes his connection at once, his
        # client connects again through nginx (his route still hashes to the stopped process;
        # nginx passes on to the other), joins, and the snapshot has the room's chat.
        stopped_at = time.monotonic()
        upstream_of[process_binh].send_signal(signal.SIGTERM)
        assert binh_room.dropped.wait(RECONNECT_WITHIN), f"his connection was not closed within {RECONNECT_WITHIN} s"
        dropped = time.monotonic() - stopped_at
        binh_room.connect()
        snapshot = binh_room.join()["snapshot"]
        rejoined = time.monotonic() - stopped_at
        print(f"\nBình's connection closed {dropped:.1f} s after SIGTERM; in the room again at {rejoined:.1f} s")
        assert rejoined < RECONNECT_WITHIN
        assert [line["body"] for line in snapshot["chat"]] == ["Chào cả lớp", "Chào chị Mai"]
        # His first WebSocket (logged by nginx once it closed: 101) had been with the stopped process.
        upgrades = [line for line in nginx.log() if line.route == route_binh and line.status == 101]
        assert [line.answered_by for line in upgrades] == [process_binh], nginx.log()
        assert binh_room.sio.transport() == "websocket"
        # His only open presence stretch is now held by the process still running: the stopped one
        # closed its own as it handed the connection over.
        survivor = worker_pid(upstream_of[process_mai])
        deadline = time.monotonic() + 5
        while database.stretch_processes("hv.binh") != [survivor] and time.monotonic() < deadline:
            time.sleep(0.1)
        assert database.stretch_processes("hv.binh") == [survivor]
        # The room goes on, now in one process.
        binh_room.say("b2", "Em vẫn ở đây")
        assert "Em vẫn ở đây" in mai_room.wait_chat("Em vẫn ở đây")
    finally:
        for client in clients:
            with contextlib.suppress(Exception):
                client.sio.disconnect()
        if nginx:
            nginx.stop()
        for master in masters:
            if master.poll() is None:
                master.terminate()
            try:
                master.wait(timeout=15)
            except subprocess.TimeoutExpired:
                master.kill()
                master.wait(timeout=10)
        for log in logs:
            log.close()
        database.drop()
