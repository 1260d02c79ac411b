"""Shared set-up of the province-scale benches (exam_day.py, data_scale.py): services and content.

Not a benchmark itself. It checks that PostgreSQL and Redis answer on 127.0.0.1, creates a
database of its own under a random name (dropped at the end), gives every run its own Redis
channel and key prefix (never FLUSHDB), and writes generated course sources (a course with a
quiz of N questions, or of M modules) into a temporary folder.
"""

from __future__ import annotations

import contextlib
import importlib.util
import secrets
import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS_URL = "redis://127.0.0.1:6379/0"


def load_bench(name: str):
    """bench/<name>.py as a module (bench/http.py cannot be imported by its own name: `http` is the
    standard library's), shared rather than copied."""
    key = f"bench_{name}"
    if key in sys.modules:
        return sys.modules[key]
    spec = importlib.util.spec_from_file_location(key, BENCH_DIR / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[key] = module  # dataclasses look their module up while the file runs
    spec.loader.exec_module(module)
    return module


class ServiceMissingError(RuntimeError):
    """PostgreSQL or Redis is not there: the bench says so and exits, it does not measure."""


def check_services(postgres_url: str = POSTGRES_ADMIN_URL, redis_url: str = REDIS_URL, redis: bool = True) -> None:
    """Raise ServiceMissingError with one clear line per service that does not answer."""
    problems = []
    try:
        import psycopg

        with psycopg.connect(postgres_url, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:  # the driver's many connection errors alike
        problems.append(f"PostgreSQL does not answer at {postgres_url} ({type(exc).__name__}: {exc})".strip())
    if redis:
        try:
            import redis as redis_client

            redis_client.Redis.from_url(redis_url, socket_connect_timeout=3).ping()
        except Exception as exc:
            problems.append(f"Redis does not answer at {redis_url} ({type(exc).__name__}: {exc})")
    if problems:
        raise ServiceMissingError(
            "This bench needs PostgreSQL and Redis on 127.0.0.1:\n  "
            + "\n  ".join(problems)
            + "\n(start them as docs/performance.md says, then run it again)"
        )


@contextlib.contextmanager
def temporary_database(admin_url: str = POSTGRES_ADMIN_URL):
    """Create a PostgreSQL database with a random name; yield its URL; drop it at the end."""
    import psycopg

    name = f"lms_bench_{secrets.token_hex(6)}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin_url.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def redis_settings(tag: str) -> dict:
    """Settings that put this run's Socket.IO channel and rate-limit keys apart from anyone else's."""
    return {
        "LMS_SOCKETIO_MESSAGE_QUEUE": REDIS_URL,
        "LMS_SOCKETIO_CHANNEL": f"lms-bench-{tag}",
        "LMS_RATELIMIT_STORAGE_URL": REDIS_URL,
        "LMS_RATELIMIT_KEY_PREFIX": f"lms-bench-{tag}:",
    }


# Every learner signs in from 127.0.0.1: the per-address ceiling (an office behind one address) is
# raised for the run. Only wrong passwords count towards these limits, and the bench types none.
RAISED_LOGIN_LIMITS = {
    "LMS_LOGIN_LIMIT_PER_ADDRESS": "1000000 per 10 minutes",
    "LMS_LOGIN_LIMIT_PER_ACCOUNT_ADDRESS": "1000 per 15 minutes",
    "LMS_LOGIN_LIMIT_PER_ACCOUNT": "1000 per 15 minutes",
}


def write_exam_course(root: Path, slug: str, questions: int) -> None:
    """A course of one module and one quiz of `questions` single-choice questions (4 options)."""
    course = root / slug
    (course / "modules").mkdir(parents=True)
    (course / "quizzes").mkdir()
    (course / "course.yml").write_text(
        'title: "Kiểm tra thử tải"\nsummary: "Khóa học sinh ra cho bài đo tải kỳ thi."\n'
        "estimated_hours: 1\nrequirements:\n  modules: required\n  quizzes: required\n",
        encoding="utf-8",
    )
    (course / "modules" / "01-on-tap.md").write_text(
        '---\ntitle: "Ôn tập"\nsummary: "Bài ôn tập trước kỳ thi."\nminutes: 10\nrequired: true\n---\n\n'
        "## Ôn tập\n\nNội dung ôn tập trước kỳ kiểm tra.\n",
        encoding="utf-8",
    )
    lines = [
        "---",
        'title: "Kiểm tra cuối khóa (thử tải)"',
        "pass_mark: 50",
        "attempts: 1",
        "time_limit: 60",
        "shuffle: true",
        "review: after_each_attempt",
        "required: true",
        "---",
        "",
    ]
    for number in range(1, questions + 1):
        lines += [
            f"::Câu {number}::Câu hỏi số {number}: phương án nào đúng?{{",
            f"=Phương án đúng của câu {number}",
            *(f"~Phương án sai {k} của câu {number}" for k in (1, 2, 3)),
            "}",
            "",
        ]
    (course / "quizzes" / "kiem-tra.gift").write_text("\n".join(lines), encoding="utf-8")


def write_large_course(root: Path, slug: str, modules: int) -> None:
    """A course of `modules` modules of about 4 KB of Markdown each (headings, lists, a table)."""
    course = root / slug
    (course / "modules").mkdir(parents=True)
    (course / "course.yml").write_text(
        f'title: "Khóa học lớn ({modules} bài)"\nsummary: "Khóa học sinh ra cho bài đo đồng bộ nội dung."\n'
        "estimated_hours: 100\nrequirements:\n  modules: required\n",
        encoding="utf-8",
    )
    width = len(str(modules))
    for number in range(1, modules + 1):
        body = "\n\n".join(
            f"## Mục {part}\n\nĐoạn {part} của bài {number}: cải cách thủ tục hành chính, cơ chế một cửa, "
            "chính phủ số và xử lý tình huống thực tiễn tại cơ quan, đơn vị. "
            * 3
            + "\n\n- ý thứ nhất\n- ý thứ hai\n- ý thứ ba\n\n| cột | giá trị |\n|---|---|\n| a | 1 |\n| b | 2 |"
            for part in range(1, 4)
        )
        (course / "modules" / f"{number:0{width}d}-bai-{number}.md").write_text(
            f'---\ntitle: "Bài {number}"\nsummary: "Tóm tắt bài {number}."\nminutes: 15\nrequired: true\n---\n\n'
            f"{body}\n",
            encoding="utf-8",
        )
