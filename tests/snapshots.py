"""Whole-database snapshots: what a request wrote, and putting the database back as it was.

A snapshot holds every row of every table (the worlds the access tests build are small), so
comparing two snapshots catches a new row, a deleted row and any changed column alike.
"""

from __future__ import annotations

from sqlalchemy import select

from lms.extensions import db

Snapshot = dict[str, dict[tuple, tuple]]
# The live room's server processes renew their own record every heartbeat period, whenever that
# falls: bookkeeping of the process, never a person's record, so left out of what requests wrote.
UNTRACKED = {"room_processes"}


def _tables():
    return [table for table in db.metadata.sorted_tables if table.name not in UNTRACKED]


def take() -> Snapshot:
    """Every table's rows by primary key, as committed (the test's own session is committed first)."""
    db.session.commit()
    snapshot: Snapshot = {}
    with db.engine.connect() as conn:
        for table in _tables():
            key = [table.c[c.name] for c in table.primary_key.columns]
            rows = conn.execute(select(table).order_by(*key)).all()
            snapshot[table.name] = {tuple(getattr(row, c.name) for c in key): tuple(row) for row in rows}
    return snapshot


def changes(before: Snapshot, after: Snapshot) -> dict[str, dict[str, list]]:
    """Per changed table, the rows added, removed and changed (old and new), by primary key."""
    found = {}
    for name, old in before.items():
        new = after[name]
        added = [new[k] for k in new.keys() - old.keys()]
        removed = [old[k] for k in old.keys() - new.keys()]
        changed = [(old[k], new[k]) for k in old.keys() & new.keys() if old[k] != new[k]]
        if added or removed or changed:
            found[name] = {"added": added, "removed": removed, "changed": changed}
    return found


def changed_tables(before: Snapshot, after: Snapshot) -> set[str]:
    return set(changes(before, after))


def restore(snapshot: Snapshot) -> None:
    """Put every table back to the snapshot's rows (ids included).

    Objects the test holds stay in its session, expired: they load again by id when next read.
    """
    db.session.rollback()
    tables = _tables()
    with db.engine.begin() as conn:
        for table in reversed(tables):
            conn.execute(table.delete())
        for table in tables:  # parents first; within units, a parent has a smaller id than its children
            rows = [dict(zip(table.columns.keys(), row, strict=True)) for row in snapshot[table.name].values()]
            if rows:
                conn.execute(table.insert(), rows)
