"""The pure rules of backup files: names, the manifest, schema revisions, count differences."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from itertools import islice

import pytest

from lms.backup.manifest import (
    Manifest,
    SchemaFit,
    backup_file_names,
    count_differences,
    read_manifest,
    schema_fit,
)

MANIFEST = Manifest(
    engine="sqlite",
    created_at=datetime(2026, 3, 1, 17, 5, 9, tzinfo=UTC),
    app_version="v1.2-3-gabc1234",
    schema_revision="7f7c7fa6c9ce",
    row_counts={"users": 12, "alembic_version": 1},
    size=4096,
    sha256="ab" * 32,
    server_version="3.40.1",
    made_with="SQLite online backup API, gzip",
)


def test_names_carry_the_utc_time_and_never_repeat():
    in_vietnam = datetime(2026, 3, 2, 0, 5, 9, tzinfo=timezone(timedelta(hours=7)))
    assert list(islice(backup_file_names(in_vietnam), 3)) == [
        "lms-backup-20260301T170509Z.tar",
        "lms-backup-20260301T170509Z-2.tar",
        "lms-backup-20260301T170509Z-3.tar",
    ]


def test_a_manifest_reads_back_as_written():
    document = json.loads(MANIFEST.to_json())
    assert document["format"] == "lms-backup" and document["format_version"] == 1
    assert document["created_at"] == "2026-03-01T17:05:09Z"
    assert document["database"] == {
        "engine": "sqlite",
        "file": "database.sqlite3.gz",
        "bytes": 4096,
        "sha256": "ab" * 32,
        "server_version": "3.40.1",
        "made_with": "SQLite online backup API, gzip",
    }
    assert list(document["row_counts"]) == ["alembic_version", "users"]
    assert any("LMS_SECRET_KEY" in line for line in document["not_included"])
    assert read_manifest(MANIFEST.to_json()) == MANIFEST
    assert MANIFEST.total_rows == 13


def _edited(**changes) -> bytes:
    document = json.loads(MANIFEST.to_json())
    for dotted, value in changes.items():
        *parents, key = dotted.split("__")
        target = document
        for parent in parents:
            target = target[parent]
        target[key] = value
    return json.dumps(document).encode()


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"\xff\xfe", "its manifest is not JSON"),
        (b"[1, 2]", "its manifest is not an LMS backup manifest"),
        (_edited(format="other"), "its manifest is not an LMS backup manifest"),
        (_edited(format_version=True), "its manifest has no format version"),
        (_edited(format_version=2), "it has backup format 2; this version of the application reads format 1"),
        (_edited(database__engine="mysql"), "its manifest names no database engine this application knows"),
        (_edited(database__file="../../etc/passwd"), "its manifest does not describe its database copy"),
        (_edited(database__bytes=-1), "its manifest does not describe its database copy"),
        (_edited(database__sha256="abc"), "its manifest does not describe its database copy"),
        (_edited(row_counts={"users": "12"}), "its manifest has no row counts"),
        (_edited(schema_revision=7), "its manifest's schema revision is not text"),
        (_edited(created_at="yesterday"), "its manifest has no creation time"),
        (_edited(created_at="2026-03-01T17:05:09"), "its manifest has no creation time"),
    ],
)
def test_a_manifest_this_code_did_not_write_is_refused_with_the_reason(raw, reason):
    with pytest.raises(ValueError) as refused:
        read_manifest(raw)
    assert str(refused.value) == reason


HISTORY = ["c3", "b2", "a1"]  # newest first


@pytest.mark.parametrize(
    ("revision", "fit"),
    [
        ("c3", SchemaFit.CURRENT),
        ("b2", SchemaFit.OLDER),
        ("a1", SchemaFit.OLDER),
        ("d4", SchemaFit.UNKNOWN),
        (None, SchemaFit.UNRECORDED),
    ],
)
def test_a_backup_revision_is_judged_against_the_code_history(revision, fit):
    assert schema_fit(revision, HISTORY) is fit


def test_no_history_knows_no_revision():
    assert schema_fit("a1", []) is SchemaFit.UNKNOWN


def test_count_differences_name_each_table_both_ways():
    assert count_differences({"users": 3, "units": 1}, {"users": 3, "units": 1}) == []
    assert count_differences({"users": 3, "units": 1, "gone": 2}, {"users": 2, "units": 1, "extra": 0}) == [
        "extra: no table listed, 0 found",
        "gone: 2 listed, no table found",
        "users: 3 listed, 2 found",
    ]
