"""HTTP benchmark: the module page and the dashboard against a Flask hello-world.

Run it with `make bench` (or `.venv/bin/python bench/http.py --help`). It

1. builds a fresh SQLite database in a temporary directory (migrate, sync content/, seed the demo),
2. serves the LMS (production configuration) and a one-route Flask hello-world, each with
   `gunicorn -k gevent -w 1 --no-control-socket` on its own free port of 127.0.0.1,
3. logs in as a demo learner and checks that both pages answer 200 with the expected content,
4. drives each target with the same load generator (50 keep-alive clients by default) for a short
   warm-up and a fixed duration, and
5. prints requests/s, p50/p99 latency, errors and the ratio to hello-world, with the machine.

The load generator runs in this process, never in a server process: by default a small asyncio
HTTP/1.1 client (the same on every machine); `--generator wrk` uses Debian's wrk instead and
`--generator auto` uses wrk when it is installed. One run always measures every target with the
same generator. Its CPU use and the server worker's are printed too, so a run where the
generator, not the server, was the limit can be recognised.

Exit status: 0 when the figures were measured (whether or not the target ratio was met), 1 when
the benchmark itself failed (set-up, server start, login, page check, or failed requests while
measuring). Servers are stopped by PID and the temporary directory removed in every case.
"""

from __future__ import annotations

import sys
from pathlib import Path

# This file is bench/http.py: run as a script, its folder would come first on sys.path and shadow
# the standard library's `http` package (which requests needs). Take that folder off the path.
if sys.path and Path(sys.path[0] or ".").resolve() == Path(__file__).resolve().parent:
    sys.path.remove(sys.path[0])

import argparse
import asyncio
import contextlib
import datetime as dt
import html
import importlib.metadata
import json
import math
import os
import platform
import re
import resource
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass, field

import requests

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
# Every server a bench starts serves as many connections at once as production's worker does
# (gunicorn's default, 1,000, left a room's 1,001st client waiting).
WORKER_CONNECTIONS = int(
    re.search(r"^worker_connections = ([\d_]+)", (ROOT / "lms/gunicorn_config.py").read_text(), re.M)[1]
)
USER_AGENT = "lms-bench/1"
DEMO_PASSWORD = "hoctap2026"  # the demo seed's password (lms/demo.py)
TARGET_RATIO = 0.5  # the module page must reach at least this share of hello-world's requests/s
# The targets since the exam-day issue: each page against the LMS's own signed-in no-op of the
# same round (what every signed-in request costs before its view runs).
FLOOR_TARGETS = {"module page": 0.5, "dashboard": 0.33}
DEMO_QUIZ = "kiem-tra-cuoi-khoa"  # the demo course's quiz (content/)
PACED_SHARE, PACED_P99_FACTOR = 0.8, 10.0  # at 80 % of the saturation rate, p99 ≤ 10 × p50
HELLO_BODY = "Hello, World!"
HELLO_APP = f'''\
"""A Flask hello-world, served exactly like the LMS for comparison."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "{HELLO_BODY}"
'''
CLK_TCK = os.sysconf("SC_CLK_TCK")

# The target's premise, served the same way: "a bare Flask page with a 7 KB template and two SQLite
# queries". Its best form: one SQLite connection for the worker's life, no login, no translations.
REFERENCE_MARKER = 'data-test="reference-page"'
REFERENCE_FILLER = "\n".join(
    f"<p>Đoạn {n}: cải cách thủ tục hành chính, một cửa, dịch vụ công trực tuyến, chính quyền số, "
    f"năng lực cán bộ, công chức và sự hài lòng của người dân.</p>"
    for n in range(1, 35)
)
REFERENCE_TEMPLATE = f"""<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><title>{{{{ module[0] }}}}</title></head>
<body><header><p>{{{{ user[0] }}}} · {{{{ user[1] }}}}</p></header>
<main {REFERENCE_MARKER}><h1>{{{{ module[0] }}}}</h1><p>{{{{ module[1] }}}} phút</p>
{REFERENCE_FILLER}
</main></body></html>
"""
REFERENCE_APP = '''\
"""The reference page: a bare Flask page with a 7 KB template and two SQLite queries."""

import os
import sqlite3

from flask import Flask, render_template

app = Flask(__name__)
connection = sqlite3.connect(os.environ["REFERENCE_DATABASE"], check_same_thread=False)


@app.get("/")
def page():
    user = connection.execute("SELECT full_name, username FROM users ORDER BY id LIMIT 1").fetchone()
    module = connection.execute("SELECT title, estimated_minutes FROM modules ORDER BY id LIMIT 1").fetchone()
    return render_template("reference.html", user=user, module=module)
'''


