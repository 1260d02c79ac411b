"""Making, restoring and verifying backups of the configured database (docs/operations.md).

`create_backup` copies the database while the app keeps writing (SQLite's online backup API, or
pg_dump in an exported snapshot) and writes one backup file with its manifest. `restore_backup`
checks the file whole before it touches anything, refuses a backup from newer code and a database
that is not empty, then restores. `verify_backup` restores into a scratch database and checks
integrity, schema revision and every table's rows against the manifest. The commands record the
audit events (`record_backup_made`, `record_restore`) in their own transaction.
"""

from __future__ import annotations

import sqlite3
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool

from lms.audit.models import record_audit
from lms.backup import postgres, sqlite
from lms.backup.archive import file_digest, private_directory, read_backup_file, read_backup_manifest, write_backup_file
from lms.backup.manifest import ENGINE_NAMES, Manifest, SchemaFit, backup_file_names, count_differences, schema_fit
from lms.backup.problems import damaged, not_empty
from lms.backup.sqlite import Contents
from lms.extensions import db
from lms.refusals import N_, Problem, Refused


@dataclass(frozen=True)
class Made:
    """A backup just written."""

    path: Path
    manifest: Manifest
    seconds: float


@dataclass(frozen=True)
class Restored:
    """A backup restored (or restored into a scratch database and checked, for `verify`)."""

    path: Path
    manifest: Manifest
    fit: SchemaFit
    head: str | None
    contents: Contents
    seconds: float


def default_directory() -> Path:
    """Where backups go when no directory is given: `backups/` in the instance folder."""
    return Path(current_app.instance_path) / "backups"


def code_revisions() -> list[str]:
    """The schema revisions this code's migrations know, newest first."""
    script = ScriptDirectory(current_app.extensions["migrate"].directory)
    return [revision.revision for revision in script.walk_revisions()]


