"""`flask backup create|restore|verify` (docs/operations.md)."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from lms.backup.manifest import SchemaFit
from lms.backup.service import (
    Restored,
    create_backup,
    default_directory,
    record_backup_made,
    record_restore,
    restore_backup,
    verify_backup,
)
from lms.database import utcnow, write_transaction
from lms.refusals import cli_refusals

backup_cli = AppGroup("backup", help="Make, check and restore backups of the database.")

NOT_IN_THE_BACKUP = (
    "Not in the backup: the secret key (LMS_SECRET_KEY) and the environment file. Keep them apart "
    "from the backups; course sources are in git."
)


def _size(n: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} bytes"  # not reached


def _made(restored: Restored) -> str:
    manifest = restored.manifest
    made_at = manifest.created_at.strftime("%Y-%m-%d %H:%M:%S UTC")
    return (
        f"made {made_at} by version {manifest.app_version}, schema revision {manifest.schema_revision or 'none'}; "
        f"{manifest.total_rows} rows in {len(manifest.row_counts)} tables"
    )


@backup_cli.command("create")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory for the backup file (made 0700 if missing). Default: backups/ in the instance folder.",
)
@cli_refusals
def create_command(out_dir: Path | None):
    """Copy the database, while the app runs, into a new file lms-backup-<UTC time>.tar (0600)."""
    made = create_backup(out_dir or default_directory(), utcnow())
    with write_transaction():
        record_backup_made(made)
    manifest = made.manifest
    click.echo(f"Backup written: {made.path}")
    click.echo(
        f"{_size(made.path.stat().st_size)}, {manifest.total_rows} rows in {len(manifest.row_counts)} tables, "
        f"schema revision {manifest.schema_revision or 'none'}, {made.seconds:.1f} s."
    )
    click.echo(NOT_IN_THE_BACKUP)


@backup_cli.command("restore")
@click.argument("backup_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@cli_refusals
def restore_command(backup_file: Path):
    """Restore a backup file into the configured database, which must be empty."""
    restored = restore_backup(backup_file)
    with write_transaction():
        record_restore(restored)
    click.echo(f"Restored {backup_file} ({_made(restored)}) in {restored.seconds:.1f} s.")
    if restored.fit is SchemaFit.OLDER:
        click.echo(
            f"Its schema revision {restored.manifest.schema_revision} is older than this code's {restored.head}: "
            "run `flask db upgrade` before starting the application."
        )
    elif restored.fit is SchemaFit.UNRECORDED:
        click.echo(
            "It records no schema revision (the database was not made by `flask db upgrade`): "
            "check it with `flask db current` before starting the application."
        )
    click.echo(
        "Start the application with the secret key (LMS_SECRET_KEY) it used when the backup was made; "
        "with another key every open session ends and unused activation codes stop working."
    )


@backup_cli.command("verify")
@click.argument("backup_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@cli_refusals
def verify_command(backup_file: Path):
    """Restore a backup into a scratch database and check its integrity and row counts (exit 1 if bad)."""
    verified = verify_backup(backup_file)
    click.echo(f"OK: {backup_file} restores whole ({_made(verified)}); checked in {verified.seconds:.1f} s.")
    if verified.fit is SchemaFit.UNKNOWN:
        click.echo(
            f"Note: its schema revision {verified.manifest.schema_revision} is newer than this code knows; "
            "only the version that made it (or a newer one) can restore it."
        )
    elif verified.fit is SchemaFit.OLDER:
        click.echo(f"Note: after restoring it, run `flask db upgrade` (this code is at {verified.head}).")
