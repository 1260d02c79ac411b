"""Backup benchmark: how long `flask backup create|verify|restore` take on a province-sized database.

Run it with `.venv/bin/python bench/backup.py` (`--help` for the sizes). It

1. builds a fresh database (a SQLite file in a temporary directory, or a new PostgreSQL database
   next to `--database-url`): migrations, the demo content, then, with bulk inserts, a province:
   10,000 officials in 130 units, 100 classes of 1,000 learners (100,000 enrolments), 5 module
   visits per enrolment, a submitted quiz attempt for every other enrolment (with the questions it
   drew, as the app stores them), 10 live sessions per class with 200 attendance stretches each,
   and 20,000 audit events;
2. runs `flask backup create`, `flask backup verify` and `flask backup restore` (into a second,
   empty database) as an operator would, each as its own process, and times them;
3. prints the database's size, the backup file's size and each command's time.

Temporary files and databases are removed in every case. Exit status 1 when a command failed.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, bench/ would come first on sys.path and its http.py would shadow the standard
# library's `http` package. Take that folder off the path.
if sys.path and Path(sys.path[0] or ".").resolve() == Path(__file__).resolve().parent:
    sys.path.remove(sys.path[0])

import argparse
import os
import random
import re
import resource
import secrets
import subprocess
import tempfile
import time
from datetime import UTC, datetime, timedelta

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import create_engine, insert, make_url, select, text  # noqa: E402
from werkzeug.security import generate_password_hash  # noqa: E402

from lms import create_app, normalise_database_url  # noqa: E402
from lms.audit.models import AuditEvent  # noqa: E402
from lms.auth.models import User  # noqa: E402
from lms.content.parse import read_content  # noqa: E402
from lms.content.sync import sync_courses  # noqa: E402
from lms.courses.models import Course, CourseClass, Enrolment, Module  # noqa: E402
from lms.extensions import db  # noqa: E402
from lms.live.models import AttendanceInterval, LiveSession  # noqa: E402
from lms.org.models import Unit  # noqa: E402
from lms.progress.models import ModuleProgress  # noqa: E402
from lms.quizzes.attempts import _draw  # noqa: E402
from lms.quizzes.models import Quiz, QuizAttempt  # noqa: E402

BATCH = 5000
NOW = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--officials", type=int, default=10_000)
    parser.add_argument("--classes", type=int, default=100)
    parser.add_argument("--per-class", type=int, default=1_000, help="learners per class")
    parser.add_argument(
        "--database-url", help="a PostgreSQL server's database URL to build the databases next to (default: SQLite)"
    )
    return parser.parse_args(argv)


def insert_batched(table, rows) -> int:
    """Insert an iterable of row dicts in batches; return how many."""
    count, batch = 0, []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            db.session.execute(insert(table), batch)
            count, batch = count + len(batch), []
    if batch:
        db.session.execute(insert(table), batch)
        count += len(batch)
    db.session.commit()
    return count


def build(url: str, args: argparse.Namespace) -> dict[str, int]:
    """Migrate, sync content/ and fill a province; return the rows inserted per table."""
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
    rng = random.Random(7)
    made: dict[str, int] = {}
    with app.app_context():
        upgrade()
        tree = read_content(REPO / "content")
        sync_courses(tree.courses, NOW)
        db.session.commit()
        course = db.session.scalar(select(Course))
        modules = list(db.session.scalars(select(Module.id).where(Module.course_id == course.id)))
        quiz = db.session.scalar(select(Quiz).where(Quiz.course_id == course.id))
        city = Unit(code="tp-hcm", name="Thành phố Hồ Chí Minh", level="Thành phố")
        db.session.add(city)
        db.session.flush()
        made["units"] = 1 + insert_batched(
            Unit.__table__,
            (
                {
                    "code": f"dv-{n:03d}",
                    "name": f"{'Sở' if n < 30 else 'Phường'} số {n}",
                    "level": "Sở/ngành" if n < 30 else "Phường/xã",
                    "parent_id": city.id,
                }
                for n in range(129)
            ),
        )
        units = list(db.session.scalars(select(Unit.id)))
        password = generate_password_hash("province-bench-password")
        made["users"] = insert_batched(
            User.__table__,
            (
                {
                    "username": f"cb{n:05d}",
                    "full_name": f"Nguyễn Thị Cán Bộ {n}",
                    "email": f"cb{n:05d}@example.org",
                    "password_hash": password,
                    "role": "learner",
                    "unit_id": rng.choice(units),
                }
                for n in range(args.officials)
            ),
        )
        users = list(db.session.scalars(select(User.id)))
        made["classes"] = insert_batched(
            CourseClass.__table__,
            (
                {"code": f"CCHC-{n:03d}", "name": f"Lớp CCHC số {n}", "course_id": course.id}
                for n in range(args.classes)
            ),
        )
        classes = list(db.session.scalars(select(CourseClass.id)))
        made["enrolments"] = insert_batched(
            Enrolment.__table__,
            (
                {"class_id": class_id, "user_id": user_id, "enrolled_at": NOW}
                for class_id in classes
                for user_id in rng.sample(users, min(args.per_class, len(users)))
            ),
        )
        enrolments = list(db.session.scalars(select(Enrolment.id)))
        made["module_progress"] = insert_batched(
            ModuleProgress.__table__,
            (
                {
                    "enrolment_id": enrolment,
                    "module_id": module,
                    "first_opened_at": NOW,
                    "last_seen_at": NOW,
                    "completed_at": NOW,
                    "seconds_spent": rng.randint(60, 1800),
                    "last_position": "muc-tieu",
                }
                for enrolment in enrolments
                for module in modules[:5]
            ),
        )
        if quiz is not None:
            made["quiz_attempts"] = insert_batched(
                QuizAttempt.__table__,
                (
                    {
                        "enrolment_id": enrolment,
                        "quiz_id": quiz.id,
                        "number": 1,
                        "drawn": _draw(quiz, rng),
                        "answers": {"0": ["một cửa"], "1": ["0"]},
                        "state": "graded",
                        "started_at": NOW,
                        "submitted_at": NOW + timedelta(minutes=12),
                        "marks": [{"fraction": 1.0, "state": "right", "feedback": ""}],
                        "points": 8.0,
                        "max_points": 10.0,
                        "percent": 80.0,
                        "passed": True,
                    }
                    for enrolment in enrolments[::2]
                ),
            )
        made["live_sessions"] = insert_batched(
            LiveSession.__table__,
            (
                {
                    "class_id": class_id,
                    "title": f"Buổi {n + 1}",
                    "starts_at": NOW + timedelta(days=7 * n),
                    "duration_minutes": 90,
                }
                for class_id in classes
                for n in range(10)
            ),
        )
        sessions = list(db.session.scalars(select(LiveSession.id)))
        made["attendance_intervals"] = insert_batched(
            AttendanceInterval.__table__,
            (
                {
                    "session_id": session,
                    "user_id": user_id,
                    "source": "online",
                    "sid": secrets.token_hex(10),
                    "joined_at": NOW,
                    "left_at": NOW + timedelta(minutes=80),
                    "last_heartbeat_at": NOW + timedelta(minutes=80),
                }
                for session in sessions
                for user_id in rng.sample(users, 200)
            ),
        )
        made["audit_events"] = insert_batched(
            AuditEvent.__table__,
            (
                {
                    "actor_id": None,
                    "action": "class.enrol",
                    "target": f"class:{rng.choice(classes)}",
                    "details": {"added": rng.randint(1, 50)},
                    "created_at": NOW,
                }
                for _ in range(20_000)
            ),
        )
        db.session.remove()
        db.engine.dispose()
    return made


def flask(command: list[str], url: str) -> tuple[str, str]:
    """Run a `flask backup` command as an operator would; return its times and output.

    The times: the work as the command reports it (its own clock, without starting Python and the
    app), the process's wall time, and the CPU it and its programs (pg_dump, pg_restore) used. On a
    shared machine the CPU time is the steadier figure.
    """
    env = {**os.environ, "LMS_CONFIG": "production", "LMS_SECRET_KEY": "b" * 40, "LMS_DATABASE_URL": url}
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "backup", *command],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.monotonic() - started
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise SystemExit(f"flask backup {' '.join(command)} failed:\n{result.stdout}{result.stderr}")
    cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    work = re.search(r"([\d.]+) s\.", result.stdout).group(1)
    return f"{float(work):6.1f} s of work, {wall:5.1f} s wall, {cpu:5.1f} s CPU", result.stdout


def database_bytes(url: str) -> int:
    if url.startswith("sqlite"):
        return Path(make_url(url).database).stat().st_size
    engine = create_engine(normalise_database_url(url))
    with engine.connect() as connection:
        size = connection.execute(text("SELECT pg_database_size(current_database())")).scalar()
    engine.dispose()
    return size


def run(args: argparse.Namespace, workdir: Path, databases: list[str]) -> None:
    source, target = databases
    started = time.monotonic()
    made = build(source, args)
    print(f"built in {time.monotonic() - started:.0f} s: " + ", ".join(f"{n:,} {t}" for t, n in made.items()))
    print(f"database: {database_bytes(source) / 1e6:,.0f} MB ({make_url(source).get_backend_name()})")
    times, output = flask(["create", "--out", str(workdir / "backups")], source)
    backup = Path(output.splitlines()[0].removeprefix("Backup written: "))
    print(f"create:  {times}   backup file {backup.stat().st_size / 1e6:,.0f} MB")
    times, _ = flask(["verify", str(backup)], source)
    print(f"verify:  {times}")
    times, _ = flask(["restore", str(backup)], target)
    print(f"restore: {times}")
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="lms-bench-backup-") as work:
        workdir = Path(work)
        droppers = []
        if args.database_url:
            base = make_url(normalise_database_url(args.database_url))
            admin = create_engine(base, isolation_level="AUTOCOMMIT")
            databases = []
            for _ in range(2):
                name = f"lms_bench_{secrets.token_hex(4)}"
                with admin.connect() as connection:
                    connection.execute(text(f'CREATE DATABASE "{name}"'))
                droppers.append(name)
                databases.append(base.set(database=name).render_as_string(hide_password=False))
        else:
            databases = [f"sqlite:///{workdir / 'source.sqlite3'}", f"sqlite:///{workdir / 'restored.sqlite3'}"]
        try:
            run(args, workdir, databases)
        finally:
            if droppers:
                with admin.connect() as connection:
                    for name in droppers:
                        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                admin.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
