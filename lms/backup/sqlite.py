"""SQLite: a consistent copy of a database in use (the online backup API), and checking and restoring one.

Copying the database file while the app writes loses whatever is still in its `-wal` file, and the
copy still passes `integrity_check`. The online backup API reads the database through SQLite, in one
read transaction: the copy holds exactly the transactions committed before it began, WAL included,
and writers carry on meanwhile (WAL lets one writer and many readers work at once).
"""

from __future__ import annotations

import gzip
import shutil
import sqlite3
import zlib
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL

from lms.backup.archive import CHUNK
from lms.backup.problems import damaged, not_empty
from lms.refusals import N_, Problem, Refused

BUSY_TIMEOUT_MS = 5000
# gzip level 6 (zlib's default): a database of JSON and text shrinks to about a fifth, at tens of MB/s.
GZIP_LEVEL = 6


@dataclass(frozen=True)
class Contents:
    """What a database copy holds: its schema revision and each table's rows."""

    schema_revision: str | None
    row_counts: dict[str, int]


def database_file(url: URL) -> Path:
    """The file of a SQLite database URL; refused for an in-memory database."""
    name = url.database or ""
    if name in ("", ":memory:") or url.query.get("mode") == "memory":
        raise Refused(
            Problem(N_("The configured SQLite database is in memory; set LMS_DATABASE_URL to a database file.")),
            code="no_database_file",
        )
    return Path(name.removeprefix("file:")).resolve()


def _connect(path: Path, create: bool = False) -> sqlite3.Connection:
    # `mode=rw` never creates a missing file: a mistyped path is refused instead of backed up empty.
    uri = f"{path.as_uri()}?mode={'rwc' if create else 'rw'}"
    connection = sqlite3.connect(uri, uri=True, isolation_level=None)
    connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    return connection


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def user_tables(connection: sqlite3.Connection) -> list[str]:
    rows = connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name"
    )
    return [name for (name,) in rows]


def contents(connection: sqlite3.Connection) -> Contents:
    """Read a database's schema revision and row counts (the caller holds a transaction if it must)."""
    tables = user_tables(connection)
    counts = {
        table: connection.execute(f"SELECT count(*) FROM {_quote(table)}").fetchone()[0]  # noqa: S608 - quoted name
        for table in tables
    }
    revision = None
    if "alembic_version" in tables:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        revision = row[0] if row else None
    return Contents(revision, counts)


def copy_live_database(source: Path, stored: Path, workdir: Path) -> Contents:
    """Copy a database in use to `stored` (gzipped); return what the copy holds."""
    if not source.is_file():
        raise Refused(
            Problem(N_("The database file %(path)s does not exist; nothing to back up."), path=str(source)),
            code="no_database_file",
        )
    plain = workdir / "database.sqlite3"
    try:
        with closing(_connect(source)) as live, closing(sqlite3.connect(plain, isolation_level=None)) as copy:
            # pages=-1: the whole database in one step, i.e. one read transaction, one moment in time.
            live.backup(copy, pages=-1)
            # One self-contained file: no -wal beside it to forget.
            copy.execute("PRAGMA journal_mode = DELETE")
            found = contents(copy)
    except sqlite3.Error as error:
        raise Refused(
            Problem(
                N_("SQLite could not copy %(path)s: %(error)s. No backup was written."), path=str(source), error=error
            ),
            code="backup_failed",
        ) from None
    with plain.open("rb") as raw, gzip.open(stored, "wb", compresslevel=GZIP_LEVEL) as packed:
        shutil.copyfileobj(raw, packed, CHUNK)
    plain.unlink()
    return found


def unpack(backup: Path, stored: Path, plain: Path) -> None:
    """Decompress a backup's stored copy (already checked against its manifest's checksum)."""
    try:
        with gzip.open(stored, "rb") as packed, plain.open("wb") as out:
            shutil.copyfileobj(packed, out, CHUNK)
    except (gzip.BadGzipFile, EOFError, zlib.error) as error:
        raise Refused(
            damaged(backup, f"its database copy does not decompress ({error})"), code="backup_damaged"
        ) from None


def check_copy(backup: Path, plain: Path) -> Contents:
    """Run SQLite's integrity and foreign key checks on a restored copy; return what it holds."""
    try:
        with closing(_connect(plain)) as copy:
            integrity = [line for (row,) in copy.execute("PRAGMA integrity_check") for line in row.splitlines()]
            if integrity != ["ok"]:
                raise Refused(
                    damaged(backup, "SQLite's integrity check of its database copy says: " + "; ".join(integrity[:5])),
                    code="backup_damaged",
                )
            violations = copy.execute("PRAGMA foreign_key_check").fetchall()
            if violations:
                raise Refused(
                    damaged(backup, f"its database copy has {len(violations)} rows pointing at missing rows"),
                    code="backup_damaged",
                )
            return contents(copy)
    except sqlite3.DatabaseError as error:
        raise Refused(
            damaged(backup, f"SQLite cannot read its database copy ({error})"), code="backup_damaged"
        ) from None


def restore_copy(plain: Path, target: Path) -> None:
    """Copy a checked database into the target file, which must hold no tables."""
    try:
        with closing(_connect(plain)) as copy, closing(_connect(target, create=True)) as database:
            tables = user_tables(database)
            if tables:
                raise Refused(not_empty(str(target), tables), code="database_not_empty")
            copy.backup(database, pages=-1)
    except sqlite3.Error as error:
        raise Refused(
            Problem(N_("SQLite could not restore into %(path)s: %(error)s."), path=str(target), error=error),
            code="restore_failed",
        ) from None


def read_contents(path: Path) -> Contents:
    """What a database file holds, read over a connection of its own."""
    with closing(_connect(path)) as database:
        return contents(database)


def target_tables(target: Path) -> list[str]:
    """The tables already in the database file to restore into (none while the file does not exist)."""
    if not target.parent.is_dir():
        raise Refused(
            Problem(N_("The folder of the database file %(path)s does not exist."), path=str(target)),
            code="no_database_file",
        )
    if not target.exists():
        return []
    try:
        with closing(_connect(target)) as database:
            return user_tables(database)
    except sqlite3.DatabaseError as error:
        raise Refused(
            Problem(
                N_("%(path)s is not a SQLite database (%(error)s). Nothing was changed."), path=str(target), error=error
            ),
            code="not_a_database",
        ) from None