class BenchError(RuntimeError):
    """The benchmark could not measure (not: a target was missed)."""


# --------------------------------------------------------------------------------------------
# Machine description


def machine() -> dict:
    """CPU model, cores, memory, kernel, Python and server package versions, date."""
    cpu: dict[str, str] = {}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if not line.strip():
                break  # the first processor is enough
            key, _, value = line.partition(":")
            cpu[key.strip()] = value.strip()
    except OSError:
        pass
    model = cpu.get("model name", "unknown")
    if "cpu family" in cpu:
        model += f" (family {cpu['cpu family']} model {cpu.get('model', '?')}"
        if "cpu MHz" in cpu:
            model += f", {float(cpu['cpu MHz']):.0f} MHz"
        model += ")"
    if "hypervisor" in cpu.get("flags", "").split():
        model += ", virtual machine"
    mem_gib = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gib = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    try:
        load = Path("/proc/loadavg").read_text().split()[:3]
    except OSError:
        load = []
    versions = {}
    for package in ("Flask", "Werkzeug", "gunicorn", "gevent", "SQLAlchemy"):
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = "?"
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "memory_gib": mem_gib,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "packages": versions,
        "loadavg_before": " ".join(load),
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
    }


# --------------------------------------------------------------------------------------------
# Servers


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def lms_environment(database_url: str) -> dict:
    """The production configuration, with nothing inherited from the caller's LMS_* settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LMS_")}
    env.update(
        LMS_CONFIG="production",
        LMS_SECRET_KEY=secrets.token_hex(32),
        LMS_DATABASE_URL=database_url,
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


def set_up_database(env: dict, workdir: Path) -> None:
    """Migrate, sync content/ and seed the demo into the (empty) temporary database."""
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    for args in (["db", "upgrade"], ["content", "sync", str(ROOT / "content")], ["demo", "seed"]):
        done = subprocess.run(flask + args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
        (workdir / "setup.log").open("a").write(f"$ flask {' '.join(args)}\n{done.stdout}{done.stderr}\n")
        if done.returncode != 0:
            raise BenchError(f"'flask {' '.join(args)}' failed ({done.returncode}):\n{done.stdout}{done.stderr}")


@dataclass
class Server:
    name: str
    proc: subprocess.Popen
    port: int
    log: Path
    workers: list[int] = field(default_factory=list)

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.port}"


def start_server(name: str, app: str, cwd: Path, env: dict, workdir: Path, config: Path | None = None) -> Server:
    """Start `gunicorn -k gevent -w 1` on a free port of 127.0.0.1 (not waiting for readiness);
    `config` is a gunicorn configuration file (production's lms/gunicorn_config.py, or bench/turns_probe.py)."""
    port = free_port()
    log = workdir / f"{name}.log"
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        *(["-c", str(config)] if config else []),
        "-k",
        "gevent",
        "-w",
        "1",
        "--worker-connections",
        str(WORKER_CONNECTIONS),
        "--no-control-socket",
        "-b",
        f"{HOST}:{port}",
        "--log-level",
        "warning",
        "--error-logfile",
        "-",
        app,
    ]
    with log.open("wb") as out:
        proc = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
    return Server(name, proc, port, log)


def wait_ready(server: Server, path: str, timeout: float) -> None:
    """Poll until the worker answers 200 (gunicorn listens before the app is loaded)."""
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise BenchError(f"{server.name} server exited ({server.proc.returncode}):\n{tail(server.log)}")
        try:
            response = requests.get(server.base + path, timeout=2, allow_redirects=False)
            if response.status_code == 200:
                server.workers = worker_pids(server.proc.pid)
                return
            last = f"HTTP {response.status_code}"
        except requests.exceptions.RequestException as exc:  # not listening or worker still loading
            last = type(exc).__name__
        time.sleep(0.2)
    raise BenchError(f"{server.name} server not ready after {timeout:.0f} s ({last}):\n{tail(server.log)}")


def worker_pids(master: int) -> list[int]:
    """The gunicorn master's child processes (its workers)."""
    try:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        return [int(pid) for pid in children]
    except OSError:
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if int(fields[1]) == master:
                pids.append(int(stat.parent.name))
        return pids


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds of these processes so far (0 for one that is gone)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / CLK_TCK


