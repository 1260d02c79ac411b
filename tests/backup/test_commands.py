"""`flask backup create|restore|verify` on the database the suite runs on (SQLite, or PostgreSQL with
LMS_TEST_DATABASE_URL): what the operator reads, the files written, and the rows each database holds.

Every refusal is checked for its message, exit status 1, and that nothing changed: the target
database keeps exactly its rows (or stays without tables), no backup file is left behind.
"""

from __future__ import annotations

import io
import json
import os
import re
import stat
import tarfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, select, text

from lms.audit.models import AuditEvent
from lms.backup.archive import file_digest
from lms.backup.service import create_backup
from lms.extensions import db
from tests import snapshots
from tests.backup.conftest import run, written_path

ENGINE = "postgresql" if os.environ.get("LMS_TEST_DATABASE_URL") else "sqlite"
HEAD, PREVIOUS = [r.revision for r in ScriptDirectory(str(Path(__file__).parents[2] / "migrations")).walk_revisions()][
    :2
]


def tables(app) -> list[str]:
    with app.app_context():
        names = sorted(inspect(db.engine).get_table_names())
        db.engine.dispose()
    return names


def take(app) -> snapshots.Snapshot:
    with app.app_context():
        snapshot = snapshots.take()
        db.session.remove()
        db.engine.dispose()
    return snapshot


def backup_of(app, out: Path) -> Path:
    result = run(app, "backup", "create", "--out", str(out))
    assert result.exit_code == 0, result.output
    return written_path(result.output)


def members(path: Path) -> dict[str, bytes]:
    with tarfile.open(path) as tar:
        return {member.name: tar.extractfile(member).read() for member in tar.getmembers()}


def write_tar(path: Path, entries: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in entries.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def refused(result, message: str) -> None:
    """The command ended with exit status 1 and printed exactly this error."""
    assert result.exit_code == 1, result.output
    assert result.output.strip().splitlines()[-1] == f"Error: {message}", result.output


# -- create and restore ----------------------------------------------------------------------------


def test_a_backup_restores_every_row_into_an_empty_database(source, make_app, tmp_path):
    before = take(source)
    result = run(source, "backup", "create", "--out", str(tmp_path / "backups"))
    assert result.exit_code == 0, result.output
    path = written_path(result.output)
    lines = result.output.splitlines()
    assert re.fullmatch(r".*/backups/lms-backup-\d{8}T\d{6}Z\.tar", str(path))
    assert re.fullmatch(
        # The snapshot leaves out the live-room processes' heartbeat table; the backup has it (empty here).
        rf"[\d.]+ (KB|MB), {sum(len(t) for t in before.values()) + 1} rows in "
        rf"{len(before) + len(snapshots.UNTRACKED) + 1} tables, "
        rf"schema revision {HEAD}, [\d.]+ s\.",
        lines[1],
    ), lines[1]
    assert lines[2].startswith("Not in the backup: the secret key (LMS_SECRET_KEY)")
    # Personal data and password hashes: the operator's eyes only.
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]
    manifest = json.loads(members(path)["manifest.json"])
    assert manifest["schema_revision"] == HEAD and manifest["database"]["engine"] == ENGINE
    assert manifest["row_counts"] == {
        **{name: len(rows) for name, rows in before.items()},
        **dict.fromkeys(snapshots.UNTRACKED, 0),
        "alembic_version": 1,
    }

    target = make_app(revision=None)
    result = run(target, "backup", "restore", str(path))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0].startswith(f"Restored {path} (made ")
    assert "flask db upgrade" not in result.output
    assert "secret key (LMS_SECRET_KEY)" in result.output
    after = take(target)
    # Every row came back; the only new one is the restore's own audit record.
    added = snapshots.changes(before, after)
    assert list(added) == ["audit_events"] and len(added["audit_events"]["added"]) == 1
    assert not added["audit_events"]["removed"] and not added["audit_events"]["changed"]


def test_create_and_restore_are_audited(source, make_app, tmp_path):
    path = backup_of(source, tmp_path)
    with source.app_context():
        event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        rows = json.loads(members(path)["manifest.json"])["row_counts"]
        assert (event.actor_id, event.action, event.target, event.details) == (
            None,
            "backup.create",
            f"backup:{path.name}",
            {"path": str(path), "bytes": path.stat().st_size, "rows": sum(rows.values()), "schema_revision": HEAD},
        )
        made_at = json.loads(members(path)["manifest.json"])["created_at"]
        db.session.remove()
        db.engine.dispose()
    target = make_app(revision=None)
    assert run(target, "backup", "restore", str(path)).exit_code == 0
    with target.app_context():
        event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        details = dict(event.details)
        assert datetime.fromisoformat(details.pop("made_at")) == datetime.fromisoformat(made_at)
        assert (event.actor_id, event.action, event.target, details) == (
            None,
            "backup.restore",
            f"backup:{path.name}",
            {
                "path": str(path),
                "app_version": details["app_version"],
                "schema_revision": HEAD,
                "rows": sum(rows.values()),
            },
        )
        db.session.remove()
        db.engine.dispose()


