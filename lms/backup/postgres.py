"""PostgreSQL: pg_dump's custom format taken in the very snapshot the manifest's counts are read in.

The backup opens a REPEATABLE READ transaction, exports its snapshot, counts every table in it and
hands the snapshot to `pg_dump --snapshot`: the dump and the manifest describe the same moment,
while the app keeps writing (pg_dump only takes ACCESS SHARE locks). `pg_restore` runs as one
transaction, so a restore that fails leaves the database as empty as it found it.

The client programs are taken from PATH. pg_dump refuses a server of a newer major version than
its own, and pg_restore cannot read a dump made by a newer pg_dump: both are checked first, with
a message naming the package to install.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from lms.backup.problems import not_empty
from lms.backup.sqlite import Contents
from lms.refusals import N_, Problem, Refused

_MAJOR = re.compile(r"\(PostgreSQL\)\s+(\d+)")


@dataclass(frozen=True)
class Dump:
    """A dump just written: what it holds, the server it came from and the pg_dump that made it."""

    contents: Contents
    server_version: str
    made_with: str


def _tool(name: str) -> Path:
    found = shutil.which(name)
    if not found:
        raise Refused(
            Problem(
                N_(
                    "%(tool)s was not found. Install the PostgreSQL client programs of the server's major version "
                    "or newer (Debian: postgresql-client-N) and put them on PATH."
                ),
                tool=name,
            ),
            code="pg_tool_missing",
        )
    return Path(found)


def tool_version(tool: Path) -> tuple[str, int]:
    """A client program's version line and major version."""
    result = subprocess.run([tool, "--version"], capture_output=True, text=True, check=False)  # noqa: S603
    line = result.stdout.strip()
    match = _MAJOR.search(line)
    return line, int(match.group(1)) if match else 0


def dump_major(made_with: str) -> int:
    """The major version of the pg_dump named in a manifest (0 when it does not say)."""
    match = _MAJOR.search(made_with)
    return int(match.group(1)) if match else 0


def libpq_arguments(url: URL) -> tuple[str, dict[str, str]]:
    """A connection string for the client programs without the password, and their environment with it.

    The password travels in PGPASSWORD, never on a command line that `ps` shows to every local user.
    """
    conninfo = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    environment = dict(os.environ)
    if url.password:
        environment["PGPASSWORD"] = str(url.password)
    return conninfo, environment


def shown(url: URL) -> str:
    """A database URL as the operator wrote it, without its password."""
    return url.set(drivername="postgresql").render_as_string(hide_password=True)


def _run(tool: Path, arguments: list[str], url: URL) -> subprocess.CompletedProcess:
    conninfo, environment = libpq_arguments(url)
    return subprocess.run(  # noqa: S603 - a fixed program with arguments we build, no shell
        [tool, "--no-password", *arguments, f"--dbname={conninfo}"],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )


def _last_lines(text: str, count: int = 5) -> str:
    return " | ".join(line for line in text.strip().splitlines()[-count:] if line.strip()) or "no message"


def user_tables(connection: Connection) -> list[str]:
    """Every table outside PostgreSQL's own schemas; those of `public` by their bare name."""
    rows = connection.exec_driver_sql(
        "SELECT schemaname, tablename FROM pg_tables "
        "WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2"
    )
    return [table if schema == "public" else f"{schema}.{table}" for schema, table in rows]


def contents(connection: Connection) -> Contents:
    """A database's schema revision and row counts, as seen by the connection's transaction."""
    quote = connection.dialect.identifier_preparer.quote
    counts = {}
    for table in user_tables(connection):
        schema, _, name = table.rpartition(".")
        qualified = f"{quote(schema or 'public')}.{quote(name)}"
        counts[table] = connection.exec_driver_sql(f"SELECT count(*) FROM {qualified}").scalar()  # noqa: S608
    revision = None
    if "alembic_version" in counts:
        revision = connection.exec_driver_sql("SELECT version_num FROM public.alembic_version").scalar()
    return Contents(revision, counts)


def dump_database(engine: Engine, stored: Path) -> Dump:
    """Dump the database to `stored` with pg_dump, from the snapshot the counts are read in."""
    pg_dump = _tool("pg_dump")
    made_with, major = tool_version(pg_dump)
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as connection:
        # The first statement fixes the transaction's snapshot; exporting it lets pg_dump share it.
        snapshot = connection.exec_driver_sql("SELECT pg_export_snapshot()").scalar()
        server_number = int(connection.exec_driver_sql("SHOW server_version_num").scalar())
        server_version = connection.exec_driver_sql("SHOW server_version").scalar()
        if major < server_number // 10000:
            raise Refused(
                Problem(
                    N_(
                        "%(tool)s cannot dump a PostgreSQL %(server)s server. Install postgresql-client-%(major)d "
                        "(or newer) and put its programs first on PATH. No backup was written."
                    ),
                    tool=made_with or str(pg_dump),
                    server=server_version,
                    major=server_number // 10000,
                ),
                code="pg_tool_too_old",
            )
        found = contents(connection)
        result = _run(pg_dump, ["--format=custom", f"--snapshot={snapshot}", f"--file={stored}"], engine.url)
        connection.rollback()
    if result.returncode != 0:
        raise Refused(
            Problem(N_("pg_dump failed; no backup was written: %(error)s"), error=_last_lines(result.stderr)),
            code="backup_failed",
        )
    return Dump(found, server_version, made_with)


def restore_dump(engine: Engine, stored: Path, made_with: str) -> None:
    """Restore a dump into the (empty) database of `engine`, all or nothing."""
    pg_restore = _tool("pg_restore")
    version, major = tool_version(pg_restore)
    needed = dump_major(made_with)
    if major < needed:
        raise Refused(
            Problem(
                N_(
                    "%(tool)s cannot read a backup made by %(dump)s. Install postgresql-client-%(major)d (or newer) "
                    "and put its programs first on PATH. Nothing was changed."
                ),
                tool=version or str(pg_restore),
                dump=made_with,
                major=needed,
            ),
            code="pg_tool_too_old",
        )
    with engine.connect() as connection:
        tables = user_tables(connection)
    if tables:
        raise Refused(not_empty(shown(engine.url), tables), code="database_not_empty")
    options = ["--exit-on-error", "--single-transaction", "--no-owner", "--no-privileges"]
    result = _run(pg_restore, [*options, str(stored)], engine.url)
    if result.returncode != 0:
        raise Refused(
            Problem(
                N_("pg_restore failed, and nothing was restored (it runs as one transaction): %(error)s"),
                error=_last_lines(result.stderr),
            ),
            code="restore_failed",
        )


def read_contents(url: URL) -> Contents:
    """What a database holds, read over a connection of its own."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return contents(connection)
    finally:
        engine.dispose()


@contextmanager
def scratch_database(engine: Engine) -> Iterator[URL]:
    """A new empty database on the same server, dropped afterwards whatever happens."""
    name = f"lms_verify_{secrets.token_hex(6)}"
    server = engine.execution_options(isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE template0')
    except DBAPIError as error:
        raise Refused(
            Problem(
                N_(
                    "Verifying a PostgreSQL backup restores it into a scratch database, which this account cannot "
                    "create (%(error)s). Grant it CREATEDB, or verify with another account."
                ),
                error=str(error.orig).strip(),
            ),
            code="no_scratch_database",
        ) from None
    try:
        yield engine.url.set(database=name)
    finally:
        with server.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
