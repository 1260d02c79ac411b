"""Which settings a process may start with: every problem found at once, one clear line each.

An operator who mistypes LMS_CONFIG or gives a MySQL URL should read what to change, not a
KeyError or a driver's traceback from the first request. Pure: it reads the values it is given.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from lms.text import whole_number

SUPPORTED_DATABASES = ("sqlite", "postgresql")
SUPPORTED_QUEUES = ("redis://", "rediss://")
WEAK_KEYS = frozenset({"change-me", "dev", "secret"})


# The database connection pool's settings: (environment variable, config key, smallest value).
POOL_SETTINGS = (
    ("LMS_DB_POOL_SIZE", "DB_POOL_SIZE", 1),
    ("LMS_DB_POOL_OVERFLOW", "DB_POOL_OVERFLOW", 0),
    ("LMS_DB_POOL_TIMEOUT_SECONDS", "DB_POOL_TIMEOUT_SECONDS", 1),
)


def pool_options(config: Mapping) -> dict:
    """SQLAlchemy's pool arguments from the settings (checked by settings_problems first)."""
    return {
        "pool_size": whole_number(str(config["DB_POOL_SIZE"]), minimum=1, maximum=1000),
        "max_overflow": whole_number(str(config["DB_POOL_OVERFLOW"]), minimum=0, maximum=1000),
        "pool_timeout": whole_number(str(config["DB_POOL_TIMEOUT_SECONDS"]), minimum=1, maximum=1000),
    }


def settings_message(problems: list[str]) -> str:
    """What a process that cannot start says (raised as a RuntimeError: start-up, not a refusal)."""
    return "The LMS cannot start with these settings:\n" + "\n".join(f"- {p}" for p in problems)


def config_name_problem(name: str, known: Iterable[str]) -> str | None:
    known = sorted(known)
    if name in known:
        return None
    return f"LMS_CONFIG is {name!r}; it must be one of: {', '.join(known)}"


def settings_problems(config: Mapping) -> list[str]:
    """Every reason the configuration `config` (a loaded Flask config) cannot run."""
    problems = []
    production = config.get("NAME") == "production"
    url = config.get("SQLALCHEMY_DATABASE_URI") or ""
    backend = url.split(":", 1)[0].split("+", 1)[0] if url else ""
    if production and not url:
        problems.append("LMS_DATABASE_URL must be set in production (postgresql://… or sqlite:///path)")
    elif url and backend not in SUPPORTED_DATABASES:
        problems.append(
            f"LMS_DATABASE_URL uses {backend!r}; the LMS runs on PostgreSQL (postgresql://…) or SQLite (sqlite:///path)"
        )
    key = config.get("SECRET_KEY") or ""
    if production and (len(key) < 32 or key in WEAK_KEYS):
        problems.append(
            "LMS_SECRET_KEY must be a random string of 32+ characters in production, the same in every process"
        )
    queue = config.get("SOCKETIO_MESSAGE_QUEUE") or ""
    if queue and not queue.startswith(SUPPORTED_QUEUES):
        problems.append("LMS_SOCKETIO_MESSAGE_QUEUE must be a Redis URL (redis://host:6379/0)")
    processes = whole_number(str(config.get("PROCESSES", "1")), minimum=1, maximum=1000)
    if processes is None:
        problems.append(f"LMS_PROCESSES is {config.get('PROCESSES')!r}; it must be a whole number from 1 to 1000")
        processes = 1
    if processes > 1 and not queue:
        problems.append(
            f"LMS_PROCESSES is {processes}: several processes share live rooms only through Redis; "
            "set LMS_SOCKETIO_MESSAGE_QUEUE"
        )
    if processes > 1 and backend == "sqlite":
        problems.append(f"LMS_PROCESSES is {processes}: several processes need PostgreSQL, not SQLite")
    for name, key, minimum in POOL_SETTINGS:
        if config.get(key) is not None and whole_number(str(config[key]), minimum=minimum, maximum=1000) is None:
            problems.append(f"{name} is {config.get(key)!r}; it must be a whole number from {minimum} to 1000")
    return problems