def test_a_backup_never_replaces_a_file(source, tmp_path):
    now = datetime(2026, 3, 1, 17, 5, 9, tzinfo=UTC)
    out = tmp_path / "backups"
    out.mkdir()
    someone_elses = out / "lms-backup-20260301T170509Z.tar"
    someone_elses.write_bytes(b"not ours")
    with source.app_context():
        first = create_backup(out, now).path
        first_digest = file_digest(first)
        second = create_backup(out, now).path
        db.engine.dispose()
    assert (first.name, second.name) == ("lms-backup-20260301T170509Z-2.tar", "lms-backup-20260301T170509Z-3.tar")
    assert someone_elses.read_bytes() == b"not ours"
    assert file_digest(first) == first_digest
    # No temporary file is left beside them.
    assert sorted(p.name for p in out.iterdir()) == sorted([someone_elses.name, first.name, second.name])


def test_restore_into_a_database_that_is_not_empty_is_refused_and_changes_nothing(source, make_app, tmp_path):
    path = backup_of(source, tmp_path)
    before = take(source)
    result = run(source, "backup", "restore", str(path))
    names = tables(source)
    with source.app_context():
        where = _shown_url(source)
    refused(
        result,
        f"The database {where} is not empty ({len(names)} tables, such as {', '.join(names[:3])}). Restore only "
        "into a new, empty database (create one and point LMS_DATABASE_URL at it). Nothing was changed.",
    )
    assert take(source) == before
    # Tables without rows are not empty either: a migrated database is not a place to restore into.
    migrated = make_app()
    refused(run(migrated, "backup", "restore", str(path)), _not_empty_message(migrated))
    assert all(not rows for rows in take(migrated).values())


def _shown_url(app) -> str:
    if ENGINE == "sqlite":
        return str(Path(db.engine.url.database).resolve())
    return db.engine.url.set(drivername="postgresql").render_as_string(hide_password=True)


def _not_empty_message(app) -> str:
    names = tables(app)
    with app.app_context():
        where = _shown_url(app)
        db.engine.dispose()
    return (
        f"The database {where} is not empty ({len(names)} tables, such as {', '.join(names[:3])}). Restore only "
        "into a new, empty database (create one and point LMS_DATABASE_URL at it). Nothing was changed."
    )


# -- files that are not whole backups --------------------------------------------------------------


def test_a_truncated_backup_is_refused_before_anything_is_restored(source, make_app, tmp_path):
    path = backup_of(source, tmp_path / "good")
    with tarfile.open(path) as tar:
        database = tar.getmembers()[1]
    data = path.read_bytes()
    cut = database.offset_data + database.size // 2
    truncated = tmp_path / "cut.tar"
    truncated.write_bytes(data[:cut])
    message = (
        f"{truncated} is incomplete: it holds {cut - database.offset_data} of the {database.size} bytes of its "
        "database copy (it was cut short while being written or copied). Nothing was changed; use another backup."
    )
    target = make_app(revision=None)
    refused(run(target, "backup", "restore", str(truncated)), message)
    assert tables(target) == []
    refused(run(target, "backup", "verify", str(truncated)), message)


