"""Database helpers shared by every domain: UTC timestamps, SQLite tuning, write transactions."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

from sqlalchemy import DateTime, event
from sqlalchemy.engine import Engine
from sqlalchemy.types import TypeDecorator

from lms.extensions import db

_begin_immediate: ContextVar[bool] = ContextVar("begin_immediate", default=False)


def utcnow() -> datetime:
    """Return the current time, timezone-aware in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp stored as UTC and always returned timezone-aware.

    SQLite keeps no time zone, PostgreSQL does; this type makes both hand back the same values.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use lms.database.utcnow() or an aware value")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@event.listens_for(Engine, "connect")
def _tune_sqlite(dbapi_connection, connection_record):
    """Turn on WAL, a busy timeout and foreign keys; let SQLAlchemy emit BEGIN itself."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # The driver's own implicit BEGIN cannot be made IMMEDIATE; take transactions over.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout = 5000")
    cursor.execute("PRAGMA foreign_keys = ON")
    if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "memory":
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


@event.listens_for(Engine, "begin")
def _begin_sqlite(connection):
    """Open SQLite transactions explicitly, IMMEDIATE when a write is announced."""
    if connection.dialect.name != "sqlite":
        return
    # Straight to the driver: every request opens a transaction, and a statement through
    # SQLAlchemy's execution path costs more than SQLite's BEGIN itself. (So `echo` does not log it.)
    connection.connection.dbapi_connection.execute("BEGIN IMMEDIATE" if _begin_immediate.get() else "BEGIN")


def release_connection() -> None:
    """End the read transaction and give its connection back to the pool, before slow work that
    needs no database; the next query opens a new one (loaded objects are read again)."""
    db.session.commit()


def begin_write() -> None:
    """Start the request's write transaction now, so a read-then-write cannot hit a lock.

    On SQLite a deferred transaction that upgrades from read to write fails at once with
    "database is locked" when another writer got there first; BEGIN IMMEDIATE waits instead.
    Call it before the reads that decide a write. Elsewhere it only ends the read transaction.
    """
    db.session.commit()
    token = _begin_immediate.set(True)
    try:
        db.session.connection()
    finally:
        _begin_immediate.reset(token)


@contextmanager
def write_transaction() -> Iterator[None]:
    """Run a request's or a command's writes as one transaction: begin, commit once, or undo.

    The write starts at once (`begin_write`), so the reads that decide it see what it writes on.
    Any exception, a `Refused` above all, rolls everything back and goes on to the surface that
    shows it (a page, a form, a flash, a CLI error). Usable as `with write_transaction():` or as a
    decorator `@write_transaction()`.
    """
    begin_write()
    try:
        yield
    except BaseException:
        db.session.rollback()
        raise
    db.session.commit()
