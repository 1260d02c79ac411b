"""Import load benchmark: a 10,000-row `users import` through the web screens while learners read.

Run it with `make bench` (or `.venv/bin/python bench/import_load.py --help`). It

1. builds a fresh SQLite database in a temporary directory (migrate, sync content/, seed the demo),
2. serves the LMS (production configuration) with `gunicorn -k gevent -w 1 --no-control-socket` on a
   free port of 127.0.0.1 (loopback only), as bench/http.py does, with bench/turns_probe.py tracing
   the worker's stretches of serving one request alone,
3. signs in as the demo admin and as N demo learners, and finds the learners' module page,
4. starts the learners (in a process of their own) loading the module page in a loop, then
   uploads a generated CSV of new accounts through the import screen (preview, then confirm) and times it, and
5. prints the import's time (target < 30 s), the module page's p50/p95/p99 while the import ran
   (target p99 <= 500 ms), the machine, whether each target was met, and the worker's longest
   stretches during the import.

Everything is bounded in time (request timeouts, an overall deadline); the server is stopped by PID
and the temporary directory removed in every case. Exit status: 0 when the figures were measured
(met or not), 1 when the benchmark itself failed.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, bench/ would come first on sys.path and its http.py would shadow the standard
# library's `http` package (which requests needs). Take that folder off the path.
if sys.path and Path(sys.path[0] or ".").resolve() == Path(__file__).resolve().parent:
    sys.path.remove(sys.path[0])

import argparse
import html
import importlib.util
import json
import multiprocessing
import re
import shutil
import tempfile
import threading
import time

import requests

HERE = Path(__file__).resolve().parent
# bench/http.py holds the shared server and login helpers; load it under another name (its own
# name would shadow the standard library's `http`).
_spec = importlib.util.spec_from_file_location("bench_http", HERE / "http.py")
bench_http = importlib.util.module_from_spec(_spec)
sys.modules["bench_http"] = bench_http
_spec.loader.exec_module(bench_http)

TURNS_PROBE = HERE / "turns_probe.py"
IMPORT_TARGET_SECONDS = 30.0
P99_TARGET_MS = 500.0
DEMO_UNITS = [
    "so-noi-vu",
    "so-tu-phap",
    "so-khcn",
    "phuong-sai-gon",
    "phuong-ben-thanh",
    "phuong-tan-dinh",
    "xa-binh-hung",
]
TOKEN_RE = re.compile(r'name="token" value="([^"]+)"')
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def import_csv(rows: int) -> bytes:
    """A CSV of `rows` new officials spread over the demo's units, with Vietnamese names."""
    lines = ["username,full_name,unit"]
    for n in range(1, rows + 1):
        lines.append(f"cb{n:05d},Nguyễn Văn Thử {n:05d},{DEMO_UNITS[n % len(DEMO_UNITS)]}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def csrf_of(base: str, path: str, cookie: str) -> tuple[str, str]:
    """The form's CSRF token and the cookie to send with it: a sign-in starts a fresh session, so
    the first form after it stores its CSRF secret in a new session cookie."""
    page = requests.get(base + path, headers={"Cookie": cookie}, timeout=30, allow_redirects=False)
    match = CSRF_RE.search(page.text)
    if page.status_code != 200 or not match:
        raise bench_http.BenchError(f"GET {path} answered {page.status_code} without a form")
    renewed = bench_http.session_cookie(page)
    return html.unescape(match.group(1)), f"session={renewed}" if renewed else cookie


def web_import(base: str, cookie: str, data: bytes, timeout: float) -> dict:
    """Preview then confirm the import as the admin; return the timings and the result counts."""
    started = time.monotonic()
    csrf_token, cookie = csrf_of(base, "/admin/users/import", cookie)
    preview = requests.post(
        base + "/admin/users/import",
        data={"csrf_token": csrf_token},
        files={"file": ("officials.csv", data, "text/csv")},
        headers={"Cookie": cookie},
        timeout=timeout,
        allow_redirects=False,
    )
    previewed = time.monotonic()
    token = TOKEN_RE.search(preview.text)
    if preview.status_code != 200 or not token:
        raise bench_http.BenchError(f"the import preview answered {preview.status_code}: {preview.text[:300]}")
    csrf = CSRF_RE.search(preview.text).group(1)
    done = requests.post(
        base + "/admin/users/import/confirm",
        data={"csrf_token": html.unescape(csrf), "token": html.unescape(token.group(1))},
        headers={"Cookie": cookie},
        timeout=timeout,
        allow_redirects=False,
    )
    finished = time.monotonic()
    created = re.search(r'data-created="(\d+)"', done.text)
    if done.status_code != 200 or not created:
        raise bench_http.BenchError(f"the import confirmation answered {done.status_code}: {done.text[:300]}")
    return {
        "preview_s": previewed - started,
        "confirm_s": finished - previewed,
        "total_s": finished - started,
        "created": int(created.group(1)),
        "started": started,
        "finished": finished,
    }


class Readers:
    """N learners loading the module page in a loop, each on its own keep-alive connection.

    They run in a process of their own: in the importing client's process, its own work (encoding
    a large form) would hold the interpreter and stop the readers' clocks, which the server did
    not cause. time.monotonic() is the same clock in both processes."""

    def __init__(self, base: str, path: str, cookies: list[str]):
        context = multiprocessing.get_context("fork")  # no thread of this process is running yet
        self.stop = context.Event()
        self.results = context.Queue()
        self.process = context.Process(
            target=_read_in_loop, args=(base, path, cookies, self.stop, self.results), daemon=True
        )
        self.samples: list[tuple[float, float]] = []  # (start, seconds)
        self.errors = 0

    def __enter__(self):
        self.process.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        try:
            self.samples, self.errors = self.results.get(timeout=40)
        finally:
            self.process.join(timeout=5)
            if self.process.is_alive():
                self.process.kill()

    def during(self, start: float, end: float) -> list[float]:
        return sorted(s for t, s in self.samples if start <= t <= end)


def _read_in_loop(base: str, path: str, cookies: list[str], stop, results) -> None:
    """The readers' process: a thread per learner until `stop`, then every sample back to the parent."""
    samples: list[tuple[float, float]] = []
    errors = [0]
    lock = threading.Lock()

    def loop(cookie: str) -> None:
        session = requests.Session()
        headers = {"Cookie": cookie, "User-Agent": bench_http.USER_AGENT}
        while not stop.is_set():
            start = time.monotonic()
            try:
                response = session.get(base + path, headers=headers, timeout=30, allow_redirects=False)
                ok = response.status_code == 200
            except requests.exceptions.RequestException:
                ok = False
            elapsed = time.monotonic() - start
            with lock:
                if ok:
                    samples.append((start, elapsed))
                else:
                    errors[0] += 1

    threads = [threading.Thread(target=loop, args=(c,), daemon=True) for c in cookies]
    for thread in threads:
        thread.start()
    stop.wait()
    for thread in threads:
        thread.join(timeout=35)
    with lock:
        results.put((list(samples), errors[0]))


def stretches_between(path: Path, start: float, end: float) -> list[dict]:
    """The worker's stretches of serving one request alone (bench/turns_probe.py) that ended in [start, end]."""
    try:
        stretches = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise bench_http.BenchError(f"the worker wrote no stretches ({exc})") from None
    return sorted((s for s in stretches if start <= s["ended"] <= end), key=lambda s: -s["cpu_s"])


def print_stretches(stretches: list[dict], shown: int = 5) -> None:
    """The longest times the worker served one request while every other one waited."""
    total = sum(s["cpu_s"] for s in stretches)
    print(f"Worker while the import ran: {len(stretches)} stretches of one request alone >= 5 ms CPU, {total:.2f} s")
    for s in stretches[:shown]:
        where = " < ".join(reversed(s["where"])) or "(outside the project's code)"
        print(f"  {s['cpu_s'] * 1000:5.0f} ms CPU ({s['wall_s'] * 1000:4.0f} ms wall)  {where}")


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    return values[min(len(values) - 1, int(round(share * (len(values) - 1))))]


def run(args: argparse.Namespace) -> int:
    info = bench_http.machine()
    bench_http.print_machine(info)
    print()
    workdir = Path(tempfile.mkdtemp(prefix="lms-bench-import-"))
    server = None
    try:
        env = bench_http.lms_environment(f"sqlite:///{workdir / 'bench.sqlite3'}")
        env["LMS_LOGIN_RATE_LIMIT"] = "1000 per minute"  # every bench client signs in from 127.0.0.1
        print("Setting up a fresh database (migrate, sync content/, seed demo) …", flush=True)
        bench_http.set_up_database(env, workdir)
        stretches_file = workdir / "stretches.json"
        env["BENCH_STRETCHES_FILE"] = str(stretches_file)
        server = bench_http.start_server("lms", "wsgi:app", bench_http.ROOT, env, workdir, config=TURNS_PROBE)
        bench_http.wait_ready(server, "/healthz", 60)
        module, *_other_pages = bench_http.lms_targets(server, "hv01")
        cookies = [module.cookie] + [bench_http.log_in(server.base, f"hv{n:02d}") for n in range(2, args.learners + 1)]
        admin = bench_http.log_in(server.base, "admin")
        data = import_csv(args.rows)
        print(
            f"Importing {args.rows} new accounts ({len(data) / 1024:.0f} KiB CSV) through the web screens while "
            f"{args.learners} learners load {module.path} …",
            flush=True,
        )
        with Readers(server.base, module.path, cookies) as readers:
            time.sleep(args.settle)
            settled = time.monotonic()
            timing = web_import(server.base, admin, data, timeout=args.timeout)
        before = readers.during(0, settled)
        during = readers.during(timing["started"], timing["finished"])
        bench_http.stop_server(server)  # the worker writes its stretches as it exits
        server_stretches = stretches_between(stretches_file, timing["started"], timing["finished"])
        if timing["created"] != args.rows:
            raise bench_http.BenchError(f"the import created {timing['created']} accounts, not {args.rows}")
        p50, p95, p99 = (percentile(during, q) * 1000 for q in (0.50, 0.95, 0.99))
        quiet_p99 = percentile(before, 0.99) * 1000
        import_met = timing["total_s"] < IMPORT_TARGET_SECONDS
        p99_met = bool(during) and p99 <= P99_TARGET_MS
        print()
        print("Import (web: preview + confirm)")
        print(f"  rows       {args.rows} new accounts, each with an activation code")
        print(f"  preview    {timing['preview_s']:.2f} s")
        print(f"  confirm    {timing['confirm_s']:.2f} s")
        print(
            f"  total      {timing['total_s']:.2f} s (target < {IMPORT_TARGET_SECONDS:.0f} s): "
            f"{'met' if import_met else 'NOT MET'}"
        )
        print(f"Module page while the import ran ({args.learners} learners in a loop)")
        print(f"  requests   {len(during)} answered 200, {readers.errors} failed")
        print(
            f"  latency    p50 {p50:.0f} ms, p95 {p95:.0f} ms, p99 {p99:.0f} ms "
            f"(target p99 <= {P99_TARGET_MS:.0f} ms): {'met' if p99_met else 'NOT MET'}"
        )
        print(f"  before     p99 {quiet_p99:.0f} ms over {len(before)} requests without an import")
        print_stretches(server_stretches)
        return 0
    finally:
        if server is not None:
            bench_http.stop_server(server)
        shutil.rmtree(workdir, ignore_errors=True)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=10_000, help="new accounts in the imported file (10000)")
    parser.add_argument("--learners", type=int, default=10, help="learners loading the module page (10, at most 20)")
    parser.add_argument("--settle", type=float, default=2.0, help="seconds of reading before the import (2)")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds each import request may take (120)")
    parser.add_argument("--quick", action="store_true", help="a short run: 2,000 rows, 5 learners")
    args = parser.parse_args(argv)
    if args.quick:
        args.rows, args.learners, args.settle = 2_000, 5, 1.0
    args.learners = max(1, min(args.learners, 20))
    return args


def main(argv: list[str] | None = None) -> int:
    try:
        return run(parse_args(argv))
    except bench_http.BenchError as exc:
        print(f"benchmark failed: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