def test_a_backup_cut_before_its_database_copy_says_so(source, make_app, tmp_path):
    path = backup_of(source, tmp_path / "good")
    with tarfile.open(path) as tar:
        manifest_member, database = tar.getmembers()
    truncated = tmp_path / "cut.tar"
    truncated.write_bytes(path.read_bytes()[: database.offset])  # the manifest, then nothing
    target = make_app(revision=None)
    refused(
        run(target, "backup", "restore", str(truncated)),
        f"{truncated} is incomplete: it holds 0 of the {database.size} bytes of its database copy (it was cut "
        "short while being written or copied). Nothing was changed; use another backup.",
    )
    assert tables(target) == []
    inside_manifest = tmp_path / "cut-early.tar"
    inside_manifest.write_bytes(path.read_bytes()[: manifest_member.offset_data + 10])
    refused(
        run(target, "backup", "restore", str(inside_manifest)),
        f"{inside_manifest} is not a backup made by `flask backup create` (its manifest.json is cut short). "
        "Nothing was changed.",
    )
    assert tables(target) == []


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "not a tar file: empty file"),
        ("Họ và tên,Đơn vị\n".encode() * 40, "not a tar file: invalid header"),
        ({"notes.txt": b"hello"}, "its first member is not manifest.json"),
        ({"manifest.json": b'{"format": "something-else"}'}, "its manifest is not an LMS backup manifest"),
    ],
)
def test_a_file_that_is_not_a_backup_is_refused(make_app, tmp_path, content, reason):
    path = tmp_path / "lms-backup-20260301T170509Z.tar"
    if isinstance(content, dict):
        write_tar(path, content)
    else:
        path.write_bytes(content)
    message = f"{path} is not a backup made by `flask backup create` ({reason}). Nothing was changed."
    target = make_app(revision=None)
    refused(run(target, "backup", "restore", str(path)), message)
    assert tables(target) == []
    refused(run(target, "backup", "verify", str(path)), message)


# -- verify ----------------------------------------------------------------------------------------


def test_verify_passes_a_good_backup_and_touches_nothing(source, tmp_path):
    path = backup_of(source, tmp_path)
    before = take(source)
    result = run(source, "backup", "verify", str(path))
    assert result.exit_code == 0, result.output
    assert re.fullmatch(
        rf"OK: {re.escape(str(path))} restores whole \(made \d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d UTC by version \S+, "
        rf"schema revision {HEAD}; \d+ rows in \d+ tables\); checked in [\d.]+ s\.",
        result.output.strip(),
    ), result.output
    assert take(source) == before


def _rewrite(path: Path, out: Path, manifest_changes: dict | None = None, database: bytes | None = None) -> Path:
    """A copy of a backup with its manifest edited or its database copy replaced (checksum kept honest)."""
    entries = members(path)
    manifest = json.loads(entries["manifest.json"])
    name = manifest["database"]["file"]
    if database is not None:
        import hashlib

        entries[name] = database
        manifest["database"].update(bytes=len(database), sha256=hashlib.sha256(database).hexdigest())
    manifest.update(manifest_changes or {})
    entries["manifest.json"] = json.dumps(manifest).encode()
    return write_tar(out, {"manifest.json": entries["manifest.json"], name: entries[name]})


