"""Settings are checked at start: one clear line per problem, never a KeyError or a driver's traceback."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from lms.settings import settings_problems

REPO = Path(__file__).resolve().parent.parent
GOOD = {
    "NAME": "production",
    "SECRET_KEY": "k" * 40,
    "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://lms@db/lms",
    "SOCKETIO_MESSAGE_QUEUE": "redis://127.0.0.1:6379/0",
    "PROCESSES": "2",
}


def test_a_complete_production_configuration_has_no_problem():
    assert settings_problems(GOOD) == []


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"SQLALCHEMY_DATABASE_URI": "mysql://lms@db/lms"}, "LMS_DATABASE_URL uses 'mysql'; the LMS runs on"),
        ({"SQLALCHEMY_DATABASE_URI": None}, "LMS_DATABASE_URL must be set in production"),
        ({"SECRET_KEY": "change-me"}, "LMS_SECRET_KEY must be a random string of 32+ characters in production"),
        ({"SOCKETIO_MESSAGE_QUEUE": "amqp://guest@mq//"}, "LMS_SOCKETIO_MESSAGE_QUEUE must be a Redis URL"),
        ({"SOCKETIO_MESSAGE_QUEUE": None}, "LMS_PROCESSES is 2: several processes share live rooms only through Redis"),
        ({"SQLALCHEMY_DATABASE_URI": "sqlite:////srv/lms.db"}, "LMS_PROCESSES is 2: several processes need PostgreSQL"),
        ({"PROCESSES": "two"}, "LMS_PROCESSES is 'two'; it must be a whole number from 1 to 1000"),
        ({"DB_POOL_SIZE": "0"}, "LMS_DB_POOL_SIZE is '0'; it must be a whole number from 1 to 1000"),
        ({"DB_POOL_OVERFLOW": "-1"}, "LMS_DB_POOL_OVERFLOW is '-1'; it must be a whole number from 0 to 1000"),
        ({"DB_POOL_TIMEOUT_SECONDS": "½"}, "LMS_DB_POOL_TIMEOUT_SECONDS is '½'; it must be a whole number from 1"),
    ],
)
def test_each_problem_is_named(change, problem):
    problems = settings_problems(GOOD | change)
    assert len(problems) == 1 and problems[0].startswith(problem), problems


def start(env: dict) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LMS_")}
    code = "import wsgi"
    return subprocess.run([sys.executable, "-c", code], cwd=REPO, env=clean | env, capture_output=True, text=True)


def test_an_unknown_configuration_name_is_refused_with_the_known_ones():
    done = start({"LMS_CONFIG": "prod"})
    assert done.returncode != 0
    assert "LMS_CONFIG is 'prod'; it must be one of: development, production, testing" in done.stderr
    assert "KeyError" not in done.stderr


def test_every_problem_is_listed_at_once():
    done = start({"LMS_CONFIG": "production", "LMS_DATABASE_URL": "mysql://x@y/z", "LMS_SECRET_KEY": "dev"})
    assert done.returncode != 0
    assert "The LMS cannot start with these settings:" in done.stderr
    assert "- LMS_DATABASE_URL uses 'mysql'" in done.stderr
    assert "- LMS_SECRET_KEY must be a random string of 32+ characters" in done.stderr


def test_a_postgresql_process_sizes_its_connection_pool_from_the_settings(tmp_path):
    from lms import create_app
    from lms.extensions import db

    app = create_app(
        "testing",
        {
            "SQLALCHEMY_DATABASE_URI": "postgresql://lms@127.0.0.1:1/none",  # never connected to
            "DB_POOL_SIZE": "7",
            "DB_POOL_OVERFLOW": "3",
            "DB_POOL_TIMEOUT_SECONDS": "12",
        },
        instance_path=str(tmp_path),
    )
    with app.app_context():
        pool = db.engine.pool
        assert (pool.size(), pool._max_overflow, pool._timeout) == (7, 3, 12)
