"""Backup files on disk: written whole or not at all, 0600, never over another file; read back checked.

The layout is described in lms/backup/manifest.py. Writing goes to a hidden temporary file in the
target directory, flushed to disk, then hard-linked to the first free timestamped name (a link
fails rather than replace an existing file, so two backups in one second never overwrite each
other) and the temporary name removed. Reading checks the manifest, then streams the database copy
out while counting and hashing it, so a file cut short or changed is refused before anything is
restored from it.
"""

from __future__ import annotations

import hashlib
import io
import os
import tarfile
import tempfile
from collections.abc import Iterable
from pathlib import Path

from lms.backup.manifest import MANIFEST_MAX_BYTES, MANIFEST_NAME, Manifest, read_manifest
from lms.backup.problems import cut_short, damaged, not_a_backup
from lms.refusals import N_, Problem, Refused

CHUNK = 1024 * 1024
# Enough names for one second's backups; more means something is looping.
MAX_NAME_TRIES = 100


def file_digest(path: Path) -> tuple[int, str]:
    """A file's size and SHA-256 (hex)."""
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def private_directory(path: Path) -> Path:
    """Make the directory (0700) if it is missing; refuse a path that is not a writable directory."""
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as error:
        raise Refused(
            Problem(N_("Cannot use %(path)s for backups: %(error)s."), path=str(path), error=error.strerror or error),
            code="backup_directory",
        ) from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise Refused(
            Problem(N_("Cannot use %(path)s for backups: %(error)s."), path=str(path), error="not writable"),
            code="backup_directory",
        )
    return path


def write_backup_file(directory: Path, names: Iterable[str], manifest: Manifest, database_copy: Path) -> Path:
    """Write the manifest and the database copy as one tar file under the first free name; return its path."""
    handle, temporary = tempfile.mkstemp(prefix=".lms-backup-", suffix=".partial", dir=directory)
    try:
        with os.fdopen(handle, "wb") as raw:
            with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
                _add_member(tar, MANIFEST_NAME, manifest.to_json(), manifest)
                info = _member_info(manifest.member, manifest.size, manifest)
                with database_copy.open("rb") as copy:
                    tar.addfile(info, copy)
            raw.flush()
            os.fsync(raw.fileno())
        path = _link_to_free_name(Path(temporary), directory, names)
        _sync_directory(directory)
        return path
    except OSError as error:
        raise Refused(
            Problem(
                N_("Could not write the backup in %(path)s: %(error)s. No backup file was left there."),
                path=str(directory),
                error=error.strerror or error,
            ),
            code="backup_write",
        ) from None
    finally:
        Path(temporary).unlink(missing_ok=True)


def _member_info(name: str, size: int, manifest: Manifest) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = size, 0o600, int(manifest.created_at.timestamp())
    return info


def _add_member(tar: tarfile.TarFile, name: str, data: bytes, manifest: Manifest) -> None:
    tar.addfile(_member_info(name, len(data), manifest), io.BytesIO(data))


def _link_to_free_name(temporary: Path, directory: Path, names: Iterable[str]) -> Path:
    for _, name in zip(range(MAX_NAME_TRIES), names, strict=False):
        path = directory / name
        try:
            os.link(temporary, path)
        except FileExistsError:
            continue
        return path
    raise Refused(
        Problem(N_("Every backup name for this second is taken in %(path)s; try again."), path=str(directory)),
        code="backup_write",
    )


def _sync_directory(directory: Path) -> None:
    """Make the new name itself durable, not only the file's contents."""
    handle = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def read_backup_manifest(path: Path) -> Manifest:
    """Read only the manifest of a backup file (refused if the file is not a backup)."""
    with _open_backup(path) as tar:
        return _manifest_of(path, tar)


def read_backup_file(path: Path, into: Path) -> Manifest:
    """Check a backup file and write its database copy (as stored) to `into`; return its manifest."""
    with _open_backup(path) as tar:
        manifest = _manifest_of(path, tar)
        try:
            member = tar.next()
        except (tarfile.TarError, EOFError):
            raise Refused(cut_short(path, 0, manifest.size), code="backup_truncated") from None
        if member is None:
            raise Refused(cut_short(path, 0, manifest.size), code="backup_truncated")
        if member.name != manifest.member or not member.isfile():
            raise Refused(
                damaged(path, f"it holds {member.name!r} where its manifest names {manifest.member!r}"),
                code="backup_damaged",
            )
        got, digest = _copy_member(tar, member, into)
        if got < member.size:  # the file ends inside the copy
            held = max(0, min(path.stat().st_size - member.offset_data, member.size))
            raise Refused(cut_short(path, held, manifest.size), code="backup_truncated")
        if got != manifest.size or digest != manifest.sha256:
            raise Refused(
                damaged(path, "its database copy does not match the checksum in its manifest"), code="backup_damaged"
            )
    return manifest


def _open_backup(path: Path) -> tarfile.TarFile:
    try:
        return tarfile.open(path, mode="r:")
    except tarfile.ReadError as error:
        raise Refused(not_a_backup(path, f"not a tar file: {error}"), code="not_a_backup") from None
    except OSError as error:
        raise Refused(not_a_backup(path, f"cannot read it: {error.strerror or error}"), code="not_a_backup") from None


def _manifest_of(path: Path, tar: tarfile.TarFile) -> Manifest:
    first = tar.next()
    if first is None or first.name != MANIFEST_NAME or not first.isfile():
        raise Refused(not_a_backup(path, f"its first member is not {MANIFEST_NAME}"), code="not_a_backup")
    if first.size > MANIFEST_MAX_BYTES:
        raise Refused(not_a_backup(path, f"its {MANIFEST_NAME} is too large"), code="not_a_backup")
    try:
        raw = tar.extractfile(first).read()
    except (tarfile.TarError, EOFError):
        raise Refused(not_a_backup(path, f"its {MANIFEST_NAME} is cut short"), code="not_a_backup") from None
    try:
        return read_manifest(raw)
    except ValueError as error:
        raise Refused(not_a_backup(path, str(error)), code="not_a_backup") from None


def _copy_member(tar: tarfile.TarFile, member: tarfile.TarInfo, into: Path) -> tuple[int, str]:
    """Stream a member to a file, hashing it; stop quietly where the file ends early."""
    digest, got = hashlib.sha256(), 0
    source = tar.extractfile(member)
    with into.open("wb") as out:
        while True:
            try:
                chunk = source.read(CHUNK)
            except (tarfile.TarError, EOFError):
                break
            if not chunk:
                break
            digest.update(chunk)
            out.write(chunk)
            got += len(chunk)
    return got, digest.hexdigest()
