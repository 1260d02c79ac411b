"""Exam day: N officials sign in, start one quiz together, autosave their answers and submit.

The profile of a public Moodle 4.5 load test (Universidad de la República, March 2026: 2,000
simultaneous users on 16 vCPUs, think time 30–90 s per page, synchronized start), against the
production configuration on this one machine. Run `.venv/bin/python bench/exam_day.py --help`.

1. A PostgreSQL database of its own (random name, dropped at the end): migrate, sync a generated
   course (one module, a quiz of --answers questions... of 16 at least), one class with N learners
   (each their own account; one password hash computed at the production cost and shared, so each
   sign-in still pays the full check).
2. --processes gunicorn processes (`-c lms/gunicorn_config.py`, one gevent worker each, as
   production runs), PostgreSQL, Redis (the Socket.IO queue and the rate limits, this run's own
   channel and key prefix). Learner i always talks to process i mod P (sticky, as the proxy).
3. --generators processes of asyncio clients (aiohttp); each learner is its own keep-alive client
   with its own cookie. Timeline (times × --time-scale): sign-ins arrive uniformly over 180 s
   (login form, sign-in, dashboard, quiz page); then the synchronized start: every learner starts
   the attempt within --start-spread s (start, attempt page); then one answer saved every 30–90 s
   (random, seeded) until --answers questions are answered; then submit and the result page.
4. Per phase: requests, errors, p50/p95/p99 latency, server CPU per request; the generator's own
   CPU; then whether every answer and every submitted attempt is in the database, and the targets.

Exit status 0 when measured (targets met or not), 1 when the bench failed (set-up, server died),
2 without PostgreSQL or Redis. Servers stopped by PID, database dropped, temporary folder removed.
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
import html
import importlib.util
import json
import multiprocessing
import random
import re
import resource
import secrets
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field

BENCH_DIR = Path(__file__).resolve().parent


def _load_province():
    """bench/province.py by its path (this folder is not on sys.path, see above)."""
    spec = importlib.util.spec_from_file_location("bench_province", BENCH_DIR / "province.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


province = _load_province()

hb = province.load_bench("http")
BenchError = hb.BenchError
ROOT = hb.ROOT
HOST = hb.HOST

COURSE = "kiem-tra-thu-tai"
QUIZ = "kiem-tra"
PASSWORD = "thi-thu-2026"  # noqa: S105 - the generated learners' password, this run only
PHASES = ("sign-in", "start", "autosave", "submit")
SIGN_IN_WINDOW_S = 180.0  # the exam hall fills over the 3 minutes before the start
THINK_S = (30.0, 90.0)  # per answer
REQUEST_TIMEOUT_S = 120.0
TARGET_P95_MS = 500.0
TARGET_LEARNERS = 2000


# --------------------------------------------------------------------------------------------
# Set-up inside the app (a child process with the run's LMS_* environment)


def prepare_exam(learners: int) -> dict:
    """One unit, one class of the generated course, `learners` accounts enrolled in it."""
    sys.path.insert(0, str(ROOT))
    from datetime import timedelta

    from sqlalchemy import select
    from werkzeug.security import generate_password_hash

    from lms import create_app
    from lms.auth.models import Role, User
    from lms.courses.models import ClassMode, Course, CourseClass
    from lms.courses.service import enrol_users
    from lms.database import begin_write, utcnow
    from lms.extensions import db
    from lms.org.models import Unit

    app = create_app("production")
    with app.app_context():
        begin_write()
        course = db.session.scalar(select(Course).where(Course.slug == COURSE))
        unit = Unit(code="SNV", name="Sở Nội vụ (thử tải)", level="Tỉnh")
        db.session.add(unit)
        password_hash = generate_password_hash(PASSWORD)  # the production cost, checked at each sign-in
        users = [
            User(
                username=f"thi{number:05d}",
                full_name=f"Công chức Dự thi {number:05d}",
                role=Role.LEARNER,
                unit=unit,
                password_hash=password_hash,
            )
            for number in range(1, learners + 1)
        ]
        db.session.add_all(users)
        today = utcnow().date()
        course_class = CourseClass(
            code="THI-THU-01",
            name="Kỳ kiểm tra thử tải",
            course=course,
            level="Tỉnh",
            mode=ClassMode.ONLINE,
            starts_on=today - timedelta(days=1),
            ends_on=today + timedelta(days=30),
        )
        db.session.add(course_class)
        db.session.flush()
        enrol_users(course_class, users, source="admin")
        db.session.commit()
        return {"class_id": course_class.id, "usernames": [u.username for u in users]}


def set_up(env: dict, workdir: Path, learners: int, questions: int) -> dict:
    content = workdir / "content"
    province.write_exam_course(content, COURSE, questions)
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    steps = [flask + ["db", "upgrade"], flask + ["content", "sync", str(content)]]
    steps.append([sys.executable, str(Path(__file__).resolve()), "--prepare", str(learners)])
    for command in steps:
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False)
        (workdir / "setup.log").open("a").write(f"$ {' '.join(command[2:])}\n{done.stdout}{done.stderr}\n")
        if done.returncode != 0:
            raise BenchError(f"'{' '.join(command[2:])}' failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------------------------
# One learner's exam (in a generator process)


@dataclass
class Plan:
    username: str
    port: int
    sign_in_at: float  # monotonic clock (system-wide, shared by the generator processes)
    start_at: float
    thinks: list[float]  # seconds before each answer is saved
    choices: list[int]  # which option (0–3, in the order shown) is picked for each question


@dataclass
class Outcome:
    requests: list = field(default_factory=list)  # (phase, end monotonic, latency s, ok)
    finished: bool = False
    failure: str = ""
    started_at: float = 0.0  # when the start request was answered


class Learner:
    """One official's browser: one keep-alive connection, the session cookie carried by hand
    (production cookies are Secure; the TLS proxy in front of gunicorn would carry them)."""

    def __init__(self, http, plan: Plan, outcome: Outcome):
        self.http, self.plan, self.outcome = http, plan, outcome
        self.base = f"http://{HOST}:{plan.port}"
        self.cookie = ""

    async def call(self, phase: str, method: str, path: str, expect: int, data=None, json_reply=False):
        """One request; `expect` 303 takes any redirect (302 or 303)."""
        headers = {"User-Agent": hb.USER_AGENT}
        if self.cookie:
            headers["Cookie"] = f"session={self.cookie}"
        if json_reply:
            headers["Accept"] = "application/json"
        began = time.monotonic()
        ok, body, location = False, "", ""
        try:
            async with self.http.request(
                method, self.base + path, data=data, headers=headers, allow_redirects=False
            ) as r:
                body = await r.text()
                if "session" in r.cookies:
                    self.cookie = r.cookies["session"].value
                location = r.headers.get("Location", "")
                ok = r.status == expect or (expect == 303 and r.status in (302, 303))
                status = r.status
        except Exception as exc:  # timeouts and connection errors alike are errors of the phase
            status = type(exc).__name__
        self.outcome.requests.append((phase, time.monotonic(), time.monotonic() - began, ok))
        if not ok:
            raise BenchError(f"{phase}: {method} {path} answered {status}")
        return body, location

    async def run(self, class_id: int) -> None:
        plan = self.plan
        await asyncio.sleep(max(0.0, plan.sign_in_at - time.monotonic()))
        page, _ = await self.call("sign-in", "GET", "/login", 200)
        form = {"csrf_token": csrf(page), "username": plan.username, "password": PASSWORD, "next": ""}
        _, location = await self.call("sign-in", "POST", "/login", 303, data=form)
        page, _ = await self.call("sign-in", "GET", path_of(location) or "/", 200)
        if 'data-test="enrolment"' not in page:
            raise BenchError("the dashboard shows no enrolment")
        quiz_path = f"/classes/{class_id}/quizzes/{QUIZ}"
        page, _ = await self.call("sign-in", "GET", quiz_path, 200)

        await asyncio.sleep(max(0.0, plan.start_at - time.monotonic()))
        _, location = await self.call("start", "POST", quiz_path + "/start", 303, data={"csrf_token": csrf(page)})
        self.outcome.started_at = time.monotonic()
        attempt_path = path_of(location)
        if not re.fullmatch(r"/attempts/\d+", attempt_path):
            raise BenchError(f"start led to {location!r}, not an attempt")
        page, _ = await self.call("start", "GET", attempt_path, 200)
        token, options = csrf(page), options_by_question(page)
        if len(options) < len(plan.thinks):
            raise BenchError(f"the attempt page shows {len(options)} questions, {len(plan.thinks)} to answer")

        answers: dict[str, str] = {}
        for number, think in enumerate(plan.thinks):
            await asyncio.sleep(think)
            answers[f"q{number}"] = options[number][plan.choices[number] % len(options[number])]
            form = {"csrf_token": token, "seq": str(number + 1), **answers}
            reply, _ = await self.call("autosave", "POST", attempt_path + "/save", 200, data=form, json_reply=True)
            if json.loads(reply).get("seq") != number + 1:
                raise BenchError(f"autosave answered {reply[:80]!r}")

        form = {"csrf_token": token, "seq": str(len(plan.thinks) + 1), **answers}
        _, location = await self.call("submit", "POST", attempt_path + "/submit", 303, data=form)
        page, _ = await self.call("submit", "GET", path_of(location), 200)
        if 'data-test="result"' not in page:
            raise BenchError("the page after submitting shows no result")
        self.outcome.finished = True


def csrf(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    if not match:
        raise BenchError("a page without its csrf_token")
    return html.unescape(match.group(1))


def path_of(location: str) -> str:
    return re.sub(r"^https?://[^/]+", "", location)


def options_by_question(page: str) -> dict[int, list[str]]:
    """The option values of each question, in the order the page shows them (shuffled per attempt)."""
    found: dict[int, list[str]] = {}
    for number, value in re.findall(r'name="q(\d+)" value="(\d+)"', page):
        found.setdefault(int(number), []).append(value)
    return found


async def run_learners(plans: list[Plan], class_id: int, deadline: float) -> list[Outcome]:
    import aiohttp

    outcomes = [Outcome() for _ in plans]

    async def one(plan: Plan, outcome: Outcome) -> None:
        timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
        connector = aiohttp.TCPConnector(limit=1)  # one keep-alive connection: one browser
        async with aiohttp.ClientSession(
            connector=connector, timeout=timeout, cookie_jar=aiohttp.DummyCookieJar()
        ) as http:
            try:
                await asyncio.wait_for(Learner(http, plan, outcome).run(class_id), deadline - time.monotonic())
            except TimeoutError:
                outcome.failure = "not finished by the run's deadline"
            except BenchError as exc:
                outcome.failure = str(exc)

    await asyncio.gather(*(one(p, o) for p, o in zip(plans, outcomes, strict=True)))
    return outcomes


def generator_main(plans: list[Plan], class_id: int, deadline: float, out: str) -> None:
    """One generator process: its learners in one event loop; results and own CPU to a file."""
    outcomes = asyncio.run(run_learners(plans, class_id, deadline))
    usage = resource.getrusage(resource.RUSAGE_SELF)
    Path(out).write_text(
        json.dumps(
            {
                "cpu_s": usage.ru_utime + usage.ru_stime,
                "outcomes": [
                    {"requests": o.requests, "finished": o.finished, "failure": o.failure, "started_at": o.started_at}
                    for o in outcomes
                ],
            }
        )
    )


# --------------------------------------------------------------------------------------------
# The run


class CpuSampler(threading.Thread):
    """Every half second: the server workers' CPU seconds so far, and the machine's busy seconds."""

    def __init__(self, pids: list[int]):
        super().__init__(daemon=True)
        self.pids, self.samples, self.stop = pids, [], threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            self.samples.append((time.monotonic(), hb.cpu_seconds(self.pids), hb.system_busy_seconds()))
            self.stop.wait(0.5)


def cpu_per_phase(samples: list, requests: list) -> dict[str, float]:
    """Server CPU seconds shared out among the phases by the requests each completed in every
    half-second interval (phases overlap only where submits meet the last autosaves)."""
    ends = sorted((end, phase) for phase, end, _latency, _ok in requests)
    shares = dict.fromkeys(PHASES, 0.0)
    index = 0
    for (t0, cpu0, _), (t1, cpu1, _) in zip(samples, samples[1:], strict=False):
        counts = dict.fromkeys(PHASES, 0)
        while index < len(ends) and ends[index][0] < t0:
            index += 1
        j = index
        while j < len(ends) and ends[j][0] < t1:
            counts[ends[j][1]] += 1
            j += 1
        total = sum(counts.values())
        for phase, count in counts.items():
            if total:
                shares[phase] += (cpu1 - cpu0) * count / total
    return shares


def make_plans(args, usernames: list[str], ports: list[int], t0: float) -> list[Plan]:
    rng = random.Random(args.seed)
    scale = args.time_scale
    plans = []
    for index, username in enumerate(usernames):
        plans.append(
            Plan(
                username=username,
                port=ports[index % len(ports)],
                sign_in_at=t0 + rng.uniform(0, SIGN_IN_WINDOW_S) * scale,
                start_at=t0 + (SIGN_IN_WINDOW_S + rng.uniform(0, args.start_spread)) * scale,
                thinks=[rng.uniform(*THINK_S) * scale for _ in range(args.answers)],
                choices=[rng.randrange(4) for _ in range(args.answers)],
            )
        )
    return plans


def stored_attempts(database_url: str) -> list[tuple[dict, bool]]:
    import psycopg

    with psycopg.connect(database_url) as conn:
        rows = conn.execute("SELECT answers, submitted_at IS NOT NULL FROM quiz_attempts").fetchall()
    return [(answers if isinstance(answers, dict) else json.loads(answers or "{}"), done) for answers, done in rows]


def database_cpu_seconds(database_url: str) -> tuple[float, int]:
    """CPU of the PostgreSQL backends connected to the bench's database now (the app's pools)."""
    import psycopg

    name = database_url.rsplit("/", 1)[1]
    with psycopg.connect(database_url) as conn:
        pids = [row[0] for row in conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", (name,))]
        own = conn.info.backend_pid
    pids = [pid for pid in pids if pid != own]
    return hb.cpu_seconds(pids), len(pids)


def start_servers(env: dict, workdir: Path, count: int) -> list:
    servers = []
    for number in range(count):
        port = hb.free_port()
        log = workdir / f"lms-{number}.log"
        command = [sys.executable, "-m", "gunicorn", "-c", "lms/gunicorn_config.py", "-b", f"{HOST}:{port}"]
        command += ["--log-level", "warning", "--error-logfile", "-", "wsgi:app"]
        with log.open("wb") as out:
            proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        servers.append(hb.Server(f"lms-{number}", proc, port, log))
    return servers


def server_errors(servers: list) -> None:
    """The servers' own error lines, and a copy of their logs kept outside the temporary folder."""
    kept = Path(tempfile.mkdtemp(prefix="lms-bench-exam-logs-"))
    for server in servers:
        shutil.copy(server.log, kept / server.log.name)
    print(f"Server logs kept in {kept}")
    for server in servers:
        lines = [line for line in server.log.read_text(errors="replace").splitlines() if "rror" in line]
        if lines:
            print(f"{server.name}: {len(lines)} error lines in its log, the last ones:")
            for line in lines[-3:]:
                print(f"  {line[:300]}")