def application_version() -> str:
    """The code's git description (tag or commit, `-dirty` when changed), or "unknown" outside git."""
    root = Path(current_app.root_path).parent
    try:
        result = subprocess.run(  # noqa: S603 - fixed arguments, no shell
            ["git", "-C", str(root), "describe", "--always", "--dirty"],  # noqa: S607 - git from PATH
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return result.stdout.strip() if result.returncode == 0 and result.stdout.strip() else "unknown"


NO_BACKUP_WRITTEN = N_("Could not read or write %(path)s: %(error)s. No backup was written.")
NOTHING_CHANGED = N_("Could not read or write %(path)s: %(error)s. Nothing was changed.")


@contextmanager
def _file_errors(message: str) -> Iterator[None]:
    """Turn a file that cannot be read or written (no room, no permission) into a refusal naming it."""
    try:
        yield
    except OSError as error:
        raise Refused(
            Problem(message, path=str(error.filename or "a file"), error=error.strerror or str(error)), code="io_error"
        ) from None


def _engine_name(engine: Engine) -> str:
    name = engine.dialect.name
    if name not in ENGINE_NAMES:
        raise Refused(
            Problem(N_("Backups support SQLite and PostgreSQL, not %(engine)s."), engine=name), code="unsupported"
        )
    return name


def create_backup(directory: Path, now: datetime) -> Made:
    """Copy the database as it is now, while it is in use, into a new backup file in `directory`."""
    directory = private_directory(directory).resolve()
    engine = db.engine
    name = _engine_name(engine)
    started = time.monotonic()
    with _file_errors(NO_BACKUP_WRITTEN), tempfile.TemporaryDirectory(prefix=".lms-backup-", dir=directory) as work:
        stored = Path(work) / "stored"
        if name == "sqlite":
            found = sqlite.copy_live_database(sqlite.database_file(engine.url), stored, Path(work))
            server_version, made_with = sqlite3.sqlite_version, "SQLite online backup API, gzip"
        else:
            dump = postgres.dump_database(engine, stored)
            found, server_version, made_with = dump.contents, dump.server_version, dump.made_with
        size, sha256 = file_digest(stored)
        manifest = Manifest(
            engine=name,
            created_at=now,
            app_version=application_version(),
            schema_revision=found.schema_revision,
            row_counts=found.row_counts,
            size=size,
            sha256=sha256,
            server_version=server_version,
            made_with=made_with,
        )
        path = write_backup_file(directory, backup_file_names(now), manifest, stored)
    return Made(path, manifest, time.monotonic() - started)


def _schema_fit(path: Path, manifest: Manifest) -> tuple[SchemaFit, str | None]:
    history = code_revisions()
    fit = schema_fit(manifest.schema_revision, history)
    if fit is SchemaFit.UNKNOWN:
        raise Refused(
            Problem(
                N_(
                    "%(file)s has schema revision %(revision)s, which this code does not know: it was made by a newer "
                    "version of the application (%(version)s; this code's newest revision is %(head)s). Restore it "
                    "with that version or a newer one. Nothing was changed."
                ),
                file=str(path),
                revision=manifest.schema_revision,
                version=manifest.app_version,
                head=history[0] if history else "none",
            ),
            code="backup_from_newer_code",
        )
    return fit, history[0] if history else None


def _same_engine(path: Path, manifest: Manifest, engine: Engine) -> None:
    if manifest.engine != engine.dialect.name:
        raise Refused(
            Problem(
                N_(
                    "%(file)s holds a %(engine)s database, but the configured database is %(target)s. Point "
                    "LMS_DATABASE_URL at an empty %(engine)s database. Nothing was changed."
                ),
                file=str(path),
                engine=ENGINE_NAMES[manifest.engine],
                target=ENGINE_NAMES.get(engine.dialect.name, engine.dialect.name),
            ),
            code="wrong_engine",
        )


def _check_counts(path: Path, manifest: Manifest, found: Contents) -> None:
    differences = count_differences(manifest.row_counts, found.row_counts)
    if differences:
        reason = "its rows differ from its manifest (" + "; ".join(differences[:5]) + ")"
        raise Refused(damaged(path, reason), code="backup_damaged")
    if found.schema_revision != manifest.schema_revision:
        reason = f"it holds schema revision {found.schema_revision}, its manifest says {manifest.schema_revision}"
        raise Refused(damaged(path, reason), code="backup_damaged")


def restore_backup(path: Path) -> Restored:
    """Restore a backup file into the configured database, which must be empty."""
    manifest = read_backup_manifest(path)
    engine = db.engine
    _same_engine(path, manifest, engine)
    fit, head = _schema_fit(path, manifest)
    started = time.monotonic()
    with _file_errors(NOTHING_CHANGED):
        _restore(path, manifest, engine)
    engine.dispose()
    found = _contents_of(engine)
    return Restored(path, manifest, fit, head, found, time.monotonic() - started)


def _restore(path: Path, manifest: Manifest, engine: Engine) -> None:
    """Unpack, check and restore, per engine; the checks come before the first write."""
    if manifest.engine == "sqlite":
        target = sqlite.database_file(engine.url)
        if tables := sqlite.target_tables(target):
            raise Refused(not_empty(str(target), tables), code="database_not_empty")
        # Next to the database: the unpacked copy needs as much room as the restored database will.
        with tempfile.TemporaryDirectory(prefix=".lms-restore-", dir=target.parent) as work:
            stored, plain = Path(work) / "stored", Path(work) / "database.sqlite3"
            read_backup_file(path, stored)
            sqlite.unpack(path, stored, plain)
            _check_counts(path, manifest, sqlite.check_copy(path, plain))
            engine.dispose()
            sqlite.restore_copy(plain, target)
    else:
        with engine.connect() as connection:
            if tables := postgres.user_tables(connection):
                raise Refused(not_empty(postgres.shown(engine.url), tables), code="database_not_empty")
        with tempfile.TemporaryDirectory(prefix="lms-restore-") as work:
            stored = Path(work) / "stored"
            read_backup_file(path, stored)
            postgres.restore_dump(engine, stored, manifest.made_with)


def _contents_of(engine: Engine) -> Contents:
    if engine.dialect.name == "sqlite":
        return sqlite.read_contents(sqlite.database_file(engine.url))
    return postgres.read_contents(engine.url)


def verify_backup(path: Path) -> Restored:
    """Restore a backup into a scratch database and check it against its manifest; nothing else is touched."""
    manifest = read_backup_manifest(path)
    history = code_revisions()
    fit = schema_fit(manifest.schema_revision, history)
    engine = db.engine
    if manifest.engine == "postgresql" and engine.dialect.name != "postgresql":
        raise Refused(
            Problem(
                N_(
                    "Verifying a PostgreSQL backup restores it on a PostgreSQL server: point LMS_DATABASE_URL at "
                    "one where this account may create databases."
                )
            ),
            code="wrong_engine",
        )
    started = time.monotonic()
    with _file_errors(NOTHING_CHANGED), tempfile.TemporaryDirectory(prefix="lms-verify-") as work:
        stored = Path(work) / "stored"
        read_backup_file(path, stored)
        if manifest.engine == "sqlite":
            plain = Path(work) / "database.sqlite3"
            sqlite.unpack(path, stored, plain)
            found = sqlite.check_copy(path, plain)
        else:
            found = _restored_in_scratch(engine, stored, manifest)
        _check_counts(path, manifest, found)
    return Restored(path, manifest, fit, history[0] if history else None, found, time.monotonic() - started)


def _restored_in_scratch(engine: Engine, stored: Path, manifest: Manifest) -> Contents:
    with postgres.scratch_database(engine) as url:
        scratch = create_engine(url, poolclass=NullPool)
        try:
            postgres.restore_dump(scratch, stored, manifest.made_with)
        finally:
            scratch.dispose()
        return postgres.read_contents(url)


def record_backup_made(made: Made) -> None:
    """Audit a backup: it copies everyone's personal data (the caller commits)."""
    record_audit(
        None,
        "backup.create",
        f"backup:{made.path.name}",
        path=str(made.path),
        bytes=made.path.stat().st_size,
        rows=made.manifest.total_rows,
        schema_revision=made.manifest.schema_revision,
    )


def record_restore(restored: Restored) -> None:
    """Audit a restore in the restored database itself (the caller commits)."""
    manifest = restored.manifest
    record_audit(
        None,
        "backup.restore",
        f"backup:{restored.path.name}",
        path=str(restored.path.resolve()),
        made_at=manifest.created_at.isoformat(),
        app_version=manifest.app_version,
        schema_revision=manifest.schema_revision,
        rows=manifest.total_rows,
    )