def test_verify_refuses_a_backup_whose_copy_was_changed(source, tmp_path):
    path = backup_of(source, tmp_path)
    with tarfile.open(path) as tar:
        database = tar.getmembers()[1]
    damaged = tmp_path / "damaged.tar"
    data = bytearray(path.read_bytes())
    data[database.offset_data + database.size // 2] ^= 0xFF
    damaged.write_bytes(bytes(data))
    refused(
        run(source, "backup", "verify", str(damaged)),
        f"{damaged} is damaged: its database copy does not match the checksum in its manifest. Nothing was changed; "
        "use another backup.",
    )


def test_verify_refuses_a_backup_whose_rows_differ_from_its_manifest(source, tmp_path):
    path = backup_of(source, tmp_path)
    counts = json.loads(members(path)["manifest.json"])["row_counts"]
    lying = _rewrite(path, tmp_path / "lying.tar", {"row_counts": {**counts, "users": counts["users"] + 1}})
    refused(
        run(source, "backup", "verify", str(lying)),
        f"{lying} is damaged: its rows differ from its manifest (users: {counts['users'] + 1} listed, "
        f"{counts['users']} found). Nothing was changed; use another backup.",
    )


@pytest.mark.skipif(ENGINE != "sqlite", reason="SQLite's own integrity check")
def test_verify_refuses_a_sqlite_copy_that_fails_the_integrity_check(source, tmp_path):
    import gzip
    import sqlite3
    from contextlib import closing

    path = backup_of(source, tmp_path)
    plain = bytearray(gzip.decompress(members(path)["database.sqlite3.gz"]))
    scratch = tmp_path / "look.sqlite3"
    scratch.write_bytes(plain)
    with closing(sqlite3.connect(scratch)) as look:
        root = look.execute("SELECT rootpage FROM sqlite_master WHERE name = 'users'").fetchone()[0]
    page_size = int.from_bytes(plain[16:18], "big")
    # The users table's root page loses its b-tree page type: the file stays a database, the table does not.
    plain[(root - 1) * page_size] = 0x42
    broken = _rewrite(path, tmp_path / "broken.tar", database=gzip.compress(bytes(plain)))
    refused(
        run(source, "backup", "verify", str(broken)),
        f"{broken} is damaged: SQLite cannot read its database copy (database disk image is malformed). "
        "Nothing was changed; use another backup.",
    )


@pytest.mark.skipif(ENGINE != "sqlite", reason="SQLite's own integrity check")
def test_verify_reports_what_the_sqlite_integrity_check_finds(source, tmp_path):
    import gzip
    import sqlite3
    from contextlib import closing

    path = backup_of(source, tmp_path)
    scratch = tmp_path / "look.sqlite3"
    scratch.write_bytes(gzip.decompress(members(path)["database.sqlite3.gz"]))
    with closing(sqlite3.connect(scratch, isolation_level=None)) as look:
        # Point the users' unit index at an empty b-tree: every user is then missing from it.
        look.execute("CREATE INDEX ix_empty ON alembic_version (version_num)")
        look.execute("DELETE FROM alembic_version")
        empty = look.execute("SELECT rootpage FROM sqlite_master WHERE name = 'ix_empty'").fetchone()[0]
        look.execute("PRAGMA writable_schema = ON")
        look.execute("UPDATE sqlite_master SET rootpage = ? WHERE name = 'ix_users_unit_id'", (empty,))
    broken = _rewrite(path, tmp_path / "broken.tar", database=gzip.compress(scratch.read_bytes()))
    result = run(source, "backup", "verify", str(broken))
    assert result.exit_code == 1, result.output
    assert re.fullmatch(
        rf"Error: {re.escape(str(broken))} is damaged: SQLite's integrity check of its database copy says: "
        r"\*\*\* in database main \*\*\*; .*row 1 missing from index ix_users_unit_id.*\. "
        r"Nothing was changed; use another backup\.",
        result.output.strip(),
    ), result.output


# -- schema revisions and engines ------------------------------------------------------------------


def test_a_backup_from_newer_code_is_refused(source, make_app, tmp_path):
    with source.app_context():
        with db.engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = 'fe11ed0a2b3c'"))
        db.engine.dispose()
    path = backup_of(source, tmp_path)
    version = json.loads(members(path)["manifest.json"])["app_version"]
    target = make_app(revision=None)
    refused(
        run(target, "backup", "restore", str(path)),
        f"{path} has schema revision fe11ed0a2b3c, which this code does not know: it was made by a newer version "
        f"of the application ({version}; this code's newest revision is {HEAD}). Restore it with that version or "
        "a newer one. Nothing was changed.",
    )
    assert tables(target) == []
    result = run(target, "backup", "verify", str(path))
    assert result.exit_code == 0, result.output
    assert "Note: its schema revision fe11ed0a2b3c is newer than this code knows" in result.output


def test_a_backup_from_an_older_revision_restores_and_asks_for_an_upgrade(make_app, tmp_path):
    from flask_migrate import upgrade

    older = make_app(revision=PREVIOUS)
    path = backup_of(older, tmp_path)
    target = make_app(revision=None)
    result = run(target, "backup", "restore", str(path))
    assert result.exit_code == 0, result.output
    assert (
        f"Its schema revision {PREVIOUS} is older than this code's {HEAD}: run `flask db upgrade` before starting "
        "the application." in result.output.splitlines()
    )
    with target.app_context():
        upgrade()
        assert db.session.execute(text("SELECT version_num FROM alembic_version")).scalar() == HEAD
        db.session.remove()
        db.engine.dispose()


def test_a_backup_of_the_other_engine_is_refused(source, make_app, tmp_path):
    path = backup_of(source, tmp_path)
    other = "sqlite" if ENGINE == "postgresql" else "postgresql"
    entries = members(path)
    manifest = json.loads(entries["manifest.json"])
    stored = entries.pop(manifest["database"]["file"])
    manifest["database"].update(engine=other, file={"sqlite": "database.sqlite3.gz"}.get(other, "database.pgdump"))
    foreign = write_tar(
        tmp_path / "foreign.tar",
        {"manifest.json": json.dumps(manifest).encode(), manifest["database"]["file"]: stored},
    )
    names = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
    target = make_app(revision=None)
    refused(
        run(target, "backup", "restore", str(foreign)),
        f"{foreign} holds a {names[other]} database, but the configured database is {names[ENGINE]}. Point "
        f"LMS_DATABASE_URL at an empty {names[other]} database. Nothing was changed.",
    )
    assert tables(target) == []


# -- the engines' own faults -----------------------------------------------------------------------


@pytest.mark.skipif(ENGINE != "sqlite", reason="a SQLite database file")
def test_a_missing_sqlite_file_is_not_backed_up_as_an_empty_one(tmp_path):
    from lms import create_app

    missing = tmp_path / "typo.sqlite3"
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{missing}"})
    out = tmp_path / "backups"
    refused(
        run(app, "backup", "create", "--out", str(out)),
        f"The database file {missing} does not exist; nothing to back up.",
    )
    assert not missing.exists()
    assert list(out.iterdir()) == []


@pytest.mark.skipif(ENGINE != "postgresql", reason="PostgreSQL client programs")
@pytest.mark.parametrize("command", ["create", "restore"])
def test_client_programs_older_than_needed_are_named(source, make_app, tmp_path, monkeypatch, command):
    path = backup_of(source, tmp_path / "good")
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    for tool in ("pg_dump", "pg_restore"):
        script = fake_bin / tool
        script.write_text(f"#!/bin/sh\necho '{tool} (PostgreSQL) 9.6.24'\n")
        script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake_bin}{os.pathsep}{os.environ['PATH']}")
    manifest = json.loads(members(path)["manifest.json"])
    if command == "create":
        out = tmp_path / "more"
        server = manifest["database"]["server_version"]
        major = int(server.split(".")[0])
        refused(
            run(source, "backup", "create", "--out", str(out)),
            f"pg_dump (PostgreSQL) 9.6.24 cannot dump a PostgreSQL {server} server. Install "
            f"postgresql-client-{major} (or newer) and put its programs first on PATH. No backup was written.",
        )
        assert list(out.iterdir()) == []
    else:
        made_with = manifest["database"]["made_with"]
        major = int(re.search(r"\(PostgreSQL\) (\d+)", made_with).group(1))
        target = make_app(revision=None)
        refused(
            run(target, "backup", "restore", str(path)),
            f"pg_restore (PostgreSQL) 9.6.24 cannot read a backup made by {made_with}. Install "
            f"postgresql-client-{major} (or newer) and put its programs first on PATH. Nothing was changed.",
        )
        assert tables(target) == []