def percentile_ms(values: list[float], share: float) -> float:
    return 1000 * hb.percentile(values, share) if values else float("nan")


def report(args, outcomes: list[dict], samples: list, gen_cpu: float, wall: tuple[float, float], db_cpu) -> list:
    requests = [tuple(r) for o in outcomes for r in o["requests"]]
    shares = cpu_per_phase(samples, requests)
    print(f"\n{'phase':9} {'requests':>8} {'errors':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'CPU ms/req':>10}")
    phases = {}
    for phase in PHASES:
        rows = [r for r in requests if r[0] == phase]
        latencies = sorted(r[2] for r in rows)
        errors = sum(1 for r in rows if not r[3])
        cpu_ms = 1000 * shares[phase] / len(rows) if rows else float("nan")
        phases[phase] = {
            "requests": len(rows),
            "errors": errors,
            "p50_ms": percentile_ms(latencies, 0.50),
            "p95_ms": percentile_ms(latencies, 0.95),
            "p99_ms": percentile_ms(latencies, 0.99),
            "cpu_ms_per_request": cpu_ms,
        }
        p = phases[phase]
        print(
            f"{phase:9} {len(rows):>8,} {errors:>6} {p['p50_ms']:>8.1f} {p['p95_ms']:>8.1f} "
            f"{p['p99_ms']:>8.1f} {cpu_ms:>10.2f}"
        )
    seconds = max(1e-9, wall[1] - wall[0])
    server_cpu = samples[-1][1] - samples[0][1]
    busy = samples[-1][2] - samples[0][2]
    started = sorted(o["started_at"] for o in outcomes if o["started_at"])
    print(
        f"\nload {seconds:.0f} s; server workers {server_cpu:.0f} CPU s "
        f"({server_cpu / seconds:.0%} of a core on average); generator {gen_cpu:.0f} CPU s "
        f"({gen_cpu / seconds:.0%}); PostgreSQL backends of the run {db_cpu[0]:.0f} CPU s "
        f"({db_cpu[1]} connections); machine busy {busy / seconds:.0%} of a core on average, other processes "
        f"{max(0.0, busy - server_cpu - gen_cpu - db_cpu[0]) / seconds:.0%}"
    )
    if started:
        print(f"attempts started within {started[-1] - started[0]:.1f} s (first to last answer of a start request)")
    failures = [o["failure"] for o in outcomes if o["failure"]]
    if failures:
        kinds: dict[str, int] = {}
        for failure in failures:
            kinds[failure] = kinds.get(failure, 0) + 1
        print(f"{len(failures)} learners did not finish:")
        for text, count in sorted(kinds.items(), key=lambda kv: -kv[1])[:8]:
            print(f"  {count:>5} × {text}")
    return phases, started