def system_busy_seconds() -> float:
    """CPU seconds all processors spent busy so far, time stolen by the hypervisor included."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return float("nan")
    user, nice, system, _idle, _iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    return (user + nice + system + irq + softirq + steal) / CLK_TCK


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stop_server(server: Server) -> None:
    """SIGTERM the master by PID, SIGKILL it after 10 s; then any worker left behind, by PID."""
    proc = server.proc
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
    deadline = time.monotonic() + 5
    for pid in server.workers:
        while alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


# --------------------------------------------------------------------------------------------
# Logging in and finding the pages


@dataclass
class Target:
    name: str
    port: int
    path: str
    marker: str  # text every measured response must contain
    cookie: str = ""
    size: int = 0  # body bytes, for the report


def session_cookie(response: requests.Response) -> str | None:
    # Production cookies are Secure, so requests would not send them back over plain HTTP:
    # the benchmark carries the cookie itself, as the TLS proxy in front of gunicorn would.
    return response.cookies.get("session")


def log_in(base: str, username: str) -> str:
    """Log in through the form (CSRF token included); return the session cookie header."""
    headers = {"User-Agent": USER_AGENT}
    form = requests.get(base + "/login", headers=headers, timeout=10, allow_redirects=False)
    if form.status_code != 200:
        raise BenchError(f"GET /login answered {form.status_code}")
    match = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    cookie = session_cookie(form)
    if not match or not cookie:
        raise BenchError("GET /login gave no csrf_token field or no session cookie")
    response = requests.post(
        base + "/login",
        data={"csrf_token": html.unescape(match.group(1)), "username": username, "password": DEMO_PASSWORD, "next": ""},
        headers={**headers, "Cookie": f"session={cookie}"},
        timeout=30,
        allow_redirects=False,
    )
    cookie = session_cookie(response)
    if response.status_code not in (302, 303) or not cookie:
        raise BenchError(f"POST /login answered {response.status_code} without a session (wrong password?)")
    return f"session={cookie}"


def fetch(base: str, path: str, cookie: str) -> requests.Response:
    headers = {"User-Agent": USER_AGENT, **({"Cookie": cookie} if cookie else {})}
    return requests.get(base + path, headers=headers, timeout=30, allow_redirects=False)


def check_page(base: str, target: Target) -> str:
    """Fetch a target once: 200 (not a redirect to the login), with its marker; return the body."""
    response = fetch(base, target.path, target.cookie)
    if response.status_code != 200:
        where = response.headers.get("Location", "")
        raise BenchError(f"{target.name}: GET {target.path} answered {response.status_code} {where}".strip())
    if target.marker not in response.text:
        raise BenchError(f"{target.name}: GET {target.path} lacks {target.marker!r}")
    if response.cookies.get("session"):
        print(f"  note: {target.name} sets a new session cookie on every request", file=sys.stderr)
    target.size = len(response.content)
    return response.text


def lms_targets(server: Server, username: str) -> list[Target]:
    """Log in, open the dashboard, follow its link to the learner's module page; check both."""
    cookie = log_in(server.base, username)
    dashboard = Target("dashboard", server.port, "/", 'data-test="enrolment"', cookie)
    page = check_page(server.base, dashboard)
    links = re.findall(r'href="(/classes/\d+/modules/[a-z0-9-]+)', page)
    if not links:
        raise BenchError("the dashboard links to no module page (is the learner enrolled?)")
    module = Target("module page", server.port, links[0], 'class="module-body"', cookie)
    body = check_page(server.base, module)
    if "data-ping-url" not in body:
        raise BenchError(f"{module.path} is not shown as to an enrolled learner")
    class_path = links[0].split("/modules/")[0]
    quiz = Target("quiz page", server.port, f"{class_path}/quizzes/{DEMO_QUIZ}", 'data-test="quiz-rules"', cookie)
    check_page(server.base, quiz)
    return [module, dashboard, quiz]


# --------------------------------------------------------------------------------------------
# Measurement


@dataclass
class Result:
    target: str
    generator: str
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    error_kinds: dict
    client_cpu: float  # share of one core used by the load generator while measuring
    server_cpu: float  # share of one core used by the gunicorn worker while measuring
    other_cpu: float  # cores used by everything else on the machine (and stolen) while measuring
    ratio: float | None = None
    round: int = 1

    @property
    def cpu_ms_per_request(self) -> float:
        """Server worker CPU per request: what the page costs, whatever else ran on the machine."""
        return 1000 * self.server_cpu * self.seconds / self.requests if self.requests else float("nan")


