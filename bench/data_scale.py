"""Data at province scale: content sync of a large course, the reports, the busiest dashboards.

Run it with `.venv/bin/python bench/data_scale.py` (`--help` for the sizes). On a PostgreSQL
database of its own (random name, dropped at the end) it

1. syncs a generated course of --modules modules (about 4 KB of Markdown each) with
   `flask content sync`, as an operator would (its own process, wall time), then syncs it again
   with nothing changed;
2. fills a province with bulk inserts: --people officials in --units units, --enrolments
   enrolments spread over classes of 500, five module visits per enrolment and a submitted quiz
   attempt for every other one; an instructor who teaches 50 classes and a learner enrolled in 30;
3. signs in (through the form) as an admin, the instructor and the learner, in this process with
   Flask's test client on the production code paths, and times one request each of every
   completion report (HTML, CSV and XLSX), the instructor's and the learner's dashboard,
   counting the SQL statements each one runs.

Exit status 0 when measured (targets met or not), 1 when the bench failed, 2 without PostgreSQL.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, bench/ would come first on sys.path and its http.py would shadow the standard
# library's `http` package. Take that folder off the path.
if sys.path and Path(sys.path[0] or ".").resolve() == Path(__file__).resolve().parent:
    sys.path.remove(sys.path[0])

import argparse
import html
import importlib.util
import json
import random
import re
import resource
import shutil
import signal
import subprocess
import tempfile
import time
from datetime import UTC, datetime, timedelta

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path.insert(0, str(ROOT))

NOW = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
PASSWORD = "province-scale-2026"  # noqa: S105 - this run's generated accounts only
REPORT_KINDS = ("units", "classes", "courses", "levels")
TARGET_SYNC_S, TARGET_RESYNC_S, TARGET_REPORT_S, TARGET_EXPORT_S = 10.0, 3.0, 2.0, 10.0


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH_DIR / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


province = _load("province")


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_sync(folder: Path, env: dict) -> tuple[float, float, str]:
    """`flask content sync FOLDER` as its own process: wall time, CPU time, last output line."""
    cpu = children_cpu()
    began = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "content", "sync", str(folder)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    seconds, cpu = time.monotonic() - began, children_cpu() - cpu
    if done.returncode != 0:
        raise RuntimeError(
            f"flask content sync failed ({done.returncode}):\n{done.stdout[-2000:]}{done.stderr[-2000:]}"
        )
    said = [line[:60] for line in done.stdout.splitlines() if line.startswith(("added:", "Nothing changed"))]
    return seconds, cpu, "; ".join(said)


def insert_batched(db, table, rows, batch: int = 5000) -> int:
    from sqlalchemy import insert

    count, pending = 0, []
    for row in rows:
        pending.append(row)
        if len(pending) == batch:
            db.session.execute(insert(table), pending)
            count, pending = count + len(pending), []
    if pending:
        db.session.execute(insert(table), pending)
        count += len(pending)
    db.session.commit()
    return count


def fill_province(db, args) -> dict:
    """Bulk-insert the province; return what was made and the three accounts to sign in as."""
    from sqlalchemy import select
    from werkzeug.security import generate_password_hash

    from lms.auth.models import User
    from lms.courses.models import Course, CourseClass, Enrolment, Module, class_instructors
    from lms.org.models import Unit
    from lms.progress.models import ModuleProgress
    from lms.quizzes.attempts import _draw
    from lms.quizzes.models import Quiz, QuizAttempt

    rng = random.Random(11)
    made: dict[str, int] = {}
    course = db.session.scalar(select(Course).where(Course.slug == "cai-cach-hanh-chinh"))
    modules = list(db.session.scalars(select(Module.id).where(Module.course_id == course.id)))
    quiz = db.session.scalar(select(Quiz).where(Quiz.course_id == course.id))
    city = Unit(code="tp", name="Thành phố (thử tải)", level="Tỉnh")
    db.session.add(city)
    db.session.flush()
    made["units"] = 1 + insert_batched(
        db,
        Unit.__table__,
        (
            {
                "code": f"dv-{n:03d}",
                "name": f"Đơn vị số {n}",
                "level": "Sở/ngành" if n < 40 else "Phường/xã",
                "parent_id": city.id,
            }
            for n in range(args.units - 1)
        ),
    )
    units = list(db.session.scalars(select(Unit.id)))
    password_hash = generate_password_hash(PASSWORD)
    people = [
        {
            "username": f"cb{n:05d}",
            "full_name": f"Nguyễn Văn Cán Bộ {n}",
            "password_hash": password_hash,
            "role": "learner",
            "unit_id": rng.choice(units),
        }
        for n in range(args.people)
    ]
    people += [
        {
            "username": "qt.tai",
            "full_name": "Quản trị Thử tải",
            "password_hash": password_hash,
            "role": "admin",
            "unit_id": city.id,
        },
        {
            "username": "gv.tai",
            "full_name": "Giảng viên Thử tải",
            "password_hash": password_hash,
            "role": "instructor",
            "unit_id": city.id,
        },
    ]
    made["users"] = insert_batched(db, User.__table__, people)
    learner_ids = list(db.session.scalars(select(User.id).where(User.role == "learner").order_by(User.id)))
    per_class = 500
    class_count = -(-args.enrolments // per_class)
    levels = ("Cấp tỉnh", "Cấp xã")
    made["classes"] = insert_batched(
        db,
        CourseClass.__table__,
        (
            {
                "code": f"TT-{n:04d}",
                "name": f"Lớp thử tải số {n}",
                "course_id": course.id,
                "level": levels[n % 2],
                "mode": ("online", "hybrid", "in_person")[n % 3],
                "starts_on": (NOW - timedelta(days=n)).date(),
            }
            for n in range(class_count)
        ),
    )
    class_ids = list(db.session.scalars(select(CourseClass.id).where(CourseClass.code.like("TT-%"))))
    # The busiest learner: enrolled in the first 30 classes; everyone else at random.
    busy_learner = learner_ids[0]
    rows, left = [], args.enrolments
    for index, class_id in enumerate(class_ids):
        take = min(per_class, left)
        chosen = set(rng.sample(learner_ids[1:], take - (1 if index < 30 else 0)))
        if index < 30:
            chosen.add(busy_learner)
        rows += [{"class_id": class_id, "user_id": u, "enrolled_at": NOW} for u in chosen]
        left -= take
    made["enrolments"] = insert_batched(db, Enrolment.__table__, rows)
    instructor = db.session.scalar(select(User.id).where(User.username == "gv.tai"))
    insert_batched(db, class_instructors, ({"class_id": c, "user_id": instructor} for c in class_ids[:50]))
    enrolments = list(db.session.scalars(select(Enrolment.id).where(Enrolment.class_id.in_(class_ids))))
    made["module_progress"] = insert_batched(
        db,
        ModuleProgress.__table__,
        (
            {
                "enrolment_id": e,
                "module_id": m,
                "first_opened_at": NOW,
                "last_seen_at": NOW,
                "completed_at": NOW,
                "seconds_spent": rng.randint(60, 1800),
                "last_position": "",
            }
            for e in enrolments
            for m in modules[: rng.randint(0, len(modules))]
        ),
    )
    made["quiz_attempts"] = insert_batched(
        db,
        QuizAttempt.__table__,
        (
            {
                "enrolment_id": e,
                "quiz_id": quiz.id,
                "number": 1,
                "drawn": _draw(quiz, rng),
                "answers": {},
                "state": "graded",
                "started_at": NOW,
                "submitted_at": NOW + timedelta(minutes=12),
                "marks": [],
                "points": 8.0,
                "max_points": 10.0,
                "percent": 80.0,
                "passed": True,
            }
            for e in enrolments[::2]
        ),
    )
    learner = db.session.scalar(select(User.username).where(User.id == busy_learner))
    return {"made": made, "admin": "qt.tai", "instructor": "gv.tai", "learner": learner}


class StatementCounter:
    """Counts the SQL statements the engine runs (an SQLAlchemy event)."""

    def __init__(self, engine):
        from sqlalchemy import event

        self.count = 0
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args) -> None:
        self.count += 1


def sign_in(client, username: str) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = html.unescape(re.search(r'name="csrf_token" value="([^"]+)"', page).group(1))
    answer = client.post("/login", data={"csrf_token": token, "username": username, "password": PASSWORD, "next": ""})
    if answer.status_code not in (302, 303):
        raise RuntimeError(f"sign-in as {username} answered {answer.status_code}")


def timed_get(client, counter: StatementCounter, path: str, marker: str | None = None) -> dict:
    before = counter.count
    began, cpu = time.perf_counter(), time.process_time()
    answer = client.get(path)
    body = answer.get_data()
    seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
    if answer.status_code != 200 or (marker and marker.encode() not in body):
        raise RuntimeError(f"GET {path} answered {answer.status_code} ({len(body)} bytes) without {marker!r}")
    return {"path": path, "seconds": seconds, "cpu": cpu, "statements": counter.count - before, "bytes": len(body)}


def measure_pages(url: str, accounts: dict) -> list[dict]:
    from lms import create_app
    from lms.extensions import db

    # The testing configuration (no Secure cookies over the test client, in-memory limits), with
    # the bench's database: the views, queries and templates are those of production.
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
    rows = []
    with app.app_context():
        counter = StatementCounter(db.engine)
    for role, username in (("admin", accounts["admin"]), ("instructor", accounts["instructor"])):
        client = app.test_client()
        sign_in(client, username)
        if role == "instructor":
            client.get("/")  # the first page after sign-in is measured as well, below
        for kind in REPORT_KINDS if role == "admin" else ():
            for export in ("", "csv", "xlsx"):
                path = f"/reports/{kind}" + (f"?format={export}" if export else "")
                row = timed_get(client, counter, path, None if export else 'data-test="report-tab"')
                rows.append({"what": f"report {kind}" + (f" {export.upper()}" if export else ""), "role": role, **row})
    for role in ("instructor", "learner"):
        client = app.test_client()
        sign_in(client, accounts[role])
        first = timed_get(client, counter, "/")
        again = timed_get(client, counter, "/")
        label = "instructor, 50 classes" if role == "instructor" else "learner, 30 enrolments"
        rows.append({"what": f"dashboard ({label}), first after sign-in", "role": role, **first})
        rows.append({"what": f"dashboard ({label}), again", "role": role, **again})
    return rows


def run(args) -> int:
    try:
        province.check_services(redis=False)
    except province.ServiceMissingError as exc:
        print(exc, file=sys.stderr)
        return 2
    hb = province.load_bench("http")
    hb.print_machine(hb.machine())
    workdir = Path(tempfile.mkdtemp(prefix="lms-bench-data-"))
    checks = []
    try:
        with province.temporary_database() as url:
            env = hb.lms_environment(url)
            env["LMS_LOG_LEVEL"] = "WARNING"
            subprocess.run(
                [sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
                cwd=ROOT,
                env=env,
                capture_output=True,
                check=True,
                timeout=300,
            )
            content = workdir / "content"
            province.write_large_course(content, "khoa-hoc-lon", args.modules)
            print(f"\nContent sync of a generated course of {args.modules} modules (flask content sync, own process):")
            first, cpu, said = timed_sync(content, env)
            print(f"  first sync        {first:5.1f} s wall, {cpu:5.1f} s CPU   ({said})")
            again, cpu, said = timed_sync(content, env)
            print(f"  again, no change  {again:5.1f} s wall, {cpu:5.1f} s CPU   ({said})")
            checks += [
                (
                    f"content sync of {args.modules} modules ≤ {TARGET_SYNC_S:g} s ({first:.1f} s)",
                    first <= TARGET_SYNC_S,
                ),
                (f"re-sync with no change ≤ {TARGET_RESYNC_S:g} s ({again:.1f} s)", again <= TARGET_RESYNC_S),
            ]
            subprocess.run(
                [sys.executable, "-m", "flask", "--app", "wsgi", "content", "sync", str(ROOT / "content")],
                cwd=ROOT,
                env=env,
                capture_output=True,
                check=True,
                timeout=300,
            )

            from lms import create_app
            from lms.extensions import db

            began = time.monotonic()
            app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
            with app.app_context():
                accounts = fill_province(db, args)
                db.session.remove()
                db.engine.dispose()
            made = accounts["made"]
            print(
                f"\nProvince built in {time.monotonic() - began:.0f} s: "
                + ", ".join(f"{v:,} {k.replace('_', ' ')}" for k, v in made.items())
            )
            rows = measure_pages(url, accounts)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    print(f"\n{'page (one request, in process)':58} {'seconds':>8} {'CPU s':>7} {'statements':>10} {'bytes':>10}")
    for row in rows:
        print(f"{row['what']:58} {row['seconds']:8.2f} {row['cpu']:7.2f} {row['statements']:10} {row['bytes']:10,}")
    for row in rows:
        if row["what"].startswith("report"):
            limit = TARGET_EXPORT_S if row["what"].endswith(("CSV", "XLSX")) else TARGET_REPORT_S
            checks.append((f"{row['what']} ≤ {limit:g} s ({row['seconds']:.2f} s)", row["seconds"] <= limit))
    print("\nTargets (data at province scale):")
    for text, met in checks:
        print(f"  {'met    ' if met else 'NOT met'}  {text}")
    print("  (dashboards: measured, no target)")
    if args.json:
        args.json.write_text(json.dumps({"made": made, "pages": rows, "targets": checks}, indent=2, ensure_ascii=False))
    return 0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--modules", type=int, default=1000, help="modules of the generated course (1000)")
    parser.add_argument("--people", type=int, default=20_000, help="officials (20000)")
    parser.add_argument("--units", type=int, default=300, help="units (300)")
    parser.add_argument("--enrolments", type=int, default=100_000, help="enrolments, in classes of 500 (100000)")
    parser.add_argument("--quick", action="store_true", help="100 modules, 2,000 people, 50 units, 16,000 enrolments")
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    args = parser.parse_args(argv)
    if args.quick:
        args.modules, args.people, args.units, args.enrolments = 100, 2000, 50, 16_000
    if args.enrolments < 15_000 or args.people < 1000 or args.units < 2:
        parser.error("at least 15,000 enrolments (30 classes of 500), 1,000 people and 2 units")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # SIGTERM (a timeout, a stop) unwinds through the `finally` blocks: the database is dropped.
    signal.signal(signal.SIGTERM, lambda signum, _frame: sys.exit(128 + signum))
    try:
        return run(args)
    except (RuntimeError, subprocess.CalledProcessError) as exc:
        print(f"\nBenchmark failed: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