@pytest.mark.skipif(ENGINE != "postgresql", reason="pg_restore")
def test_a_dump_that_pg_restore_cannot_finish_leaves_the_database_empty(source, make_app, tmp_path):
    path = backup_of(source, tmp_path)
    dump = members(path)["database.pgdump"]
    # Cut short before it was checksummed (a pg_dump killed mid-way): only pg_restore can tell.
    cut = _rewrite(path, tmp_path / "cut-dump.tar", database=dump[: len(dump) * 3 // 4])
    target = make_app(revision=None)
    result = run(target, "backup", "restore", str(cut))
    assert result.exit_code == 1, result.output
    assert result.output.startswith(
        "Error: pg_restore failed, and nothing was restored (it runs as one transaction): pg_restore: error: "
    ), result.output
    assert tables(target) == []
    result = run(source, "backup", "verify", str(cut))
    assert result.exit_code == 1, result.output
    assert result.output.startswith("Error: pg_restore failed, and nothing was restored"), result.output
    # The scratch database of the failed verify is gone.
    with source.app_context():
        scratch = db.session.execute(text("SELECT datname FROM pg_database WHERE datname LIKE 'lms_verify_%'")).all()
        db.session.remove()
        db.engine.dispose()
    assert scratch == []


def test_a_scratch_folder_that_cannot_be_written_is_named(source, tmp_path, monkeypatch):
    import tempfile

    path = backup_of(source, tmp_path)
    missing = tmp_path / "no-such-folder"
    monkeypatch.setattr(tempfile, "tempdir", str(missing))
    result = run(source, "backup", "verify", str(path))
    assert result.exit_code == 1, result.output
    assert re.fullmatch(
        rf"Error: Could not read or write {re.escape(str(missing))}/lms-verify-\w+: No such file or directory\. "
        r"Nothing was changed\.",
        result.output.strip(),
    ), result.output


@pytest.mark.skipif(ENGINE != "sqlite", reason="a SQLite database file")
def test_restore_into_a_file_in_a_missing_folder_is_refused(source, tmp_path):
    from lms import create_app

    path = backup_of(source, tmp_path)
    nowhere = tmp_path / "missing" / "lms.sqlite3"
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{nowhere}"})
    refused(run(app, "backup", "restore", str(path)), f"The folder of the database file {nowhere} does not exist.")
    assert not nowhere.parent.exists()