def percentile(sorted_values: list[float], share: float) -> float:
    """Nearest-rank percentile of sorted values."""
    if not sorted_values:
        return float("nan")
    rank = max(1, math.ceil(share * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


class _Collector:
    def __init__(self, start: float, end: float, limit: int):
        self.start, self.end, self.limit = start, end, limit
        self.latencies: list[float] = []
        self.errors: dict[str, int] = {}
        self.done = False

    def error(self, kind: str, at: float) -> None:
        if self.start <= at <= self.end:
            self.errors[kind] = self.errors.get(kind, 0) + 1


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    """Read one HTTP/1.1 response: status, body, whether the server closes the connection."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    lower = head.lower()
    closes = b"\r\nconnection: close" in lower
    at = lower.find(b"\r\ncontent-length:")
    if at >= 0:
        length = int(lower[at + 17 : lower.index(b"\r\n", at + 2)])
        return status, await reader.readexactly(length), closes
    if b"\r\ntransfer-encoding: chunked" in lower:
        parts = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            parts.append(await reader.readexactly(size + 2))
            if size == 0:  # (trailers are not expected)
                return status, b"".join(p[:-2] for p in parts), closes
    return status, await reader.read(), True


async def _client(request: bytes, port: int, marker: bytes, box: _Collector, stop: float) -> None:
    reader = writer = None
    clock = time.perf_counter
    while not box.done:
        now = clock()
        if now >= stop:
            break
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection(HOST, port)
            started = clock()
            writer.write(request)
            status, body, closes = await _read_response(reader)
            finished = clock()
            if status != 200:
                box.error(f"HTTP {status}", finished)
            elif marker not in body:
                box.error("unexpected body", finished)
            elif box.start <= finished <= box.end:
                box.latencies.append(finished - started)
                if len(box.latencies) >= box.limit:
                    box.done = True
            if closes:
                writer.close()
                writer = None
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as exc:
            box.error(type(exc).__name__, clock())
            if writer is not None:
                writer.close()
            writer = None
            await asyncio.sleep(0.01)
    if writer is not None:
        writer.close()


async def _python_load(
    target: Target, clients: int, warmup: float, duration: float, limit: int, server_pids: list[int]
) -> tuple[_Collector, float, float, float, float]:
    cookie = f"Cookie: {target.cookie}\r\n" if target.cookie else ""
    request = (
        f"GET {target.path} HTTP/1.1\r\nHost: {HOST}:{target.port}\r\nUser-Agent: {USER_AGENT}\r\n"
        f"Accept: text/html\r\n{cookie}\r\n"
    ).encode()
    begin = time.perf_counter()
    box = _Collector(begin + warmup, begin + warmup + duration, limit)
    tasks = [
        asyncio.create_task(_client(request, target.port, target.marker.encode(), box, box.end)) for _ in range(clients)
    ]
    await asyncio.sleep(max(0.0, box.start - time.perf_counter()))
    cpu0, server0, all0 = _own_cpu(), cpu_seconds(server_pids), system_busy_seconds()
    wall0 = time.perf_counter()
    while time.perf_counter() < box.end and not box.done:
        await asyncio.sleep(min(0.05, max(0.0, box.end - time.perf_counter())))
    wall1 = time.perf_counter()
    cpu1, server1, all1 = _own_cpu(), cpu_seconds(server_pids), system_busy_seconds()
    box.end = min(box.end, wall1)
    box.done = True
    # In-flight requests may finish (not counted); anything still hanging is cut off.
    _, pending = await asyncio.wait(tasks, timeout=10)
    for task in pending:
        task.cancel()
        box.errors["cut off at the end"] = box.errors.get("cut off at the end", 0) + 1
    await asyncio.gather(*pending, return_exceptions=True)
    seconds = wall1 - wall0
    client, server = (cpu1 - cpu0) / seconds, (server1 - server0) / seconds
    return box, seconds, client, server, max(0.0, (all1 - all0) / seconds - client - server)


async def _paced_load(target: Target, clients: int, rate: float, warmup: float, duration: float) -> _Collector:
    """Open loop: requests due at `rate` per second on a fixed schedule, over `clients` keep-alive
    connections. Latency counts from when a request was due, so a request that waited for a free
    connection is charged its wait (no coordinated omission)."""
    cookie = f"Cookie: {target.cookie}\r\n" if target.cookie else ""
    request = (
        f"GET {target.path} HTTP/1.1\r\nHost: {HOST}:{target.port}\r\nUser-Agent: {USER_AGENT}\r\n"
        f"Accept: text/html\r\n{cookie}\r\n"
    ).encode()
    begin = time.perf_counter()
    box = _Collector(begin + warmup, begin + warmup + duration, 10**9)
    marker, due = target.marker.encode(), iter(range(10**9))

    async def connection() -> None:
        reader = writer = None
        while True:
            scheduled = begin + next(due) / rate
            if scheduled >= box.end:
                break
            await asyncio.sleep(max(0.0, scheduled - time.perf_counter()))
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection(HOST, target.port)
                writer.write(request)
                status, body, closes = await _read_response(reader)
                finished = time.perf_counter()
                if status != 200 or marker not in body:
                    box.error(f"HTTP {status}" if status != 200 else "unexpected body", finished)
                elif box.start <= scheduled <= box.end:
                    box.latencies.append(finished - scheduled)
                if closes:
                    writer.close()
                    writer = None
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as exc:
                box.error(type(exc).__name__, time.perf_counter())
                if writer is not None:
                    writer.close()
                writer = None
        if writer is not None:
            writer.close()

    tasks = [asyncio.create_task(connection()) for _ in range(clients)]
    _, pending = await asyncio.wait(tasks, timeout=warmup + duration + 30)
    for task in pending:
        task.cancel()
        box.errors["cut off at the end"] = box.errors.get("cut off at the end", 0) + 1
    await asyncio.gather(*pending, return_exceptions=True)
    return box


def measure_paced(target: Target, args, rate: float) -> tuple[float, float, int]:
    """p50 and p99 (ms) and errors at `rate` requests per second (open loop)."""
    box = asyncio.run(_paced_load(target, args.clients, rate, args.warmup, args.duration))
    latencies = sorted(box.latencies)
    return 1000 * percentile(latencies, 0.50), 1000 * percentile(latencies, 0.99), sum(box.errors.values())


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure_python(target: Target, args, server_pids: list[int]) -> Result:
    box, seconds, client_cpu, server_cpu, other_cpu = asyncio.run(
        _python_load(target, args.clients, args.warmup, args.duration, args.max_requests, server_pids)
    )
    latencies = sorted(box.latencies)
    return Result(
        target=target.name,
        generator="python-asyncio",
        requests=len(latencies),
        seconds=seconds,
        rps=len(latencies) / seconds,
        p50_ms=1000 * percentile(latencies, 0.50),
        p99_ms=1000 * percentile(latencies, 0.99),
        errors=sum(box.errors.values()),
        error_kinds=box.errors,
        client_cpu=client_cpu,
        server_cpu=server_cpu,
        other_cpu=other_cpu,
    )


WRK_SCRIPT = """\
wrk.headers["User-Agent"] = %(agent)s
wrk.headers["Accept"] = "text/html"
%(cookie)s
local marker = %(marker)s
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) bad = 0 end
function response(status, headers, body)
  if status ~= 200 or not string.find(body, marker, 1, true) then bad = bad + 1 end
end
function done(summary, latency, requests)
  local n = 0
  for _, t in ipairs(threads) do n = n + t:get("bad") end
  local e = summary.errors
  io.write(string.format("BENCH %%d %%d %%d %%d %%d %%d %%d %%d %%d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), n, e.connect, e.read, e.write, e.timeout))
end
"""


def lua_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def measure_wrk(wrk: str, target: Target, args, server_pids: list[int], workdir: Path) -> Result:
    script = workdir / "bench.lua"
    cookie = f'wrk.headers["Cookie"] = {lua_string(target.cookie)}' if target.cookie else ""
    script.write_text(
        WRK_SCRIPT % {"agent": lua_string(USER_AGENT), "cookie": cookie, "marker": lua_string(target.marker)}
    )
    url = f"http://{HOST}:{target.port}{target.path}"
    base = [wrk, "-t", str(args.wrk_threads), "-c", str(args.clients), "--timeout", "10s", "-s", str(script)]
    run = {"capture_output": True, "text": True, "check": False}
    warmup, duration = math.ceil(args.warmup), max(1, math.ceil(args.duration))  # wrk takes whole seconds
    if warmup:
        subprocess.run(base + ["-d", f"{warmup}s", url], timeout=warmup + 60, **run)
    children0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    server0, all0, wall0 = cpu_seconds(server_pids), system_busy_seconds(), time.perf_counter()
    done = subprocess.run(base + ["-d", f"{duration}s", url], timeout=duration + 60, **run)
    wall1, server1, all1 = time.perf_counter(), cpu_seconds(server_pids), system_busy_seconds()
    children1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    line = next((x for x in done.stdout.splitlines() if x.startswith("BENCH ")), None)
    if done.returncode != 0 or line is None:
        raise BenchError(f"wrk failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    count, micros, p50, p99, bad, connect, read, write, timeout = (int(x) for x in line.split()[1:])
    kinds = {
        k: v
        for k, v in {
            "non-200 or unexpected body": bad,
            "connect": connect,
            "read": read,
            "write": write,
            "timeout": timeout,
        }.items()
        if v
    }
    seconds = micros / 1e6
    wall = wall1 - wall0
    client_cpu = (children1.ru_utime + children1.ru_stime - children0.ru_utime - children0.ru_stime) / wall
    server_cpu = (server1 - server0) / wall
    return Result(
        target=target.name,
        generator=f"wrk -t{args.wrk_threads}",
        requests=count - bad,
        seconds=seconds,
        rps=(count - bad) / seconds,
        p50_ms=p50 / 1000,
        p99_ms=p99 / 1000,
        errors=sum(kinds.values()),
        error_kinds=kinds,
        client_cpu=client_cpu,
        server_cpu=server_cpu,
        other_cpu=max(0.0, (all1 - all0) / wall - client_cpu - server_cpu),
    )


# --------------------------------------------------------------------------------------------
# Report


def print_machine(info: dict) -> None:
    print("Machine")
    print(
        f"  CPU      {info['cpu']} — {info['cores']} cores ({info['usable_cores']} usable), "
        f"{info['memory_gib']} GiB RAM"
    )
    print(
        f"  system   Linux {info['kernel']}, Python {info['python']}, "
        + ", ".join(f"{k} {v}" for k, v in info["packages"].items())
    )
    print(f"  load     {info['loadavg_before']} (1/5/15 min load average before the run)")
    print(f"  date     {info['date']}")


def print_table(results: list[Result], with_rounds: bool) -> None:
    head = [
        "target",
        "req/s",
        "p50 ms",
        "p99 ms",
        "errors",
        "× hello",
        "server CPU",
        "CPU ms/req",
        "client CPU",
        "other CPU",
    ]
    if with_rounds:
        head.insert(0, "round")
    rows = []
    for r in results:
        row = [
            r.target,
            f"{r.rps:,.0f}",
            f"{r.p50_ms:.1f}",
            f"{r.p99_ms:.1f}",
            str(r.errors),
            "1.00" if r.ratio is None else f"{r.ratio:.2f}",
            f"{100 * r.server_cpu:.0f} %",
            f"{r.cpu_ms_per_request:.2f}",
            f"{100 * r.client_cpu:.0f} %",
            f"{100 * r.other_cpu:.0f} %",
        ]
        if with_rounds:
            row.insert(0, str(r.round))
        rows.append(row)
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(head)]
    text = head.index("target") + 1  # the columns up to the target's name are text, the rest figures

    def join(cells: list[str]) -> str:
        return "  ".join(
            c.ljust(w) if i < text else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    print(join(head))
    print("-" * len(join(head)))
    for row in rows:
        print(join(row))


# --------------------------------------------------------------------------------------------


def floor_verdicts(results: list[Result]) -> list[tuple[str, bool]]:
    """Each page's requests/s against the signed-in no-op's in the same round (median of rounds)."""
    checks = []
    for name in (*FLOOR_TARGETS, "quiz page"):
        shares = []
        for page in (r for r in results if r.target == name):
            floor = next(r for r in results if r.round == page.round and r.target == "LMS no-op, signed in")
            shares.append(page.rps / floor.rps if floor.rps else float("nan"))
        if not shares:
            continue
        share = statistics.median(shares)
        if name in FLOOR_TARGETS:
            goal = FLOOR_TARGETS[name]
            checks.append((f"{name}: {share:.2f}× the signed-in no-op (target ≥ {goal}×)", share >= goal))
        else:
            print(f"  {name}: {share:.2f}× the signed-in no-op")
    return checks


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=float, default=10.0, help="seconds measured per target (10)")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of warm-up per target, not counted (3)")
    parser.add_argument("--clients", type=int, default=50, help="concurrent keep-alive connections (50)")
    parser.add_argument("--rounds", type=int, default=1, help="measure all targets this many times (1)")
    parser.add_argument(
        "--generator",
        choices=("python", "wrk", "auto"),
        default="python",
        help="load generator: the built-in asyncio client (python, the default), wrk, or wrk when installed (auto)",
    )
    parser.add_argument("--wrk-threads", type=int, default=1, help="wrk threads (1: leaves a core to gunicorn)")
    parser.add_argument(
        "--max-requests",
        type=int,
        default=2_000_000,
        help="stop a measurement after this many requests (python generator)",
    )
    parser.add_argument("--user", default="hv01", help="demo learner to log in as (hv01)")
    parser.add_argument("--quick", action="store_true", help="1 s warm-up and 3 s per target (a short check)")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    if args.quick:
        args.warmup, args.duration = 1.0, 3.0
    if not (
        0 < args.duration <= 600 and 0 <= args.warmup <= 120 and 1 <= args.clients <= 1000 and 1 <= args.rounds <= 20
    ):
        parser.error("duration 0–600 s, warm-up 0–120 s, 1–1000 clients, 1–20 rounds")
    return args


def run(args: argparse.Namespace) -> int:
    wrk = shutil.which("wrk") if args.generator != "python" else None
    if args.generator == "wrk" and not wrk:
        raise BenchError("--generator wrk: wrk is not installed (apt-get install wrk)")
    use_wrk = wrk
    info = machine()
    print_machine(info)
    if not list((ROOT / "lms" / "translations").glob("*/LC_MESSAGES/messages.mo")):
        print(
            "  note: no compiled catalogues (.mo): pages are measured in English, not Vietnamese "
            "(`make translations` compiles them)"
        )
    print()

    servers: list[Server] = []
    workdir = Path(tempfile.mkdtemp(prefix="lms-bench-"))
    try:
        env = lms_environment(f"sqlite:///{workdir / 'bench.sqlite3'}")
        print("Setting up a fresh database (migrate, sync content/, seed demo) …", flush=True)
        set_up_database(env, workdir)
        (workdir / "hello_app.py").write_text(HELLO_APP)
        (workdir / "reference_app.py").write_text(REFERENCE_APP)
        (workdir / "templates").mkdir()
        (workdir / "templates" / "reference.html").write_text(REFERENCE_TEMPLATE)
        hello_env = {k: v for k, v in os.environ.items() if not k.startswith("LMS_")}
        reference_env = {**hello_env, "REFERENCE_DATABASE": str(workdir / "bench.sqlite3")}
        servers.append(start_server("hello", "hello_app:app", workdir, hello_env, workdir))
        servers.append(start_server("reference", "reference_app:app", workdir, reference_env, workdir))
        servers.append(start_server("lms", "wsgi:app", ROOT, env, workdir, ROOT / "lms" / "gunicorn_config.py"))
        hello, reference, lms = servers
        wait_ready(hello, "/", 60)
        wait_ready(reference, "/", 60)
        wait_ready(lms, "/healthz", 60)
        print(
            f"Serving hello-world on :{hello.port}, the reference page on :{reference.port} and the LMS on "
            f":{lms.port} (gunicorn -k gevent -w 1 --no-control-socket)",
            flush=True,
        )

        hello_target = Target("hello-world", hello.port, "/", HELLO_BODY)
        check_page(hello.base, hello_target)
        reference_target = Target("reference page", reference.port, "/", REFERENCE_MARKER)
        check_page(reference.base, reference_target)
        module, dashboard, quiz = lms_targets(lms, args.user)
        # What every LMS request pays before its view's own work: the same no-op, without and with
        # the signed-in learner's session cookie (decoded and checked, the account not read).
        floors = [
            Target("LMS no-op", lms.port, "/healthz", '"status"'),
            Target("LMS no-op, signed in", lms.port, "/healthz", '"status"', module.cookie),
        ]
        for floor in floors:
            check_page(lms.base, floor)
        print(
            f"Logged in as {args.user}; module page {module.path} ({module.size:,} B), "
            f"dashboard / ({dashboard.size:,} B), hello-world ({hello_target.size} B), "
            f"reference page ({reference_target.size:,} B)"
        )
        generator = f"wrk -t{args.wrk_threads}" if use_wrk else "python asyncio client (1 process)"
        print(
            f"Load: {args.clients} keep-alive clients, {args.warmup:g} s warm-up + {args.duration:g} s "
            f"per target, {args.rounds} round(s), generator: {generator}\n",
            flush=True,
        )

        results: list[Result] = []
        for number in range(1, args.rounds + 1):
            targets = [
                (hello_target, hello),
                (reference_target, reference),
                (module, lms),
                (dashboard, lms),
                (quiz, lms),
                *((floor, lms) for floor in floors),
            ]
            for target, server in targets:
                if use_wrk:
                    result = measure_wrk(use_wrk, target, args, server.workers, workdir)
                else:
                    result = measure_python(target, args, server.workers)
                result.round = number
                results.append(result)
                if server.proc.poll() is not None:
                    raise BenchError(f"{server.name} server died while measuring:\n{tail(server.log)}")
            base = next(r for r in results if r.round == number and r.target == "hello-world")
            for r in results:
                if r.round == number and r.target != "hello-world":
                    r.ratio = r.rps / base.rps if base.rps else float("nan")
        # Below saturation: the same pages at 80 % of the rate they reached, on a fixed schedule.
        paced = []
        for target in (module, dashboard):
            reached = statistics.median(r.rps for r in results if r.target == target.name)
            rate = PACED_SHARE * reached
            p50, p99, errors = measure_paced(target, args, rate)
            paced.append((target.name, rate, p50, p99, errors))
        # The session must still be valid: a page turned into a redirect would not be measured.
        for target in (module, dashboard, quiz):
            check_page(lms.base, target)
    finally:
        for server in servers:
            stop_server(server)
        shutil.rmtree(workdir, ignore_errors=True)

    print_table(results, args.rounds > 1)
    for r in results:
        if r.errors:
            print(f"  {r.target} (round {r.round}) errors: {r.error_kinds}")
    busy = [r for r in results if r.client_cpu > 0.9]
    if busy:
        print(
            "  warning: the load generator used over 90 % of a core for "
            + ", ".join(sorted({r.target for r in busy}))
            + "; those figures may be limited by the client rather than the server"
        )
    if any(r.other_cpu > 0.25 for r in results):
        print(
            "  warning: other processes used the CPU while measuring (other CPU column); on a 2-core machine "
            "that lowers the figures unevenly — run again on a quiet machine"
        )
    module_ratios = [r.ratio for r in results if r.target == "module page"]
    ratio = statistics.median(module_ratios)
    print(
        f"\nModule page: {ratio:.2f}× hello-world"
        f"{' (median of ' + str(len(module_ratios)) + ' rounds)' if len(module_ratios) > 1 else ''} "
        f"(the withdrawn target was ≥ {TARGET_RATIO}× hello-world)."
    )
    print("\nTargets (pages against the LMS's signed-in no-op of the same round, median over rounds):")
    floor_checks = floor_verdicts(results)
    for text, met in floor_checks:
        print(f"  {'met    ' if met else 'NOT met'}  {text}")
    for name, rate, p50, p99, errors in paced:
        factor = p99 / p50 if p50 else float("inf")
        floor_checks.append(
            (
                f"{name} at {PACED_SHARE:.0%} of its saturation rate ({rate:.0f} req/s, open loop): p50 "
                f"{p50:.1f} ms, p99 {p99:.1f} ms = {factor:.1f}× p50 (target ≤ {PACED_P99_FACTOR:g}×)"
                + (f", {errors} errors" if errors else ""),
                factor <= PACED_P99_FACTOR and not errors,
            )
        )
        print(f"  {'met    ' if floor_checks[-1][1] else 'NOT met'}  {floor_checks[-1][0]}")
    print("  (the quiz page is measured without a target; the autosave under load: bench/exam_day.py)")

    def median_ratio(name: str) -> float:
        return statistics.median(r.ratio for r in results if r.target == name)

    print(
        f"Reference page (the target's premise, a bare Flask page with a 7 KB template and two SQLite "
        f"queries: 0.49–0.63×): {median_ratio('reference page'):.2f}×."
    )
    print(
        f"An LMS request with nothing to do: {median_ratio('LMS no-op'):.2f}× anonymous, "
        f"{median_ratio('LMS no-op, signed in'):.2f}× with the session cookie; every LMS page pays this first."
    )
    cpu_ratios = [
        h.cpu_ms_per_request / m.cpu_ms_per_request
        for h in results
        if h.target == "hello-world"
        for m in results
        if m.target == "module page" and m.round == h.round
    ]
    print(f"By server CPU per request (less sensitive to other load): {statistics.median(cpu_ratios):.2f}×.")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "machine": info,
                    "clients": args.clients,
                    "duration": args.duration,
                    "warmup": args.warmup,
                    "results": [{**asdict(r), "cpu_ms_per_request": r.cpu_ms_per_request} for r in results],
                    "module_ratio": ratio,
                    "target": TARGET_RATIO,
                    "targets": [{"check": text, "met": met} for text, met in floor_checks],
                },
                indent=2,
                ensure_ascii=False,
            )
        )
    if any(r.errors for r in results):
        print("Benchmark failed: requests failed while measuring (see errors above).", file=sys.stderr)
        return 1
    return 0


def run_guarded(run_bench, args) -> int:
    """Run a benchmark: 0 when measured, 1 when the bench itself failed, 130 when interrupted.

    SIGTERM becomes SystemExit so that `finally` blocks stop the servers; shared with
    bench/live_room.py.
    """

    def terminate(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, terminate)
    try:
        return run_bench(args)
    except BenchError as exc:
        print(f"\nBenchmark failed: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130


def main(argv: list[str] | None = None) -> int:
    return run_guarded(run, parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