def run(args: argparse.Namespace) -> int:
    try:
        province.check_services()
    except province.ServiceMissingError as exc:
        print(exc, file=sys.stderr)
        return 2
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 2 * args.learners + 512
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(
            resource.RLIMIT_NOFILE, (wanted if hard == resource.RLIM_INFINITY else min(hard, wanted), hard)
        )
    info = hb.machine()
    hb.print_machine(info)
    scale = args.time_scale
    print(
        f"\nExam day: {args.learners} learners, {args.answers} answers each, {args.processes} server processes, "
        f"{args.generators} generator processes, seed {args.seed}, time scale {scale:g}: sign-ins over "
        f"{SIGN_IN_WINDOW_S * scale:.1f} s, starts within {args.start_spread * scale:.1f} s, think "
        f"{THINK_S[0] * scale:.1f}–{THINK_S[1] * scale:.1f} s per answer"
    )
    print(
        "Settings for the run: every learner signs in from 127.0.0.1, so the sign-in limits are raised "
        f"({', '.join(f'{k}={v!r}' for k, v in province.RAISED_LOGIN_LIMITS.items())})"
    )
    workdir = Path(tempfile.mkdtemp(prefix="lms-bench-exam-"))
    servers: list = []
    tag = secrets.token_hex(4)
    try:
        with province.temporary_database() as database_url:
            env = hb.lms_environment(database_url)
            env.update(province.redis_settings(tag))
            env.update(province.RAISED_LOGIN_LIMITS, LMS_PROCESSES=str(args.processes))
            env["LMS_LOG_LEVEL"] = "WARNING"
            began = time.monotonic()
            print(f"Setting up PostgreSQL database {database_url.rsplit('/', 1)[1]} …", flush=True)
            exam = set_up(env, workdir, args.learners, max(16, args.answers))
            print(f"  migrated, course synced, {args.learners} learners enrolled in {time.monotonic() - began:.1f} s")
            servers = start_servers(env, workdir, args.processes)
            for server in servers:
                hb.wait_ready(server, "/healthz", 60)
            pids = [pid for server in servers for pid in server.workers]
            t0 = time.monotonic() + 2.0
            plans = make_plans(args, exam["usernames"], [s.port for s in servers], t0)
            last = max(p.start_at + sum(p.thinks) for p in plans)
            deadline = last + max(60.0, 0.25 * (last - t0))
            print(f"Load for about {last - t0:.0f} s (cut off at {deadline - t0:.0f} s) …", flush=True)
            sampler = CpuSampler(pids)
            sampler.start()
            context = multiprocessing.get_context("fork")
            parts, procs = [], []
            for number in range(args.generators):
                out = str(workdir / f"generator-{number}.json")
                part = plans[number :: args.generators]
                proc = context.Process(target=generator_main, args=(part, exam["class_id"], deadline, out))
                proc.start()
                parts.append(out)
                procs.append(proc)
            for proc in procs:
                proc.join(timeout=max(1.0, deadline - time.monotonic() + 60))
                if proc.is_alive():
                    proc.kill()
                    raise BenchError("a generator process did not stop by the deadline")
            wall = (t0, time.monotonic())
            sampler.stop.set()
            sampler.join()
            for server in servers:
                if server.proc.poll() is not None:
                    raise BenchError(f"{server.name} died during the run:\n{hb.tail(server.log)}")
            server_errors(servers)
            db_cpu = database_cpu_seconds(database_url)
            results = [json.loads(Path(p).read_text()) for p in parts]
            outcomes = [o for r in results for o in r["outcomes"]]
            gen_cpu = sum(r["cpu_s"] for r in results)
            phases, _started = report(args, outcomes, sampler.samples, gen_cpu, wall, db_cpu)
            attempts = stored_attempts(database_url)
            for server in servers:
                hb.stop_server(server)
            servers = []
    finally:
        for server in servers:
            hb.stop_server(server)
        shutil.rmtree(workdir, ignore_errors=True)

    finished = sum(1 for o in outcomes if o["finished"])
    complete = sum(1 for answers, _ in attempts if sum(1 for v in answers.values() if v) >= args.answers)
    submitted = sum(1 for _, done in attempts if done)
    stored_ok = len(attempts) == args.learners and complete == args.learners and submitted == args.learners
    print(
        f"\nIn the database: {len(attempts)} attempts of {args.learners} learners, {complete} with all "
        f"{args.answers} answers, {submitted} submitted; {finished} learners saw their result"
    )
    errors = sum(p["errors"] for p in phases.values())
    worst = max((p["p95_ms"] for p in phases.values() if p["requests"]), default=float("nan"))
    checks = [
        (f"{args.learners} learners: 0 errors ({errors})", errors == 0 and finished == args.learners),
        (f"p95 ≤ {TARGET_P95_MS:g} ms in every phase (worst {worst:.0f} ms)", worst <= TARGET_P95_MS),
        ("every answer and every submitted attempt stored", stored_ok),
    ]
    if args.learners < TARGET_LEARNERS or scale != 1.0:
        checks.append((f"run at the target's size ({TARGET_LEARNERS} learners, time scale 1)", False))
    print("\nTargets (exam day):")
    for text, met in checks:
        print(f"  {'met    ' if met else 'NOT met'}  {text}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "machine": info,
                    "args": {k: str(v) for k, v in vars(args).items()},
                    "phases": phases,
                    "targets": checks,
                },
                indent=2,
                ensure_ascii=False,
            )
        )
    return 0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--learners", type=int, default=TARGET_LEARNERS, help="learners taking the exam (2000)")
    parser.add_argument("--answers", type=int, default=16, help="questions answered, one autosave each (16)")
    parser.add_argument("--time-scale", type=float, default=1.0, help="multiply every wait (0.05 for a quick run)")
    parser.add_argument("--start-spread", type=float, default=30.0, help="seconds over which the attempts start (30)")
    parser.add_argument("--processes", type=int, default=2, help="gunicorn processes, one gevent worker each (2)")
    parser.add_argument("--generators", type=int, default=0, help="load generator processes (0: 1 per 1,000 learners)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--quick", action="store_true", help="100 learners, 4 answers, time scale 0.05")
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    parser.add_argument("--prepare", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quick:
        args.learners, args.answers, args.time_scale = 100, 4, 0.05
    if not (1 <= args.learners <= 10000 and 1 <= args.answers <= 100 and 1 <= args.processes <= 16):
        parser.error("learners 1–10000, answers 1–100, processes 1–16")
    if not (0 < args.time_scale <= 1 and 0 <= args.start_spread <= 60):
        parser.error("time scale in (0, 1]; start spread 0–60 s (all attempts start within 60 s)")
    args.generators = args.generators or max(1, min(4, -(-args.learners // 1000)))
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.prepare is not None:
        print(json.dumps(prepare_exam(args.prepare)))
        return 0
    return hb.run_guarded(run, args)


if __name__ == "__main__":
    sys.exit(main())
