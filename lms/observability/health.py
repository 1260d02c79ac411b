"""Liveness (/healthz: the process answers) and readiness (/readyz: it can serve, the database and
the configured Redis answer within a short timeout)."""

from __future__ import annotations

import logging
from collections.abc import Callable

import redis
from flask import Flask, current_app
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool

from lms.extensions import db

log = logging.getLogger("lms.health")

REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


def healthz():
    """Alive: answers without touching the database or Redis (a balancer's cheapest check)."""
    return {"status": "ok"}


def readiness_engine(app: Flask) -> Engine:
    """A connection of its own per check (no pool), with the readiness timeout on connect: a dead
    server costs the check a few seconds, never a page's pooled connection."""
    engine = app.extensions.get("lms_readiness_engine")
    if engine is None:
        url = db.engine.url  # as the app resolved it (a relative SQLite path lives in instance/)
        seconds = app.config["READY_TIMEOUT_SECONDS"]
        if url.get_backend_name() == "postgresql":
            connect_args = {"connect_timeout": max(2, round(seconds))}  # libpq: whole seconds, at least 2
        elif url.get_backend_name() == "sqlite":
            connect_args = {"timeout": seconds}
        else:
            connect_args = {}
        engine = create_engine(url, poolclass=NullPool, connect_args=connect_args)
        app.extensions["lms_readiness_engine"] = engine
    return engine


def check_database() -> None:
    engine = readiness_engine(current_app)
    with engine.connect() as connection:
        if engine.url.get_backend_name() == "postgresql":
            # LOCAL: ends with this transaction, so a pooler in front (PgBouncer) passes nothing on.
            milliseconds = round(current_app.config["READY_TIMEOUT_SECONDS"] * 1000)
            connection.exec_driver_sql(f"SET LOCAL statement_timeout = {milliseconds}")
        connection.execute(text("SELECT 1"))


def redis_check(url: str) -> Callable[[], None]:
    def check() -> None:
        seconds = current_app.config["READY_TIMEOUT_SECONDS"]
        client = redis.Redis.from_url(url, socket_connect_timeout=seconds, socket_timeout=seconds)
        try:
            client.ping()
        finally:
            client.close()

    return check


def readiness_checks(config) -> dict[str, Callable[[], None]]:
    """What this process needs to serve, by the name /readyz gives it."""
    checks: dict[str, Callable[[], None]] = {"database": check_database}
    queue = config.get("SOCKETIO_MESSAGE_QUEUE") or ""
    if queue.startswith(REDIS_SCHEMES):
        checks["redis_message_queue"] = redis_check(queue)
    storage = config.get("RATELIMIT_STORAGE_URI") or ""
    if storage.startswith(REDIS_SCHEMES):
        checks["redis_rate_limits"] = redis_check(storage)
    return checks


def readyz():
    """Ready: 200 when every check passes, else 503 naming the failed ones (details in the log)."""
    results, failed = {}, []
    for name, check in readiness_checks(current_app.config).items():
        try:
            check()
        except Exception as exc:  # noqa: BLE001 - any failure means not ready; the class is logged
            results[name] = "failed"
            failed.append(name)
            _log_change(name, exc)
        else:
            results[name] = "ok"
            _log_change(name, None)
    body = {"status": "unavailable" if failed else "ready", "checks": results}
    if failed:
        body["failed"] = failed
    return body, 503 if failed else 200, {"Cache-Control": "no-store"}


def _log_change(name: str, exc: Exception | None) -> None:
    """Log a check when its outcome changes in this process, not at every probe."""
    states = current_app.extensions.setdefault("lms_readiness_states", {})
    failing = exc is not None
    if states.get(name, False) == failing:
        return
    states[name] = failing
    if failing:
        detail = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else ""
        log.warning(
            "readiness check %s failed",
            name,
            extra={"fields": {"check": name, "error": type(exc).__name__, "detail": detail}},
        )
    else:
        log.info("readiness check %s passes again", name, extra={"fields": {"check": name}})
