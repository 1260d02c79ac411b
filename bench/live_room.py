"""Live-room benchmark: joins and chat fan-out in one Socket.IO room, against a bare python-socketio room.

Run it with `make bench` (after bench/http.py) or `.venv/bin/python bench/live_room.py --help`. It

1. builds a fresh database like bench/http.py (SQLite; with --processes 2 or more a PostgreSQL
   database of its own and this run's own Redis channel), then adds learners to the demo class
   CCHC-2026-01 until it has as many as the largest client count, and schedules one live session,
2. signs every learner and the instructor gv.lan in through the app's own sign-in (a server-side
   sign-in record and a signed session cookie, without the password check: thousands of password
   hashes would cost minutes of CPU and measure nothing of the room),
3. for each client count N and each target (first the bare room, on one process only, then the
   LMS), starts fresh `gunicorn -k gevent -w 1` servers (--processes of them for the LMS, sharing
   the room through the Redis message queue), connects the instructor and N learners over
   WebSocket to the namespace /live (learner i on server i mod P, as a sticky proxy would), has all
   N emit `join` at once and waits for every acknowledgement (with its snapshot),
4. has the instructor send chat lines at --rate per second for --duration seconds from ONE
   connection (a connection joined as instructor may send 600 events per 10 s, INSTRUCTOR_BURST);
   each line carries its send time on CLOCK_MONOTONIC (one clock for every process of the
   machine), and every learner's client computes the delivery latency on the same clock, and
5. prints per N: connect and join time, latency p50/p99, deliveries/s, lost deliveries, worker CPU
   per delivery, worker memory per connection, the CPU of the generators, then the targets.

The learners' clients (a minimal Socket.IO client over aiohttp's WebSocket) live in --generators
forked processes (by default one per 500 clients, at most 4), so that the client is not the limit;
the instructor's connection is in this process. Their CPU share is printed, like the other CPU
load of the machine, so a run limited by the generator or by other work can be recognised.

Exit status: 0 when the figures were measured (whether or not the targets were met), 1 when the
benchmark itself failed (set-up, server start, login, a refused connect or join, a server that
died). Servers are stopped by PID and the temporary directory removed in every case.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this folder comes first on sys.path, where bench/http.py would shadow the
# standard library's `http` package (aiohttp and requests need it). Take the folder off the path.
if sys.path and Path(sys.path[0] or ".").resolve() == Path(__file__).resolve().parent:
    sys.path.remove(sys.path[0])

import argparse
import asyncio
import contextlib
import importlib.util
import json
import os
import resource
import secrets
import shutil
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass

BENCH_DIR = Path(__file__).resolve().parent


def _load_http_bench():
    """bench/http.py as a module: its server, login and /proc helpers are shared, not copied.

    It cannot be imported by its own name (`http` is the standard library's), so it is loaded
    from its path under another one.
    """
    spec = importlib.util.spec_from_file_location("bench_http", BENCH_DIR / "http.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the file runs
    spec.loader.exec_module(module)
    return module


hb = _load_http_bench()


def _load_province():
    """bench/province.py (PostgreSQL and Redis for a room over several processes)."""
    spec = importlib.util.spec_from_file_location("bench_province", BENCH_DIR / "province.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


province = _load_province()
BenchError = hb.BenchError
ROOT = hb.ROOT
HOST = hb.HOST

NAMESPACE = "/live"
INSTRUCTOR = "gv.lan"
DEMO_CLASS = "CCHC-2026-01"
TARGET_P99_ONE_PROCESS_MS = 150.0  # 1,000 learners, 20 lines/s, one server process
TARGET_P99_TWO_PROCESSES_MS = 250.0  # 2,000 learners, 10 lines/s, two processes through Redis
TARGET_MB_PER_1000 = 150.0  # server memory taken by 1,000 connections
CONNECT_TIMEOUT = 60.0
JOIN_TIMEOUT = 120.0  # generous: a slow join is a figure to report, not a failure
# The instructor sends every line from one connection (one browser tab), as in a real class. A
# connection joined as instructor may send 600 events per 10 s (INSTRUCTOR_BURST in
# lms/live/throttle.py): 20 lines a second for 10 s fit; a --rate × --duration over that is refused
# in part, and the refusals are reported.
DRAIN_TIMEOUT = 10.0  # after the last line is sent, how long deliveries may still arrive

BARE_APP = '''\
"""A bare python-socketio room under gevent, served like the LMS for comparison: no database,
no login; `join` enters one room, `chat` is broadcast to it with a payload shaped like the LMS's."""

import datetime
import itertools

import socketio

sio = socketio.Server(async_mode="gevent")
ids = itertools.count(1)


def health(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]


app = socketio.WSGIApp(sio, health)


@sio.on("join", namespace="/live")
def join(sid, data):
    sio.enter_room(sid, "room", namespace="/live")
    return {"ok": True, "snapshot": {}}


@sio.on("chat", namespace="/live")
def chat(sid, data):
    message = {"id": next(ids), "client_id": data["client_id"], "user": {"id": 1, "name": "Giảng viên"},
               "body": data["body"], "at": datetime.datetime.now(datetime.UTC).isoformat()}
    sio.emit("chat", message, to="room", namespace="/live")
    return {"ok": True, "message": message}
'''


# --------------------------------------------------------------------------------------------
# Set-up: learners enough for the largest N, and one scheduled session (run with the LMS env)


def prepare_room(learners: int) -> dict:
    """Inside the app (production config from the environment): enrol learners, schedule a session.

    Runs in a child process with the bench's LMS_* environment, like the `flask` set-up commands.
    The extra accounts reuse the demo learners' password hash, so no hashing is spent on them.
    """
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import select

    from lms import create_app
    from lms.auth.models import Role, User
    from lms.courses.models import CourseClass
    from lms.courses.service import enrol_users
    from lms.database import begin_write, utcnow
    from lms.extensions import db
    from lms.live.models import LiveSession

    app = create_app("production")
    with app.app_context():
        begin_write()
        course_class = db.session.scalar(select(CourseClass).where(CourseClass.code == DEMO_CLASS))
        if course_class is None:
            raise SystemExit(f"class {DEMO_CLASS} is not in the database (demo seed?)")
        template = db.session.scalar(select(User).where(User.username == "hv01"))
        existing = list(db.session.scalars(select(User).where(User.role == Role.LEARNER).order_by(User.username)))
        extra = [
            User(
                username=f"bench{number:03d}",
                full_name=f"Học viên Thử tải {number:03d}",
                role=Role.LEARNER,
                unit_id=template.unit_id,
                password_hash=template.password_hash,
            )
            for number in range(1, max(0, learners - len(existing)) + 1)
        ]
        db.session.add_all(extra)
        db.session.flush()
        enrol_users(course_class, extra, source="admin")
        instructor = db.session.scalar(select(User).where(User.username == INSTRUCTOR))
        session = LiveSession(
            class_id=course_class.id,
            title="Buổi trực tuyến (thử tải)",
            starts_at=utcnow(),
            duration_minutes=120,
            created_by_id=instructor.id,
        )
        db.session.add(session)
        chosen = (existing + extra)[:learners]
        cookies = [signed_in_cookie(app, user) for user in [*chosen, instructor]]
        db.session.commit()
        return {
            "session_id": session.id,
            "learners": [u.username for u in chosen],
            "cookies": cookies[:-1],
            "teacher_cookie": cookies[-1],
        }


def signed_in_cookie(app, user) -> str:
    """The session cookie a browser gets from signing in as `user`, made by the app's own sign-in
    (a server-side sign-in record and a signed session), without checking a password: thousands of
    password checks would take minutes of CPU and measure nothing of the room."""
    from flask import session

    from lms.auth.views import sign_in
    from lms.database import utcnow

    headers = {"User-Agent": hb.USER_AGENT}
    with app.test_request_context("/login", method="POST", headers=headers, environ_base={"REMOTE_ADDR": HOST}):
        sign_in(user, utcnow())
        return "session=" + app.session_interface.get_signing_serializer(app).dumps(dict(session))


def set_up_room(env: dict, learners: int, workdir: Path) -> dict:
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--prepare-room", str(learners)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    (workdir / "setup.log").open("a").write(f"$ live_room.py --prepare-room {learners}\n{done.stdout}{done.stderr}\n")
    if done.returncode != 0:
        raise BenchError(f"preparing the room failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------------------------
# Measurement


@dataclass
class Run:
    target: str  # "bare" or "lms"
    clients: int
    connect_s: float
    join_s: float
    join_cpu_ms: float  # worker CPU per join, over the whole join phase (broadcasts it caused included)
    messages: int  # chat lines sent (and acknowledged) while measuring
    deliveries: int  # lines received by the learners' clients
    lost: int  # messages × clients − deliveries
    p50_ms: float
    p99_ms: float
    max_ms: float
    deliveries_per_s: float
    cpu_us_per_delivery: float
    kb_per_connection: float
    server_cpu: float  # share of one core, while measuring
    client_cpu: float
    other_cpu: float
    send_errors: int
    send_error_kinds: dict
    processes: int = 1  # server processes sharing the room (through Redis when more than one)
    generators: int = 1  # load generator processes holding the learners' connections
    server_mb: float = 0.0  # the workers' resident memory with every learner joined


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise BenchError(f"no VmRSS for process {pid}")


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class Receiver:
    """Every learner's client appends to the same lists: they all share this process's clock."""

    def __init__(self, expected_per_message: int):
        self.expected = expected_per_message
        self.latencies: list[float] = []
        self.received: dict[int, int] = {}  # message number → deliveries
        self.last_at = 0.0
        self.all_in = asyncio.Event()
        self.target = 0  # deliveries expected in total once sending stops

    def chat(self, data: dict) -> None:
        now = time.monotonic()
        parts = str(data.get("body", "")).split()
        if len(parts) != 3 or parts[0] != "bench":
            return
        number, sent = int(parts[1]), float(parts[2])
        self.latencies.append(now - sent)
        self.received[number] = self.received.get(number, 0) + 1
        self.last_at = now
        if self.target and len(self.latencies) >= self.target:
            self.all_in.set()


class LeanClient:
    """A minimal Socket.IO 5 client (Engine.IO 4, WebSocket only) on aiohttp, for one namespace.

    python-socketio's own asyncio client spends a hundred-odd microseconds of Python on every
    message it receives; at 500 clients × 20 lines/s (and the presence storm of 500 joins) the
    generator, not the server, became the limit. This one answers pings, matches acknowledgements
    and decodes only the events it was asked to watch: everything else is skipped unparsed.
    """

    def __init__(self, http, on_chat=None):
        self.http, self.on_chat = http, on_chat
        self.ws = None
        self.acks: dict[int, asyncio.Future] = {}
        self.next_id = 0
        self.connected: asyncio.Future | None = None
        self.reader: asyncio.Task | None = None
        self.prefix = f"42{NAMESPACE},"
        self.chat_prefix = self.prefix + '["chat",'

    async def connect(self, base: str, cookie: str | None, timeout: float) -> None:
        headers = {"User-Agent": hb.USER_AGENT, **({"Cookie": cookie} if cookie else {})}
        url = base.replace("http://", "ws://", 1) + "/socket.io/?EIO=4&transport=websocket"
        self.ws = await asyncio.wait_for(
            self.http.ws_connect(url, headers=headers, autoping=False, max_msg_size=0), timeout
        )
        self.connected = asyncio.get_running_loop().create_future()
        self.reader = asyncio.create_task(self._read())
        await self.ws.send_str(f"40{NAMESPACE},")
        await asyncio.wait_for(self.connected, timeout)

    async def _read(self) -> None:
        import aiohttp

        ack_prefix, connect_prefix, error_prefix = f"43{NAMESPACE},", f"40{NAMESPACE},", f"44{NAMESPACE},"
        try:
            async for message in self.ws:
                if message.type != aiohttp.WSMsgType.TEXT:
                    break
                text = message.data
                if text.startswith(self.chat_prefix):
                    if self.on_chat is not None:
                        self.on_chat(json.loads(text[len(self.prefix) :])[1])
                elif text.startswith(self.prefix):
                    pass  # presence and other room events: not measured, not parsed
                elif text == "2":
                    await self.ws.send_str("3")  # Engine.IO ping → pong
                elif text.startswith(ack_prefix):
                    body = text[len(ack_prefix) :]
                    digits = len(body) - len(body.lstrip("0123456789"))
                    future = self.acks.pop(int(body[:digits]), None)
                    if future is not None and not future.done():
                        future.set_result(json.loads(body[digits:])[0])
                elif text.startswith(connect_prefix) and not self.connected.done():
                    self.connected.set_result(True)
                elif text.startswith(error_prefix) and not self.connected.done():
                    self.connected.set_exception(BenchError(f"namespace connect refused: {text[len(error_prefix) :]}"))
        finally:
            gone = BenchError("the connection closed")
            if self.connected is not None and not self.connected.done():
                self.connected.set_exception(gone)
            for future in self.acks.values():
                if not future.done():
                    future.set_exception(gone)

    def emit(self, event: str, data: dict) -> asyncio.Future:
        """Send an event with an acknowledgement id; the future gets the acknowledgement."""
        self.next_id += 1
        future = asyncio.get_running_loop().create_future()
        self.acks[self.next_id] = future
        frame = f"42{NAMESPACE},{self.next_id}" + json.dumps([event, data], ensure_ascii=False)
        asyncio.ensure_future(self.ws.send_str(frame))
        return future

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self.reader is not None:
            with contextlib.suppress(BaseException):
                await self.reader


async def _connect(http, url: str, cookie: str | None, on_chat=None) -> LeanClient:
    client = LeanClient(http, on_chat)
    try:
        await client.connect(url, cookie, CONNECT_TIMEOUT)
    except BenchError:
        await client.close()
        raise
    except Exception as exc:  # aiohttp's and asyncio's errors alike
        await client.close()
        raise BenchError(f"connect to {url} failed: {type(exc).__name__}: {exc}") from exc
    return client


async def _join(client: LeanClient, session_id: int) -> dict:
    try:
        ack = await asyncio.wait_for(client.emit("join", {"session_id": session_id}), JOIN_TIMEOUT)
    except TimeoutError:
        raise BenchError(f"a join got no acknowledgement within {JOIN_TIMEOUT:g} s") from None
    if not isinstance(ack, dict) or not ack.get("ok") or "snapshot" not in ack:
        raise BenchError(f"join refused: {ack!r}")
    return ack


CONNECTS_AT_ONCE = 100  # per generator process: a storm of thousands of connects overflows the listen backlog


async def _learners_part(urls: list[str], cookies: list, session_id: int, conn) -> None:
    """One generator process: connect its learners, join when told, time the chat lines they get.

    Every reply to the parent is a tuple on `conn`; the send times in the chat lines are the
    parent's CLOCK_MONOTONIC, which is the same clock system-wide, so latencies compare.
    """
    import aiohttp

    loop = asyncio.get_running_loop()
    box = Receiver(len(cookies))
    http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
    learners: list[LeanClient] = []
    try:
        gate = asyncio.Semaphore(CONNECTS_AT_ONCE)

        async def connect(url: str, cookie) -> LeanClient:
            async with gate:
                return await _connect(http, url, cookie, box.chat)

        began = time.monotonic()
        results = await asyncio.gather(
            *(connect(u, c) for u, c in zip(urls, cookies, strict=True)), return_exceptions=True
        )
        learners = [r for r in results if not isinstance(r, BaseException)]
        failed = [str(r) for r in results if isinstance(r, BaseException)]
        conn.send(("connected", time.monotonic() - began, failed[:1], len(failed)))
        if failed:
            return
        await loop.run_in_executor(None, conn.recv)  # "join"
        acks = await asyncio.gather(*(_join(c, session_id) for c in learners), return_exceptions=True)
        refused = [str(a) for a in acks if isinstance(a, BaseException)]
        conn.send(("joined", time.monotonic(), refused[:1], len(refused), own_cpu()))
        if refused:
            return
        _command, lines = await loop.run_in_executor(None, conn.recv)  # ("expect", lines sent)
        box.target = lines * len(learners)
        if len(box.latencies) < box.target:
            with contextlib.suppress(TimeoutError):  # what is still missing then counts as lost
                await asyncio.wait_for(box.all_in.wait(), DRAIN_TIMEOUT)
        conn.send(("done", box.latencies, box.last_at, own_cpu()))
    finally:
        await asyncio.gather(*(c.close() for c in learners), return_exceptions=True)
        await http.close()


def _generator_process(urls: list[str], cookies: list, session_id: int, conn) -> None:
    try:
        asyncio.run(_learners_part(urls, cookies, session_id, conn))
    finally:
        conn.close()


async def measure(
    target: str,
    urls: list[str],
    workers: list[int],
    cookies: list[str | None],
    teacher_cookie: str | None,
    session_id: int,
    rate: float,
    duration: float,
    tag: str,
    generators: int,
) -> Run:
    """The instructor in this process; the learners in `generators` forked processes, learner i
    on server i mod len(urls) (sticky sessions, as the proxy does)."""
    import multiprocessing

    import aiohttp

    clients = len(cookies)
    loop = asyncio.get_running_loop()

    async def reply(conn, timeout: float):
        try:
            return await asyncio.wait_for(loop.run_in_executor(None, conn.recv), timeout)
        except (TimeoutError, EOFError):
            raise BenchError("a generator process gave no answer in time (or died)") from None

    http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
    senders: list[LeanClient] = []
    parts: list = []
    try:
        senders.append(await _connect(http, urls[0], teacher_cookie))
        # The instructor's connection and join also warm the workers (imports, first queries):
        # the memory baseline is taken after them.
        await _join(senders[0], session_id)
        rss0 = sum(rss_kib(w) for w in workers)
        context = multiprocessing.get_context("fork")
        began = time.monotonic()
        for number in range(generators):
            mine = range(number, clients, generators)
            ours, theirs = context.Pipe()
            proc = context.Process(
                target=_generator_process,
                args=([urls[i % len(urls)] for i in mine], [cookies[i] for i in mine], session_id, theirs),
                daemon=True,
            )
            proc.start()
            theirs.close()
            parts.append((proc, ours))
        answers = [await reply(conn, 3 * CONNECT_TIMEOUT) for _, conn in parts]
        connect_s = time.monotonic() - began
        failed = sum(a[3] for a in answers)
        if failed:
            first = next(a[2][0] for a in answers if a[2])
            raise BenchError(f"{failed} of {clients} connects failed, first: {first}")
        began, join_cpu0 = time.monotonic(), hb.cpu_seconds(workers)
        for _, conn in parts:
            conn.send("join")
        answers = [await reply(conn, JOIN_TIMEOUT) for _, conn in parts]
        refused = sum(a[3] for a in answers)
        if refused:
            raise BenchError(f"{refused} of {clients} joins failed, first: {next(a[2][0] for a in answers if a[2])}")
        join_s = max(a[1] for a in answers) - began
        generators_cpu0 = sum(a[4] for a in answers)
        await asyncio.sleep(1.0)  # presence broadcasts of the last joins settle before measuring
        join_cpu_ms = 1000 * (hb.cpu_seconds(workers) - join_cpu0) / clients
        rss1 = sum(rss_kib(w) for w in workers)

        send_errors: list = []

        def acked(future: asyncio.Future) -> None:
            ack = None if future.cancelled() or future.exception() else future.result()
            if not (isinstance(ack, dict) and ack.get("ok")):
                send_errors.append(ack.get("error", "?") if isinstance(ack, dict) else "no answer")

        count = max(1, round(rate * duration))
        acks: list[asyncio.Future] = []
        cpu0, server0, all0 = own_cpu(), hb.cpu_seconds(workers), hb.system_busy_seconds()
        wall0 = time.monotonic()
        for number in range(count):
            # Lines go out on a fixed schedule (an open loop), whatever the answers' delay.
            await asyncio.sleep(max(0.0, wall0 + number / rate - time.monotonic()))
            ack = senders[0].emit(
                "chat",
                {
                    "session_id": session_id,
                    "client_id": f"{tag}-{number}",
                    "body": f"bench {number} {time.monotonic():.6f}",
                },
            )
            ack.add_done_callback(acked)
            acks.append(ack)
        for _, conn in parts:
            conn.send(("expect", count))
        answers = [await reply(conn, DRAIN_TIMEOUT + 60) for _, conn in parts]
        latencies = sorted(x for a in answers for x in a[1])
        last_at = max(a[2] for a in answers)
        wall1 = last_at if len(latencies) >= count * clients else time.monotonic()
        cpu1, server1, all1 = own_cpu(), hb.cpu_seconds(workers), hb.system_busy_seconds()
        generators_cpu = sum(a[3] for a in answers) - generators_cpu0
        seconds = max(1e-9, wall1 - wall0)
        await asyncio.wait(acks, timeout=DRAIN_TIMEOUT)  # a line may arrive before its own ack
    finally:
        await asyncio.gather(*(c.close() for c in senders), return_exceptions=True)
        await http.close()
        for proc, conn in parts:
            conn.close()
            proc.join(timeout=15)
            if proc.is_alive():
                proc.kill()

    delivered = len(latencies)
    server_s = server1 - server0
    # The generators' CPU runs from the end of the joins (one second before measuring) to the end.
    client_share = (cpu1 - cpu0 + generators_cpu) / seconds
    server_share = server_s / seconds
    return Run(
        target=target,
        clients=clients,
        connect_s=connect_s,
        join_s=join_s,
        join_cpu_ms=join_cpu_ms,
        messages=count,
        deliveries=delivered,
        lost=count * clients - delivered,
        p50_ms=1000 * hb.percentile(latencies, 0.50),
        p99_ms=1000 * hb.percentile(latencies, 0.99),
        max_ms=1000 * latencies[-1] if latencies else float("nan"),
        deliveries_per_s=delivered / seconds,
        cpu_us_per_delivery=1e6 * server_s / delivered if delivered else float("nan"),
        kb_per_connection=(rss1 - rss0) * 1.024 / clients,  # KiB → kB
        server_cpu=server_share,
        client_cpu=client_share,
        other_cpu=max(0.0, (all1 - all0) / seconds - client_share - server_share),
        send_errors=len(send_errors),
        send_error_kinds={kind: send_errors.count(kind) for kind in set(send_errors)},
        processes=len(urls),
        generators=generators,
        server_mb=rss1 * 1.024 / 1000,
    )


def serve(name: str, app: str, cwd: Path, env: dict, workdir: Path, servers: list) -> object:
    # The LMS runs with production's gunicorn settings file (its worker hooks included).
    config = ROOT / "lms" / "gunicorn_config.py" if name.startswith("lms") else None
    server = hb.start_server(name, app, cwd, env, workdir, config)
    servers.append(server)
    hb.wait_ready(server, "/healthz", 60)
    if len(server.workers) != 1:
        raise BenchError(f"{name}: expected one gunicorn worker, found {server.workers}")
    return server


def measure_target(
    target: str,
    app: str,
    cwd: Path,
    env: dict,
    workdir: Path,
    cookies: list,
    teacher_cookie,
    session_id: int,
    args,
    n: int,
) -> Run:
    """Fresh servers per measurement, so the memory per connection starts from the same state."""
    servers: list = []
    processes = args.processes if target == "lms" else 1
    try:
        for number in range(processes):
            serve(f"{target}-{number}", app, cwd, env, workdir, servers)
        run = asyncio.run(
            measure(
                target,
                [server.base for server in servers],
                [server.workers[0] for server in servers],
                cookies[:n],
                teacher_cookie,
                session_id,
                args.rate,
                args.duration,
                f"{target}{n}x{secrets.token_hex(3)}",
                args.generators or max(1, min(4, -(-n // 500))),
            )
        )
        for server in servers:
            if server.proc.poll() is not None:
                raise BenchError(f"{server.name} server died while measuring:\n{hb.tail(server.log)}")
        return run
    finally:
        for server in servers:
            hb.stop_server(server)


# --------------------------------------------------------------------------------------------
# Report


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}×" if b and b == b and a == a else "–"


def print_runs(runs: list[Run]) -> None:
    head = [
        "target",
        "N",
        "procs",
        "connect s",
        "join s",
        "CPU ms/join",
        "p50 ms",
        "p99 ms",
        "max ms",
        "deliv/s",
        "lost",
        "CPU µs/deliv",
        "kB/conn",
        "server CPU",
        "client CPU",
        "other CPU",
    ]
    rows = [
        [
            r.target,
            str(r.clients),
            str(r.processes),
            f"{r.connect_s:.2f}",
            f"{r.join_s:.2f}",
            f"{r.join_cpu_ms:.2f}",
            f"{r.p50_ms:.1f}",
            f"{r.p99_ms:.1f}",
            f"{r.max_ms:.1f}",
            f"{r.deliveries_per_s:,.0f}",
            str(r.lost),
            f"{r.cpu_us_per_delivery:.1f}",
            f"{r.kb_per_connection:.1f}",
            f"{100 * r.server_cpu:.0f} %",
            f"{100 * r.client_cpu:.0f} %",
            f"{100 * r.other_cpu:.0f} %",
        ]
        for r in runs
    ]
    table(head, rows)
    if not any(r.target == "bare" for r in runs):
        return
    print("\nLMS as a ratio to the bare room (same N):")
    head = ["N", "join time", "p50", "p99", "CPU/delivery", "memory/conn"]
    rows = []
    for lms in (r for r in runs if r.target == "lms"):
        bare = next((r for r in runs if r.target == "bare" and r.clients == lms.clients), None)
        if bare is None:
            continue
        rows.append(
            [
                str(lms.clients),
                ratio(lms.join_s, bare.join_s),
                ratio(lms.p50_ms, bare.p50_ms),
                ratio(lms.p99_ms, bare.p99_ms),
                ratio(lms.cpu_us_per_delivery, bare.cpu_us_per_delivery),
                ratio(lms.kb_per_connection, bare.kb_per_connection),
            ]
        )
    table(head, rows)


def table(head: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(head)]

    def join(cells):
        return "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    print(join(head))
    print("-" * len(join(head)))
    for row in rows:
        print(join(row))


def verdicts(runs: list[Run], args: argparse.Namespace) -> list[tuple[str, bool]]:
    """The targets, per LMS run: p99 (1,000 learners at 20 lines/s on one process ≤ 150 ms; 2,000 at
    10 lines/s over two processes ≤ 250 ms), nothing lost, and the memory the connections take,
    as MB per 1,000 connections (≤ 150 MB). A run smaller than its target's size is not met."""
    checks = []
    for run in (r for r in runs if r.target == "lms"):
        one = run.processes == 1
        limit = TARGET_P99_ONE_PROCESS_MS if one else TARGET_P99_TWO_PROCESSES_MS
        full = run.clients >= 1000 and args.rate >= 20 if one else run.clients >= 2000 and args.rate >= 10
        label = f"N={run.clients}, {run.processes} process{'' if one else 'es'}, {args.rate:g} lines/s:"
        size = "" if full else f" (smaller than the target's {'1,000 at 20' if one else '2,000 at 10'} lines/s)"
        checks.append((f"{label} p99 {run.p99_ms:.1f} ms (target ≤ {limit:g} ms){size}", full and run.p99_ms <= limit))
        checks.append((f"{label} {run.lost} lost deliveries (target 0)", run.lost == 0))
        checks.append(
            (
                f"{label} {run.kb_per_connection:.0f} MB of server memory per 1,000 connections (target ≤ "
                f"{TARGET_MB_PER_1000:g} MB; workers' memory with all joined: {run.server_mb:.0f} MB)",
                run.kb_per_connection <= TARGET_MB_PER_1000,
            )
        )
    return checks


# --------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--clients",
        default="100,300,500",
        help="comma-separated client counts, each measured on a fresh server (100,300,500)",
    )
    parser.add_argument("--rate", type=float, default=20.0, help="instructor's chat lines per second (20)")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of chat measured per run (10)")
    parser.add_argument(
        "--processes",
        type=int,
        default=1,
        help="server processes sharing the room through Redis (1; 2+ need PostgreSQL)",
    )
    parser.add_argument("--generators", type=int, default=0, help="load generator processes (0: 1 per 500 clients)")
    parser.add_argument("--no-bare", action="store_true", help="skip the bare python-socketio room")
    parser.add_argument("--quick", action="store_true", help="N = 100, 5 s of chat (a short check)")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    parser.add_argument("--prepare-room", type=int, help=argparse.SUPPRESS)  # the set-up child process
    args = parser.parse_args(argv)
    if args.prepare_room is not None:
        return args
    if args.quick:
        args.clients, args.duration = "100", 5.0
    try:
        args.clients = sorted({int(x) for x in args.clients.split(",") if x.strip()})
    except ValueError:
        parser.error("--clients takes comma-separated numbers, e.g. 100,300,500")
    if not args.clients or not all(1 <= n <= 2000 for n in args.clients):
        parser.error("client counts from 1 to 2000")
    if not (0 < args.rate <= 200 and 0 < args.duration <= 300):
        parser.error("rate 0–200 lines/s, duration 0–300 s")
    if not (1 <= args.processes <= 8 and 0 <= args.generators <= 16):
        parser.error("1–8 server processes, 0–16 generator processes")
    return args


def raise_file_limit(clients: int) -> None:
    """Each client is a socket here and one in the worker (which inherits this limit)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 4 * clients + 256
    if soft != resource.RLIM_INFINITY and soft < wanted:
        new = wanted if hard == resource.RLIM_INFINITY else min(hard, wanted)
        resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
        if new < wanted:
            print(f"  note: open files limited to {new} (hard limit); {clients} clients may not fit")


def run(args: argparse.Namespace) -> int:
    if args.processes > 1:
        try:
            province.check_services()
        except province.ServiceMissingError as exc:
            print(exc, file=sys.stderr)
            return 2
    largest = max(args.clients)
    raise_file_limit(largest)
    info = hb.machine()
    hb.print_machine(info)
    print()
    workdir = Path(tempfile.mkdtemp(prefix="lms-bench-live-"))
    runs: list[Run] = []
    with contextlib.ExitStack() as stack:
        try:
            if args.processes > 1:
                # Several processes share a room only through Redis, and need PostgreSQL.
                database_url = stack.enter_context(province.temporary_database())
                env = hb.lms_environment(database_url)
                env.update(province.redis_settings(secrets.token_hex(4)))
                env["LMS_PROCESSES"] = str(args.processes)
            else:
                env = hb.lms_environment(f"sqlite:///{workdir / 'bench.sqlite3'}")
            env["LMS_LOG_LEVEL"] = "WARNING"
            runs = measure_all(args, env, workdir, largest)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
    report(args, runs, info)
    return 0


def measure_all(args: argparse.Namespace, env: dict, workdir: Path, largest: int) -> list[Run]:
    runs: list[Run] = []
    print(
        f"Setting up a fresh database ({env['LMS_DATABASE_URL'].split(':', 1)[0]}: "
        "migrate, sync content/, seed demo) …",
        flush=True,
    )
    hb.set_up_database(env, workdir)
    started = time.monotonic()
    room = set_up_room(env, largest, workdir)
    session_id, usernames = room["session_id"], room["learners"]
    cookies, teacher_cookie = room["cookies"], room["teacher_cookie"]
    if len(usernames) < largest:
        raise BenchError(f"only {len(usernames)} learners in {DEMO_CLASS}, {largest} needed")
    print(
        f"Class {DEMO_CLASS}: {len(usernames)} learners enrolled and signed in (the app's own sign-in, "
        f"no password check), live session {session_id} scheduled, in {time.monotonic() - started:.1f} s",
        flush=True,
    )
    (workdir / "bare_room.py").write_text(BARE_APP)
    bare_env = {k: v for k, v in os.environ.items() if not k.startswith("LMS_")}
    bare = not args.no_bare and args.processes == 1
    print(
        f"Load: instructor chat at {args.rate:g} lines/s for {args.duration:g} s to N learners, "
        f"N = {', '.join(map(str, args.clients))}; WebSocket transport; each run on fresh servers: "
        f"{args.processes} × gunicorn -k gevent -w 1"
        + (" (one room through the Redis message queue)" if args.processes > 1 else "")
        + "; generator: minimal Socket.IO client on aiohttp, the learners spread over "
        + (f"{args.generators}" if args.generators else "1 per 500 clients (at most 4)")
        + " forked processes, the instructor in this one\n",
        flush=True,
    )
    for n in args.clients:
        for target, app, cwd, target_env, target_cookies, teacher in (
            *([("bare", "bare_room:app", workdir, bare_env, [None] * n, None)] if bare else []),
            ("lms", "wsgi:app", ROOT, env, cookies, teacher_cookie),
        ):
            print(f"  {target:4} N={n:<4} …", end=" ", flush=True)
            result = measure_target(target, app, cwd, target_env, workdir, target_cookies, teacher, session_id, args, n)
            runs.append(result)
            print(
                f"join {result.join_s:.2f} s, p99 {result.p99_ms:.1f} ms, "
                f"{result.cpu_us_per_delivery:.1f} µs/delivery, lost {result.lost}",
                flush=True,
            )
    return runs


def report(args: argparse.Namespace, runs: list[Run], info: dict) -> None:
    print()
    print_runs(runs)
    if any(r.send_errors for r in runs):
        print(
            "  warning: some chat lines were refused: "
            + ", ".join(f"{r.target} N={r.clients}: {r.send_error_kinds}" for r in runs if r.send_errors)
        )
    if any(r.client_cpu > 0.9 * r.generators for r in runs):
        print(
            "  warning: the load generators used over 90 % of their cores in some runs; latency there may be "
            "the generator's, not the server's"
        )
    if any(r.other_cpu > 0.25 for r in runs):
        print(
            "  warning: other processes used the CPU while measuring (other CPU column); on a 2-core "
            "machine that raises latency unevenly — run again on a quiet machine"
        )
    print("\nTargets (LMS):")
    checks = verdicts(runs, args)
    for text, met in checks:
        print(f"  {'met    ' if met else 'NOT met'}  {text}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "machine": info,
                    "rate": args.rate,
                    "duration": args.duration,
                    "processes": args.processes,
                    "runs": [asdict(r) for r in runs],
                    "targets": [{"check": text, "met": met} for text, met in checks],
                },
                indent=2,
                ensure_ascii=False,
            )
        )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.prepare_room is not None:
        print(json.dumps(prepare_room(args.prepare_room)))
        return 0
    return hb.run_guarded(run, args)


if __name__ == "__main__":
    sys.exit(main())
