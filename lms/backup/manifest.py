"""What a backup file is: its name, its manifest, and whether this code can restore it (pure rules).

A backup is one uncompressed tar file holding two members, in this order: `manifest.json` (this
module's `Manifest`) and the database copy (`database.sqlite3.gz`, a gzipped SQLite file, or
`database.pgdump`, PostgreSQL's custom dump format). The manifest comes first so that a file cut
short still says what it should have held.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum

FORMAT = "lms-backup"
FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
# The most a manifest may weigh: a few hundred tables' counts, never megabytes.
MANIFEST_MAX_BYTES = 1024 * 1024
DATABASE_MEMBERS = {"sqlite": "database.sqlite3.gz", "postgresql": "database.pgdump"}
ENGINE_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}

# Written into every manifest, for whoever finds the file without the documentation.
NOT_INCLUDED = (
    "The secret key (LMS_SECRET_KEY) is not in this backup. Keep the environment file apart from it: "
    "with another key every open session ends and unused activation codes stop working.",
    "Course sources (content/) are not in this backup; they are kept in git.",
    "This file holds personal data and password hashes: store it encrypted, readable by the operator only.",
)

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_STAMP = "%Y%m%dT%H%M%SZ"


def backup_file_names(now: datetime) -> Iterator[str]:
    """The names a backup made at `now` may take, in order of preference: its UTC time, then -2, -3, ..."""
    stamp = now.astimezone(UTC).strftime(_STAMP)
    yield f"lms-backup-{stamp}.tar"
    for number in itertools.count(2):
        yield f"lms-backup-{stamp}-{number}.tar"


@dataclass(frozen=True)
class Manifest:
    """What a backup holds: the database copy's engine, size and checksum, its schema and its rows."""

    engine: str
    created_at: datetime
    app_version: str
    schema_revision: str | None
    row_counts: Mapping[str, int]
    size: int
    sha256: str
    server_version: str = ""
    made_with: str = ""

    @property
    def member(self) -> str:
        """The tar member that holds the database copy."""
        return DATABASE_MEMBERS[self.engine]

    @property
    def total_rows(self) -> int:
        return sum(self.row_counts.values())

    def to_json(self) -> bytes:
        """The manifest as the UTF-8 JSON stored in the backup file."""
        document = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "created_at": self.created_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            "app_version": self.app_version,
            "schema_revision": self.schema_revision,
            "database": {
                "engine": self.engine,
                "file": self.member,
                "bytes": self.size,
                "sha256": self.sha256,
                "server_version": self.server_version,
                "made_with": self.made_with,
            },
            "row_counts": dict(sorted(self.row_counts.items())),
            "not_included": list(NOT_INCLUDED),
        }
        return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode()


def read_manifest(raw: bytes) -> Manifest:
    """Read a manifest; raise ValueError saying what is wrong when it is not one this code wrote."""
    try:
        document = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ValueError("its manifest is not JSON") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValueError("its manifest is not an LMS backup manifest")
    version = document.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ValueError("its manifest has no format version")
    if version > FORMAT_VERSION:
        raise ValueError(f"it has backup format {version}; this version of the application reads format 1")
    database = document.get("database")
    if not isinstance(database, dict) or database.get("engine") not in DATABASE_MEMBERS:
        raise ValueError("its manifest names no database engine this application knows")
    engine = database["engine"]
    size, sha256 = database.get("bytes"), database.get("sha256")
    if database.get("file") != DATABASE_MEMBERS[engine] or not _count(size) or not _is_sha256(sha256):
        raise ValueError("its manifest does not describe its database copy")
    counts = document.get("row_counts")
    if not isinstance(counts, dict) or not all(isinstance(k, str) and _count(v) for k, v in counts.items()):
        raise ValueError("its manifest has no row counts")
    revision = document.get("schema_revision")
    if revision is not None and not isinstance(revision, str):
        raise ValueError("its manifest's schema revision is not text")
    try:
        created_at = datetime.fromisoformat(str(document.get("created_at")))
    except ValueError:
        raise ValueError("its manifest has no creation time") from None
    if created_at.tzinfo is None:
        raise ValueError("its manifest has no creation time")
    return Manifest(
        engine=engine,
        created_at=created_at.astimezone(UTC),
        app_version=str(document.get("app_version") or "unknown"),
        schema_revision=revision,
        row_counts=counts,
        size=size,
        sha256=sha256,
        server_version=str(database.get("server_version") or ""),
        made_with=str(database.get("made_with") or ""),
    )


def _count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _is_sha256(value) -> bool:
    return isinstance(value, str) and bool(_SHA256.match(value))


class SchemaFit(Enum):
    """How a backup's schema revision stands to the code's migrations."""

    CURRENT = "current"  # the code's head: ready to serve
    OLDER = "older"  # in the code's history: restore, then `flask db upgrade`
    UNKNOWN = "unknown"  # not in the code's history: made by newer code, refused
    UNRECORDED = "unrecorded"  # the database had no revision (never migrated): restored as is


def schema_fit(revision: str | None, history: Sequence[str]) -> SchemaFit:
    """Judge a backup's revision against the code's revisions, head first."""
    if revision is None:
        return SchemaFit.UNRECORDED
    if history and revision == history[0]:
        return SchemaFit.CURRENT
    return SchemaFit.OLDER if revision in history else SchemaFit.UNKNOWN


def count_differences(expected: Mapping[str, int], found: Mapping[str, int]) -> list[str]:
    """Each table whose rows differ from what the manifest lists, as 'table: N listed, M found'."""
    return [
        f"{table}: {_rows(expected, table)} listed, {_rows(found, table)} found"
        for table in sorted(set(expected) | set(found))
        if expected.get(table) != found.get(table)
    ]


def _rows(counts: Mapping[str, int], table: str) -> str:
    return str(counts[table]) if table in counts else "no table"
